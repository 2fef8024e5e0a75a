/**
 * What the lowering modules share: the traversal of lower.ts (memo, path, limits) seen through one interface,
 * and the small converters every module uses. A `LowerError` thrown anywhere becomes a `PickleError` naming
 * the path of the value and the byte offset (lower.ts).
 */
import type { Lowered } from './lowered.ts';
import { type DecodeBudget, type Dtype, LowerError } from './numpy.ts';
import { type PyValue, pyTypeName } from './values.ts';

export interface LowerContext {
  /** The pickle's running totals of decoded elements and bytes. */
  readonly budget: DecodeBudget;
  /** Lowers a nested value (memoised, depth- and cycle-checked). */
  lower(value: PyValue): Lowered;
  /** Runs `fn` with `segment` appended to the path shown in errors. */
  at<T>(segment: string | number, fn: () => T): T;
  fail(message: string): never;
  /** A pickled `numpy.dtype(...)`. */
  dtypeOf(value: PyValue): Dtype;
}

export function fail(message: string): never {
  throw new LowerError(message);
}

export function asInt(v: PyValue): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  fail(`expected an int, got ${pyTypeName(v)}`);
}

export function asFloat(v: PyValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  fail(`expected a number, got ${pyTypeName(v)}`);
}

export function asBigint(v: PyValue): bigint {
  if (typeof v === 'bigint') return v;
  fail(`expected an int, got ${pyTypeName(v)}`);
}
