import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestQa } from '../../ingest/qa/ingest.ts';
import { type ReaderCallbacks, UnitReader } from '../../ingest/qa/reader.ts';
import { type TarMember, tarGz } from '../../scripts/qa/olmes.ts';
import { MlduckError } from '../../src/errors.ts';
import type { SourceProgress } from '../../src/source.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, runCli } from '../helpers.ts';

const EXAMPLES = join(REPO_ROOT, 'examples', 'qa');
const TREE = join(EXAMPLES, 'tree');
const CKPT = join(TREE, 'dclm-baseline', '150M', 'seed-2', 'step-1250');

const scratch = mkdtempSync(join(tmpdir(), 'mlduck-qa-'));
const opened: Warehouse[] = [];
afterAll(() => {
  for (const wh of opened) wh.close();
  rmSync(scratch, { recursive: true, force: true });
});

let counter = 0;
async function warehouse(): Promise<Warehouse> {
  const wh = await Warehouse.open(join(scratch, `w${counter++}.duckdb`));
  opened.push(wh);
  return wh;
}

/** Every row of a table in a stable order, without the columns that name the ingest rather than the data. */
async function rows(wh: Warehouse, table: string, exclude: string[] = []): Promise<unknown[]> {
  const cols = ['ingest_id', ...exclude].join(', ');
  return wh.all(`SELECT * EXCLUDE (${cols}) FROM ${table} ORDER BY ALL`);
}

async function counts(wh: Warehouse): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['qa_tasks', 'qa_instances', 'qa_choices']) {
    out[t] = Number(await wh.scalar<bigint>(`SELECT count(*) FROM ${t}`));
  }
  return out;
}

/** A copy of the example checkpoint step-1250 of dclm-baseline/150M under a fresh layout root. */
function checkpointCopy(): string {
  const root = mkdtempSync(join(scratch, 'tree-'));
  const dir = join(root, 'dclm-baseline', '150M', 'seed-2', 'step-1250');
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(CKPT, dir, { recursive: true });
  return dir;
}

function editLine(file: string, lineNo: number, edit: (obj: Record<string, unknown>) => unknown): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[lineNo - 1] = JSON.stringify(
    edit(JSON.parse(lines[lineNo - 1] as string) as Record<string, unknown>),
  );
  writeFileSync(file, lines.join('\n'));
}

async function expectIngestError(
  wh: Warehouse,
  path: string,
  pattern: RegExp,
  where: { file?: RegExp; line?: number },
) {
  const before = await counts(wh);
  const error = await ingestQa(wh, [path]).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MlduckError);
  const e = error as MlduckError;
  expect(e.message).toMatch(pattern);
  if (where.file) expect(e.location.file).toMatch(where.file);
  if (where.line !== undefined) expect(e.location.line).toBe(where.line);
  expect(await counts(wh)).toEqual(before);
  const failed = await wh.all<{ status: string }>(
    "SELECT status FROM ingest_log WHERE kind = 'qa' ORDER BY ingest_id DESC LIMIT 1",
  );
  expect(failed[0]?.status).toBe('failed');
  return e;
}

