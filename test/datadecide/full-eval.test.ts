import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDatadecide } from '../../ingest/datadecide/ingest.ts';
import { MlduckError } from '../../src/errors.ts';
import { sqlString } from '../../src/sql.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { queryFile, SAMPLE } from './sample.ts';

let dir: string;
let wh: Warehouse;

/** Writes a variant of the real sample with DuckDB (`select` over the sample as `s`). */
async function variant(name: string, select: string): Promise<string> {
  const path = join(dir, name);
  await queryFile(
    `COPY (${select.replaceAll('$SAMPLE', `read_parquet(${sqlString(SAMPLE)})`)}) TO ${sqlString(path)} (FORMAT parquet)`,
  );
  return path;
}

async function count(sql: string): Promise<number> {
  return Number(await wh.scalar<bigint>(sql));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlduck-datadecide-'));
  wh = await Warehouse.open(join(dir, 'w.duckdb'));
});
afterAll(() => {
  wh.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('full_eval ingest', () => {
  it('normalizes the real sample and pretrain_eval_wide rebuilds it exactly', async () => {
    const [report] = await ingestDatadecide(wh, [SAMPLE]);
    expect(report).toMatchObject({
      status: 'ok',
      warnings: [],
      rows: { pretrain_checkpoints: 34, datadecide_datasets: 3, datadecide_models: 3 },
    });
    // Every non-null metric cell of the sample is one long row.
    const cells = await queryFile<{ n: bigint }>(
      `SELECT count(*) AS n FROM (UNPIVOT (SELECT * FROM read_parquet(${sqlString(SAMPLE)})) ON COLUMNS('valppl$|_(${['correct_choice', 'acc_raw', 'acc_per_token', 'acc_per_char', 'acc_per_byte', 'acc_uncond', 'no_answer', 'sum_logits_corr', 'logits_per_token_corr', 'logits_per_char_corr', 'bits_per_byte_corr', 'correct_prob', 'correct_prob_per_token', 'correct_prob_per_char', 'margin', 'margin_per_token', 'margin_per_char', 'total_prob', 'total_prob_per_token', 'total_prob_per_char', 'uncond_correct_prob', 'uncond_correct_prob_per_token', 'uncond_correct_prob_per_char', 'uncond_total_prob', 'norm_correct_prob', 'norm_correct_prob_per_token', 'norm_correct_prob_per_char', 'primary_metric'].join('|')})$') INTO NAME k VALUE v)`,
    );
    expect(report!.rows['pretrain_metrics']).toBe(Number(cells[0]!.n));
    expect(report!.rows['pretrain_metrics']).toBe(50641);

    const viewTypes = await wh.all('SELECT column_name, column_type FROM (DESCRIBE pretrain_eval_wide)');
    const fileTypes = await wh.all(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(SAMPLE)}))`,
    );
    expect(viewTypes).toHaveLength(1939);
    expect(viewTypes).toEqual(fileTypes);
    const src = `read_parquet(${sqlString(SAMPLE)})`;
    expect(
      await count(`SELECT count(*) FROM (SELECT * FROM ${src} EXCEPT ALL SELECT * FROM pretrain_eval_wide)`),
    ).toBe(0);
    // Same row count and nothing of the file missing from the view: the two multisets are equal.
    expect(await count('SELECT count(*) FROM pretrain_eval_wide')).toBe(34);
    // Split on the metric list, not on `_`.
    expect(
      await wh.all(
        `SELECT task, metric, value FROM pretrain_metrics WHERE params = '150M' AND data = 'C4' AND step = 5000
           AND task = 'mmlu_high_school_physics' AND metric = 'acc_raw'`,
      ),
    ).toHaveLength(1);
    // Keys and formats the other sources join on.
    expect(
      await wh.all(
        `SELECT params, data, seed, step, schedule_source FROM pretrain_checkpoints WHERE params = '150M' AND data = 'DCLM-Baseline' AND step = 1250`,
      ),
    ).toEqual([{ params: '150M', data: 'DCLM-Baseline', seed: 0, step: 1250n, schedule_source: 'input' }]);
    // Re-ingesting the same bytes is skipped.
    const [again] = await ingestDatadecide(wh, [SAMPLE]);
    expect(again!.status).toBe('skipped');
  });

  it('keeps NaN and ±Inf as specials and gives them back in the wide view', async () => {
    const path = await variant(
      'nan.parquet',
      `SELECT * REPLACE (CASE WHEN step = 2500 THEN 'NaN'::DOUBLE ELSE arc_easy_acc_raw END AS arc_easy_acc_raw,
         CASE WHEN step = 2500 THEN '-Infinity'::DOUBLE ELSE "pile-valppl" END AS "pile-valppl",
         params || '-nan' AS params) FROM $SAMPLE`,
    );
    const [report] = await ingestDatadecide(wh, [path]);
    expect(report!.status).toBe('ok');
    expect(
      await wh.all(
        `SELECT DISTINCT task, metric, value, special FROM pretrain_metrics WHERE ingest_id = ${report!.ingestId} AND special IS NOT NULL ORDER BY task`,
      ),
    ).toEqual([
      { task: 'arc_easy', metric: 'acc_raw', value: null, special: 'NaN' },
      { task: 'pile', metric: 'valppl', value: null, special: '-Infinity' },
    ]);
    const wide = await wh.all<{ nan: boolean; inf: number }>(
      `SELECT isnan(arc_easy_acc_raw) AS nan, "pile-valppl" AS inf FROM pretrain_eval_wide WHERE params = '150M-nan' AND data = 'C4' AND step = 2500`,
    );
    expect(wide).toEqual([{ nan: true, inf: Number.NEGATIVE_INFINITY }]);
    // params '150M-nan' is not a DataDecide size: reported, not failed.
    expect(report!.warnings.join(' ')).toMatch(/150M-nan.*not a DataDecide model size/);
    const src = `(SELECT * REPLACE (params || '-nan' AS params) FROM read_parquet(${sqlString(SAMPLE)}))`;
    expect(
      await count(
        `SELECT count(*) FROM (SELECT * EXCLUDE (arc_easy_acc_raw, "pile-valppl") FROM pretrain_eval_wide WHERE params LIKE '%-nan'
           EXCEPT ALL SELECT * EXCLUDE (arc_easy_acc_raw, "pile-valppl") FROM ${src})`,
      ),
    ).toBe(0);
  });

  it('fills the LR columns of full_eval_raw from the schedule module', async () => {
    const path = await variant(
      'full_eval_raw.parquet',
      `SELECT * EXCLUDE (lr_at_step, cumulative_lr) REPLACE (data || ' raw' AS data) FROM $SAMPLE`,
    );
    const [report] = await ingestDatadecide(wh, [path]);
    expect(report).toMatchObject({ status: 'ok', warnings: [] });
    const rows = await wh.all<{ n: bigint; bad: bigint; computed: bigint }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE schedule_source = 'computed') AS computed,
         count(*) FILTER (WHERE abs(c.lr_at_step - s.lr_at_step) > 1e-6 * greatest(abs(s.lr_at_step), 1e-300)
                            OR abs(c.cumulative_lr - s.cumulative_lr) > 1e-6 * greatest(abs(s.cumulative_lr), 1e-300)) AS bad
       FROM pretrain_checkpoints c JOIN read_parquet(${sqlString(SAMPLE)}) s
         ON s.params = c.params AND s.data || ' raw' = c.data AND s.step = c.step
       WHERE c.ingest_id = ${report!.ingestId}`,
    );
    expect(rows).toEqual([{ n: 34n, computed: 34n, bad: 0n }]);
    const [checkpoint] = await wh.all(
      `SELECT source_format FROM pretrain_checkpoints WHERE ingest_id = ${report!.ingestId} LIMIT 1`,
    );
    expect(checkpoint).toEqual({ source_format: 'full_eval_raw' });
  });

  it('accepts seeds written as names (later datadec versions), mapped like the HF rows', async () => {
    const path = await variant(
      'named_seeds.parquet',
      `SELECT * REPLACE (CASE WHEN step = 0 THEN 'large aux 3' ELSE 'default' END AS seed, data || ' named' AS data) FROM $SAMPLE`,
    );
    const [report] = await ingestDatadecide(wh, [path]);
    expect(report!.status).toBe('ok');
    expect(
      await wh.all(
        `SELECT seed, count(*) AS n FROM pretrain_checkpoints WHERE ingest_id = ${report!.ingestId} GROUP BY seed ORDER BY seed`,
      ),
    ).toEqual([
      { seed: 0, n: 30n },
      { seed: 4, n: 4n },
    ]);
  });

  it('reports rows whose schedule columns disagree with the formulas beyond 1e-6', async () => {
    const path = await variant(
      'bad_schedule.parquet',
      `SELECT * REPLACE (CASE WHEN step = 5000 AND params = '4M' THEN cumulative_lr * 1.001 ELSE cumulative_lr END AS cumulative_lr,
         CASE WHEN step = 1250 AND params = '4M' THEN lr_max * (1 + 1e-9) ELSE lr_max END AS lr_max,
         data || ' bad' AS data) FROM $SAMPLE`,
    );
    const [report] = await ingestDatadecide(wh, [path]);
    expect(report!.status).toBe('ok');
    expect(report!.warnings).toHaveLength(1);
    expect(report!.warnings[0]).toMatch(/^1 row\(s\) disagree.*row 22 \(4M step 5000\): cumulative_lr 40\.3/);
  });
});

