import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_COLUMNS } from '../../ingest/datadecide/columns.ts';
import { ingestDatadecide } from '../../ingest/datadecide/ingest.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT } from '../helpers.ts';
import { queryFile } from './sample.ts';

const EXAMPLES = join(REPO_ROOT, 'examples', 'datadecide');
const MULTI = join(EXAMPLES, 'multi_seed_full_eval.parquet');
// Reference values computed once with real pandas 1.5.3 (scripts/datadecide/seed_stats_reference.py).
const MEAN = join(EXAMPLES, 'mean_eval.parquet');
const STD = join(EXAMPLES, 'std_eval.parquet');

let dir: string;
let wh: Warehouse;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlduck-datadecide-stats-'));
  wh = await Warehouse.open(join(dir, 'w.duckdb'));
});
afterAll(() => {
  wh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** pretrain_seed_stats beside the pandas file, one row per metric cell (full outer: one-sided cells show). */
async function compare(file: string, stat: 'mean' | 'std') {
  const metricCols = METRIC_COLUMNS.map((c) => c.column);
  return wh.all<{ compared: bigint; one_sided: bigint; rel: number; null_both: bigint }>(
    `WITH p AS (UNPIVOT (SELECT params, data, step::BIGINT AS step, ${metricCols.map(sqlIdent).join(', ')} FROM read_parquet(${sqlString(file)}))
                ON ${metricCols.map(sqlIdent).join(', ')} INTO NAME column_name VALUE v),
          w AS (SELECT s.params, s.data, s.step, mc.column_name, s.${stat} AS v
                FROM pretrain_seed_stats s JOIN datadecide_metric_columns mc USING (task, metric)
                WHERE s.${stat} IS NOT NULL)
     SELECT count(p.v) FILTER (WHERE w.v IS NOT NULL) AS compared,
       count(*) FILTER (WHERE p.v IS NULL OR w.v IS NULL) AS one_sided,
       max(abs(p.v - w.v) / greatest(abs(p.v), abs(w.v), 1e-300)) AS rel
     FROM p FULL OUTER JOIN w USING (params, data, step, column_name)`,
  );
}

describe('pretrain_seed_stats', () => {
  it('equals pandas groupby mean/std on the generated multi-seed rows, and the ingest reports no disagreement', async () => {
    const reports = await ingestDatadecide(wh, [STD, MEAN, MULTI]);
    expect(reports.map((r) => [r.path.split('/').pop(), r.status, r.warnings])).toEqual([
      ['multi_seed_full_eval.parquet', 'ok', []],
      ['std_eval.parquet', 'ok', []],
      ['mean_eval.parquet', 'ok', []],
    ]);
    expect(
      await wh.all(
        'SELECT statistic, count(*) AS n FROM datadecide_seed_stats_files GROUP BY ALL ORDER BY ALL',
      ),
    ).toEqual([
      { statistic: 'mean', n: 11330n },
      { statistic: 'std', n: 9520n },
    ]);
    const [mean] = await compare(MEAN, 'mean');
    expect(Number(mean!.compared)).toBe(11330);
    expect(mean!.one_sided).toBe(0n);
    expect(mean!.rel).toBeLessThan(1e-12);
    const [std] = await compare(STD, 'std');
    expect(Number(std!.compared)).toBe(9520);
    expect(std!.one_sided).toBe(0n);
    expect(std!.rel).toBeLessThan(1e-9);
    // A single seed: pandas std NaN (null in the Parquet), the view's std NULL, n_seeds 1.
    expect(
      await wh.all(
        `SELECT n_seeds, seeds, std IS NULL AS std_null FROM pretrain_seed_stats WHERE params = '4M' AND step = 2500 AND task = 'arc_easy' AND metric = 'acc_raw'`,
      ),
    ).toEqual([{ n_seeds: 1n, seeds: [0], std_null: true }]);
    expect(
      await wh.all(
        `SELECT n_seeds, seeds FROM pretrain_seed_stats WHERE params = '150M' AND step = 1250 AND task = 'c4_en' AND metric = 'valppl'`,
      ),
    ).toEqual([{ n_seeds: 4n, seeds: [0, 1, 3, 4] }]);
  });

  it('reports the cells of a mean/std file that disagree with the view beyond 1e-9 relative', async () => {
    const path = join(dir, 'mean_eval_bad.parquet');
    await queryFile(
      `COPY (SELECT * REPLACE (CASE WHEN step = 2500 AND params = '150M' THEN arc_easy_acc_raw * (1 + 1e-6) ELSE arc_easy_acc_raw END AS arc_easy_acc_raw,
               CASE WHEN step = 5725 THEN 1.5 ELSE "pile-valppl" END AS "pile-valppl")
             FROM read_parquet(${sqlString(MEAN)})) TO ${sqlString(path)} (FORMAT parquet)`,
    );
    const [report] = await ingestDatadecide(wh, [path]);
    expect(report!.warnings).toHaveLength(1);
    expect(report!.warnings[0]).toMatch(
      /^2 mean cell\(s\) disagree with pretrain_seed_stats beyond 1e-9 relative: 150M\/DCLM-Baseline\/step 2500 arc_easy_acc_raw: file 0\.4\d+, warehouse 0\.4\d+; 4M\/Dolma1\.7\/step 5725 pile-valppl: file 1\.5, warehouse /,
    );
  });
});
