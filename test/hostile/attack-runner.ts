import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect, it } from 'vitest';
import { ATTACKS, type AttackSource } from '../../scripts/make-hostile.ts';
import { migratedWarehouseFile, runCli, tempDir } from '../helpers.ts';

// C0/C1 controls and DEL other than the line feeds that end lines: never raw on the user's terminal.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

/** Every file under `dir` (relative, `/`-separated) with its size and mtime. */
function tree(dir: string, root = dir, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(root, full).split('\\').join('/');
    if (entry.isDirectory()) {
      out.set(`${rel}/`, 'dir');
      tree(full, root, out);
    } else {
      const s = statSync(full);
      out.set(rel, `${s.size}:${s.mtimeMs}`);
    }
  }
  return out;
}

async function ingestLog(db: string): Promise<{ kind: string; status: string }[]> {
  const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
  try {
    const conn = await instance.connect();
    const reader = await conn.runAndReadAll('SELECT kind, status FROM ingest_log ORDER BY ingest_id');
    const rows = reader.getRowObjectsJS() as { kind: string; status: string }[];
    conn.closeSync();
    return rows;
  } finally {
    instance.closeSync();
  }
}

/**
 * One vitest case per attack of `source`: written into a fresh folder beside a migrated warehouse and run
 * through the CLI from that folder; exit code, the one-line message, no raw control character, nothing
 * written beside the inputs (outside what the command may write), and a `failed` ingest_log row.
 */
export function runAttacks(source: AttackSource, timeout = 60_000): void {
  for (const attack of ATTACKS.filter((a) => a.source === source)) {
    it(
      `${attack.id}: ${attack.what}`,
      async () => {
        const root = tempDir('mlduck-hostile-');
        const db = await migratedWarehouseFile(join(root, 'w.duckdb'));
        const dir = join(root, 'attack');
        mkdirSync(dir);
        const c = await attack.write(dir);
        const before = tree(root);
        const run = await runCli(['--db', db, ...c.args], { cwd: dir });
        const lines = run.stderr.split('\n').filter((l) => l !== '');
        // No crash: a signal or an internal error is a defect whatever the input.
        expect(run.code, run.stderr).not.toBe(4);
        expect(run.code, run.stderr).toBe(c.exit);
        expect(run.stderr).not.toMatch(/\n\s+at |RangeError|Segmentation/);
        expect(
          lines.some((l) => c.message.test(l)),
          `no stderr line matches ${c.message}:\n${run.stderr}`,
        ).toBe(true);
        if (c.stderrLines !== undefined) expect(lines, run.stderr).toHaveLength(c.stderrLines);
        expect(RAW_CONTROL.test(run.stderr + run.stdout), 'raw control character printed').toBe(false);
        const after = tree(root);
        for (const [path, stamp] of after) {
          if (/^w\.duckdb(\.wal)?$/.test(path)) continue;
          const inTarget = c.mayWrite?.test(relative(dir, join(root, path)).split('\\').join('/'));
          if (inTarget && path.startsWith('attack/')) continue;
          expect(before.get(path), `${path} was written`).toBe(stamp);
        }
        for (const path of before.keys()) expect(after.has(path), `${path} was deleted`).toBe(true);
        if (c.failedIngest) {
          const log = (await ingestLog(db)).filter((r) => r.kind === c.failedIngest);
          expect(log.map((r) => r.status)).toContain('failed');
          expect(log.map((r) => r.status)).not.toContain('ok');
        }
      },
      timeout,
    );
  }
}
