import { describe, expect, it } from 'vitest';
import {
  cumulativeLr,
  lrAtStep,
  relativelyClose,
  ScheduleCalculator,
  scheduleConstants,
} from '../../ingest/datadecide/schedule.ts';
import { sqlString } from '../../src/sql.ts';
import { queryFile, SAMPLE } from './sample.ts';

interface SampleSchedule extends Record<string, unknown> {
  params: string;
  step: number;
  total_steps: bigint;
  warmup_steps: bigint;
  lr_max: number;
  batch_size: bigint;
  lr_at_step: number;
  cumulative_lr: number;
  lr_final: number;
  lr_decay_steps: bigint;
  warmup_tokens: bigint;
  total_tokens: bigint;
}

const rows = () =>
  queryFile<SampleSchedule>(
    `SELECT params, step, total_steps, warmup_steps, lr_max, batch_size, lr_at_step, cumulative_lr, lr_final,
       lr_decay_steps, warmup_tokens, total_tokens FROM read_parquet(${sqlString(SAMPLE)})`,
  );

describe('LR schedule', () => {
  it('matches the per-size constants table of upstream-sources §3.5', () => {
    const table: [string, number, number, number, number][] = [
      ['4M', 32, 5715, 3658, 2057],
      ['20M', 64, 14574, 4664, 9910],
      ['60M', 96, 29032, 6194, 22838],
      ['90M', 160, 29891, 3827, 26064],
      ['150M', 192, 38147, 4070, 34077],
      ['300M', 320, 45777, 2930, 42847],
      ['530M', 448, 57766, 2641, 55125],
      ['750M', 576, 63579, 2261, 61318],
      ['1B', 704, 69359, 2018, 67341],
    ];
    for (const [params, batch, total, warmup, decay] of table) {
      const c = scheduleConstants(params)!;
      expect([c.batchSize, c.totalSteps, c.warmupSteps, c.lrDecaySteps], params).toEqual([
        batch,
        total,
        warmup,
        decay,
      ]);
    }
    expect(scheduleConstants('1B')!.lrMax).toBeCloseTo(0.002238, 6);
    expect(scheduleConstants('7B')).toBeNull();
  });

  it('reproduces every schedule column of the real sample to 1e-6 relative', async () => {
    const sample = await rows();
    expect(sample).toHaveLength(34);
    const calculator = new ScheduleCalculator();
    for (const r of sample) {
      const c = scheduleConstants(r.params)!;
      const where = `${r.params} step ${r.step}`;
      expect(c.totalSteps, where).toBe(Number(r.total_steps));
      expect(c.warmupSteps, where).toBe(Number(r.warmup_steps));
      expect(c.batchSize, where).toBe(Number(r.batch_size));
      expect(c.lrDecaySteps, where).toBe(Number(r.lr_decay_steps));
      expect(c.warmupTokens, where).toBe(Number(r.warmup_tokens));
      expect(c.totalTokens, where).toBe(Number(r.total_tokens));
      expect(relativelyClose(c.lrMax, r.lr_max, 1e-12), where).toBe(true);
      expect(relativelyClose(c.lrFinal, r.lr_final, 1e-12), where).toBe(true);
      expect(relativelyClose(lrAtStep(c, r.step), r.lr_at_step, 1e-6), where).toBe(true);
      expect(relativelyClose(cumulativeLr(c, r.step), r.cumulative_lr, 1e-6), where).toBe(true);
      const row = calculator.row(r.params, r.step)!;
      expect(relativelyClose(row.cumulativeLr, r.cumulative_lr, 1e-6), where).toBe(true);
      expect(relativelyClose(row.lrAtStep, r.lr_at_step, 1e-6), where).toBe(true);
    }
  });

  it('warms up linearly, decays by cosine to 1% of lr_max, then stays flat', () => {
    const c = scheduleConstants('150M')!;
    expect(lrAtStep(c, 0)).toBe(0);
    expect(lrAtStep(c, c.warmupSteps / 2)).toBeCloseTo(c.lrMax / 2, 12);
    expect(lrAtStep(c, c.warmupSteps)).toBeCloseTo(c.lrMax, 12);
    expect(lrAtStep(c, c.warmupSteps + c.lrDecaySteps / 2)).toBeCloseTo((c.lrMax + c.lrFinal) / 2, 12);
    expect(lrAtStep(c, c.totalSteps)).toBe(c.lrFinal);
    expect(lrAtStep(c, c.totalSteps + 500)).toBe(c.lrFinal);
    expect(cumulativeLr(c, -5)).toBe(0);
    expect(cumulativeLr(c, c.totalSteps + 500)).toBe(cumulativeLr(c, c.totalSteps));
    // Warmup area is a triangle.
    expect(cumulativeLr(c, c.warmupSteps)).toBeCloseTo((c.lrMax * c.warmupSteps) / 2, 9);
  });

  it('check values of §3.5: 150M step 1250 and 5000', () => {
    const c = scheduleConstants('150M')!;
    expect(lrAtStep(c, 1250)).toBeCloseTo(0.0012938, 7);
    expect(cumulativeLr(c, 1250)).toBeCloseTo(0.80861, 5);
    expect(cumulativeLr(c, 5000)).toBeCloseTo(12.48775, 5);
  });
});
