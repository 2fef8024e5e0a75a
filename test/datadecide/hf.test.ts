import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRIC_COLUMNS } from '../../ingest/datadecide/columns.ts';
import { pythonDictToJsonSql } from '../../ingest/datadecide/hf.ts';
import { ingestDatadecide } from '../../ingest/datadecide/ingest.ts';
import { MlduckError } from '../../src/errors.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT } from '../helpers.ts';
import { queryFile, SAMPLE } from './sample.ts';

const EXAMPLES = join(REPO_ROOT, 'examples', 'datadecide');
const HF_EVAL = join(EXAMPLES, 'hf_eval_results_slice.parquet');
const HF_PPL = join(EXAMPLES, 'hf_ppl_results_slice.parquet');

let dir: string;
let wh: Warehouse;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mlduck-datadecide-hf-'));
  wh = await Warehouse.open(join(dir, 'w.duckdb'));
});
afterAll(() => {
  wh.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a raw DataDecide-eval-results file: rows of (task, seed, step, metrics string). */
async function hfEvalFile(name: string, rows: [string, string, number, string][]): Promise<string> {
  const path = join(dir, name);
  const values = rows
    .map(
      ([task, seed, step, metrics]) =>
        `('150M', 'C4', ${sqlString(task)}, ${step}, ${sqlString(seed)}, '5xC', ${step * 393216}.0, ${step * 1e12}.0, ${sqlString(metrics)})`,
    )
    .join(', ');
  await queryFile(
    `COPY (SELECT * FROM (VALUES ${values}) t(params, data, task, step, seed, chinchilla, tokens, compute, metrics))
     TO ${sqlString(path)} (FORMAT parquet)`,
  );
  return path;
}

describe('raw Hugging Face rows', () => {
  it('parse back into the sample’s checkpoints (seed map, mmlu_average, pivot, outer merge, tokens/compute)', async () => {
    const reports = await ingestDatadecide(wh, [HF_PPL, HF_EVAL]);
    // Downstream rows first, whatever the argument order: perplexity rows take tokens from them.
    expect(reports.map((r) => [r.path.split('/').pop(), r.status, r.warnings])).toEqual([
      ['hf_eval_results_slice.parquet', 'ok', []],
      ['hf_ppl_results_slice.parquet', 'ok', []],
    ]);
    const src = `(SELECT * FROM read_parquet(${sqlString(SAMPLE)}) WHERE params = '530M')`;
    const exact = METRIC_COLUMNS.filter((c) => c.task !== 'mmlu_average').map((c) => sqlIdent(c.column));
    const keys = 'params, data, seed, step, total_steps, warmup_steps, batch_size';
    const diff = await wh.scalar<bigint>(
      `SELECT count(*) FROM (SELECT ${keys}, ${exact.join(', ')} FROM ${src}
         EXCEPT ALL SELECT ${keys}, ${exact.join(', ')} FROM pretrain_eval_wide)`,
    );
    expect(diff).toBe(0n);
    expect(await wh.scalar('SELECT count(*) FROM pretrain_eval_wide')).toBe(9n);
    // Recomputed columns: mmlu_average (mean over the 57 subjects), tokens, compute, the LR schedule.
    const approx = [
      ...METRIC_COLUMNS.filter((c) => c.task === 'mmlu_average').map((c) => c.column),
      'tokens',
      'compute',
      'lr_max',
    ];
    const worst = await wh.all<{ rel: number; compared: bigint; one_sided: bigint }>(
      `WITH a AS (UNPIVOT (SELECT params, data, seed, step, ${approx.map(sqlIdent).join(', ')} FROM ${src}) ON ${approx.map(sqlIdent).join(', ')} INTO NAME column_name VALUE v),
            b AS (UNPIVOT (SELECT params, data, seed, step, ${approx.map(sqlIdent).join(', ')} FROM pretrain_eval_wide) ON ${approx.map(sqlIdent).join(', ')} INTO NAME column_name VALUE v)
       SELECT max(abs(a.v - b.v) / greatest(abs(a.v), 1e-300)) AS rel, count(a.v) AS compared,
         count(*) FILTER (WHERE a.v IS NULL OR b.v IS NULL) AS one_sided
       FROM a FULL OUTER JOIN b USING (params, data, seed, step, column_name)`,
    );
    expect(worst[0]!.one_sided).toBe(0n);
    expect(Number(worst[0]!.compared)).toBeGreaterThan(9 * 20);
    expect(worst[0]!.rel).toBeLessThan(1e-12);
    const lr = await wh.scalar<number>(
      `SELECT max(abs(a.cumulative_lr - b.cumulative_lr) / greatest(abs(a.cumulative_lr), 1e-300))
       FROM ${src} a JOIN pretrain_eval_wide b USING (params, data, seed, step)`,
    );
    expect(lr).toBeLessThan(1e-6);
    // The perplexity checkpoints merged with the downstream ones, tokens derived from them.
    expect(
      await wh.all(
        `SELECT ingests, count(*) AS n FROM pretrain_current_checkpoints GROUP BY ALL ORDER BY ALL`,
      ),
    ).toEqual([
      { ingests: 1n, n: 1n },
      { ingests: 2n, n: 8n },
    ]);
    expect(
      await wh.scalar(
        `SELECT count(*) FROM pretrain_checkpoints WHERE source_format = 'hf_ppl_results' AND tokens IS NULL`,
      ),
    ).toBe(0n);
    // Curves: every current metric value of the checkpoints, beside their schedule, for plotting.
    const curves = await wh.all<{ n: bigint; metrics: bigint; no_lr: bigint; no_column: bigint }>(
      `SELECT count(*) AS n, (SELECT count(*) FROM pretrain_current_metrics) AS metrics,
         count(*) FILTER (WHERE lr_at_step IS NULL OR cumulative_lr IS NULL OR tokens IS NULL) AS no_lr,
         count(*) FILTER (WHERE column_name IS NULL) AS no_column
       FROM pretrain_curves`,
    );
    expect(curves).toEqual([{ n: 13176n + 88n, metrics: 13176n + 88n, no_lr: 0n, no_column: 0n }]);
    expect(
      await wh.all(
        `SELECT step, value FROM pretrain_curves WHERE task = 'c4_en' AND metric = 'valppl' AND step <= 2500 ORDER BY step`,
      ),
    ).toEqual([
      { step: 1250n, value: 38.48923110961914 },
      { step: 2500n, value: 30.19551467895508 },
    ]);
  });

  it('maps seed names, reads Python literals (nan, None, True) and warns about unknown keys and duplicates', async () => {
    const path = await hfEvalFile('literals.parquet', [
      [
        'arc_easy',
        'small aux 2',
        100,
        "{'acc_raw': nan, 'correct_prob': None, 'no_answer': True, 'margin': -inf, 'shiny': 1}",
      ],
      ['mmlu_anatomy', 'large aux 3', 100, "{'acc_raw': 0.5, 'primary_metric': 0.25}"],
      ['mmlu_virology', 'large aux 3', 100, "{'acc_raw': 0.25, 'primary_metric': 0.75}"],
      ['mmlu_virology', 'large aux 3', 100, "{'acc_raw': 0.99}"],
    ]);
    const [report] = await ingestDatadecide(wh, [path]);
    expect(report!.warnings).toHaveLength(2);
    expect(report!.warnings[0]).toMatch(/1 metrics key\(s\) not among the 28.*shiny/);
    expect(report!.warnings[1]).toMatch(
      /1 \(checkpoint, task\) pair\(s\) appear in several rows.*mmlu_virology at rows 2, 3/,
    );
    const rows = await wh.all(
      `SELECT seed, task, metric, value, special FROM pretrain_metrics WHERE ingest_id = ${report!.ingestId} ORDER BY seed, task::VARCHAR, metric::VARCHAR`,
    );
    expect(rows).toEqual([
      { seed: 1, task: 'arc_easy', metric: 'acc_raw', value: null, special: 'NaN' },
      { seed: 1, task: 'arc_easy', metric: 'margin', value: null, special: '-Infinity' },
      { seed: 1, task: 'arc_easy', metric: 'no_answer', value: 1, special: null },
      { seed: 4, task: 'mmlu_anatomy', metric: 'acc_raw', value: 0.5, special: null },
      { seed: 4, task: 'mmlu_anatomy', metric: 'primary_metric', value: 0.25, special: null },
      { seed: 4, task: 'mmlu_average', metric: 'acc_raw', value: 0.375, special: null },
      { seed: 4, task: 'mmlu_average', metric: 'primary_metric', value: 0.5, special: null },
      { seed: 4, task: 'mmlu_virology', metric: 'acc_raw', value: 0.25, special: null },
      { seed: 4, task: 'mmlu_virology', metric: 'primary_metric', value: 0.75, special: null },
    ]);
    expect(
      await wh.all(
        `SELECT seed, step, tokens, compute, schedule_source FROM pretrain_checkpoints WHERE ingest_id = ${report!.ingestId} ORDER BY seed`,
      ),
    ).toEqual([
      { seed: 1, step: 100n, tokens: 39321600, compute: 1e14, schedule_source: 'computed' },
      { seed: 4, step: 100n, tokens: 39321600, compute: 1e14, schedule_source: 'computed' },
    ]);
  });

  it('a metrics string that does not parse, or an unknown seed name: an error with the row, nothing written', async () => {
    const before = await wh.scalar('SELECT count(*) FROM pretrain_metrics');
    const broken = await hfEvalFile('broken.parquet', [
      ['arc_easy', 'default', 100, "{'acc_raw': 0.5}"],
      ['arc_easy', 'default', 200, "{'acc_raw': 0.5}"],
      ['arc_easy', 'default', 300, "{'acc_raw': 0.5, 'primary_metric': }"],
    ]);
    const error = (await ingestDatadecide(wh, [broken]).catch((e: unknown) => e)) as MlduckError;
    expect(error).toBeInstanceOf(MlduckError);
    expect(error.message).toMatch(
      /metrics string does not parse as a Python dict: "\{'acc_raw': 0\.5, 'primary_metric': \}"/,
    );
    expect(error.location).toMatchObject({ row: 2 });
    const seed = await hfEvalFile('seed.parquet', [['arc_easy', 'tiny aux 9', 100, "{'acc_raw': 0.5}"]]);
    const seedError = (await ingestDatadecide(wh, [seed]).catch((e: unknown) => e)) as MlduckError;
    expect(seedError.message).toMatch(/unknown seed name "tiny aux 9"/);
    expect(seedError.location).toMatchObject({ row: 0 });
    expect(await wh.scalar('SELECT count(*) FROM pretrain_metrics')).toBe(before);
  });

  it('perplexity rows without downstream rows of their size keep tokens NULL, with a warning', async () => {
    const path = join(dir, 'ppl_only.parquet');
    await queryFile(
      `COPY (SELECT '1B' AS params, 'C4' AS data, 'large aux 2' AS seed, 500 AS step, 12.5 AS "eval/pile-validation/Perplexity", 0 AS __index_level_0__)
       TO ${sqlString(path)} (FORMAT parquet)`,
    );
    const [report] = await ingestDatadecide(wh, [path]);
    expect(report!.warnings).toEqual([
      'no downstream checkpoints of 1B in the warehouse: tokens and compute left NULL (ingest DataDecide-eval-results first)',
    ]);
    expect(
      await wh.all(
        `SELECT seed, task, metric, value FROM pretrain_metrics WHERE ingest_id = ${report!.ingestId}`,
      ),
    ).toEqual([{ seed: 3, task: 'pile', metric: 'valppl', value: 12.5 }]);
  });
});

describe('pythonDictToJsonSql', () => {
  it('turns a Python dict repr into JSON DuckDB parses', async () => {
    const rows = await queryFile<{ j: string }>(
      `SELECT ${pythonDictToJsonSql(sqlString("{'a': nan, 'b': None, 'c': True, 'd': False, 'e': inf, 'f': -inf, 'g': 1e-05, 'nanny': 2}"))}::JSON::VARCHAR AS j`,
    );
    expect(JSON.parse(rows[0]!.j)).toEqual({
      a: 'NaN',
      b: null,
      c: true,
      d: false,
      e: 'Infinity',
      f: '-Infinity',
      g: 1e-5,
      nanny: 2,
    });
  });
});
