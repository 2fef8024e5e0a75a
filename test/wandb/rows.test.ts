import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWandbHistory, loadWandbRuns } from '../../ingest/wandb/rows.ts';
import { tempDir, tempWarehouse } from '../helpers.ts';

describe('loadWandbRuns / loadWandbHistory (rows from other ingesters, e.g. dr_wandb pickles)', () => {
  it('loads JS rows into the W&B tables inside the caller’s ingest', async () => {
    const wh = await tempWarehouse();
    const file = join(tempDir(), 'ml-moe_ft-scaling_runs.pkl');
    writeFileSync(file, 'stand-in for a pickle');
    const report = await wh.ingest('pickle', file, async (ctx) => {
      const runs = await loadWandbRuns(ctx, [
        {
          run_id: '250912-172812_match_150M_c4_finetune_100Mtx1_DD-d17-530M-6250-2',
          state: 'finished',
          created_at: new Date('2025-09-13T00:30:23Z'),
          config: { learning_rate: 1e-5, big: 8.32929792e15 },
          summary: {
            'oe_eval_metrics/arc_easy': { primary_score: 0.5, task_config: { k: 1 } },
            loss: Number.NaN,
          },
          system_metrics: '{"system.gpu.0.temp": 40}',
        },
      ]);
      expect(runs.runs).toBe(1);
      const history = await loadWandbHistory(ctx, [
        {
          run_id: '250912-172812_match_150M_c4_finetune_100Mtx1_DD-d17-530M-6250-2',
          step: 1,
          timestamp: new Date('2025-09-13T00:31:00Z'),
          runtime: 5,
          metrics: { train_loss: 2.5, note: 'warmup' },
        },
        {
          run_id: 'elsewhere',
          step: 1n,
          timestamp: 1757723460,
          metrics: { train_loss: Number.POSITIVE_INFINITY },
        },
      ]);
      expect(history.warnings.join()).toMatch(/1 history run/);
    });
    expect(report.rows).toMatchObject({
      wandb_runs: 1,
      wandb_run_evals: 1,
      wandb_history: 2,
      wandb_history_objects: 1,
    });
    expect(
      await wh.all(
        `SELECT r.export_format, r.created_at::VARCHAR c, n.run_type, n.seed, r.system_metrics->>'system.gpu.0.temp' t
         FROM wandb_runs r JOIN wandb_run_names n USING (run_id)`,
      ),
    ).toEqual([
      { export_format: 'pickle', c: '2025-09-13 00:30:23+00', run_type: 'matched', seed: '2', t: '40' },
    ]);
    expect(await wh.all("SELECT special FROM wandb_run_summary WHERE key = 'loss'")).toEqual([
      { special: 'NaN' },
    ]);
    expect(
      await wh.all('SELECT run_id, timestamp::VARCHAR ts, value, special FROM wandb_history ORDER BY run_id'),
    ).toEqual([
      {
        run_id: '250912-172812_match_150M_c4_finetune_100Mtx1_DD-d17-530M-6250-2',
        ts: '2025-09-13 00:31:00+00',
        value: 2.5,
        special: null,
      },
      { run_id: 'elsewhere', ts: '2025-09-13 00:31:00+00', value: null, special: 'Infinity' },
    ]);
  }, 30_000);
});
