import { cpSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataQuery } from '../../ingest/datasets/dataquery.ts';
import { scanDatasets } from '../../ingest/datasets/scan.ts';
import { REPO_ROOT, tempDir, tempWarehouse } from '../helpers.ts';

const EXAMPLES = join(REPO_ROOT, 'examples', 'data');

function copyExamples(): string {
  const root = join(tempDir(), 'data');
  cpSync(EXAMPLES, root, { recursive: true });
  return root;
}

describe('datasets scan of examples/data', () => {
  it('registers every file with stage, purpose, version, rows and schema', async () => {
    const wh = await tempWarehouse();
    const root = copyExamples();
    const { report, summary } = await scanDatasets(wh, root);
    expect(report.status).toBe('ok');
    expect(summary.problems).toEqual([]);
    expect(summary.drift).toEqual([]);
    expect(summary.conflicts).toEqual([]);
    const rows = await wh.all<{
      rel_path: string;
      stage: string;
      purpose: string;
      version: string | null;
      rows: bigint;
      layout: string;
      manifest_status: string;
    }>(
      'SELECT rel_path, stage, purpose, version, "rows", layout, manifest_status FROM datasets ORDER BY rel_path',
    );
    const by = Object.fromEntries(rows.map((r) => [r.rel_path, r]));
    expect(rows.length).toBe(44);
    expect(by['processed/distillation/teacher_inputs/teacher_inputs_v1.parquet']).toMatchObject({
      stage: 'processed',
      purpose: 'teacher_inputs',
      version: 'v1',
      rows: 8n,
      manifest_status: 'ok',
    });
    expect(by['processed/evaluation/predictions/predictions_run_20251103_143022.parquet']).toMatchObject({
      version: 'run_20251103_143022',
      rows: 5n,
    });
    expect(by['raw/customers.csv']).toMatchObject({ stage: 'raw', rows: 12n });
    expect(by['raw/transactions.json']).toMatchObject({ rows: 8n });
    expect(by['mydataset/versions/v2.1/val.parquet']).toMatchObject({
      stage: 'processed',
      version: 'v2.1',
      layout: 'dataset-folder',
    });
    expect(by['mydataset/raw/source_dump.jsonl']).toMatchObject({
      stage: 'raw',
      layout: 'dataset-folder',
      rows: 12n,
    });
    expect(by['distillation_preprocessed/openhermes/shard_0001.parquet']).toMatchObject({
      layout: 'tokenized',
      purpose: 'openhermes',
      manifest_status: 'ok',
    });
    // README.md, stats sidecars and manifests are not datasets
    expect(
      rows.some(
        (r) =>
          r.rel_path.endsWith('.md') || r.rel_path.includes('stats.json') || r.rel_path.includes('manifest'),
      ),
    ).toBe(false);
    const schema = await wh.scalar<string>(
      "SELECT schema FROM datasets WHERE rel_path = 'raw/customers.csv'",
    );
    expect(JSON.parse(schema!).map((c: { name: string }) => c.name)).toEqual([
      'id',
      'email',
      'age',
      'region',
    ]);
    const stats = await wh.all<{ category: string; basis: string; documents: bigint; tokens: bigint | null }>(
      "SELECT category, basis, documents, tokens FROM datasets_category_stats WHERE basis = 'raw' ORDER BY category",
    );
    expect(stats.map((s) => [s.category, Number(s.documents), Number(s.tokens)])).toEqual([
      ['code', 5, 1500],
      ['factual_qa', 3, 450],
      ['instruction_chat', 8, 2400],
      ['math_reasoning', 4, 1100],
    ]);
    const log = await wh.all<{ kind: string; status: string }>(
      "SELECT kind, status FROM ingest_log WHERE kind = 'datasets'",
    );
    expect(log).toEqual([{ kind: 'datasets', status: 'ok' }]);
  });

  it('re-scans: skips when unchanged, updates changed files, marks vanished, never duplicates', async () => {
    const wh = await tempWarehouse();
    const root = copyExamples();
    const first = await scanDatasets(wh, root);
    expect((await scanDatasets(wh, root)).report.status).toBe('skipped');
    rmSync(join(root, 'raw', 'customers.csv'));
    writeFileSync(join(root, 'interim', 'filtered_sales.csv'), 'id,amount\n1,2\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'interim', 'filtered_sales.csv'), later, later);
    const second = await scanDatasets(wh, root);
    expect(second.report.status).toBe('ok');
    expect(second.summary).toMatchObject({ vanished: 1, changed: 1, hashed: 1 });
    expect(await wh.scalar<bigint>('SELECT count(*) FROM datasets')).toBe(44n);
    expect(await wh.scalar<bigint>('SELECT count(DISTINCT path) FROM datasets')).toBe(44n);
    expect(await wh.scalar<string>("SELECT status FROM datasets WHERE rel_path = 'raw/customers.csv'")).toBe(
      'vanished',
    );
    expect(
      await wh.scalar<bigint>(`SELECT "rows" FROM datasets WHERE rel_path = 'interim/filtered_sales.csv'`),
    ).toBe(1n);
    expect(
      await wh.scalar<string>('SELECT status FROM ingest_log WHERE ingest_id = $1', [first.report.ingestId!]),
    ).toBe('replaced');
  });

  it('reports bad input per file and goes on: not-Parquet, bad manifest, conflict, drift', async () => {
    const wh = await tempWarehouse();
    const root = copyExamples();
    writeFileSync(
      join(root, 'processed', 'training', 'train', 'broken_v1.parquet'),
      'this is not parquet at all',
    );
    writeFileSync(join(root, 'processed', 'training', 'manifests_bad_manifest_v1.json'), '{not json');
    writeFileSync(join(root, 'processed', 'training', 'train', 'train_v2.jsonl'), '{"text": "a"}\n');
    // teacher_inputs_v1 changes without a new version: drift against the distillation manifest
    cpSync(
      join(root, 'processed', 'distillation', 'filtered', 'filtered_v1.parquet'),
      join(root, 'processed', 'distillation', 'teacher_inputs', 'teacher_inputs_v1.parquet'),
    );
    const { summary, report } = await scanDatasets(wh, root);
    expect(report.status).toBe('ok');
    expect(summary.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('broken_v1.parquet'),
        expect.stringContaining('manifests_bad_manifest_v1.json'),
      ]),
    );
    expect(
      await wh.scalar<string>("SELECT status FROM datasets WHERE rel_path LIKE '%broken_v1.parquet'"),
    ).toBe('invalid');
    expect(summary.conflicts.map((c) => c.path).sort()).toEqual(
      [expect.stringContaining('train_v2.jsonl'), expect.stringContaining('train_v2.parquet')].sort(),
    );
    expect(summary.drift).toEqual([
      expect.objectContaining({ path: expect.stringContaining('teacher_inputs_v1.parquet') }),
    ]);
    const drift = await wh.scalar<string>("SELECT drift FROM datasets WHERE purpose = 'teacher_inputs'");
    expect(JSON.parse(drift!)).toMatchObject({ rows: { manifest: 8, file: 6 } });
    expect(
      await wh.scalar<string>("SELECT status FROM datasets_manifests WHERE path LIKE '%bad_manifest%'"),
    ).toBe('invalid');
    expect(await wh.scalar<bigint>("SELECT count(*) FROM datasets WHERE status = 'present'")).toBe(45n);
    expect(await wh.scalar<bigint>('SELECT count(*) FROM datasets')).toBe(46n);
  });
});

