// Opens warehouse.duckdb.example with an OLDER DuckDB (@duckdb/node-api 1.1.3 = DuckDB v1.1.3) installed into a
// temp folder, read-only, and queries every view. Needs the npm registry (cached after the first run), so it is a
// CI/bench-side check, not part of `npm test`.
// Usage: node scripts/tools/check-example-old-duckdb.mjs [warehouse.duckdb.example] [version=1.1.3-alpha.12]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const file = resolve(process.argv[2] ?? 'warehouse.duckdb.example');
const version = process.argv[3] ?? '1.1.3-alpha.12';
const dir = mkdtempSync(join(tmpdir(), 'mlduck-old-duckdb-'));
try {
  execFileSync('npm', ['install', '--no-save', '--prefix', dir, `@duckdb/node-api@${version}`], {
    stdio: 'inherit',
  });
  const require = createRequire(join(dir, 'index.js'));
  const { DuckDBInstance } = require('@duckdb/node-api');
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  const views = (
    await conn.runAndReadAll(
      "SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main' ORDER BY 1",
    )
  ).getRows();
  const tables = (
    await conn.runAndReadAll("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1")
  ).getRows();
  let failed = 0;
  for (const [name] of [...tables, ...views]) {
    try {
      const rows = (
        await conn.runAndReadAll(`SELECT count(*) FROM "${String(name).replaceAll('"', '""')}"`)
      ).getRows();
      console.log(`ok    ${name}: ${rows[0][0]} rows`);
    } catch (error) {
      failed++;
      console.log(`FAIL  ${name}: ${error.message}`);
    }
  }
  console.log(
    `${tables.length} tables, ${views.length} views, ${failed} failed with @duckdb/node-api ${version}`,
  );
  process.exitCode = failed > 0 || views.length === 0 ? 1 : 0;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
