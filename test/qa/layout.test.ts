import { describe, expect, it } from 'vitest';
import { parseTaskFilePath, RECIPE_DISPLAY_NAMES, SEED_DIRS } from '../../ingest/qa/layout.ts';
import { parseMetricsJson, parseOlmesDate } from '../../ingest/qa/tasks.ts';
import { MlduckError } from '../../src/errors.ts';

describe('qa layout', () => {
  it('reads recipe, size, seed, step, task and file kind from the last five segments', () => {
    expect(
      parseTaskFilePath('models/DCLM-Baseline/750M/seed-14/step-25000/arc_challenge-predictions.jsonl', 'x'),
    ).toEqual({
      recipe: 'dclm-baseline',
      data: 'DCLM-Baseline',
      params: '750M',
      seedDir: 14,
      seedName: 'small aux 2',
      seed: 1,
      step: 25000,
      task: 'arc_challenge',
      kind: 'predictions',
    });
    const mmlu = parseTaskFilePath(
      'a.tar.gz!x/dolma1.6++/1B/seed-5/step-0/mmlu_abstract_algebra-metrics.json',
      'x',
    );
    expect(mmlu).toMatchObject({
      recipe: 'dolma1.6++',
      data: 'Dolma1.6++',
      params: '1B',
      seed: 4,
      kind: 'metrics',
    });
    expect(parseTaskFilePath('r/unknown-mix/4M/seed-2/step-10/piqa-metrics.json', 'x').data).toBeNull();
  });

  it('maps the five seed directories to the 0–4 seed index of full_eval', () => {
    expect(Object.entries(SEED_DIRS).map(([dir, s]) => [Number(dir), s.index])).toEqual([
      [2, 0],
      [4, 3],
      [5, 4],
      [14, 1],
      [15, 2],
    ]);
    expect(Object.keys(RECIPE_DISPLAY_NAMES)).toHaveLength(25);
  });

  it('says which part of the layout does not match', () => {
    const fails = (path: string, pattern: RegExp) => {
      let error: unknown;
      try {
        parseTaskFilePath(path, 'input.tar.gz');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MlduckError);
      expect((error as MlduckError).message).toMatch(pattern);
      expect((error as MlduckError).location.file).toBe('input.tar.gz');
    };
    fails('c4/150M/seed-2/step-5/arc-requests.jsonl', /not <task>-metrics\.json/);
    fails('c4/150M/seed-2/final/arc-metrics.json', /"final" is not step-<N>/);
    fails('c4/150M/seed_2/step-5/arc-metrics.json', /"seed_2" is not seed-<n>/);
    fails('c4/huge/seed-2/step-5/arc-metrics.json', /"huge" is not a model size/);
    fails('c4/150M/seed-3/step-5/arc-metrics.json', /seed-3 is not a DataDecide seed directory/);
    fails('seed-2/step-5/arc-metrics.json', /fewer than five/);
  });
});

describe('qa metrics.json', () => {
  it('parses OLMES dates as UTC', () => {
    expect(parseOlmesDate('2024-12-19 12:16:07 UTC')).toBe('2024-12-19T12:16:07Z');
    expect(parseOlmesDate('2024-12-19T12:16:07.5+02:00')).toBe('2024-12-19T12:16:07.5+02:00');
    expect(parseOlmesDate('yesterday')).toBeNull();
  });

  it('keeps configs as JSON and refuses what is not a metrics object', () => {
    const warnings: string[] = [];
    const row = parseMetricsJson(
      JSON.stringify({
        task_name: 'piqa',
        task_hash: 'h',
        task_config: { primary_metric: 'acc_per_char', metadata: { alias: 'piqa:rc::olmes' } },
        metrics: { acc_per_char: 0.5, primary_score: 'NaN' },
        num_instances: 3,
        current_date: 'sometime',
      }),
      'piqa-metrics.json',
      (w) => warnings.push(w),
    );
    expect(row).toMatchObject({
      taskName: 'piqa',
      taskAlias: 'piqa:rc::olmes',
      primaryMetric: 'acc_per_char',
      primaryScore: null,
      numInstances: 3,
      evaluatedAt: null,
      modelConfig: null,
    });
    expect(warnings).toHaveLength(2);
    expect(() => parseMetricsJson('{"num_instances": 2.5}', 'f', () => undefined)).toThrow(
      /num_instances is 2.5/,
    );
    expect(() => parseMetricsJson('[]', 'f', () => undefined)).toThrow(/not a JSON object/);
    expect(() => parseMetricsJson('{', 'f', () => undefined)).toThrow(/not valid JSON/);
  });
});