describe('DataQuery', () => {
  it('lists, finds the latest version, reads rows through DuckDB', async () => {
    const wh = await tempWarehouse();
    const root = copyExamples();
    await scanDatasets(wh, root);
    const q = new DataQuery(wh);
    const processed = await q.listAvailableDatasets({ stage: 'processed', category: 'training' });
    expect(processed.map((d) => `${d.purpose}_${d.version}`)).toEqual([
      'test_v1',
      'train_v1',
      'train_v2',
      'val_v1',
    ]);
    const teacher = await q.getTeacherInputs({ version: 'v1' });
    expect(teacher).toHaveLength(8);
    expect(Object.keys(teacher[0]!)).toEqual(['id', 'text', 'source', 'category']);
    expect(await q.getDataset('train', undefined, { category: 'training' })).toHaveLength(9);
    expect(await q.getDataset('train', 'v1', { category: 'training', limit: 3 })).toHaveLength(3);
    expect((await q.getDatasetFiles('train', undefined, { dataset: 'mydataset' }))[0]!.version).toBe('v2.1');
    expect(await q.getDataset('openhermes', undefined, { stage: 'processed' })).toHaveLength(5);
    await expect(q.getDataset('nonexistent')).rejects.toThrow(/no dataset with purpose nonexistent/);
    const latest = await wh.all<{ area: string; version: string }>(
      "SELECT area, version FROM datasets_latest WHERE purpose = 'train' ORDER BY area NULLS LAST",
    );
    expect(latest).toEqual([
      { area: 'training/train', version: 'v2' },
      { area: 'versions/v2.1', version: 'v2.1' },
      { area: null, version: null },
    ]);
    expect(await q.readSql('customers')).toMatch(/^read_csv\('.*customers\.csv'\)$/);
  });
});

describe('datasets demo step', () => {
  it('scans examples/data into one ok report', async () => {
    const { datasetsPlugin } = await import('../../ingest/datasets/plugin.ts');
    const { memoryOutput } = await import('../../src/output.ts');
    const wh = await tempWarehouse();
    const reports = await datasetsPlugin.demo!(wh, {
      examplesDir: join(REPO_ROOT, 'examples'),
      out: memoryOutput(),
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      kind: 'datasets',
      status: 'ok',
      warnings: [],
      rows: { datasets: 44, datasets_manifests: 2 },
    });
  });
});
