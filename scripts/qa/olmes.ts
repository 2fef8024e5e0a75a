/**
 * Writes OLMES evaluation outputs in the exact DataDecide-eval-instances format (upstream-sources.md §5.2):
 * `<task>-metrics.json` and `<task>-predictions.jsonl` per checkpoint, as an extracted tree, as
 * per-checkpoint `step-<N>.tar.gz` and as per-recipe tarballs whose members are those tarballs. The scores
 * are self-consistent (every per-instance metric follows from the choices, every task metric from the
 * instances), so recomputed accuracies match metrics.json. Used by the example generator, tests and the
 * benchmark.
 */

import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { mulberry32 } from '../tools/prng.ts';

export interface TaskSpec {
  task: string;
  /** oe-eval primary metric of the task. */
  primaryMetric: 'acc_raw' | 'acc_per_char' | 'acc_uncond';
  choices: number;
  /** Unconditional scoring (sum_logits_uncond, predicted_index_uncond, acc_uncond). */
  uncond: boolean;
  /** Byte normalisation (logits_per_byte, predicted_index_per_byte, acc_per_byte, logits_per_byte_corr). */
  perByte: boolean;
  nativeId: 'string' | 'integer' | 'null';
  instances: number;
  dataset: [path: string, name: string | null];
}

export const EXAMPLE_TASKS: readonly TaskSpec[] = [
  {
    task: 'arc_challenge',
    primaryMetric: 'acc_uncond',
    choices: 4,
    uncond: true,
    perByte: true,
    nativeId: 'string',
    instances: 30,
    dataset: ['ai2_arc', 'ARC-Challenge'],
  },
  {
    task: 'hellaswag',
    primaryMetric: 'acc_per_char',
    choices: 4,
    uncond: false,
    perByte: true,
    nativeId: 'integer',
    instances: 40,
    dataset: ['hellaswag', null],
  },
  {
    task: 'winogrande',
    primaryMetric: 'acc_raw',
    choices: 2,
    uncond: false,
    perByte: false,
    nativeId: 'null',
    instances: 25,
    dataset: ['winogrande', 'winogrande_xl'],
  },
];

export interface CheckpointSpec {
  recipe: string;
  params: string;
  seedDir: number;
  step: number;
}

