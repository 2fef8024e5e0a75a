/**
 * Kill-safety of the ingest protocol: an ingest killed (SIGKILL) at any instant — while reading, while
 * appending, inside COMMIT (caught by watching the WAL grow) — leaves, after the next read-write open,
 * every table exactly as before the ingest or exactly as after it; and running it again gives the after
 * state (no doubled rows).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/warehouse.ts';
import { BIN, migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

/** Per table carrying ingest_id: its row count and an order-free hash of its rows. */
async function fingerprint(db: string): Promise<{ tables: Record<string, string> }> {
  const wh = await Warehouse.open(db); // read-write: finishes what a killed ingest left
  try {
    const tables: Record<string, string> = {};
    for (const table of await wh.ingestedTables()) {
      const [row] = await wh.all<{ n: bigint; h: string | null }>(
        // Without ingest_id: a run after a kill takes a new id for the same rows.
        `SELECT count(*) AS n, sum(hash(t))::VARCHAR AS h FROM (SELECT * EXCLUDE (ingest_id) FROM "${table}") t`,
      );
      tables[table] = `${row!.n}:${row!.h ?? ''}`;
    }
    const unfinished = Number(
      await wh.scalar<bigint>("SELECT count(*) FROM ingest_log WHERE status IN ('running', 'superseded')"),
    );
    expect(unfinished).toBe(0);
    return { tables };
  } finally {
    wh.close();
  }
}

function startIngest(db: string, args: readonly string[]): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(process.execPath, [BIN, '--db', db, '-q', 'ingest', ...args], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
    env: { ...process.env, MLDUCK_DB: undefined },
  });
  const done = new Promise<number>((resolve) =>
    child.on('exit', (code, signal) => resolve(signal ? -1 : (code ?? -1))),
  );
  return { child, done };
}

/** Kills the ingest as soon as the WAL grows past its size after the `running` row's commit. */
async function killAtCommit(db: string, args: readonly string[]): Promise<void> {
  const { child, done } = startIngest(db, args);
  const wal = `${db}.wal`;
  let first = -1;
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  while (!finished) {
    const size = existsSync(wal) ? statSync(wal).size : 0;
    if (first < 0 && size > 0) first = size;
    else if (first > 0 && size > first) {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await done;
}

async function killAfter(db: string, args: readonly string[], ms: number): Promise<void> {
  const { child, done } = startIngest(db, args);
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await done;
  clearTimeout(timer);
}

interface Scenario {
  name: string;
  /** Prepares the warehouse's "before" state and the input; returns the ingest arguments. */
  setup(dir: string, db: string): Promise<string[]>;
}

/** A W&B v3 history file of `runs` × `steps` rows. */
function historyFile(path: string, steps: number, seed: number): void {
  const lines: string[] = [];
  for (let r = 0; r < 10; r++) {
    for (let s = 0; s < steps; s++) {
      lines.push(
        JSON.stringify({
          run_id: `run${r}`,
          step: s,
          runtime: s / 2,
          metrics: { loss: (s * 7 + r + seed) % 97, acc: s / steps },
        }),
      );
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

const SCENARIOS: Scenario[] = [
  {
    name: 'wandb history, first ingest',
    async setup(dir) {
      historyFile(join(dir, 'history.jsonl'), 8000, 0);
      return ['wandb', join(dir, 'history.jsonl')];
    },
  },
  {
    name: 'wandb history, a changed file replacing its older version',
    async setup(dir, db) {
      const file = join(dir, 'history.jsonl');
      historyFile(file, 8000, 0);
      expect((await runCli(['--db', db, '-q', 'ingest', 'wandb', file])).code).toBe(0);
      historyFile(file, 8000, 1);
      return ['wandb', file];
    },
  },
  {
    // Beside another recipe, and replacing by key the same checkpoints' tasks read before from the
    // extracted tree (other paths: src/replacements.ts defers those deletes until the tarball committed).
    name: 'qa tarball, beside another recipe, replacing the same checkpoints read from a tree',
    async setup(_dir, db) {
      const qa = join(REPO_ROOT, 'examples', 'qa');
      const inputs = [join(qa, 'tarballs', 'dclm-baseline.tar.gz'), join(qa, 'tree', 'dolma1.7')];
      expect((await runCli(['--db', db, '-q', 'ingest', 'qa', ...inputs])).code).toBe(0);
      return ['qa', join(qa, 'tarballs', 'dolma1.7.tar.gz')];
    },
  },
  {
    name: 'datadecide full_eval',
    async setup() {
      return ['datadecide', join(REPO_ROOT, 'examples', 'datadecide', 'multi_seed_full_eval.parquet')];
    },
  },
];

describe('an ingest killed at any instant leaves the before or the after state', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const dir = tempDir();
      const before = await migratedWarehouseFile(join(dir, 'before.duckdb'));
      const args = await scenario.setup(dir, before);
      // The states to compare with: before, and after an uninterrupted run (timed, to place the kills).
      const beforeState = (await fingerprint(before)).tables;
      const after = join(dir, 'after.duckdb');
      copyFileSync(before, after);
      const started = performance.now();
      expect(await startIngest(after, args).done).toBe(0);
      const duration = performance.now() - started;
      const afterState = (await fingerprint(after)).tables;
      expect(afterState).not.toEqual(beforeState);

      const kills: ((db: string) => Promise<void>)[] = [
        (db) => killAtCommit(db, args),
        ...[0.35, 0.7, 0.9].map((f) => (db: string) => killAfter(db, args, duration * f)),
      ];
      for (const [i, kill] of kills.entries()) {
        const db = join(dir, `killed-${i}.duckdb`);
        copyFileSync(before, db);
        await kill(db);
        const { tables } = await fingerprint(db);
        expect([JSON.stringify(beforeState), JSON.stringify(afterState)], `kill ${i}`).toContain(
          JSON.stringify(tables),
        );
        // Running it again completes it, with no row twice.
        expect(await startIngest(db, args).done).toBe(0);
        expect((await fingerprint(db)).tables, `rerun after kill ${i}`).toEqual(afterState);
      }
    }, 240_000);
  }
});
