/**
 * Plain data produced by the lowering pass: JS primitives, arrays, and a few tagged classes for the
 * Python values JS has no type for. DataFrames, Series and Indexes are columnar (typed arrays + masks),
 * ready to be turned into table columns or Arrow vectors.
 */

export type TimeUnit = 'W' | 'D' | 'h' | 'm' | 's' | 'ms' | 'us' | 'ns';

export type Lowered =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Lowered[]
  | LTuple
  | LDict
  | LSet
  | LScalar
  | NdArray
  | Frame
  | SeriesValue
  | IndexValue;

export class LTuple {
  constructor(readonly items: Lowered[]) {}
}

/** A dict as ordered entries: keys may be tuples or ints; `__proto__` is just a key. */
export class LDict {
  constructor(readonly entries: [Lowered, Lowered][]) {}
  get(key: string): Lowered | undefined {
    for (const [k, v] of this.entries) if (k === key) return v;
    return undefined;
  }
  /** True when every key is a string (the dict can become a JSON object / a STRUCT). */
  get stringKeyed(): boolean {
    return this.entries.every(([k]) => typeof k === 'string');
  }
}

export class LSet {
  constructor(
    readonly items: Lowered[],
    readonly frozen: boolean,
  ) {}
}

/** Scalars with no JS type: date/time values, numpy datetime64/timedelta64, pandas NaT/NA, complex. */
export type LScalar =
  | Tagged<'datetime', { iso: string; epochMicros: bigint | null }>
  | Tagged<'date', { iso: string }>
  | Tagged<'time', { iso: string }>
  | Tagged<'timedelta', { days: number; seconds: number; microseconds: number }>
  | Tagged<'timestamp', { ns: bigint; tz: string | null }>
  | Tagged<'datetime64', { value: bigint; unit: TimeUnit }>
  | Tagged<'timedelta64', { value: bigint; unit: TimeUnit }>
  | Tagged<'nat', object>
  | Tagged<'na', object>
  | Tagged<'complex', { re: number; im: number }>
  | Tagged<'slice', { start: Lowered; stop: Lowered; step: Lowered }>
  | Tagged<'tz', { name: string; offsetSeconds: number | null }>
  | Tagged<'offset', { name: string; n: number }>;

type Tagged<T extends string, P> = { readonly $: T } & Readonly<P>;

export type IntArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** One column of values. `mask[i] === 1` marks a missing value (nullable pandas and pyarrow-backed arrays). */
export type ColumnData =
  | { kind: 'float'; values: Float64Array | Float32Array; mask?: Uint8Array }
  | { kind: 'int'; values: IntArray; mask?: Uint8Array }
  | { kind: 'bool'; values: Uint8Array; mask?: Uint8Array }
  /** NaT is INT64_MIN, like numpy. */
  | { kind: 'datetime'; values: BigInt64Array; unit: TimeUnit; tz: string | null; mask?: Uint8Array }
  | { kind: 'timedelta'; values: BigInt64Array; unit: TimeUnit; mask?: Uint8Array }
  | { kind: 'complex'; values: Float64Array }
  /** Strings, bytes and Python objects, one lowered value per row. */
  | { kind: 'object'; values: Lowered[]; strings?: boolean; mask?: Uint8Array }
  | { kind: 'category'; codes: Int32Array; categories: Column; ordered: boolean; mask?: Uint8Array };

/** A column with its pandas/numpy dtype name (`str(dtype)` in Python). */
export interface Column {
  readonly dtype: string;
  readonly data: ColumnData;
  readonly length: number;
}

export class NdArray {
  constructor(
    /** numpy `str(dtype)`, e.g. `int64`, `>i4`, `<U3`, `object`, `datetime64[ms]`. */
    readonly dtype: string,
    readonly shape: number[],
    /** All elements in C order. */
    readonly column: Column,
  ) {}
}

export interface RangeSpec {
  start: bigint;
  stop: bigint;
  step: bigint;
}

export class IndexValue {
  constructor(
    readonly names: Lowered[],
    /** One column per level, or null for a RangeIndex. */
    readonly levels: Column[] | null,
    readonly range: RangeSpec | null,
    readonly length: number,
  ) {}
}

export class Frame {
  constructor(
    readonly labels: Lowered[],
    readonly columns: Column[],
    readonly index: IndexValue,
    readonly rows: number,
  ) {}
}

export class SeriesValue {
  constructor(
    readonly name: Lowered,
    readonly column: Column,
    readonly index: IndexValue,
  ) {}
}

export const NAT = -(2n ** 63n);

export const UNIT_NS: Record<TimeUnit, bigint> = {
  W: 604_800_000_000_000n,
  D: 86_400_000_000_000n,
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  us: 1000n,
  ns: 1n,
};

export function rangeLength(r: RangeSpec): number {
  if (r.step === 0n) return 0;
  const n =
    r.step > 0n ? (r.stop - r.start + r.step - 1n) / r.step : (r.start - r.stop - r.step - 1n) / -r.step;
  return n > 0n ? Number(n) : 0;
}
