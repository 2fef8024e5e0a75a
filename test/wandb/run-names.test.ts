import { describe, expect, it } from 'vitest';
import {
  comparisonMetricFor,
  parseNameTimestamp,
  parseRunName,
  parseTokenCount,
  RUN_NAME_PATTERNS,
} from '../../ingest/wandb/run-names.ts';

// The five classified real run ids of the sample (reference-data/wandb_runs_sample.parquet) plus constructed
// names for the other upstream patterns, with the fields upstream extracts.
const CASES: {
  id: string;
  type: string;
  pattern: string | null;
  expect: Record<string, unknown>;
}[] = [
  {
    id: '2025_08_18-22_30_05_allenai--DataDecide-dolma1_7-4M_main_default',
    type: 'old',
    pattern: null,
    expect: { nameTimestamp: null },
  },
  {
    id: '2025_08_21-08_24_43_test_finetune_DD-dolma1_7-4M_main_1Mtx1_--learning_rate=5e-07',
    type: 'simple_ft_vary_tokens',
    pattern: 'FT1_PATTERN',
    expect: {
      nameTimestamp: '2025-08-21 08:24:43',
      expName: 'test_finetune',
      initialCheckpointRecipe: 'Dolma1.7',
      initialCheckpointSize: '4M',
      initialCheckpointSteps: 'main',
      lr: 5e-7,
      numFinetuneTokensPerEpoch: 1e6,
      numFinetuneEpochs: 1,
      numFinetuneTokens: 1e6,
    },
  },
  {
    id: '2025_08_27-07_52_26_test_dpo_tune_cache_dd__dolma1_7-4M__main__100Mt_lr=5e-06_default_--learning_rate=2e-07',
    type: 'dpo',
    pattern: 'DPO2_PATTERN',
    expect: { lr1: 5e-6, lr2: 2e-7, numFinetuneTokensRaw: '100Mt', numFinetuneTokensPerEpoch: 1e20 },
  },
  {
    id: '2025_08_30-16_54_48_test_finetune_DD-dolma1_7-4M_Ft_--learning_rate=5e-05',
    type: 'simple_ft',
    pattern: 'FT4_PATTERN',
    expect: { numFinetuneTokensPerEpoch: 665_127_434, numFinetuneEpochs: 2, lr: 5e-5 },
  },
  {
    id: '250901-155734_test_finetune_DD-dclm-baseline-150M_Ft_learning_rate=5e-05',
    type: 'simple_ft',
    pattern: 'FT5_PATTERN',
    expect: {
      nameTimestamp: '2025-09-01 15:57:34',
      initialCheckpointRecipe: 'DCLM-Baseline',
      initialCheckpointRecipeRaw: 'dclm-baseline',
      initialCheckpointSize: '150M',
    },
  },
  {
    id: '250912-172812_match_150M_c4_finetune_100Mtx1_DD-d17-530M-6250-2',
    type: 'matched',
    pattern: 'MATCHED1_PATTERN',
    expect: {
      expName: 'match',
      comparisonModelSize: '150M',
      comparisonMetric: 'c4_en-valppl',
      comparisonModelRecipe: 'Dolma1.7',
      initialCheckpointRecipe: 'Dolma1.7',
      initialCheckpointSize: '530M',
      initialCheckpointSteps: '6250',
      seed: '2',
      numFinetuneTokens: 1e8,
    },
  },
  {
    id: '250912-172812_match_150M_finetune_Ft_DD-d17-530M-6250-2_lr=1e-05',
    type: 'matched',
    pattern: 'MATCHED3_PATTERN',
    expect: { comparisonMetric: 'pile-valppl', numFinetuneTokensPerEpoch: 665_127_434, lr: 1e-5 },
  },
  {
    id: '2025_08_20-10_00_00_test_dpo_DD-d17-4M_main_default',
    type: 'dpo',
    pattern: 'DPO1_PATTERN',
    expect: { initialCheckpointSteps: 'main' },
  },
  {
    id: '2025_08_20-10_00_00_test_rl_DD-d17-4M_main_default_--max_train_samples=1000_--reduce_loss=sum',
    type: 'reduce_type',
    pattern: 'REDUCE_LOSS_PATTERN',
    expect: { reduceLoss: 'sum', numFinetuneTokensRaw: '1000' },
  },
  {
    id: '250910-120000_ft_100Mtx2_DD-d17-150M-1000-0_lr=2e-05',
    type: 'simple_ft_vary_tokens',
    pattern: 'FT6_PATTERN',
    expect: { numFinetuneTokens: 2e8, numFinetuneEpochs: 2, seed: '0' },
  },
  { id: 'my-unrelated-run', type: 'other', pattern: null, expect: { expName: null } },
  { id: '', type: 'other', pattern: null, expect: {} },
  // A well-formed shape with an impossible date: still classified, the timestamp is just NULL.
  {
    id: '251399-250000_test_finetune_DD-c4-4M_Ft_learning_rate=1e-05',
    type: 'simple_ft',
    pattern: 'FT5_PATTERN',
    expect: { nameTimestamp: null, initialCheckpointRecipe: 'C4' },
  },
];

describe('parseRunName (upstream classifier)', () => {
  it.each(CASES)('$id → $type', ({ id, type, pattern, expect: fields }) => {
    const parsed = parseRunName(id);
    expect(parsed.runType).toBe(type);
    expect(parsed.patternName).toBe(pattern);
    for (const [key, value] of Object.entries(fields)) {
      expect(parsed[key as keyof typeof parsed], key).toEqual(value);
    }
  });

  it('keeps the upstream pattern order (DPO first, then matched, reduce, FT vary, FT)', () => {
    const order = RUN_NAME_PATTERNS.map((p) => p.runType);
    expect(order.indexOf('dpo')).toBe(0);
    expect(order.lastIndexOf('matched')).toBeLessThan(order.indexOf('reduce_type'));
    expect(order.lastIndexOf('simple_ft_vary_tokens')).toBeLessThan(order.indexOf('simple_ft'));
  });
});

describe('run-name pieces', () => {
  it.each([
    ['100M', 1e8],
    ['1B', 1e9],
    ['2G', 2e9],
    ['100Mt', 1e20],
    ['1000', 1000],
    ['abc', null],
  ])('parseTokenCount(%s) = %s', (text, value) => {
    expect(parseTokenCount(text)).toBe(value);
  });

  it.each([
    ['250912-172812', '2025-09-12 17:28:12'],
    ['2025_08_21-08_24_43', '2025-08-21 08:24:43'],
    ['250230-000000', null],
    ['2025_08_21-25_00_00', null],
  ])('parseNameTimestamp(%s) = %s', (text, value) => {
    expect(parseNameTimestamp(text)).toBe(value);
  });

  it('comparison metric: c4 → c4_en-valppl, other → <x>-valppl, none → pile-valppl', () => {
    expect(comparisonMetricFor('c4')).toBe('c4_en-valppl');
    expect(comparisonMetricFor('wikitext_103')).toBe('wikitext_103-valppl');
    expect(comparisonMetricFor(undefined)).toBe('pile-valppl');
  });
});
