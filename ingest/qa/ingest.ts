/**
 * `mlduck ingest qa <paths…>`: OLMES per-question outputs into qa_tasks / qa_instances / qa_choices.
 * One ingest (one transaction, one ingest_log row) per tarball and per extracted `step-<N>/` directory;
 * a directory argument is walked for both. Everything of a unit lands, or nothing does.
 */

import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';
import { sha256File } from '../../src/hash.ts';
import { olderRowsWithKeysOf, replaceOlderRowsByKey } from '../../src/replacements.ts';
import { type IngestRunOptions, ingestWith, type LoadContext, type Source } from '../../src/source.ts';
import type { IngestContext, IngestReport, Warehouse } from '../../src/warehouse.ts';
import { isTaskFileName, type TaskFileRef, taskKeyString } from './layout.ts';
import { UnitReader } from './reader.ts';
import { checkpointFiles, isTarballName } from './sources.ts';
import { parseMetricsJson, TaskStager } from './tasks.ts';
import { PredictionsWriter } from './writer.ts';

export const INGEST_KIND = 'qa';

export type QaUnit = { kind: 'tarball'; path: string } | { kind: 'checkpoint'; path: string };

/** The bytes a unit's reading goes through: the tarball, or the task files of the directory. */
function unitBytes(unit: QaUnit): number {
  if (unit.kind === 'tarball') return statSync(unit.path).size;
  return readdirSync(unit.path)
    .filter(isTaskFileName)
    .reduce((sum, name) => sum + statSync(join(unit.path, name)).size, 0);
}

