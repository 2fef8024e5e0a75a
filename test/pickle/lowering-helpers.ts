/**
 * The VM's inert values built by hand, for unit tests of the lowering pass (ingest/pickle/lower*.ts,
 * numpy.ts): what `loadPickle` would hand over for a pickled numpy array, pandas index or frame, without
 * assembling the opcodes. The layouts follow reference/pickle-format.md §2.
 */
import { toCanonical } from '../../ingest/pickle/canonical.ts';
import { type LowerLimits, lowerValue } from '../../ingest/pickle/lower.ts';
import {
  PyBytes,
  PyCall,
  PyDict,
  PyGlobal,
  PyList,
  PyTuple,
  type PyValue,
} from '../../ingest/pickle/values.ts';
import { PickleError } from '../../ingest/pickle/vm.ts';

export const global = (name: string) => new PyGlobal(name, name);

/** `name(*args)` (REDUCE), with BUILD `state` when given, made at byte `offset`. */
export function call(name: string, args: PyValue[] = [], state?: PyValue, offset = 0): PyCall {
  const c = new PyCall(global(name), args, 'reduce', offset);
  if (state !== undefined) c.state = state;
  return c;
}

export const tuple = (...items: PyValue[]) => new PyTuple(items);
export const list = (...items: PyValue[]) => new PyList(items);
export const bytes = (data: ArrayLike<number>) => new PyBytes(Uint8Array.from(data), false);

export function dict(entries: Record<string, PyValue>): PyDict {
  const d = new PyDict();
  for (const [k, v] of Object.entries(entries)) d.set(k, v);
  return d;
}

/** `numpy.dtype(code, False, True)` + BUILD((3, order, None, None, None, elsize, alignment, flags[, meta])). */
export function dtype(code: string, order = '<', extra: { elsize?: bigint; meta?: PyValue } = {}): PyCall {
  const state: PyValue[] = [3n, order, null, null, null, extra.elsize ?? -1n, -1n, 0n];
  if (extra.meta !== undefined) state.push(extra.meta);
  return call('numpy.dtype', [code, false, true], new PyTuple(state));
}

/** A datetime64/timedelta64 dtype: the metadata tuple carries (unit bytes, count, 1, 1). */
export function timeDtype(kind: 'M8' | 'm8', unit: string, count = 1n): PyCall {
  const meta = tuple(new PyDict(), tuple(bytes(Buffer.from(unit, 'latin1')), count, 1n, 1n));
  return call('numpy.dtype', [kind, false, true], tuple(4n, '<', null, null, null, -1n, -1n, 0n, meta));
}

/** `_reconstruct(ndarray, (0,), b'b')` + BUILD(`state`), the state given whole. */
export function reconstruct(state: PyValue | undefined): PyCall {
  return call(
    'numpy._core.multiarray._reconstruct',
    [global('numpy.ndarray'), tuple(0n), bytes([0x62])],
    state,
  );
}

/** A numpy array: `_reconstruct` + BUILD((1, shape, dtype, is_fortran, raw bytes)). */
export function ndarray(
  dt: PyCall,
  shape: number[],
  data: ArrayLike<number>,
  fortran: PyValue = false,
): PyCall {
  return reconstruct(tuple(1n, tuple(...shape.map(BigInt)), dt, fortran, bytes(data)));
}

/** An object array (its elements pickled as a list). */
export function objects(shape: number[], items: PyValue[], fortran: PyValue = false): PyCall {
  return reconstruct(tuple(1n, tuple(...shape.map(BigInt)), dtype('O8', '|'), fortran, list(...items)));
}

/** Little-endian bytes of int64 values. */
export function i64(...values: (number | bigint)[]): number[] {
  const b = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) b.writeBigInt64LE(BigInt(v), i * 8);
  return [...b];
}

export function f64(...values: number[]): number[] {
  const b = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) b.writeDoubleLE(v, i * 8);
  return [...b];
}

/** `_new_Index(cls, {'data': …, 'name': …})`. */
export function index(data: PyValue, name: PyValue = null, cls = 'pandas.core.indexes.base.Index'): PyCall {
  return call('pandas.core.indexes.base._new_Index', [global(cls), dict({ data, name })]);
}

export function rangeIndex(start: bigint, stop: bigint, step = 1n, name: PyValue = null): PyCall {
  return call('pandas.core.indexes.base._new_Index', [
    global('pandas.core.indexes.range.RangeIndex'),
    dict({ name, start, stop, step }),
  ]);
}

export const lowered = (value: PyValue, limits: Partial<LowerLimits> = {}) =>
  toCanonical(lowerValue(value, limits));

/** The PickleError lowering `value` throws: its message and byte offset. */
export function refusal(
  value: PyValue,
  limits: Partial<LowerLimits> = {},
): { message: string; offset: number } {
  try {
    lowerValue(value, limits);
  } catch (e) {
    if (e instanceof PickleError) return { message: e.message, offset: e.pickleOffset };
    throw e;
  }
  throw new Error('expected the value to be refused');
}