describe('qa: tree and tarballs of the examples', () => {
  let fromTree: Warehouse;
  let fromTarballs: Warehouse;
  const progress: SourceProgress[] = [];
  beforeAll(async () => {
    fromTree = await warehouse();
    fromTarballs = await warehouse();
    await ingestQa(fromTree, [TREE], { onProgress: (p) => progress.push(p) });
    await ingestQa(fromTarballs, [join(EXAMPLES, 'tarballs')]);
  });

  it('reports progress: input bytes and questions only grow, and end at the whole input', () => {
    const sizes = readdirSync(TREE, { recursive: true, encoding: 'utf8' })
      .filter((name) => /-(metrics\.json|predictions\.jsonl)$/.test(name))
      .reduce((sum, name) => sum + statSync(join(TREE, name)).size, 0);
    const last = progress.at(-1);
    expect(last).toMatchObject({
      inputs: 8,
      inputsDone: 8,
      bytesTotal: sizes,
      bytesRead: sizes,
      items: 760,
    });
    for (let i = 1; i < progress.length; i++) {
      const [a, b] = [progress[i - 1] as SourceProgress, progress[i] as SourceProgress];
      expect(b.bytesRead).toBeGreaterThanOrEqual(a.bytesRead);
      expect(b.items).toBeGreaterThanOrEqual(a.items);
    }
    expect(progress.filter((p) => p.inputsDone === 0 && p.items > 0).length).toBeGreaterThan(0);
  });

  it('ingests 2 recipes × 2 sizes × 2 steps × 3 tasks, one ingest per checkpoint directory or tarball', async () => {
    expect(await counts(fromTree)).toEqual({ qa_tasks: 24, qa_instances: 760, qa_choices: 2640 });
    const units = await fromTree.all<{ n: bigint }>(
      "SELECT count(*) AS n FROM ingest_log WHERE kind = 'qa' AND status = 'ok'",
    );
    expect(Number(units[0]?.n)).toBe(8);
    const tarUnits = await fromTarballs.all<{ path: string }>(
      "SELECT path FROM ingest_log WHERE kind = 'qa' ORDER BY path",
    );
    expect(tarUnits.map((r) => r.path)).toEqual([
      'examples/qa/tarballs/dclm-baseline.tar.gz',
      'examples/qa/tarballs/dolma1.7.tar.gz',
    ]);
  });

  it('gives identical tables from the tree and from the nested tarballs', async () => {
    expect(await rows(fromTarballs, 'qa_tasks', ['source'])).toEqual(
      await rows(fromTree, 'qa_tasks', ['source']),
    );
    expect(await rows(fromTarballs, 'qa_instances')).toEqual(await rows(fromTree, 'qa_instances'));
    expect(await rows(fromTarballs, 'qa_choices')).toEqual(await rows(fromTree, 'qa_choices'));
    const sources = await fromTarballs.all<{ source: string }>(
      'SELECT source FROM qa_tasks ORDER BY source LIMIT 1',
    );
    expect(sources[0]?.source).toBe(
      'examples/qa/tarballs/dclm-baseline.tar.gz!dclm-baseline/150M/seed-2/step-1250.tar.gz!step-1250/arc_challenge-metrics.json',
    );
  });

  it('recomputes every primary score from the questions exactly as metrics.json reports it', async () => {
    const acc = await fromTarballs.all<{
      task: string;
      primary_metric: string;
      difference: number;
      num_instances: bigint;
      instances: bigint;
    }>('SELECT task, primary_metric, difference, num_instances, instances FROM qa_task_accuracy');
    expect(acc).toHaveLength(24);
    for (const row of acc) {
      expect(Math.abs(row.difference)).toBeLessThan(1e-12);
      expect(row.instances).toBe(row.num_instances);
    }
    expect(new Set(acc.map((r) => r.primary_metric))).toEqual(
      new Set(['acc_uncond', 'acc_per_char', 'acc_raw']),
    );
  });

  it('types every field of a line as in the file, native ids as text + kind, absent optional fields as NULL', async () => {
    const file = join(CKPT, 'arc_challenge-predictions.jsonl');
    const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0] as string) as {
      doc_id: number;
      native_id: string;
      label: number;
      metrics: Record<string, number>;
      model_output: Record<string, number | boolean>[];
    };
    const [inst] = await fromTree.all<Record<string, unknown>>(
      `SELECT * FROM qa_instances WHERE recipe = 'dclm-baseline' AND params = '150M' AND step = 1250
         AND task = 'arc_challenge' AND doc_id = 0`,
    );
    expect(inst).toMatchObject({
      seed: 0,
      native_id: first.native_id,
      native_id_kind: 'string',
      label: first.label,
      line: 1n,
      num_choices: first.model_output.length,
      acc_uncond: first.metrics['acc_uncond'],
      sum_logits_corr: first.metrics['sum_logits_corr'],
      logits_per_byte_corr: first.metrics['logits_per_byte_corr'],
      no_answer: null,
      specials: null,
    });
    const choices = await fromTree.all<Record<string, unknown>>(
      `SELECT * EXCLUDE (ingest_id, recipe, params, seed, step, task, doc_id) FROM qa_choices
       WHERE recipe = 'dclm-baseline' AND params = '150M' AND step = 1250 AND task = 'arc_challenge' AND doc_id = 0
       ORDER BY choice_index`,
    );
    expect(choices).toEqual(first.model_output.map((c, i) => ({ choice_index: i, ...c, specials: null })));

    const kinds = await fromTree.all<{ task: string; kind: string; nulls: bigint }>(
      `SELECT task, any_value(native_id_kind) AS kind, count(*) FILTER (native_id IS NULL) AS nulls
       FROM qa_instances GROUP BY task ORDER BY task`,
    );
    expect(kinds.map((k) => [k.task, k.kind])).toEqual([
      ['arc_challenge', 'string'],
      ['hellaswag', 'integer'],
      ['winogrande', 'null'],
    ]);
    const wino = await fromTree.all<Record<string, bigint>>(
      `SELECT count(*) FILTER (logits_per_byte IS NOT NULL) AS per_byte, count(*) FILTER (sum_logits_uncond IS NOT NULL) AS uncond
       FROM qa_choices WHERE task = 'winogrande'`,
    );
    expect(wino[0]).toEqual({ per_byte: 0n, uncond: 0n });
  });

  it('lines up with the pretraining checkpoints: display names, seed index, tokens where ingested', async () => {
    const [task] = await fromTree.all<Record<string, unknown>>(
      "SELECT data, seed, seed_dir, seed_name, primary_metric, task_alias, evaluated_at FROM qa_tasks WHERE recipe = 'dolma1.7' LIMIT 1",
    );
    expect(task).toMatchObject({ data: 'Dolma1.7', seed: 0, seed_dir: 2, seed_name: 'default' });
    const summary = await fromTree.all<{ params: string; data: string; tasks: bigint }>(
      'SELECT params, data, seed, step, tasks FROM qa_checkpoint_summary ORDER BY ALL',
    );
    expect(summary).toHaveLength(8);
    expect(summary.every((s) => s.tasks === 3n)).toBe(true);
  });
});

