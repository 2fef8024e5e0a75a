import { beforeEach, describe, expect, it } from 'vitest';
import type { Warehouse } from '../../src/warehouse.ts';
import { tempWarehouse } from '../helpers.ts';

// Each branch of the views' logic on a few made-up rows, typed in here: the real examples only reach some
// branches (their QA tasks use three of the five primary metrics, their seeds are never NaN).

// A fresh warehouse per test (tempWarehouse closes it after each test), filled by the describe's rows.
let wh: Warehouse;
beforeEach(async () => {
  wh = await tempWarehouse();
});

describe('qa_task_accuracy', () => {
  // Four questions per task; the per-question accuracies are chosen so every acc_* has its own mean:
  // acc_raw 1/4, acc_per_token 2/4, acc_per_char 3/4, acc_per_byte 4/4, acc_uncond 0/4.
  const ACC = {
    acc_raw: [1, 0, 0, 0],
    acc_per_token: [1, 1, 0, 0],
    acc_per_char: [1, 1, 1, 0],
    acc_per_byte: [1, 1, 1, 1],
    acc_uncond: [0, 0, 0, 0],
  };
  const MEANS = { acc_raw: 0.25, acc_per_token: 0.5, acc_per_char: 0.75, acc_per_byte: 1, acc_uncond: 0 };
  const PRIMARY = [...Object.keys(ACC), 'f1'];

  beforeEach(async () => {
    // One statement per table (each a few milliseconds): a task per primary metric, four questions each.
    const metrics = `[${PRIMARY.map((m) => `'${m}'`).join(', ')}]`;
    const column = (name: keyof typeof ACC) => `[${ACC[name].join(', ')}][q + 1]`;
    await wh.run(
      `INSERT INTO qa_tasks (ingest_id, recipe, params, seed, seed_dir, seed_name, step, task, primary_metric, primary_score, num_instances, source)
       SELECT 1, 'dolma17', '4M', 0, 0, 'default', 100, 'task_' || m, m, 0.5, 4, 'made-up' FROM unnest(${metrics}) t(m)`,
    );
    await wh.run(
      `INSERT INTO qa_instances (ingest_id, recipe, params, seed, step, task, doc_id, native_id_kind, label, num_choices, line,
         acc_raw, acc_per_token, acc_per_char, acc_per_byte, acc_uncond)
       SELECT 1, 'dolma17', '4M', 0, 100, 'task_' || m, q, 'none', 0, 4, q,
         ${column('acc_raw')}, ${column('acc_per_token')}, ${column('acc_per_char')}, ${column('acc_per_byte')}, ${column('acc_uncond')}
       FROM unnest(${metrics}) t(m), range(4) r(q)`,
    );
    // The same tasks at another seed and at another step: must not leak into the (seed 0, step 100) means.
    await wh.run(
      `INSERT INTO qa_instances (ingest_id, recipe, params, seed, step, task, doc_id, native_id_kind, label, num_choices, line,
         acc_raw, acc_per_token, acc_per_char, acc_per_byte, acc_uncond)
       SELECT 1, 'dolma17', '4M', seed, step, 'task_' || m, 0, 'none', 0, 4, 0, 1, 1, 1, 0, 1
       FROM unnest(${metrics}) t(m), (VALUES (1, 100), (0, 200)) other(seed, step)`,
    );
    // A task whose predictions were never ingested.
    await wh.run(
      `INSERT INTO qa_tasks (ingest_id, recipe, params, seed, seed_dir, seed_name, step, task, primary_metric, primary_score, num_instances, source)
       VALUES (1, 'dolma17', '4M', 0, 0, 'default', 100, 'task_alone', 'acc_raw', 0.5, 7, 'made-up')`,
    );
  });

  it('recomputes each primary metric from its own per-question column', async () => {
    const rows = await wh.all<{
      primary_metric: string;
      recomputed_score: number | null;
      difference: number | null;
    }>(
      `SELECT primary_metric, recomputed_score, difference, instances FROM qa_task_accuracy
       WHERE task <> 'task_alone' ORDER BY primary_metric`,
    );
    const expected = PRIMARY.map((metric) => {
      const mean = MEANS[metric as keyof typeof MEANS];
      return {
        primary_metric: metric,
        recomputed_score: mean ?? null,
        difference: mean === undefined ? null : mean - 0.5,
        instances: 4n,
      };
    }).sort((a, b) => (a.primary_metric < b.primary_metric ? -1 : 1));
    expect(rows).toEqual(expected);
  });

  it('shows every mean beside the score, whatever the primary metric', async () => {
    const rows = await wh.all(
      `SELECT DISTINCT acc_raw, acc_per_token, acc_per_char, acc_per_byte, acc_uncond FROM qa_task_accuracy
       WHERE task <> 'task_alone'`,
    );
    expect(rows).toEqual([MEANS]);
  });

  it('keeps a task without questions: 0 instances, nothing recomputed', async () => {
    expect(
      await wh.all(
        `SELECT instances, recomputed_score, difference, num_instances, acc_raw FROM qa_task_accuracy WHERE task = 'task_alone'`,
      ),
    ).toEqual([
      { instances: 0n, recomputed_score: null, difference: null, num_instances: 7n, acc_raw: null },
    ]);
  });
});

