// Views are created in small transactions (a new warehouse stays cheap in memory); a process killed while
// creating them must leave a warehouse that the next open completes.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, tempDir } from '../helpers.ts';

const COMPILED_WAREHOUSE = pathToFileURL(join(REPO_ROOT, 'dist', 'cli', 'src', 'warehouse.js')).href;
const VIEW_FILES = readdirSync(join(REPO_ROOT, 'views')).filter((f) => f.endsWith('.sql'));

/** Starts migrating a new warehouse in a child process and SIGKILLs it once its WAL has grown past `walBytes`. */
async function killWhileMigrating(db: string, walBytes: number): Promise<boolean> {
  // The compiled module (the suite's global setup builds it): a child without tsx's start-up.
  const script = `import(${JSON.stringify(COMPILED_WAREHOUSE)}).then((m) => m.Warehouse.open(${JSON.stringify(db)}, { fromSnapshot: false }))`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const wal = `${db}.wal`;
  while (!done && !(existsSync(wal) && statSync(wal).size > walBytes)) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const killed = !done;
  child.kill('SIGKILL');
  await exited;
  return killed;
}

describe('a crash while creating views', () => {
  it('leaves a warehouse that the next open completes: every view installed, none with a stale checksum', async () => {
    const dir = tempDir();
    // A new warehouse grows its WAL to ~1.7 MB; the views come after the tables.
    for (const walBytes of [500_000, 1_000_000, 1_500_000]) {
      const db = join(dir, `w-${walBytes}.duckdb`);
      expect(await killWhileMigrating(db, walBytes)).toBe(true);
      const wh = await Warehouse.open(db);
      try {
        const installed = await wh.all<{ name: string }>('SELECT name FROM schema_views ORDER BY name');
        expect(installed.map((r) => r.name)).toEqual([...VIEW_FILES].sort());
        const views = await wh.all<{ n: bigint }>(
          "SELECT count(*) AS n FROM duckdb_views() WHERE NOT internal AND view_name <> 'tokenized_rows'",
        );
        expect(Number(views[0]!.n)).toBe(VIEW_FILES.length);
        // The widest view is whole: its 1,939 columns carry their comments.
        const commented = await wh.all<{ n: bigint }>(
          "SELECT count(*) AS n FROM duckdb_columns() WHERE table_name = 'pretrain_eval_wide' AND comment IS NOT NULL",
        );
        expect(Number(commented[0]!.n)).toBeGreaterThan(1900);
      } finally {
        wh.close();
      }
    }
  }, 120_000);
});
