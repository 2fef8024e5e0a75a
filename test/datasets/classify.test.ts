import { describe, expect, it } from 'vitest';
import { classifyPath, parseFileName, rootPrefix } from '../../ingest/datasets/classify.ts';

/** [path relative to the data root, stage, area, category, dataset, purpose, version, split, layout] */
type Case = [
  string,
  string,
  string | null,
  string | null,
  string | null,
  string,
  string | null,
  string | null,
  string,
];

const CASES: Record<string, Case[]> = {
  'data-organization.md': [
    ['raw/enhanced_prompts.json', 'raw', null, null, null, 'enhanced_prompts', null, null, 'stages'],
    ['raw/training.jsonl', 'raw', null, null, null, 'training', null, null, 'stages'],
    ['raw/combined_v1.parquet', 'raw', null, null, null, 'combined', 'v1', null, 'stages'],
    [
      'processed/distillation/teacher_inputs/teacher_inputs_v1.parquet',
      'processed',
      'distillation/teacher_inputs',
      'distillation',
      null,
      'teacher_inputs',
      'v1',
      null,
      'processed-areas',
    ],
    [
      'processed/distillation/teacher_outputs/teacher_outputs_v2.jsonl',
      'processed',
      'distillation/teacher_outputs',
      'distillation',
      null,
      'teacher_outputs',
      'v2',
      null,
      'processed-areas',
    ],
    [
      'processed/distillation/filtered/filtered_v1.parquet',
      'processed',
      'distillation/filtered',
      'distillation',
      null,
      'filtered',
      'v1',
      null,
      'processed-areas',
    ],
    [
      'processed/distillation/sft_datasets/sft_v1.jsonl',
      'processed',
      'distillation/sft_datasets',
      'distillation',
      null,
      'sft',
      'v1',
      null,
      'processed-areas',
    ],
    [
      'processed/training/train/train_v1.parquet',
      'processed',
      'training/train',
      'training',
      null,
      'train',
      'v1',
      'train',
      'processed-areas',
    ],
    [
      'processed/training/val/val_v1.parquet',
      'processed',
      'training/val',
      'training',
      null,
      'val',
      'v1',
      'val',
      'processed-areas',
    ],
    [
      'processed/training/test/heldout_v1.parquet',
      'processed',
      'training/test',
      'training',
      null,
      'heldout',
      'v1',
      'test',
      'processed-areas',
    ],
    [
      'processed/evaluation/predictions/predictions_run_20251103_143022.parquet',
      'processed',
      'evaluation/predictions',
      'evaluation',
      null,
      'predictions',
      'run_20251103_143022',
      null,
      'processed-areas',
    ],
    [
      'processed/evaluation/metrics/metrics_v1.json',
      'processed',
      'evaluation/metrics',
      'evaluation',
      null,
      'metrics',
      'v1',
      null,
      'processed-areas',
    ],
    [
      'processed/evaluation/reports/report_v1.csv',
      'processed',
      'evaluation/reports',
      'evaluation',
      null,
      'report',
      'v1',
      null,
      'processed-areas',
    ],
    [
      'processed/raw_summary/statistics/raw_statistics_v1.json',
      'processed',
      'raw_summary/statistics',
      'raw_summary',
      null,
      'raw_statistics',
      'v1',
      null,
      'processed-areas',
    ],
  ],
  'mlops-data-stages.md': [
    ['raw/customers.csv', 'raw', null, null, null, 'customers', null, null, 'stages'],
    ['raw/transactions.json', 'raw', null, null, null, 'transactions', null, null, 'stages'],
    [
      'interim/cleaned_customers.parquet',
      'interim',
      null,
      null,
      null,
      'cleaned_customers',
      null,
      null,
      'stages',
    ],
    ['interim/filtered_sales.csv', 'interim', null, null, null, 'filtered_sales', null, null, 'stages'],
    ['processed/train.parquet', 'processed', null, null, null, 'train', null, 'train', 'stages'],
    [
      'processed/validation.parquet',
      'processed',
      null,
      null,
      null,
      'validation',
      null,
      'validation',
      'stages',
    ],
    [
      'features/customer_features_v3.parquet',
      'features',
      null,
      null,
      null,
      'customer_features',
      'v3',
      null,
      'stages',
    ],
    [
      'validation/golden_test_set.csv',
      'validation',
      null,
      null,
      null,
      'golden_test_set',
      null,
      null,
      'stages',
    ],
    [
      'validation/schema_test_sample.json',
      'validation',
      null,
      null,
      null,
      'schema_test_sample',
      null,
      null,
      'stages',
    ],
    [
      'predictions/model_v5_outputs.csv',
      'predictions',
      null,
      null,
      null,
      'model_v5_outputs',
      null,
      null,
      'stages',
    ],
    [
      'monitoring/input_stats_2025_10_21.json',
      'monitoring',
      null,
      null,
      null,
      'input_stats',
      '2025_10_21',
      null,
      'stages',
    ],
    ['monitoring/drift_summary.csv', 'monitoring', null, null, null, 'drift_summary', null, null, 'stages'],
  ],
  'managing-data.md': [
    ['mydataset/raw/dump.jsonl', 'raw', null, null, 'mydataset', 'dump', null, null, 'dataset-folder'],
    [
      'mydataset/processed/items.parquet',
      'processed',
      null,
      null,
      'mydataset',
      'items',
      null,
      null,
      'dataset-folder',
    ],
    [
      'mydataset/versions/v1/train.parquet',
      'processed',
      'versions/v1',
      null,
      'mydataset',
      'train',
      'v1',
      'train',
      'dataset-folder',
    ],
    [
      'mydataset/versions/v2/test.parquet',
      'processed',
      'versions/v2',
      null,
      'mydataset',
      'test',
      'v2',
      'test',
      'dataset-folder',
    ],
    [
      'mydataset/versions/v2.1/val.parquet',
      'processed',
      'versions/v2.1',
      null,
      'mydataset',
      'val',
      'v2.1',
      'val',
      'dataset-folder',
    ],
    [
      'mydataset/metadata/changelog.json',
      'metadata',
      null,
      null,
      'mydataset',
      'changelog',
      null,
      null,
      'dataset-folder',
    ],
  ],
  'data-pipeline-quickstart.md': [
    [
      'distillation/instruction_chat/openhermes.jsonl',
      'raw',
      'distillation',
      'instruction_chat',
      null,
      'openhermes',
      null,
      null,
      'curriculum',
    ],
    [
      'distillation/code/starcoder.jsonl',
      'raw',
      'distillation',
      'code',
      null,
      'starcoder',
      null,
      null,
      'curriculum',
    ],
    [
      'distillation/math_reasoning/gsm8k.jsonl',
      'raw',
      'distillation',
      'math_reasoning',
      null,
      'gsm8k',
      null,
      null,
      'curriculum',
    ],
    [
      'distillation/factual_qa/squad.jsonl',
      'raw',
      'distillation',
      'factual_qa',
      null,
      'squad',
      null,
      null,
      'curriculum',
    ],
    [
      'distillation/custom/my_data.jsonl',
      'raw',
      'distillation',
      'custom',
      null,
      'my_data',
      null,
      null,
      'curriculum',
    ],
  ],
};

