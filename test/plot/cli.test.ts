import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plotPlugin } from '../../plot/plugin.ts';
import { memoryOutput } from '../../src/output.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { migratedWarehouseFile, runCli, tempDir } from '../helpers.ts';
import { plotFixture, pngSize } from './fixture.ts';

let db: string;
let remove: () => void;
beforeAll(async () => {
  ({ db, remove } = await plotFixture());
}, 60_000);
afterAll(() => remove());

describe('mlduck plot (CLI)', () => {
  it('writes PNG of the requested width, SVG and the Vega-Lite JSON, reading the warehouse without changing it', async () => {
    const dir = tempDir();
    const before = statSync(db).mtimeMs;
    const png = join(dir, 'curves.png');
    const filters = ['--task', 'arc_challenge', '--metric', 'acc_raw'];
    const a = await runCli(['--db', db, 'plot', 'curves', ...filters, '--out', png, '--width', '900']);
    expect(a.stderr).toMatch(
      /curves: arc_challenge acc_raw vs tokens, 4 lines, 2 ±1 std bands, 3 model sizes/,
    );
    expect(a.code).toBe(0);
    expect(pngSize(readFileSync(png)).width).toBe(900);
    const svg = join(dir, 'qa.svg');
    expect((await runCli(['--db', db, 'plot', 'qa', '--out', svg])).code).toBe(0);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[^>]+width="\d+"/);
    const spec = await runCli(['--db', db, 'plot', 'history', '--run', 'nan_probe', '--spec']);
    expect(spec.code).toBe(0);
    const parsed = JSON.parse(spec.stdout);
    expect(parsed.$schema).toMatch(/vega-lite\/v6/);
    expect(parsed.data.values).toHaveLength(8);
    // Reads only: no write-ahead log, the file untouched.
    expect(existsSync(`${db}.wal`)).toBe(false);
    expect(statSync(db).mtimeMs).toBe(before);
  });

  it('names the filter that selects nothing, exits 2 and writes no image', async () => {
    const out = join(tempDir(), 'none.svg');
    const r = await runCli(['--db', db, 'plot', 'curves', '--data', 'NoSuchRecipe', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--data NoSuchRecipe selects nothing for the curves chart .*\(there: C4, DCLM-Baseline, Dolma1\.7\)/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
    const where = await runCli(['--db', db, 'plot', 'qa', '--where', 'step > 99999', '--out', out]);
    expect(where.code).toBe(2);
    expect(where.stderr).toMatch(/--where step > 99999 selects nothing for the qa chart/);
    expect(existsSync(out)).toBe(false);
  });

  it('rejects an unknown chart (usage), an unknown column and a missing warehouse (bad input)', async () => {
    const dir = tempDir();
    const unknown = await runCli(['--db', db, 'plot', 'pie', '--out', join(dir, 'x.svg')]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /unknown chart pie — use one of curves, finetune-vs-pretrain, history, qa, sql/,
    );
    const column = await runCli([
      '--db',
      db,
      'plot',
      'sql',
      '--sql',
      'SELECT step, tokens FROM pretrain_current_checkpoints',
      '--x',
      'step',
      '--y',
      'loss',
      '--out',
      join(dir, 'x.svg'),
    ]);
    expect(column.code).toBe(2);
    expect(column.stderr).toMatch(/--y loss is not a column of the query — its columns are step, tokens/);
    const where = await runCli([
      '--db',
      db,
      'plot',
      'qa',
      '--where',
      'nosuch = 1',
      '--out',
      join(dir, 'x.svg'),
    ]);
    expect(where.code).toBe(2);
    expect(where.stderr).toMatch(/nosuch.*the columns are data, params, seed, step, task/);
    const missing = join(dir, 'missing.duckdb');
    const noDb = await runCli(['--db', missing, 'plot', 'qa', '--out', join(dir, 'x.svg')]);
    expect(noDb.code).toBe(2);
    expect(noDb.stderr).toMatch(/does not exist/);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(join(dir, 'x.svg'))).toBe(false);
  });

  it('names the ingest that fills the tables a chart needs', async () => {
    const empty = await migratedWarehouseFile();
    const out = join(tempDir(), 'x.svg');
    for (const [chart, ingest] of [
      ['curves', 'mlduck ingest datadecide'],
      ['qa', 'mlduck ingest qa'],
    ] as const) {
      const r = await runCli(['--db', empty, 'plot', chart, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`fill it with \`${ingest}`);
    }
    expect(existsSync(out)).toBe(false);
  });
});

describe('mlduck report', () => {
  it('writes one self-contained HTML file with the inventory and every chart the data supports', async () => {
    const out = join(tempDir(), 'report.html');
    const r = await runCli(['--db', db, 'report', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(4 charts)');
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<section class="chart"/g)).toHaveLength(4);
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).toContain('@font-face');
    expect(html).toMatch(/<td><code>pretrain_metrics<\/code><\/td><td>\d+<\/td>/);
    // Nothing fetched at view time: no scripts, stylesheets or images from elsewhere.
    expect(html).not.toMatch(/<script|<link|<img|url\(http|src="http/);
  });

  it('on an empty warehouse draws nothing and says which ingest would fill each chart', async () => {
    const out = join(tempDir(), 'report.html');
    const r = await runCli(['--db', await migratedWarehouseFile(), 'report', '--out', out]);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain('<svg ');
    expect(html).toContain('mlduck ingest datadecide');
    expect(html).toContain('mlduck ingest wandb');
  });

  it('is the demo’s last step: report.html beside the warehouse', async () => {
    const wh = await Warehouse.open(db, { readOnly: true });
    const out = memoryOutput();
    try {
      expect(await plotPlugin.demo!(wh, { examplesDir: '', out })).toEqual([]);
    } finally {
      wh.close();
    }
    const path = join(db, '..', 'report.html');
    expect(readFileSync(path, 'utf8')).toMatch(/<h1>mlduck report<\/h1>/);
    expect(out.lines.info.join('\n')).toContain(`4 charts → ${path}`);
  });
});
