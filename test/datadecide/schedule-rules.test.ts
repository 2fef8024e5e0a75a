import { describe, expect, it } from 'vitest';
import {
  cumulativeLr,
  lrAtStep,
  relativelyClose,
  ScheduleCalculator,
  scheduleConstants,
} from '../../ingest/datadecide/schedule.ts';

/** numpy.trapezoid of lr over linspace(warmup, warmup + d, floor(d) + 1), written out independently. */
function trapezoid(lr: (step: number) => number, from: number, d: number): number {
  const n = Math.floor(d);
  let area = 0;
  for (let i = 1; i <= n; i++) {
    const a = from + ((i - 1) * d) / n;
    const b = from + (i * d) / n;
    area += ((b - a) * (lr(a) + lr(b))) / 2;
  }
  return area;
}

describe('cumulative learning rate', () => {
  const c = scheduleConstants('60M')!;
  const lr = (step: number) => lrAtStep(c, step);
  const warmupArea = (c.lrMax * c.warmupSteps) / 2;

  it('adds one trapezoid for the first step after the warmup', () => {
    const one = (lr(c.warmupSteps) + lr(c.warmupSteps + 1)) / 2;
    expect(cumulativeLr(c, c.warmupSteps + 1)).toBeCloseTo(warmupArea + one, 12);
    expect(cumulativeLr(c, c.warmupSteps + 1.5) - warmupArea).toBeCloseTo(
      trapezoid(lr, c.warmupSteps, 1.5),
      12,
    );
  });

  it('integrates a fractional step on numpy’s grid: floor(d) intervals of d / floor(d)', () => {
    for (const d of [10.5, 100.25, 1000.75]) {
      expect(cumulativeLr(c, c.warmupSteps + d) - warmupArea, String(d)).toBeCloseTo(
        trapezoid(lr, c.warmupSteps, d),
        10,
      );
    }
  });

  it('is the same through the calculator’s running prefix, for integer and fractional steps', () => {
    const calc = new ScheduleCalculator();
    for (const step of [
      0,
      1,
      c.warmupSteps,
      c.warmupSteps + 1,
      c.warmupSteps + 17.5,
      5000,
      c.totalSteps + 9,
    ]) {
      const row = calc.row('60M', step)!;
      expect(row.cumulativeLr, String(step)).toBeCloseTo(cumulativeLr(c, step), 9);
      expect(row.lrAtStep).toBe(lrAtStep(c, step));
    }
    expect(calc.row('60M', 10)).toMatchObject({
      totalSteps: c.totalSteps,
      warmupSteps: c.warmupSteps,
      lrMax: c.lrMax,
      batchSize: c.batchSize,
    });
  });

  it('has no row for a size DataDecide does not have', () => {
    expect(scheduleConstants('3M')).toBeNull();
    expect(new ScheduleCalculator().row('3M', 100)).toBeNull();
  });

  it('stays at lr_final exactly once the decay is over', () => {
    for (const step of [c.totalSteps, c.totalSteps + 1, c.totalSteps * 3]) expect(lr(step)).toBe(c.lrFinal);
    expect(lr(c.totalSteps - 1)).toBeGreaterThan(c.lrFinal);
  });
});

describe('relativelyClose', () => {
  it('is |a − b| ≤ tolerance · max(|a|, |b|), the bound included', () => {
    expect(relativelyClose(1, 2, 0.5)).toBe(true);
    expect(relativelyClose(-1, -2, 0.5)).toBe(true);
    expect(relativelyClose(1, 2, 0.49)).toBe(false);
    expect(relativelyClose(100, 101, 0.01)).toBe(true);
    expect(relativelyClose(100, 101, 0.009)).toBe(false);
    expect(relativelyClose(1, 2, 0)).toBe(false);
    expect(relativelyClose(0, 0, 0)).toBe(true);
  });

  it('treats equal infinities and two NaNs as agreeing, a NaN and a number not', () => {
    expect(relativelyClose(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0)).toBe(true);
    expect(relativelyClose(Number.NaN, Number.NaN, 0)).toBe(true);
    expect(relativelyClose(Number.NaN, 1, 1)).toBe(false);
    expect(relativelyClose(1, Number.NaN, 1)).toBe(false);
  });

  it('an infinity is close to nothing but the same infinity, whatever the tolerance', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(relativelyClose(inf, 1, 1e-6)).toBe(false);
    expect(relativelyClose(1, inf, 1)).toBe(false);
    expect(relativelyClose(-inf, -1e308, 1)).toBe(false);
    expect(relativelyClose(inf, -inf, 2)).toBe(false);
    expect(relativelyClose(-inf, -inf, 0)).toBe(true);
  });
});
