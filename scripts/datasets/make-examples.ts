/**
 * Generates examples/data/: a small data tree in the layouts of the four seed documents, every data file
 * written by DuckDB in its real format. Run: node --import tsx scripts/datasets/make-examples.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeSeedManifestFor } from '../../ingest/datasets/manifest-command.ts';
import { PACKAGE_ROOT } from '../../src/version.ts';

const root = join(PACKAGE_ROOT, 'examples', 'data');
rmSync(root, { recursive: true, force: true });
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();

const formats: Record<string, string> = {
  parquet: '(FORMAT parquet)',
  csv: '(FORMAT csv, HEADER true)',
  jsonl: '(FORMAT json)',
  json: '(FORMAT json, ARRAY true)',
};
async function write(rel: string, select: string): Promise<void> {
  const path = join(root, rel);
  mkdirSync(dirname(path), { recursive: true });
  const ext = rel.slice(rel.lastIndexOf('.') + 1);
  await conn.run(`COPY (${select}) TO '${path}' ${formats[ext]}`);
}
const text = (file: string, content: string): void => {
  const path = join(root, file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
};
const customers = `SELECT i AS id, 'user' || i || '@example.com' AS email, 20 + i AS age, ['eu','us','apac'][1 + i % 3] AS region FROM range(12) t(i)`;
const prompts = (n: number, cat: string) =>
  `SELECT '${cat}_' || lpad(i::VARCHAR, 3, '0') AS id, 'Example ${cat} text number ' || i AS text, '${cat}' AS source, '${cat}' AS category FROM range(${n}) t(i)`;

// mlops-data-stages.md
await write(
  'raw/customers.csv',
  `SELECT id, CASE WHEN id % 5 = 0 THEN NULL ELSE email END AS email, CASE WHEN id % 7 = 3 THEN NULL ELSE age END AS age, region FROM (${customers})`,
);
await write(
  'raw/transactions.json',
  `SELECT i AS id, i % 12 AS customer_id, round(10.5 * i, 2) AS amount FROM range(8) t(i)`,
);
await write('interim/cleaned_customers.parquet', `SELECT * FROM (${customers}) WHERE id % 5 <> 0`);
await write('interim/filtered_sales.csv', `SELECT i AS id, 3.5 * i AS amount FROM range(5) t(i)`);
await write('processed/train.parquet', `SELECT age, region FROM (${customers}) WHERE id < 9`);
await write('processed/validation.parquet', `SELECT age, region FROM (${customers}) WHERE id >= 9`);
await write(
  'features/customer_features_v3.parquet',
  `SELECT id, age / 100.0 AS age_scaled, region = 'eu' AS is_eu FROM (${customers})`,
);
await write('validation/golden_test_set.csv', `SELECT age, region FROM (${customers}) WHERE id < 4`);
await write('validation/schema_test_sample.json', `SELECT id, email FROM (${customers}) WHERE id < 2`);
await write(
  'predictions/model_v5_outputs.csv',
  `SELECT id, (id % 2)::INTEGER AS predicted, 0.5 + id / 100.0 AS score FROM range(6) t(id)`,
);
text(
  'monitoring/input_stats_2025_10_21.json',
  `${JSON.stringify({ rows: 12, mean_age: 25.5, null_email: 3 })}\n`,
);
await write(
  'monitoring/drift_summary.csv',
  `SELECT 'age' AS feature, 0.03 AS drift_score UNION ALL SELECT 'region', 0.07`,
);

// data-organization.md
text('raw/README.md', '# Raw data\n');
text('raw/DATA_INDEX.md', '# Index\n');
await write('raw/enhanced_prompts.json', prompts(4, 'prompt'));
await write('raw/training_conversations.jsonl', prompts(6, 'conversation'));
await write('raw/combined_v1.parquet', prompts(10, 'combined'));
text('processed/README.md', '# Processed data\n');
await write('processed/distillation/teacher_inputs/teacher_inputs_v1.parquet', prompts(8, 'teacher'));
await write(
  'processed/distillation/teacher_outputs/teacher_outputs_v1.jsonl',
  `SELECT id, 'completion for ' || id AS completion FROM (${prompts(8, 'teacher')})`,
);
await write(
  'processed/distillation/filtered/filtered_v1.parquet',
  `SELECT * FROM (${prompts(8, 'teacher')}) LIMIT 6`,
);
await write(
  'processed/distillation/sft_datasets/sft_v1.jsonl',
  `SELECT text AS prompt, 'answer' AS response FROM (${prompts(6, 'sft')})`,
);
await write('processed/training/train/train_v1.parquet', prompts(7, 'train'));
await write('processed/training/train/train_v2.parquet', prompts(9, 'train'));
await write('processed/training/val/val_v1.parquet', prompts(2, 'val'));
await write('processed/training/test/test_v1.parquet', prompts(2, 'test'));
await write(
  'processed/evaluation/predictions/predictions_run_20251103_143022.parquet',
  `SELECT i AS id, i % 3 AS label FROM range(5) t(i)`,
);
await write(
  'processed/evaluation/metrics/metrics_v1.json',
  `SELECT 'accuracy' AS metric, 0.81 AS value UNION ALL SELECT 'f1', 0.77`,
);
await write('processed/evaluation/reports/report_v1.csv', `SELECT 'accuracy' AS metric, 0.81 AS value`);
await write(
  'processed/raw_summary/statistics/raw_statistics_v1.json',
  `SELECT 'combined' AS source, 10 AS rows`,
);

// managing-data.md: mydataset/{raw,processed,versions,metadata}
await write('mydataset/raw/source_dump.jsonl', prompts(12, 'item'));
await write('mydataset/processed/items.parquet', prompts(12, 'item'));
await write('mydataset/versions/v1/train.parquet', `SELECT * FROM (${prompts(12, 'item')}) LIMIT 8`);
await write('mydataset/versions/v1/test.parquet', `SELECT * FROM (${prompts(12, 'item')}) OFFSET 8`);
await write('mydataset/versions/v2/train.parquet', prompts(10, 'item'));
await write('mydataset/versions/v2.1/train.parquet', `SELECT * FROM (${prompts(12, 'item')}) LIMIT 9`);
await write('mydataset/versions/v2.1/val.parquet', `SELECT * FROM (${prompts(12, 'item')}) OFFSET 9 LIMIT 1`);
await write('mydataset/versions/v2.1/test.parquet', `SELECT * FROM (${prompts(12, 'item')}) OFFSET 10`);
text(
  'mydataset/metadata/changelog.json',
  `${JSON.stringify([
    { version: 'v2', change: 'added 2 samples' },
    { version: 'v2.1', change: 'new split' },
  ])}\n`,
);

// data-pipeline-quickstart.md: curriculum downloads + tokenized output with manifest.json
const curriculum: [string, string, number, number][] = [
  ['instruction_chat', 'openhermes', 8, 2400],
  ['code', 'codealpaca', 5, 1500],
  ['math_reasoning', 'gsm8k', 4, 1100],
  ['factual_qa', 'squad', 3, 450],
];
for (const [cat, name, docs, tokens] of curriculum) {
  await write(`distillation/${cat}/${name}.jsonl`, prompts(docs, cat));
  text(
    `distillation/${cat}/${name}.stats.json`,
    `${JSON.stringify({ category: cat, documents: docs, tokens }, null, 2)}\n`,
  );
}
await write('distillation/custom/my_data.jsonl', prompts(2, 'custom'));
const seq = 16;
const shard = (n: number, seed: number) =>
  `SELECT [((i * 31 + j * 7 + ${seed}) % 1000)::INTEGER FOR j IN range(${seq})] AS input_ids, [1::INTEGER FOR j IN range(${seq})] AS attention_mask, [((i * 31 + j * 7 + ${seed}) % 1000)::INTEGER FOR j IN range(${seq})] AS labels FROM range(${n}) t(i)`;
await write('distillation_preprocessed/openhermes/shard_0000.parquet', shard(3, 1));
await write('distillation_preprocessed/openhermes/shard_0001.parquet', shard(2, 2));
await write('distillation_preprocessed/gsm8k/shard_0000.parquet', shard(2, 3));
text(
  'distillation_preprocessed/openhermes/openhermes_stats.json',
  `${JSON.stringify({ documents: 8, tokens: 80 }, null, 2)}\n`,
);
text(
  'distillation_preprocessed/gsm8k/gsm8k_stats.json',
  `${JSON.stringify({ documents: 4, tokens: 32, by_category: { math_reasoning: { documents: 4, tokens: 32 } } }, null, 2)}\n`,
);
text(
  'distillation_preprocessed/manifest.json',
  `${JSON.stringify(
    {
      tokenizer: 'meta-llama/Llama-3.2-1B',
      max_seq_length: seq,
      shard_size_gb: 2,
      input_path: 'data/distillation',
      output_path: 'data/distillation_preprocessed',
      files_processed: 2,
      splits: {
        openhermes: {
          path: 'data/distillation_preprocessed/openhermes',
          shards: 2,
          sequences: 5,
          samples: 8,
          tokens: 80,
        },
        gsm8k: {
          path: 'data/distillation_preprocessed/gsm8k',
          shards: 1,
          sequences: 2,
          samples: 4,
          tokens: 32,
        },
      },
    },
    null,
    2,
  )}\n`,
);
// The seed's distillation manifest, written by the same code as `mlduck datasets manifest`.
for (const rel of ['teacher_inputs/teacher_inputs_v1.parquet', 'filtered/filtered_v1.parquet']) {
  const file = join(root, 'processed', 'distillation', rel);
  await writeSeedManifestFor(conn, file, {
    categoryDir: join(root, 'processed', 'distillation'),
    category: 'distillation',
    dataset: null,
  });
}
conn.closeSync();
db.closeSync();
console.log(`wrote ${root}`);
