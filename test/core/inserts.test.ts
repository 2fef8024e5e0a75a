import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TABLE_COLUMNS } from '../../src/db/schema.ts';
import { insertInto } from '../../src/db/tables.ts';
import { REPO_ROOT, tempWarehouse } from '../helpers.ts';

/** The TypeScript sources that write to the warehouse. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|sql)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('inserts name their columns', () => {
  it('no INSERT in the sources relies on column positions', () => {
    const positional: string[] = [];
    for (const folder of ['src', 'ingest', 'pull', 'plot', 'views']) {
      for (const file of sources(join(REPO_ROOT, folder))) {
        const text = readFileSync(file, 'utf8');
        // `INSERT INTO name SELECT|WITH|VALUES|FROM` (a table name, possibly interpolated, then no column list).
        for (const match of text.matchAll(/INSERT\s+INTO\s+[\w."${}]+\s+(SELECT|WITH|VALUES|FROM)\b/gi)) {
          const line = text.slice(0, match.index).split('\n').length;
          positional.push(`${relative(REPO_ROOT, file)}:${line}: ${match[0].replace(/\s+/g, ' ')}`);
        }
      }
    }
    expect(positional).toEqual([]);
  });

  it('the generated column lists are the tables of a migrated warehouse, in order', async () => {
    const wh = await tempWarehouse();
    const rows = await wh.all<{ table_name: string; columns: string[] }>(`
      SELECT table_name, list(column_name ORDER BY column_index) AS columns FROM duckdb_columns()
      WHERE schema_name = 'main' AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main')
      GROUP BY table_name`);
    const migrated = new Map(rows.map((r) => [r.table_name, r.columns]));
    for (const [table, columns] of Object.entries(TABLE_COLUMNS)) {
      // Tables that pickle ingests create for themselves exist only once a pickle made them.
      if (!migrated.has(table)) continue;
      expect([table, ...columns]).toEqual([table, ...migrated.get(table)!]);
    }
    expect(insertInto('pretrain_metrics', ['ingest_id', 'value'])).toBe(
      'INSERT INTO "pretrain_metrics" ("ingest_id", "value")',
    );
  });
});
