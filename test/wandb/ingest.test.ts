import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestWandb } from '../../ingest/wandb/ingest.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT, tempDir, tempWarehouse } from '../helpers.ts';

const RUNS = join(REPO_ROOT, 'examples', 'wandb', 'wandb_runs_sample.parquet');

async function query(wh: Warehouse, sql: string): Promise<unknown[]> {
  return wh.all(sql);
}

describe('ingestWandb: replacement, reporting, specials', () => {
  it('a re-export of a run (finished, longer history) replaces its earlier rows', async () => {
    const dir = tempDir();
    const wh = await tempWarehouse();
    const early = join(dir, 'early.jsonl');
    const late = join(dir, 'late.jsonl');
    const run = (state: string) => ({
      run_id: 'r1',
      run_name: 'r1',
      state,
      config: { lr: 1 },
      summary: { train_loss: 2 },
    });
    writeFileSync(early, `${JSON.stringify(run('running'))}\n`);
    writeFileSync(late, `${JSON.stringify(run('finished'))}\n`);
    const h1 = join(dir, 'h1.jsonl');
    const h2 = join(dir, 'h2.jsonl');
    const row = (step: number) => ({
      run_id: 'r1',
      step,
      timestamp: 1.7e9 + step,
      runtime: step,
      metrics: { loss: step },
    });
    writeFileSync(h1, `${JSON.stringify([row(0), row(1)])}\n`);
    writeFileSync(h2, `${JSON.stringify([row(0), row(1), row(2)])}\n`);
    await ingestWandb(wh, [early, h1]);
    await ingestWandb(wh, [late, h2]);
    expect(await query(wh, 'SELECT run_id, state FROM wandb_runs')).toEqual([
      { run_id: 'r1', state: 'finished' },
    ]);
    expect(await query(wh, 'SELECT count(*)::INT n FROM wandb_run_config')).toEqual([{ n: 1 }]);
    expect(await query(wh, 'SELECT count(*)::INT n, max(step)::INT s FROM wandb_history')).toEqual([
      { n: 3, s: 2 },
    ]);
  }, 30_000);

  it('reports duplicates, unknown fields and orphan history; keeps NaN/Infinity as specials', async () => {
    const dir = tempDir();
    const wh = await tempWarehouse();
    const runs = join(dir, 'runs.jsonl');
    writeFileSync(
      runs,
      [
        '{"run_id": "a", "state": "running", "summary": {"x": 1}}',
        '{"run_id": "a", "state": "finished", "summary": {"x": NaN, "y": "nan", "z": Infinity, "s": "12"}, "mystery": 7}',
      ].join('\n'),
    );
    const hist = join(dir, 'history.jsonl');
    writeFileSync(
      hist,
      [
        '{"run_id": "a", "step": 0, "timestamp": "1755581965.5", "runtime": 1, "metrics": {"loss": NaN, "img": {"_type": "image"}}}',
        '{"run_id": "ghost", "step": 0, "timestamp": 1755581965.5, "runtime": 1, "metrics": {"loss": -Infinity}, "foo": 1}',
      ].join('\n'),
    );
    const reports = await ingestWandb(wh, [runs, hist]);
    const warnings = reports.flatMap((r) => r.warnings).join('\n');
    expect(warnings).toMatch(/1 duplicate run row/);
    expect(warnings).toMatch(/unknown run field\(s\) kept in wandb_runs.extra: mystery/);
    expect(warnings).toMatch(/not in any runs file.*ghost/);
    expect(warnings).toMatch(/unknown history field\(s\) not loaded.*: foo/);
    expect(await query(wh, 'SELECT state, extra::VARCHAR e FROM wandb_runs')).toEqual([
      { state: 'finished', e: '{"mystery":7}' },
    ]);
    expect(await query(wh, 'SELECT key, value_double, special FROM wandb_run_summary ORDER BY key')).toEqual([
      { key: 's', value_double: 12, special: null },
      { key: 'x', value_double: null, special: 'NaN' },
      { key: 'y', value_double: null, special: 'NaN' },
      { key: 'z', value_double: null, special: 'Infinity' },
    ]);
    expect(
      await query(wh, 'SELECT run_id, metric, value, special FROM wandb_history ORDER BY run_id'),
    ).toEqual([
      { run_id: 'a', metric: 'loss', value: null, special: 'NaN' },
      { run_id: 'ghost', metric: 'loss', value: null, special: '-Infinity' },
    ]);
    expect(await query(wh, 'SELECT metric, value::VARCHAR v FROM wandb_history_objects')).toEqual([
      { metric: 'img', v: '{"_type":"image"}' },
    ]);
  }, 30_000);

  it('a per-component v0 file updates only its component', async () => {
    const dir = tempDir();
    const wh = await tempWarehouse();
    copyFileSync(RUNS, join(dir, 'runs_metadata.parquet'));
    const component = join(dir, 'runs_metadata_config.parquet');
    await wh.run(
      `COPY (SELECT run_id, run_name, state, project, entity, created_at, '{"only": 1}' AS config FROM read_parquet('${RUNS.replaceAll("'", "''")}')) TO '${component.replaceAll("'", "''")}' (FORMAT parquet)`,
    );
    await ingestWandb(wh, [join(dir, 'runs_metadata.parquet'), component]);
    const rows = (await query(
      wh,
      'SELECT count(*)::INT runs, count(summary)::INT with_summary, (SELECT count(*)::INT FROM wandb_run_config) config_rows FROM wandb_runs',
    )) as unknown[];
    expect(rows).toEqual([{ runs: 6, with_summary: 6, config_rows: 6 }]);
  }, 30_000);

  it('v3 history extra keys load as metrics, from JSONL and from its DuckDB Parquet alike', async () => {
    const dir = tempDir();
    const jsonl = join(dir, 'history.jsonl');
    writeFileSync(
      jsonl,
      [
        '{"run_id": "a", "step": 1, "timestamp": "1755581965.5", "runtime": 2, "wandb_metadata": {}, "metrics": {"loss": 1.5}, "extra": {"_custom": 3}}',
        '{"run_id": "a", "step": 2, "timestamp": "1755581966.5", "runtime": 3, "wandb_metadata": {}, "metrics": {"loss": 1.25, "note": "x"}, "extra": {}}',
      ].join('\n'),
    );
    const parquet = join(dir, 'history.parquet');
    const scratch = await tempWarehouse();
    await scratch.run(`COPY (SELECT * FROM read_json('${jsonl}')) TO '${parquet}' (FORMAT parquet)`);
    const content = async (file: string) => {
      const wh = await tempWarehouse();
      await ingestWandb(wh, [file]);
      return {
        numbers: await wh.all(
          'SELECT run_id, step, timestamp::VARCHAR ts, runtime_s, metric, value FROM wandb_history ORDER BY ALL',
        ),
        objects: await wh.all('SELECT metric, value::VARCHAR v FROM wandb_history_objects'),
      };
    };
    const fromJsonl = await content(jsonl);
    expect(fromJsonl.numbers).toHaveLength(3);
    expect(fromJsonl.numbers).toContainEqual({
      run_id: 'a',
      step: 1n,
      ts: '2025-08-19 05:39:25.5+00',
      runtime_s: 2,
      metric: '_custom',
      value: 3,
    });
    expect(fromJsonl.objects).toEqual([{ metric: 'note', v: '"x"' }]);
    expect(await content(parquet)).toEqual(fromJsonl);
  }, 30_000);

  it('v3 history Parquet whose metrics DuckDB typed as MAP(VARCHAR, DOUBLE) loads like its JSONL', async () => {
    const dir = tempDir();
    const jsonl = join(dir, 'history.jsonl');
    writeFileSync(
      jsonl,
      [
        '{"run_id": "a", "step": 1, "timestamp": 1755581965.5, "runtime": 2, "metrics": {"loss": 1.5, "lr": NaN}, "extra": {"_custom": 3}}',
        '{"run_id": "a", "step": 2, "timestamp": 1755581966.5, "runtime": 3, "metrics": {"loss": 1.25, "acc": -Infinity}, "extra": {}}',
        '{"run_id": "b", "step": 0, "timestamp": 1755581967, "runtime": 0, "metrics": {"acc": 0.5}, "extra": {}}',
      ].join('\n'),
    );
    const parquet = join(dir, 'history.parquet');
    const scratch = await tempWarehouse();
    // map_inference_threshold = 1: many distinct keys make DuckDB infer a MAP instead of a STRUCT.
    await scratch.run(
      `COPY (SELECT * FROM read_json('${jsonl}', map_inference_threshold = 1)) TO '${parquet}' (FORMAT parquet)`,
    );
    const described = await scratch.all(`DESCRIBE SELECT metrics FROM read_parquet('${parquet}')`);
    expect(described[0]?.['column_type']).toBe('MAP(VARCHAR, DOUBLE)');
    const content = async (file: string) => {
      const wh = await tempWarehouse();
      await ingestWandb(wh, [file]);
      return wh.all(
        'SELECT run_id, step, timestamp::VARCHAR ts, runtime_s, metric, value, special FROM wandb_history ORDER BY ALL',
      );
    };
    const fromJsonl = await content(jsonl);
    expect(fromJsonl).toHaveLength(6);
    expect(fromJsonl).toContainEqual({
      run_id: 'a',
      step: 1n,
      ts: '2025-08-19 05:39:25.5+00',
      runtime_s: 2,
      metric: 'lr',
      value: null,
      special: 'NaN',
    });
    expect(await content(parquet)).toEqual(fromJsonl);
  }, 30_000);

  it('a history file that breaks mid-insert rolls back and leaves insertion order preserved', async () => {
    const dir = tempDir();
    const jsonl = join(dir, 'history.jsonl');
    // Past the 10,000 lines read for unknown keys, so the error comes from the history INSERT itself.
    const lines = Array.from(
      { length: 10_050 },
      (_, i) =>
        `{"run_id": "a", "step": ${i}, "timestamp": 1755581965, "runtime": 1, "metrics": {"loss": ${i}}}`,
    );
    lines[10_040] = '{"run_id": "a", "step": 10040, "metrics": {"loss": ';
    writeFileSync(jsonl, lines.join('\n'));
    const wh = await tempWarehouse();
    await expect(ingestWandb(wh, [jsonl])).rejects.toThrow(/JSON/);
    expect(await query(wh, 'SELECT count(*)::INTEGER AS n FROM wandb_history')).toEqual([{ n: 0 }]);
    expect(await query(wh, `SELECT current_setting('preserve_insertion_order') AS preserved`)).toEqual([
      { preserved: true },
    ]);
  }, 30_000);
});