describe('classifyPath over the seed layouts', () => {
  for (const [doc, cases] of Object.entries(CASES)) {
    describe(doc, () => {
      it.each(cases)('%s', (path, stage, area, category, dataset, purpose, version, split, layout) => {
        const c = classifyPath(path.split('/'), { datasetFolders: ['mydataset'] });
        expect({
          stage: c.stage,
          area: c.area,
          category: c.category,
          dataset: c.dataset,
          purpose: c.purpose,
          version: c.version?.version ?? null,
          split: c.split,
          layout: c.layout,
        }).toEqual({ stage, area, category, dataset, purpose, version, split, layout });
      });
    });
  }

  it('tokenized shards take the split as purpose and the output folder as dataset', () => {
    const c = classifyPath(['distillation_preprocessed', 'openhermes', 'shard_0000.parquet'], {
      tokenized: {
        outputDir: ['distillation_preprocessed'],
        outputName: 'distillation_preprocessed',
        split: 'openhermes',
        category: null,
      },
    });
    expect([c.layout, c.stage, c.area, c.dataset, c.purpose, c.version]).toEqual([
      'tokenized',
      'processed',
      'tokenized',
      'distillation_preprocessed',
      'openhermes',
      null,
    ]);
  });

  it('a root that is itself a stage or area keeps its meaning', () => {
    expect(rootPrefix(['home', 'me', 'data', 'processed', 'distillation'])).toEqual([
      'processed',
      'distillation',
    ]);
    expect(rootPrefix(['home', 'me', 'data'])).toEqual([]);
    const c = classifyPath([...rootPrefix(['data', 'processed']), 'training', 'train', 'train_v1.parquet']);
    expect([c.stage, c.area, c.split]).toEqual(['processed', 'training/train', 'train']);
  });
});

describe('parseFileName', () => {
  it('orders versions: v2 < v2.1 < v3, runs and dates by time', () => {
    const key = (n: string) => parseFileName(n).version!.key;
    expect(key('train_v2.parquet') < key('train_v2.1.parquet')).toBe(true);
    expect(key('train_v2.1.parquet') < key('train_v10.parquet')).toBe(true);
    expect(key('p_run_20251103_143022.parquet') < key('p_run_20251104_000000.parquet')).toBe(true);
    expect(parseFileName('predictions_run_20251103_143022.parquet').version!.at!.toISOString()).toBe(
      '2025-11-03T14:30:22.000Z',
    );
  });
  it('leaves non-versions alone', () => {
    expect(parseFileName('shard_0000.parquet')).toMatchObject({ purpose: 'shard_0000', version: null });
    expect(parseFileName('stats_20251399.json')).toMatchObject({ purpose: 'stats_20251399', version: null });
    expect(parseFileName('README.md').format).toBeNull();
  });
});
