// Regenerates every committed artifact derived from the demo warehouse, in one run:
// src/db/schema.ts (codegen), docs/DATA_INVENTORY.md (inventory) and warehouse.duckdb.example.
// Usage: node --import tsx scripts/tools/regenerate.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PLUGINS } from '../../main.ts';
import { buildDemo } from '../../src/commands/demo.ts';
import { consoleOutput } from '../../src/output.ts';
import { generateSchema } from '../../src/tools/codegen.ts';
import { buildExampleWarehouse } from '../../src/tools/example.ts';
import { generateInventory } from '../../src/tools/inventory.ts';
import { DEFAULT_INVENTORY_PATH, DEFAULT_SCHEMA_PATH, formatTypeScript } from '../../src/tools/plugin.ts';
import { PACKAGE_ROOT } from '../../src/version.ts';

const dir = mkdtempSync(join(tmpdir(), 'mlduck-regenerate-'));
try {
  const { wh } = await buildDemo({
    dbPath: join(dir, 'demo.duckdb'),
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
  rmSync(dir, { recursive: true, force: true });
}
