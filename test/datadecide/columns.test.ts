import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  columnRole,
  FULL_EVAL_COLUMNS,
  FULL_EVAL_RAW_COLUMNS,
  METRIC_COLUMNS,
  METRICS,
  SEED_STATS_COLUMNS,
  splitMetricColumn,
  TASKS,
} from '../../ingest/datadecide/columns.ts';
import { sqlString } from '../../src/sql.ts';
import { REPO_ROOT } from '../helpers.ts';
import { queryFile, SAMPLE } from './sample.ts';

describe('full_eval column layout', () => {
  it('is exactly the real sample’s 1,939 columns, names, order and types', async () => {
    const described = await queryFile<{ column_name: string; column_type: string }>(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(SAMPLE)}))`,
    );
    expect(described).toHaveLength(1939);
    expect(FULL_EVAL_COLUMNS.map((c) => [c.name, c.type])).toEqual(
      described.map((d) => [d.column_name, d.column_type]),
    );
  });

  it('counts 67 tasks × 28 metrics − 10 uncond gaps + 11 perplexities', () => {
    expect(TASKS).toHaveLength(67);
    expect(METRICS).toHaveLength(28);
    expect(METRIC_COLUMNS.filter((c) => c.kind === 'downstream')).toHaveLength(67 * 28 - 10);
    expect(METRIC_COLUMNS.filter((c) => c.kind === 'perplexity')).toHaveLength(11);
    expect(FULL_EVAL_RAW_COLUMNS).toHaveLength(1937);
    expect(SEED_STATS_COLUMNS).toHaveLength(1924);
  });

  it('splits every metric column back into its (task, metric) on the metric list, not on _', () => {
    for (const c of METRIC_COLUMNS)
      expect(splitMetricColumn(c.column)).toEqual({ task: c.task, metric: c.metric });
    expect(splitMetricColumn('mmlu_high_school_physics_acc_raw')).toEqual({
      task: 'mmlu_high_school_physics',
      metric: 'acc_raw',
    });
    expect(splitMetricColumn('arc_easy_correct_prob_per_token')).toEqual({
      task: 'arc_easy',
      metric: 'correct_prob_per_token',
    });
    expect(splitMetricColumn('dolma_common-crawl-valppl')).toEqual({
      task: 'dolma_common-crawl',
      metric: 'valppl',
    });
  });

  it('rejects names that match no known (task, metric)', () => {
    // A valid pair that full_eval never publishes (all-NaN upstream): splittable, but not a known column.
    expect(splitMetricColumn('boolq_acc_uncond')).toEqual({ task: 'boolq', metric: 'acc_uncond' });
    expect(splitMetricColumn('mmlu_astrology_acc_raw')).toBeNull();
    expect(splitMetricColumn('arc_easy_acc_weird')).toBeNull();
    expect(splitMetricColumn('imaginary-valppl')).toBeNull();
    expect(columnRole('boolq_acc_uncond')).toBeNull();
    expect(columnRole('lr_max')).toBe('schedule');
    expect(columnRole('vocab_size')).toBe('model');
    expect(columnRole('pct_code')).toBe('dataset');
    expect(columnRole('piqa_primary_metric')).toBe('metric');
  });
});

describe('generated SQL', () => {
  it('sql/020 and the generated views are up to date with the column module', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/datadecide/generate-sql.ts', '--check'],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
