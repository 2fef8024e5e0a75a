import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

describe('mlduck datasets (CLI)', () => {
  it('scan, list, show, manifest from a working folder with ./data', async () => {
    const cwd = tempDir();
    cpSync(join(REPO_ROOT, 'examples', 'data'), join(cwd, 'data'), { recursive: true });
    const db = ['--db', await migratedWarehouseFile(join(cwd, 'w.duckdb'))];

    const scan = await runCli([...db, 'datasets', 'scan'], { cwd });
    expect(scan.stderr).toBe('');
    expect(scan.code).toBe(0);
    expect(scan.stdout).toMatch(/^data: 44 files \(44 new/);

    const list = await runCli([...db, 'datasets', 'list', '--stage', 'features', '-f', 'csv'], { cwd });
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual([
      'stage,area,category,dataset,purpose,version,format,rows,bytes,manifest,status,path',
      expect.stringMatching(
        /^features,,,,customer_features,v3,parquet,12,\d+,none,present,data\/features\/customer_features_v3\.parquet$/,
      ),
    ]);

    const show = await runCli([...db, 'datasets', 'show', 'train', '-f', 'json'], { cwd });
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as { path: string; version: string }[];
    expect(shown.map((r) => r.path)).toEqual(['data/mydataset/versions/v2.1/train.parquet']);

    // --data-version picks a version (mlduck's own --version stays mlduck's); a folder named like a purpose
    // (./train here) is not taken for a registered file.
    const v1 = await runCli([...db, 'datasets', 'show', 'train', '--data-version', 'v1', '-f', 'json'], {
      cwd,
    });
    expect(v1.code).toBe(0);
    const versions = (JSON.parse(v1.stdout) as { version: string }[]).map((r) => r.version);
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set(['v1']));
    mkdirSync(join(cwd, 'train'));
    const folder = await runCli([...db, 'datasets', 'show', 'train', '-f', 'json'], { cwd });
    expect(folder.code).toBe(0);
    expect((JSON.parse(folder.stdout) as { path: string }[]).map((r) => r.path)).toEqual(
      shown.map((r) => r.path),
    );

    const missing = await runCli([...db, 'datasets', 'show', 'nothing_here'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no registered dataset nothing_here/);

    const manifest = await runCli(
      [...db, 'datasets', 'manifest', 'data/processed/training/train/train_v2.parquet'],
      { cwd },
    );
    expect(manifest.code).toBe(0);
    const written = join(cwd, 'data', 'processed', 'training', 'manifests', 'training_manifest_v2.json');
    expect(existsSync(written)).toBe(true);
    const content = JSON.parse(readFileSync(written, 'utf8')) as {
      datasets: Record<string, { rows: number; path: string }>;
    };
    expect(content.datasets['train_v2']).toMatchObject({ rows: 9, path: 'train/train_v2.parquet' });
    const after = await runCli(
      [
        ...db,
        'query',
        "SELECT manifest_status FROM datasets WHERE purpose = 'train' AND version = 'v2' AND category = 'training'",
        '-f',
        'csv',
      ],
      { cwd },
    );
    expect(after.stdout.trim().split('\n')[1]).toBe('ok');

    const convert = await runCli(
      [
        ...db,
        'datasets',
        'convert',
        'data/raw/customers.csv',
        '--to',
        'interim/cleaned_customers_v1.parquet',
        '--drop-null',
        'email',
        'age',
      ],
      { cwd },
    );
    expect(convert.stderr).toMatch(/data: 45 files \(1 new/);
    expect(convert.stdout.trim()).toBe(
      'data/interim/cleaned_customers_v1.parquet: 8 rows (12 read, 4 dropped)',
    );
    const converted = await runCli([...db, 'datasets', 'show', 'data/interim/cleaned_customers_v1.parquet'], {
      cwd,
    });
    expect(JSON.parse(converted.stdout)).toEqual([
      expect.objectContaining({
        stage: 'interim',
        purpose: 'cleaned_customers',
        version: 'v1',
        rows: 8,
        lineage_input: 'data/raw/customers.csv',
      }),
    ]);
    const badColumn = await runCli(
      [
        ...db,
        'datasets',
        'convert',
        'data/raw/customers.csv',
        '--to',
        'interim/x_v1.parquet',
        '--drop-null',
        'mail',
      ],
      { cwd },
    );
    expect(badColumn.code).toBe(1);
    expect(badColumn.stderr).toMatch(
      /columns the input does not have: mail .*columns: id, email, age, region/,
    );

    const bad = await runCli([...db, 'datasets', 'scan', 'no_such_folder'], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no_such_folder: no such data folder/);
  });
});