/** A checkpoint directory's identity: sha256 over its task files' names and hashes. */
async function checkpointContent(dir: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const name of await checkpointFiles(dir)) {
    const path = join(dir, name);
    hash.update(`${name}\0${await sha256File(path)}\n`);
    bytes += statSync(path).size;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function firstRow(ctx: IngestContext, sql: string): Promise<unknown[] | undefined> {
  return (await ctx.conn.runAndReadAll(sql)).getRows()[0];
}

/** Questions per batch handed from the reading thread to the writing one. */
const BATCH_QUESTIONS = 2048;

/** Reads one unit inside the ingest's transaction: a reading thread parses, this thread writes. */
async function ingestUnit(ctx: LoadContext<QaUnit, UnitReader>): Promise<void> {
  const unit = ctx.detection;
  const reader = ctx.session;
  const predictions = await PredictionsWriter.create(ctx.conn, ctx.ingestId);
  const tasks = await TaskStager.create(ctx.conn);
  const seen = new Map<string, string>();
  let ignored = 0;
  const claim = (ref: TaskFileRef, source: string) => {
    const id = `${ref.kind}:${taskKeyString(ref)}`;
    const earlier = seen.get(id);
    if (earlier) {
      throw new MlduckError(`${taskKeyString(ref)} ${ref.kind} appears twice (also at ${earlier})`, {
        file: source,
      });
    }
    seen.set(id, source);
  };
  await reader.read(
    { unit: unit.kind, absolutePath: ctx.absolutePath, source: ctx.path, batchQuestions: BATCH_QUESTIONS },
    {
      metrics(ref, source, text) {
        claim(ref, source);
        tasks.add(ref, parseMetricsJson(text, source, ctx.warn), source);
      },
      file(file, ref, source) {
        claim(ref, source);
        predictions.addFile(file, ref, source);
      },
      batch: (batch) => predictions.write(batch),
      fileEnd: (file, summary) => predictions.endFile(file, summary),
      ignored() {
        ignored++;
      },
      progress: (bytes, questions) => ctx.progress(bytes, questions),
    },
  );
  await predictions.finish();
  await tasks.insert(ctx.ingestId);
  if (ignored > 0)
    ctx.warn(`${ignored} member(s) that are not <task>-metrics.json / -predictions.jsonl were skipped`);
  if (seen.size === 0) {
    throw new MlduckError('no OLMES task files (<task>-metrics.json / <task>-predictions.jsonl) found', {
      file: ctx.path,
    });
  }
  await checkUnit(ctx);
}

/** Whole-unit checks: pairs of files, hashes; then counts and replaced rows. */
async function checkUnit(ctx: IngestContext): Promise<void> {
  const id = ctx.ingestId;
  const unpaired = await firstRow(
    ctx,
    `SELECT coalesce(t.source, f.source), t.source IS NULL FROM
       (SELECT * FROM qa_tasks WHERE ingest_id = ${id}) t
       FULL JOIN _qa_files f USING (recipe, params, seed, step, task)
     WHERE t.source IS NULL OR f.source IS NULL ORDER BY 1 LIMIT 1`,
  );
  if (unpaired) {
    const source = String(unpaired[0]);
    const missing = unpaired[1] ? 'metrics.json' : 'predictions.jsonl';
    throw new MlduckError(`layout does not match: no <task>-${missing} beside this file`, {
      file: source,
      hint: 'every task of a checkpoint has both <task>-metrics.json and <task>-predictions.jsonl',
    });
  }
  const hashes = await firstRow(
    ctx,
    `SELECT f.source, f.task_hash, f.model_hash, t.task_hash, t.model_hash FROM _qa_files f
     JOIN (SELECT * FROM qa_tasks WHERE ingest_id = ${id}) t USING (recipe, params, seed, step, task)
     WHERE f.task_hash IS DISTINCT FROM t.task_hash OR f.model_hash IS DISTINCT FROM t.model_hash
     ORDER BY 1 LIMIT 1`,
  );
  if (hashes) {
    throw new MlduckError(
      `predictions line has task_hash ${hashes[1]} / model_hash ${hashes[2]}, but its metrics.json says ${hashes[3]} / ${hashes[4]}`,
      { file: String(hashes[0]), line: 1, hint: 'the two files come from different evaluations' },
    );
  }
  const counts = await ctx.conn.runAndReadAll(
    `SELECT t.source, t.num_instances, count(i.doc_id) FROM (SELECT * FROM qa_tasks WHERE ingest_id = ${id}) t
     LEFT JOIN (SELECT * FROM qa_instances WHERE ingest_id = ${id}) i USING (recipe, params, seed, step, task)
     GROUP BY ALL HAVING t.num_instances IS DISTINCT FROM count(i.doc_id) ORDER BY 1`,
  );
  for (const [source, said, found] of counts.getRows()) {
    ctx.warn(`${source}: num_instances is ${said} but the predictions hold ${found} questions`);
  }
  // The same checkpoint task read from another path (the tree and then its tarball): the newest wins.
  const older = await ctx.conn.runAndReadAll(
    `SELECT DISTINCT o.ingest_id FROM qa_tasks o JOIN (SELECT * FROM qa_tasks WHERE ingest_id = ${id}) n
       USING (recipe, params, seed, step, task)
     WHERE o.ingest_id NOT IN (${[id, ...ctx.replacing].join(', ')}) ORDER BY 1`,
  );
  const olderIds = older.getRows().map((r) => Number(r[0]));
  if (olderIds.length > 0) {
    const key = ['recipe', 'params', 'seed', 'step', 'task'];
    const replaced = Number(
      (
        await ctx.conn.runAndReadAll(
          `SELECT count(*) FROM ${olderRowsWithKeysOf(id, 'qa_tasks', key, ['qa_tasks'])}
             AND ingest_id IN (${olderIds.join(', ')})`,
        )
      ).getRows()[0]?.[0] ?? 0,
    );
    // Deleted once this ingest has committed (kill-safe, src/replacements.ts).
    await replaceOlderRowsByKey(ctx.conn, id, {
      tables: ['qa_choices', 'qa_instances', 'qa_tasks'],
      key,
      keysFrom: ['qa_tasks'],
    });
    ctx.warn(
      `replaced ${replaced} task(s) of the same checkpoints ingested before (ingest ${olderIds.join(', ')})`,
    );
  }
}

/** OLMES per-question outputs as a source: tarballs and checkpoint folders are the units. */
export const qaSource: Source<QaUnit, UnitReader> = {
  kind: INGEST_KIND,
  description:
    'OLMES per-question outputs (DataDecide-eval-instances): extracted <recipe>/<params>/seed-<n>/step-<N>/ directories of <task>-metrics.json + <task>-predictions.jsonl, per-checkpoint step-<N>.tar.gz and per-recipe tarballs, read streaming; directories are walked for both',
  pathsHelp: 'tarballs, step-<N> directories or trees holding them',
  walk: {
    accept: isTarballName,
    unit: (_dir, entries) => entries.some((e) => e.isFile() && isTaskFileName(e.name)),
    expected:
      'OLMES outputs: no *.tar.gz and no step-<N>/ directory of <task>-metrics.json / -predictions.jsonl',
  },
  // A task file stands for its checkpoint folder.
  named: (path) => (isTaskFileName(basename(path)) ? dirname(path) : path),
  async detect(input) {
    if (input.isDirectory) return { kind: 'checkpoint', path: input.path };
    return isTarballName(input.path) ? { kind: 'tarball', path: input.path } : null;
  },
  unrecognised: {
    message:
      'not an OLMES output: expected a tarball (.tar.gz), a step-<N>/ directory or a <task>-predictions.jsonl',
  },
  content: (input) => checkpointContent(input.absolutePath),
  size: (input) =>
    unitBytes({ kind: input.isDirectory ? 'checkpoint' : 'tarball', path: input.absolutePath }),
  recordedOptions: (unit) => ({ layout: unit.kind }),
  items: 'questions',
  openSession: () => new UnitReader(),
  closeSession: (reader) => reader.close(),
  load: ingestUnit,
  demoInputs: (examplesDir) => [join(examplesDir, 'qa', 'tarballs')],
};

/** Ingests every unit; stops at the first failure (earlier units stay ingested). */
export function ingestQa(
  wh: Warehouse,
  paths: readonly string[],
  options: IngestRunOptions = {},
): Promise<IngestReport[]> {
  return ingestWith(wh, qaSource, paths, options);
}