describe('pretrain_seed_stats', () => {
  beforeEach(async () => {
    // One checkpoint (4M, dolma17, step 10) at seeds 0–3, and one at step 20 without tokens (dropped).
    for (const seed of [0, 1, 2, 3]) {
      await wh.run(
        `INSERT INTO pretrain_checkpoints (ingest_id, source_format, params, data, seed, step, tokens, compute)
         VALUES (1, 'made-up', '4M', 'Dolma1.7', $seed, 10, 1e6, 2e12), (1, 'made-up', '4M', 'Dolma1.7', $seed, 20, NULL, 4e12)`,
        { seed },
      );
    }
    // arc_easy acc_raw: seed 2 NaN (stored as NULL + 'NaN'), seed 3 +Infinity → 2 seeds with a value.
    // hellaswag acc_raw: one seed only. piqa acc_raw: every seed NaN.
    const cells: [string, number, number | null, string | null][] = [
      ['arc_easy', 0, 0.5, null],
      ['arc_easy', 1, 0.7, null],
      ['arc_easy', 2, null, 'NaN'],
      ['arc_easy', 3, null, 'Infinity'],
      ['hellaswag', 0, 0.25, null],
      ['piqa', 0, null, 'NaN'],
      ['piqa', 1, null, 'NaN'],
    ];
    for (const [task, seed, value, special] of cells) {
      for (const step of [10, 20]) {
        await wh.run(
          `INSERT INTO pretrain_metrics (ingest_id, params, data, seed, step, task, metric, value, special)
           VALUES (1, '4M', 'Dolma1.7', $seed, $step, $task, 'acc_raw', $value, $special)`,
          { seed, step, task, value, special },
        );
      }
    }
  });

  it('counts, lists and averages only the seeds with a finite value (NaN skipped, as pandas does)', async () => {
    const rows = await wh.all(
      `SELECT task::VARCHAR AS task, step, n_seeds, seeds, round(mean, 12) AS mean, round(std, 12) AS std
       FROM pretrain_seed_stats ORDER BY task`,
    );
    expect(rows).toEqual([
      // sample std of 0.5 and 0.7: sqrt(0.02) (ddof 1)
      {
        task: 'arc_easy',
        step: 10n,
        n_seeds: 2n,
        seeds: [0, 1],
        mean: 0.6,
        std: Math.round(Math.sqrt(0.02) * 1e12) / 1e12,
      },
      { task: 'hellaswag', step: 10n, n_seeds: 1n, seeds: [0], mean: 0.25, std: null },
      { task: 'piqa', step: 10n, n_seeds: 0n, seeds: null, mean: null, std: null },
    ]);
  });
});
