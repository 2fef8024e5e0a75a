/**
 * The README's error promises, walked over every source with the same bad inputs: exit code 2, one line
 * naming the file (and the line where there is one), a `failed` row where an ingest started, and every
 * data table exactly as before.
 */
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/warehouse.ts';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

const EX = join(REPO_ROOT, 'examples');

/** The first half of a real file: a truncated input of that source's format. */
function truncated(dir: string, from: string, name: string): string {
  const bytes = readFileSync(from);
  const path = join(dir, name);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
  return path;
}

interface Case {
  name: string;
  /** Makes the input; returns its path. */
  make(dir: string): string;
  /** Whether an ingest started (and so leaves a failed row). */
  started: boolean;
  /** A line number the message must name. */
  line?: number;
}

const SOURCES: Record<string, { ext: string; real: string }> = {
  wandb: { ext: '.parquet', real: join(EX, 'wandb', 'wandb_runs_sample.parquet') },
  datadecide: { ext: '.parquet', real: join(EX, 'datadecide', 'mean_eval.parquet') },
  pickle: { ext: '.pkl', real: join(EX, 'pickles', 'combined_plotting_data_matched.pkl') },
  qa: { ext: '.tar.gz', real: join(EX, 'qa', 'tarballs', 'dolma1.7.tar.gz') },
};

function casesFor(kind: string): Case[] {
  const { ext, real } = SOURCES[kind]!;
  const cases: Case[] = [
    { name: 'a missing path', make: (dir) => join(dir, `missing${ext}`), started: false },
    {
      name: 'a directory with nothing of the source in it',
      make: (dir) => {
        const empty = join(dir, 'nothing-here');
        mkdirSync(empty);
        writeFileSync(join(empty, 'notes.txt'), 'not data\n');
        return empty;
      },
      started: false,
    },
    {
      name: 'an empty file',
      make: (dir) => {
        const path = join(dir, `empty${ext}`);
        closeSync(openSync(path, 'w'));
        return path;
      },
      started: true,
    },
    {
      name: 'a file of another format',
      make: (dir) => {
        const path = join(dir, `wrong${ext}`);
        writeFileSync(path, 'id,value\n1,2\n');
        return path;
      },
      started: true,
    },
    { name: 'a truncated file', make: (dir) => truncated(dir, real, `truncated${ext}`), started: true },
  ];
  if (kind === 'wandb') {
    cases.push({
      name: 'a bad line 3',
      make: (dir) => {
        const path = join(dir, 'history.jsonl');
        const fd = openSync(path, 'w');
        writeSync(fd, '{"run_id": "a", "step": 0, "metrics": {"loss": 1}}\n');
        writeSync(fd, '{"run_id": "a", "step": 1, "metrics": {"loss": 2}}\n');
        writeSync(fd, '{"run_id": "a", "step": 2, "metrics": {"loss": \n');
        closeSync(fd);
        return path;
      },
      started: true,
      line: 3,
    });
  }
  return cases;
}

/** Rows per data table, and the failed rows of ingest_log. */
async function state(db: string): Promise<{ tables: Record<string, number>; failed: number }> {
  const wh = await Warehouse.open(db, { readOnly: true });
  try {
    const tables: Record<string, number> = {};
    for (const table of await wh.ingestedTables()) {
      tables[table] = Number(await wh.scalar<bigint>(`SELECT count(*) FROM "${table}"`));
    }
    const failed = Number(await wh.scalar<bigint>("SELECT count(*) FROM ingest_log WHERE status = 'failed'"));
    return { tables, failed };
  } finally {
    wh.close();
  }
}

describe('every source keeps the README error promises', () => {
  for (const kind of Object.keys(SOURCES)) {
    it(`mlduck ingest ${kind}`, async () => {
      const dir = tempDir();
      const db = await migratedWarehouseFile(join(dir, 'w.duckdb'));
      let before = await state(db);
      for (const c of casesFor(kind)) {
        const input = c.make(dir);
        const run = await runCli(['--db', db, '-q', 'ingest', kind, input]);
        const lines = run.stderr.trim().split('\n');
        expect(run.code, `${kind}, ${c.name}: ${run.stderr}`).toBe(2);
        expect(lines, `${kind}, ${c.name}`).toHaveLength(1);
        expect(lines[0], `${kind}, ${c.name}`).toContain(input);
        if (c.line !== undefined) expect(lines[0]).toContain(`${input}:${c.line}:`);
        const after = await state(db);
        expect(after.tables, `${kind}, ${c.name}: data unchanged`).toEqual(before.tables);
        expect(after.failed - before.failed, `${kind}, ${c.name}: failed rows`).toBe(c.started ? 1 : 0);
        before = after;
      }
    }, 300_000);
  }
});