describe('bad full_eval input: clear errors, nothing written', () => {
  async function expectFailure(path: string, pattern: RegExp, row?: number): Promise<void> {
    const before = await count('SELECT count(*) FROM pretrain_checkpoints');
    const beforeMetrics = await count('SELECT count(*) FROM pretrain_metrics');
    const error = await ingestDatadecide(wh, [path]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).message).toMatch(pattern);
    expect((error as MlduckError).location.file).toContain('.parquet');
    if (row !== undefined) expect((error as MlduckError).location.row).toBe(row);
    expect(await count('SELECT count(*) FROM pretrain_checkpoints')).toBe(before);
    expect(await count('SELECT count(*) FROM pretrain_metrics')).toBe(beforeMetrics);
    expect(
      await count(
        `SELECT count(*) FROM ingest_log WHERE status = 'failed' AND path LIKE '%${path.split('/').pop()}'`,
      ),
    ).toBe(1);
  }

  it('a metric column that matches no known (task, metric)', async () => {
    await expectFailure(
      await variant(
        'unknown.parquet',
        'SELECT *, 0.5 AS arc_easy_acc_weird, 0.1 AS boolq_acc_uncond FROM $SAMPLE',
      ),
      /2 column\(s\) match no known.*arc_easy_acc_weird; boolq_acc_uncond \(task boolq, metric acc_uncond/,
    );
  });

  it('a missing id column', async () => {
    await expectFailure(
      await variant('noseed.parquet', 'SELECT * EXCLUDE (seed) FROM $SAMPLE'),
      /lacks the id column\(s\) seed/,
    );
  });

  it('duplicate checkpoints, with their rows', async () => {
    await expectFailure(
      await variant(
        'dup.parquet',
        `SELECT * FROM $SAMPLE UNION ALL SELECT * FROM $SAMPLE WHERE params = '4M' AND step = 0`,
      ),
      /1 duplicate checkpoint\(s\).*4M \/ Dolma1\.7 \/ 0 \/ 0\.0 at rows 18, 34/,
      18,
    );
  });

  it('a missing or fractional step, with its row', async () => {
    await expectFailure(
      await variant(
        'nullstep.parquet',
        `SELECT * REPLACE (CASE WHEN file_row_number = 3 THEN NULL ELSE step END AS step) FROM read_parquet(${sqlString(SAMPLE)}, file_row_number = true)`.replace(
          'SELECT *',
          'SELECT * EXCLUDE (file_row_number)',
        ),
      ),
      /checkpoint id missing or invalid/,
      3,
    );
    await expectFailure(
      await variant('halfstep.parquet', `SELECT * REPLACE (step + 0.5 AS step) FROM $SAMPLE`),
      /checkpoint id missing or invalid.*step 0\.5/,
      0,
    );
  });

  it('a file that is not Parquet', async () => {
    const path = join(dir, 'notes.parquet');
    writeFileSync(path, 'params,data\n');
    await expectFailure(path, /not a readable Parquet file/);
  });
});
