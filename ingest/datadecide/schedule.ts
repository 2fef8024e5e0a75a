/**
 * The DataDecide learning-rate schedule (upstream-sources §3.5; datadec `model_utils.py` and
 * `parsing.py:add_lr_cols`): linear warmup from `lr_warmup_start` (0) to `lr_max`, then cosine decay to
 * `lr_final = 0.01·lr_max` over `lr_decay_steps`, flat after. `cumulative_lr` is the closed-form warmup
 * area plus numpy's trapezoid of the cosine on a unit step grid. Pure: no I/O.
 */

const MAX_SEQ_LEN = 2048;
const MODEL_SIZE_NORM = 108_000_000;
const LR_MAX_BASE = 0.0047;
const LR_FINAL_RATIO = 0.01;
const BATCH_ROUNDING = 32; // GPUS_PER_NODE 8 × MICROBATCH_SIZE 4
const CHINCHILLA_MULTIPLE = 5; // length_str "5xC": 5 × 20 tokens per parameter

/** `HARDCODED_SIZE_MAPPING`: the parameter count each size name stands for. */
export const MODEL_SIZES: Readonly<Record<string, number>> = {
  '4M': 3_744_832,
  '6M': 6_010_464,
  '8M': 8_538_240,
  '10M': 9_900_432,
  '14M': 14_380_224,
  '16M': 16_004_560,
  '20M': 19_101_888,
  '60M': 57_078_144,
  '90M': 97_946_640,
  '150M': 150_000_000,
  '300M': 300_000_000,
  '530M': 530_000_000,
  '750M': 750_000_000,
  '1B': 1_000_000_000,
};

/** The per-size constants of the schedule. */
export interface ScheduleConstants {
  readonly params: string;
  readonly modelSize: number;
  readonly batchSize: number;
  readonly lrMax: number;
  readonly lrFinal: number;
  readonly lrWarmupStart: number;
  readonly totalTokens: number;
  readonly warmupTokens: number;
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly lrDecaySteps: number;
}

/** Python's round(): half to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** The schedule constants of a size name ('150M'), or null for a size DataDecide does not have. */
export function scheduleConstants(params: string): ScheduleConstants | null {
  const modelSize = MODEL_SIZES[params];
  if (modelSize === undefined) return null;
  const ratio = modelSize / MODEL_SIZE_NORM;
  const batchSize = roundHalfEven((160 * ratio ** (2 / 3)) / BATCH_ROUNDING) * BATCH_ROUNDING;
  const lrMax = LR_MAX_BASE * ratio ** (-1 / 3);
  const totalTokens = CHINCHILLA_MULTIPLE * 20 * modelSize;
  const warmupTokens = roundHalfEven(modelSize / (batchSize / MAX_SEQ_LEN));
  const totalSteps = Math.ceil(totalTokens / (batchSize * MAX_SEQ_LEN));
  const warmupSteps = Math.ceil(warmupTokens / (batchSize * MAX_SEQ_LEN));
  return {
    params,
    modelSize,
    batchSize,
    lrMax,
    lrFinal: LR_FINAL_RATIO * lrMax,
    lrWarmupStart: 0,
    totalTokens,
    warmupTokens,
    totalSteps,
    warmupSteps,
    lrDecaySteps: totalSteps - warmupSteps,
  };
}

/** The cosine part of the schedule, `d` steps after the warmup (d ≤ lr_decay_steps). */
function cosineLr(c: ScheduleConstants, d: number): number {
  return c.lrFinal + 0.5 * (c.lrMax - c.lrFinal) * (1 + Math.cos((Math.PI * d) / c.lrDecaySteps));
}

/** The learning rate at a step (datadec `lr_at_step`). */
export function lrAtStep(c: ScheduleConstants, step: number): number {
  if (step <= c.warmupSteps) {
    return c.lrWarmupStart + ((c.lrMax - c.lrWarmupStart) * step) / c.warmupSteps;
  }
  const d = Math.min(step - c.warmupSteps, c.lrDecaySteps);
  if (d >= c.lrDecaySteps) return c.lrFinal;
  return cosineLr(c, d);
}

function warmupArea(c: ScheduleConstants, step: number): number {
  const t = Math.min(step, c.warmupSteps);
  return c.lrWarmupStart * t + ((c.lrMax - c.lrWarmupStart) * t * t) / (2 * c.warmupSteps);
}

/** numpy.trapezoid of the cosine over linspace(0, d, int(d)+1). */
function cosineTrapezoid(c: ScheduleConstants, d: number): number {
  const intervals = Math.floor(d);
  if (intervals < 1) return 0;
  const dx = d / intervals;
  let sum = 0;
  let previous = cosineLr(c, 0);
  for (let i = 1; i <= intervals; i++) {
    const current = cosineLr(c, i * dx);
    sum += (dx * (previous + current)) / 2;
    previous = current;
  }
  return sum;
}

/** The area under the learning-rate curve up to a step (datadec `cumulative_lr`). */
export function cumulativeLr(c: ScheduleConstants, step: number): number {
  if (step <= 0) return 0;
  let total = warmupArea(c, step);
  if (step > c.warmupSteps) total += cosineTrapezoid(c, Math.min(step - c.warmupSteps, c.lrDecaySteps));
  return total;
}

/** Schedule columns of one checkpoint, as `full_eval` has them. */
export interface ScheduleRow {
  readonly totalSteps: number;
  readonly warmupSteps: number;
  readonly lrMax: number;
  readonly batchSize: number;
  readonly lrAtStep: number;
  readonly cumulativeLr: number;
}

/**
 * Computes schedule rows for many (params, step) pairs: integer steps reuse a per-size running prefix of the
 * trapezoid, so a whole file costs one pass over each size's decay steps instead of one per checkpoint.
 */
export class ScheduleCalculator {
  private readonly prefixes = new Map<string, Float64Array>();

  row(params: string, step: number): ScheduleRow | null {
    const c = scheduleConstants(params);
    if (!c) return null;
    return {
      totalSteps: c.totalSteps,
      warmupSteps: c.warmupSteps,
      lrMax: c.lrMax,
      batchSize: c.batchSize,
      lrAtStep: lrAtStep(c, step),
      cumulativeLr: this.cumulative(c, step),
    };
  }

  private cumulative(c: ScheduleConstants, step: number): number {
    if (step <= c.warmupSteps || !Number.isInteger(step)) return cumulativeLr(c, step);
    const d = Math.min(step - c.warmupSteps, c.lrDecaySteps);
    return warmupArea(c, step) + this.prefix(c)[d]!;
  }

  /** prefix[d] = trapezoid of the cosine over 0..d on the unit grid. */
  private prefix(c: ScheduleConstants): Float64Array {
    let prefix = this.prefixes.get(c.params);
    if (!prefix) {
      prefix = new Float64Array(c.lrDecaySteps + 1);
      let previous = cosineLr(c, 0);
      for (let i = 1; i <= c.lrDecaySteps; i++) {
        const current = cosineLr(c, i);
        prefix[i] = prefix[i - 1]! + (previous + current) / 2;
        previous = current;
      }
      this.prefixes.set(c.params, prefix);
    }
    return prefix;
  }
}

/** |a − b| ≤ tolerance · max(|a|, |b|); equal non-finite values agree. */
export function relativelyClose(a: number, b: number, tolerance: number): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  // An infinity agrees only with the same infinity (above): |∞ − 1| ≤ tol · ∞ would call them close.
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}
