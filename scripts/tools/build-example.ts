// Rebuilds warehouse.duckdb.example from examples/ (the demo), in a storage format DuckDB v1.0+ CLIs open.
// Usage: node --import tsx scripts/tools/build-example.ts [out=warehouse.duckdb.example]
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PLUGINS } from '../../main.ts';
import { buildDemo } from '../../src/commands/demo.ts';
import { consoleOutput } from '../../src/output.ts';
import { buildExampleWarehouse } from '../../src/tools/example.ts';
import { PACKAGE_ROOT } from '../../src/version.ts';

const out = resolve(process.argv[2] ?? join(PACKAGE_ROOT, 'warehouse.duckdb.example'));
// Built next to the example file, so the shard paths it records (relative to the warehouse folder) fit it.
const demoDb = join(PACKAGE_ROOT, `.example-${process.pid}.duckdb.tmp`);
try {
  const { wh } = await buildDemo({
    dbPath: demoDb,
    plugins: PLUGINS,
    out: consoleOutput(true),
  });
  try {
    const bytes = await buildExampleWarehouse(wh, out);
    process.stdout.write(`wrote ${out} (${bytes} bytes, storage version 64 = DuckDB v0.10–v1.1 format)\n`);
  } finally {
    wh.close();
  }
} finally {
  rmSync(demoDb, { force: true });
  rmSync(`${demoDb}.wal`, { force: true });
}