describe('qa: other layouts and re-ingests', () => {
  it('reads a per-checkpoint step-<N>.tar.gz placed in the layout like the same directory', async () => {
    const root = mkdtempSync(join(scratch, 'ckpt-'));
    const members: TarMember[] = readdirSync(CKPT)
      .sort()
      .map((name) => ({ name: `step-1250/${name}`, bytes: readFileSync(join(CKPT, name)) }));
    const tarball = join(root, 'DCLM-Baseline', '150M', 'seed-2', 'step-1250.tar.gz');
    mkdirSync(dirname(tarball), { recursive: true });
    writeFileSync(tarball, await tarGz(members));
    const a = await warehouse();
    const b = await warehouse();
    await ingestQa(a, [tarball]);
    await ingestQa(b, [CKPT]);
    expect(await rows(a, 'qa_tasks', ['source'])).toEqual(await rows(b, 'qa_tasks', ['source']));
    expect(await rows(a, 'qa_choices')).toEqual(await rows(b, 'qa_choices'));
  });

  it('skips unchanged inputs, and a checkpoint read again from another path replaces the earlier rows', async () => {
    const wh = await warehouse();
    await ingestQa(wh, [join(TREE, 'dolma1.7')]);
    const again = await ingestQa(wh, [join(TREE, 'dolma1.7')]);
    expect(again.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    const [report] = await ingestQa(wh, [join(EXAMPLES, 'tarballs', 'dolma1.7.tar.gz')]);
    expect(report?.warnings.join('\n')).toMatch(/replaced 12 task\(s\)/);
    expect(await counts(wh)).toEqual({ qa_tasks: 12, qa_instances: 380, qa_choices: 1320 });
  });

  it('keeps NaN and ±Infinity as NULL with a specials note, accepts CRLF and blank lines', async () => {
    const dir = checkpointCopy();
    const file = join(dir, 'hellaswag-predictions.jsonl');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    lines[1] = (lines[1] as string)
      .replace(/"sum_logits":(-?[0-9.e-]+)/, '"sum_logits":NaN')
      .replace(/"logits_per_char_corr":(-?[0-9.e-]+)/, '"logits_per_char_corr":-Infinity');
    writeFileSync(file, `${lines.join('\r\n')}\r\n\r\n`);
    const wh = await warehouse();
    await ingestQa(wh, [dir]);
    const [inst] = await wh.all<{ logits_per_char_corr: number | null; specials: string }>(
      "SELECT logits_per_char_corr, specials FROM qa_instances WHERE task = 'hellaswag' AND doc_id = 1",
    );
    expect(inst).toEqual({ logits_per_char_corr: null, specials: '{"logits_per_char_corr":"-Infinity"}' });
    const [choice] = await wh.all<{ sum_logits: number | null; specials: string }>(
      "SELECT sum_logits, specials FROM qa_choices WHERE task = 'hellaswag' AND doc_id = 1 AND choice_index = 0",
    );
    expect(choice).toEqual({ sum_logits: null, specials: '{"sum_logits":"NaN"}' });
    expect(
      Number(await wh.scalar<bigint>("SELECT count(*) FROM qa_instances WHERE task = 'hellaswag'")),
    ).toBe(40);
  });
});

describe('qa: bad input is refused whole, naming the file and line', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = await warehouse();
  });

  it('a predictions line that is not JSON', async () => {
    const dir = checkpointCopy();
    const file = join(dir, 'arc_challenge-predictions.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[6] = (lines[6] as string).slice(0, 50);
    writeFileSync(file, lines.join('\n'));
    await expectIngestError(wh, dir, /not valid JSON/, {
      file: /arc_challenge-predictions\.jsonl$/,
      line: 7,
    });
  });

  it('an answer choice without a required field, or with a non-integer count', async () => {
    const dir = checkpointCopy();
    const file = join(dir, 'hellaswag-predictions.jsonl');
    editLine(file, 12, (o) => {
      const choices = o['model_output'] as Record<string, unknown>[];
      delete (choices[2] as Record<string, unknown>)['num_tokens'];
      return o;
    });
    const e = await expectIngestError(wh, dir, /model_output\[2\].*num_tokens is missing/, {
      file: /hellaswag-predictions\.jsonl$/,
      line: 12,
    });
    expect(e.hint).toMatch(/model_output/);
    const dir2 = checkpointCopy();
    editLine(join(dir2, 'winogrande-predictions.jsonl'), 3, (o) => {
      ((o['model_output'] as Record<string, unknown>[])[1] as Record<string, unknown>)['num_chars'] = 12.5;
      return o;
    });
    await expectIngestError(wh, dir2, /num_chars is .*not an integer/, { line: 3 });
  });

  it('a question without doc_id, and a doc_id repeated', async () => {
    const dir = checkpointCopy();
    editLine(join(dir, 'arc_challenge-predictions.jsonl'), 4, (o) => ({ ...o, doc_id: undefined }));
    await expectIngestError(wh, dir, /doc_id is missing/, { line: 4 });
    const dir2 = checkpointCopy();
    editLine(join(dir2, 'arc_challenge-predictions.jsonl'), 9, (o) => ({ ...o, doc_id: 2 }));
    await expectIngestError(wh, dir2, /repeats doc_id 2/, { line: 9 });
  });

  it('predictions from another evaluation than their metrics.json', async () => {
    const dir = checkpointCopy();
    editLine(join(dir, 'winogrande-predictions.jsonl'), 5, (o) => ({ ...o, task_hash: 'ffff' }));
    await expectIngestError(wh, dir, /task_hash ffff .*but the first line of the file has/, { line: 5 });
  });

  it('a task with metrics.json but no predictions, and files outside the layout', async () => {
    const dir = checkpointCopy();
    rmSync(join(dir, 'hellaswag-predictions.jsonl'));
    await expectIngestError(wh, dir, /no <task>-predictions\.jsonl beside/, {
      file: /hellaswag-metrics\.json$/,
    });
    const loose = join(mkdtempSync(join(scratch, 'loose-')), 'evals', 'step-1250');
    mkdirSync(loose, { recursive: true });
    cpSync(CKPT, loose, { recursive: true });
    await expectIngestError(wh, loose, /layout does not match/, {});
    const badSeed = checkpointCopy().replace('seed-2', 'seed-2');
    const moved = badSeed.replace(`${join('seed-2', 'step-1250')}`, join('seed-7', 'step-1250'));
    mkdirSync(dirname(moved), { recursive: true });
    cpSync(badSeed, moved, { recursive: true });
    await expectIngestError(wh, moved, /seed-7 is not a DataDecide seed directory/, {});
  });

  it('bytes that are not UTF-8, and a line that is JSON but not an object', async () => {
    const dir = checkpointCopy();
    const file = join(dir, 'winogrande-predictions.jsonl');
    const lines = readFileSync(file).toString('latin1').split('\n');
    lines[9] = `${(lines[9] as string).slice(0, 40)}\xff\xfe${(lines[9] as string).slice(40)}`;
    writeFileSync(file, Buffer.from(lines.join('\n'), 'latin1'));
    await expectIngestError(wh, dir, /not UTF-8/, { file: /winogrande-predictions\.jsonl$/ });
    const dir2 = checkpointCopy();
    const file2 = join(dir2, 'winogrande-predictions.jsonl');
    const lines2 = readFileSync(file2, 'utf8').split('\n');
    lines2[3] = '[1, 2, 3]';
    writeFileSync(file2, lines2.join('\n'));
    await expectIngestError(wh, dir2, /is not a JSON object/, { line: 4 });
  });

  it('a bad line inside a tarball, named by the member path', async () => {
    const dir = checkpointCopy();
    editLine(join(dir, 'arc_challenge-predictions.jsonl'), 5, (o) => ({ ...o, model_output: [] }));
    const members: TarMember[] = readdirSync(dir)
      .sort()
      .map((name) => ({ name: `step-1250/${name}`, bytes: readFileSync(join(dir, name)) }));
    const tarball = join(dirname(dir), 'step-1250.tar.gz');
    writeFileSync(tarball, await tarGz(members));
    const before = await counts(wh);
    const error = await ingestQa(wh, [tarball]).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).message).toMatch(/model_output has no answer choices/);
    expect((error as MlduckError).location).toMatchObject({ line: 5 });
    expect((error as MlduckError).location.file).toMatch(
      /step-1250\.tar\.gz!step-1250\/arc_challenge-predictions\.jsonl$/,
    );
    expect(await counts(wh)).toEqual(before);
  });

  it('a failure on either thread stops the reading thread; the next unit starts a new one', async () => {
    const reader = new UnitReader();
    const counted = { files: 0, questions: 0 };
    const callbacks = (failOn?: string): ReaderCallbacks => ({
      metrics(_ref, source) {
        if (failOn && source.endsWith(failOn)) throw new Error(`refused ${failOn}`);
      },
      file() {
        counted.files++;
      },
      batch(batch) {
        counted.questions += batch.questions;
      },
      fileEnd() {},
      ignored() {},
    });
    const request = (path: string) => ({
      unit: 'checkpoint' as const,
      absolutePath: path,
      source: path,
      batchQuestions: 8,
    });
    await expect(reader.read(request(CKPT), callbacks('winogrande-metrics.json'))).rejects.toThrow(
      /refused winogrande-metrics.json/,
    );
    const bad = checkpointCopy();
    editLine(join(bad, 'hellaswag-predictions.jsonl'), 3, (o) => ({ ...o, label: 'x' }));
    await expect(reader.read(request(bad), callbacks())).rejects.toThrow(/label is missing or not a number/);
    counted.files = 0;
    counted.questions = 0;
    await reader.read(request(CKPT), callbacks());
    await reader.read(request(CKPT), callbacks());
    expect(counted).toEqual({ files: 6, questions: 190 });
    await reader.close();
  });

  it('a truncated tarball', async () => {
    const bytes = readFileSync(join(EXAMPLES, 'tarballs', 'dclm-baseline.tar.gz'));
    const root = mkdtempSync(join(scratch, 'trunc-'));
    const path = join(root, 'dclm-baseline.tar.gz');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectIngestError(wh, path, /truncated/, { file: /dclm-baseline\.tar\.gz/ });
  });

  it('nothing of the failures above is in the tables', async () => {
    expect(await counts(wh)).toEqual({ qa_tasks: 0, qa_instances: 0, qa_choices: 0 });
  });
});

