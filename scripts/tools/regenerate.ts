// Regenerates every committed artifact derived from the demo warehouse, in one run:
// src/db/schema.ts (codegen), docs/DATA_INVENTORY.md (inventory) and warehouse.duckdb.example.
// Usage: node --import tsx scripts/tools/regenerate.ts
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLUGINS } from '../../main.ts';
import { buildDemo } from '../../src/commands/demo.ts';
import { consoleOutput } from '../../src/output.ts';
import { generateSchema } from '../../src/tools/codegen.ts';
import { buildExampleWarehouse } from '../../src/tools/example.ts';
import { generateInventory } from '../../src/tools/inventory.ts';
import { DEFAULT_INVENTORY_PATH, DEFAULT_SCHEMA_PATH, formatTypeScript } from '../../src/tools/plugin.ts';
import { PACKAGE_ROOT } from '../../src/version.ts';

// Built next to the example file, so the shard paths it records (relative to the warehouse folder) fit it.
const demoDb = join(PACKAGE_ROOT, `.regenerate-${process.pid}.duckdb.tmp`);
try {
  const { wh } = await buildDemo({
    dbPath: demoDb,
    plugins: PLUGINS,
    out: consoleOutput(true),
  });
  try {
    writeFileSync(DEFAULT_SCHEMA_PATH, formatTypeScript(await generateSchema(wh), DEFAULT_SCHEMA_PATH));
    writeFileSync(DEFAULT_INVENTORY_PATH, await generateInventory(wh));
    const example = join(PACKAGE_ROOT, 'warehouse.duckdb.example');
    const bytes = await buildExampleWarehouse(wh, example);
    process.stdout.write(
      `wrote ${DEFAULT_SCHEMA_PATH}\nwrote ${DEFAULT_INVENTORY_PATH}\nwrote ${example} (${bytes} bytes)\n`,
    );
  } finally {
    wh.close();
  }
} finally {
  rmSync(demoDb, { force: true });
  rmSync(`${demoDb}.wal`, { force: true });
}