/** A small deterministic PRNG (mulberry32), seeded from a string. */
export function rng(seedText: string): () => number {
  return mulberry32(createHash('sha256').update(seedText).digest().readUInt32LE(0));
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const argmax = (xs: readonly number[]) =>
  xs.reduce((best, x, i) => (x > (xs[best] ?? -Infinity) ? i : best), 0);
const argmin = (xs: readonly number[]) => argmax(xs.map((x) => -x));
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export function taskHash(spec: TaskSpec): string {
  return md5(`task:${spec.task}`);
}

export function modelHash(ckpt: CheckpointSpec): string {
  return md5(`model:${ckpt.recipe}/${ckpt.params}/seed-${ckpt.seedDir}/step-${ckpt.step}`);
}

interface Instance {
  line: Record<string, unknown>;
  metrics: Record<string, number>;
}

/** One question of a task at a checkpoint: choices drawn at random, metrics derived from them. */
export function instance(
  spec: TaskSpec,
  ckpt: CheckpointSpec,
  docId: number,
  random: () => number,
): Instance {
  // Bigger and later models are better: the correct choice gets a bonus growing with size and step.
  const skill =
    Math.log10(Number.parseFloat(ckpt.params) * (ckpt.params.endsWith('B') ? 1000 : 1)) / 3 +
    ckpt.step / 20000;
  const label = Math.floor(random() * spec.choices);
  const modelOutput: Record<string, unknown>[] = [];
  const sums: number[] = [];
  const perToken: number[] = [];
  const perChar: number[] = [];
  const perByte: number[] = [];
  const uncondGain: number[] = [];
  for (let c = 0; c < spec.choices; c++) {
    const numTokens = 2 + Math.floor(random() * 12);
    const numChars = numTokens * (3 + Math.floor(random() * 4));
    const numBytes = numChars + (random() < 0.2 ? 2 : 0);
    const sumLogits = -numTokens * (1.2 + random() * 2.5) + (c === label ? skill * numTokens * 0.8 : 0);
    const uncond = sumLogits - 1 - random() * 6 - (c === label ? skill * 4 : 0);
    const choice: Record<string, unknown> = {
      sum_logits: sumLogits,
      num_tokens: numTokens,
      num_tokens_all: 150 + numTokens + Math.floor(random() * 60),
      is_greedy: random() < 0.05,
    };
    if (spec.uncond) choice['sum_logits_uncond'] = uncond;
    choice['logits_per_token'] = sumLogits / numTokens;
    choice['logits_per_char'] = sumLogits / numChars;
    if (spec.perByte) choice['logits_per_byte'] = -sumLogits / Math.LN2 / numBytes;
    choice['num_chars'] = numChars;
    modelOutput.push(choice);
    sums.push(sumLogits);
    perToken.push(sumLogits / numTokens);
    perChar.push(sumLogits / numChars);
    perByte.push(-sumLogits / Math.LN2 / numBytes);
    uncondGain.push(sumLogits - uncond);
  }
  const metrics: Record<string, number> = {
    predicted_index_raw: argmax(sums),
    predicted_index_per_token: argmax(perToken),
    predicted_index_per_char: argmax(perChar),
  };
  if (spec.perByte) metrics['predicted_index_per_byte'] = argmin(perByte);
  if (spec.uncond) metrics['predicted_index_uncond'] = argmax(uncondGain);
  metrics['correct_choice'] = label;
  metrics['acc_raw'] = metrics['predicted_index_raw'] === label ? 1 : 0;
  metrics['acc_per_token'] = metrics['predicted_index_per_token'] === label ? 1 : 0;
  metrics['acc_per_char'] = metrics['predicted_index_per_char'] === label ? 1 : 0;
  if (spec.perByte) metrics['acc_per_byte'] = metrics['predicted_index_per_byte'] === label ? 1 : 0;
  if (spec.uncond) metrics['acc_uncond'] = metrics['predicted_index_uncond'] === label ? 1 : 0;
  metrics['sum_logits_corr'] = sums[label] as number;
  metrics['logits_per_token_corr'] = perToken[label] as number;
  metrics['logits_per_char_corr'] = perChar[label] as number;
  if (spec.perByte) metrics['logits_per_byte_corr'] = perByte[label] as number;
  const nativeId =
    spec.nativeId === 'string'
      ? `Mercury_${7000000 + docId * 37}`
      : spec.nativeId === 'integer'
        ? 10000 + docId
        : null;
  return {
    line: {
      doc_id: docId,
      native_id: nativeId,
      label,
      task_hash: taskHash(spec),
      model_hash: modelHash(ckpt),
      metrics,
      model_output: modelOutput,
    },
    metrics,
  };
}

/** Both files of one task at one checkpoint. */
export function taskFiles(
  spec: TaskSpec,
  ckpt: CheckpointSpec,
  taskIdx: number,
): { metrics: string; predictions: string } {
  const random = rng(`${ckpt.recipe}/${ckpt.params}/${ckpt.seedDir}/${ckpt.step}/${spec.task}`);
  const lines: string[] = [];
  const perInstance: Record<string, number>[] = [];
  for (let docId = 0; docId < spec.instances; docId++) {
    const { line, metrics } = instance(spec, ckpt, docId, random);
    lines.push(JSON.stringify(line));
    perInstance.push(metrics);
  }
  return {
    metrics: JSON.stringify(metricsJson(spec, ckpt, taskIdx, perInstance)),
    predictions: `${lines.join('\n')}\n`,
  };
}

/** metrics.json of a task, its scores the means of the per-instance metrics (as oe-eval aggregates them). */
export function metricsJson(
  spec: TaskSpec,
  ckpt: CheckpointSpec,
  taskIdx: number,
  perInstance: readonly Record<string, number>[],
): Record<string, unknown> {
  const agg = (key: string) => mean(perInstance.map((m) => m[key] as number));
  const metrics: Record<string, number> = {
    acc_raw: agg('acc_raw'),
    acc_per_token: agg('acc_per_token'),
    acc_per_char: agg('acc_per_char'),
  };
  if (spec.perByte) metrics['acc_per_byte'] = agg('acc_per_byte');
  if (spec.uncond) metrics['acc_uncond'] = agg('acc_uncond');
  metrics['sum_logits_corr'] = agg('sum_logits_corr');
  metrics['logits_per_token_corr'] = agg('logits_per_token_corr');
  metrics['logits_per_char_corr'] = agg('logits_per_char_corr');
  if (spec.perByte) metrics['logits_per_byte_corr'] = agg('logits_per_byte_corr');
  metrics['primary_score'] = metrics[spec.primaryMetric] as number;
  return {
    task_name: spec.task,
    task_hash: taskHash(spec),
    model_hash: modelHash(ckpt),
    model_config: {
      model: `${ckpt.recipe}-${ckpt.params}-seed${ckpt.seedDir}`,
      revision: `step${ckpt.step}-unsharded-hf`,
      trust_remote_code: null,
      max_length: 2048,
      model_path: null,
      model_type: 'hf',
    },
    task_config: {
      task_name: spec.task,
      task_core: spec.task,
      limit: null,
      split: spec.task === 'winogrande' ? 'validation' : 'test',
      num_shots: 5,
      fewshot_seed: 1234,
      primary_metric: spec.primaryMetric,
      random_subsample_seed: 1234,
      context_kwargs: spec.uncond ? null : null,
      generation_kwargs: null,
      metric_kwargs: spec.uncond ? { uncond_docid_offset: 1000000 } : null,
      native_id_field: spec.nativeId === 'null' ? null : 'id',
      fewshot_source: spec.task === 'arc_challenge' ? 'OLMES:ARC-Challenge' : null,
      dataset_path: spec.dataset[0],
      dataset_name: spec.dataset[1],
      use_chat_format: null,
      version: 0,
      revision: null,
      metadata: { regimes: ['OLMES-v0.1'], alias: `${spec.task}:rc::olmes` },
    },
    compute_config: {
      batch_size: '4',
      max_batch_size: 32,
      output_dir: null,
      num_recorded_inputs: 3,
      save_raw_requests: false,
    },
    processing_time: 10 + spec.instances * 0.01,
    current_date: `2024-12-${10 + taskIdx} 12:16:0${taskIdx} UTC`,
    num_instances: spec.instances,
    metrics,
    task_idx: taskIdx,
  };
}

export interface TarMember {
  name: string;
  bytes: Buffer;
}

/** A gzipped tarball of the given members, byte-stable (fixed mtime, mode and owner). */
export async function tarGz(members: readonly TarMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(chunk as Buffer);
  })();
  for (const m of members) {
    await new Promise<void>((resolve, reject) =>
      pack.entry(
        {
          name: m.name,
          size: m.bytes.length,
          mtime: new Date('2024-12-19T12:00:00Z'),
          mode: 0o644,
          uid: 0,
          gid: 0,
        },
        m.bytes,
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }
  pack.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** The members of one checkpoint tarball `step-<N>.tar.gz`: `step-<N>/<task>-{metrics.json,predictions.jsonl}`. */
export function checkpointMembers(ckpt: CheckpointSpec, tasks: readonly TaskSpec[]): TarMember[] {
  const members: TarMember[] = [];
  for (const [taskIdx, spec] of tasks.entries()) {
    const files = taskFiles(spec, ckpt, taskIdx);
    members.push({ name: `step-${ckpt.step}/${spec.task}-metrics.json`, bytes: Buffer.from(files.metrics) });
    members.push({
      name: `step-${ckpt.step}/${spec.task}-predictions.jsonl`,
      bytes: Buffer.from(files.predictions),
    });
  }
  return members;
}