describe('qa: the CLI', () => {
  it('ingests, reports, skips a repeat and exits 2 with file:line on bad input', async () => {
    const db = join(mkdtempSync(join(scratch, 'cli-')), 'w.duckdb');
    const ok = await runCli(['--db', db, 'ingest', 'qa', 'examples/qa/tarballs']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(
      /ok\s+qa\s+examples\/qa\/tarballs\/dclm-baseline\.tar\.gz.*qa_choices 1320, qa_instances 380, qa_tasks 12/,
    );
    const again = await runCli(['--db', db, 'ingest', 'qa', 'examples/qa/tarballs']);
    expect(again.stdout).toMatch(/skipped/);
    const dir = checkpointCopy();
    editLine(join(dir, 'arc_challenge-predictions.jsonl'), 2, (o) => ({ ...o, label: 'B' }));
    const bad = await runCli(['--db', db, 'ingest', 'qa', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/arc_challenge-predictions\.jsonl:2: .*label is missing or not a number/);
    // A file that is not an OLMES output is bad input (README: exit 2), named with what was expected.
    const notQa = await runCli(['--db', db, 'ingest', 'qa', 'README.md']);
    expect(notQa.code).toBe(2);
    expect(notQa.stderr).toMatch(/README\.md: not an OLMES output/);
    const query = await runCli([
      '--db',
      db,
      'query',
      'SELECT count(*) AS n FROM qa_checkpoint_summary',
      '--format',
      'csv',
    ]);
    expect(query.stdout.trim().split('\n')).toEqual(['n', '8']);
  });
});
