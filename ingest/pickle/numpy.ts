/**
 * numpy dtypes, arrays and scalars from their pickled reduce tuples (pickle-format.md §2.1–2.3), into
 * columns. Raw bytes are copied once into aligned typed arrays (byte-swapped when big-endian); shapes are
 * checked against the byte count with overflow-safe arithmetic before anything is allocated.
 */
import type { Column, ColumnData, Lowered, TimeUnit } from './lowered.ts';
import { NdArray } from './lowered.ts';
import { PyBytes, type PyCall, PyList, PyTuple, type PyValue, pyTypeName } from './values.ts';

export class LowerError extends Error {}

/** Limits on what arrays decode to, independent of the bytes that carry them (a shape can promise far more). */
export interface DecodeLimits {
  /** Array elements decoded in one pickle, all arrays together. */
  maxElements: number;
  /**
   * Bytes decoded in one pickle: raw element bytes copied, plus 32 bytes per element that becomes a JS value
   * (strings, bytes, objects), all arrays together.
   */
  maxDecodedBytes: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = {
  maxElements: 2 ** 28,
  maxDecodedBytes: 2 * 1024 ** 3,
};

/** Bytes accounted to an element that becomes a JS value (a string, a Uint8Array, a lowered object). */
export const JS_VALUE_BYTES = 32;

/** Running totals of one pickle's decoded arrays, checked against `DecodeLimits` before anything is allocated. */
export class DecodeBudget {
  private elements = 0;
  private bytes = 0;
  constructor(readonly limits: DecodeLimits = DEFAULT_DECODE_LIMITS) {}

  /** Accounts `elements` elements decoding to `bytes` bytes; throws before the limit is crossed. */
  charge(elements: number, bytes: number): void {
    this.elements += elements;
    this.bytes += bytes;
    if (this.elements > this.limits.maxElements) {
      throw new LowerError(
        `arrays hold more than the limit of ${this.limits.maxElements} elements (raise maxElements / MLDUCK_PICKLE_MAX_ELEMENTS if the data is real)`,
      );
    }
    if (this.bytes > this.limits.maxDecodedBytes) {
      throw new LowerError(
        `arrays decode to more than the limit of ${this.limits.maxDecodedBytes} bytes (raise maxDecodedBytes / MLDUCK_PICKLE_MAX_DECODED_BYTES if the data is real)`,
      );
    }
  }
}

/** What `n` elements of `dtype` decode to, in bytes (see `DecodeLimits.maxDecodedBytes`). */
function decodedBytes(dtype: Dtype, n: number): number {
  const perElement =
    dtype.kind === 'U' || dtype.kind === 'S' || dtype.kind === 'O'
      ? JS_VALUE_BYTES + dtype.itemsize
      : Math.max(dtype.itemsize, 8);
  return n * perElement;
}

export interface Dtype {
  /** numpy kind: b i u f c M m U S O V. */
  kind: string;
  itemsize: number;
  littleEndian: boolean;
  unit: TimeUnit | null;
  /** numpy `str(dtype)`. */
  name: string;
}

const TIME_UNITS: Record<string, TimeUnit> = {
  W: 'W',
  D: 'D',
  h: 'h',
  m: 'm',
  s: 's',
  ms: 'ms',
  us: 'us',
  ns: 'ns',
};
const NATIVE_NAMES: Record<string, string> = {
  b1: 'bool',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  c8: 'complex64',
  c16: 'complex128',
};

function asInt(value: PyValue | undefined, what: string): number {
  if (typeof value === 'bigint') return Number(value);
  throw new LowerError(
    `${what}: expected an int, got ${value === undefined ? 'nothing' : pyTypeName(value)}`,
  );
}

/** numpy.dtype(spec, False, True) + BUILD state → Dtype. Structured and subarray dtypes are refused. */
export function lowerDtype(call: PyCall): Dtype {
  const spec = call.args[0];
  if (typeof spec !== 'string') throw new LowerError('numpy.dtype: expected a type code string');
  const match = /^([biufcMmUSOV])(\d*)$/.exec(spec);
  if (!match) throw new LowerError(`numpy dtype '${spec}' is not supported`);
  const kind = match[1]!;
  let itemsize = match[2] ? Number(match[2]) : 0;
  if (kind === 'U') itemsize *= 4;
  let byteorder = '|';
  let unit: TimeUnit | null = null;
  const state = call.state;
  if (state instanceof PyTuple) {
    const s = state.items;
    const version = asInt(s[0], 'dtype state');
    byteorder = typeof s[1] === 'string' ? s[1] : '|';
    if (version >= 3 || s.length >= 8) {
      const [, , subarray, names, fields] = s;
      if (subarray !== null || names !== null || fields !== null) {
        throw new LowerError('structured or subarray numpy dtypes are not supported');
      }
      const elsize = s[5];
      if (typeof elsize === 'bigint' && elsize > 0n && (kind === 'U' || kind === 'S' || kind === 'V')) {
        itemsize = Number(elsize);
      }
    }
    const meta = s[8];
    if ((kind === 'M' || kind === 'm') && meta instanceof PyTuple) {
      const unitTuple = meta.items[1];
      if (unitTuple instanceof PyTuple && unitTuple.items[0] instanceof PyBytes) {
        const text = Buffer.from(unitTuple.items[0].data).toString('latin1');
        const num = asInt(unitTuple.items[1], 'datetime unit');
        unit = TIME_UNITS[text] ?? null;
        if (!unit || num !== 1) throw new LowerError(`datetime64 unit '${num}${text}' is not supported`);
      }
    }
  }
  if (kind === 'M' || kind === 'm') {
    if (!unit) throw new LowerError('datetime64/timedelta64 dtype without a unit (generic) is not supported');
    itemsize = 8;
  }
  if (kind === 'O') itemsize = 8;
  const littleEndian = byteorder !== '>';
  let name: string;
  if (kind === 'O') name = 'object';
  else if (kind === 'M') name = `datetime64[${unit}]`;
  else if (kind === 'm') name = `timedelta64[${unit}]`;
  else if (kind === 'U') name = `${littleEndian ? '<' : '>'}U${itemsize / 4}`;
  else if (kind === 'S') name = `|S${itemsize}`;
  else if (kind === 'V') name = `|V${itemsize}`;
  else {
    const code = `${kind}${itemsize}`;
    const native = NATIVE_NAMES[code];
    if (!native) throw new LowerError(`numpy dtype '${code}' is not supported`);
    name = littleEndian || itemsize === 1 ? native : `>${code}`;
  }
  if (kind === 'V') throw new LowerError('void (V) numpy dtypes are not supported');
  return { kind, itemsize, littleEndian, unit, name };
}

/** prod(shape) with overflow and sign checks. */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new LowerError(`invalid array dimension ${d}`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new LowerError('array shape overflows');
  }
  return n;
}

function swapped(bytes: Uint8Array, itemsize: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += itemsize) {
    for (let j = 0; j < itemsize; j++) out[i + j] = bytes[i + itemsize - 1 - j]!;
  }
  return out;
}

/** An aligned, little-endian copy of the raw element bytes. */
function aligned(bytes: Uint8Array, dtype: Dtype): ArrayBuffer {
  const src =
    dtype.littleEndian || dtype.itemsize === 1
      ? bytes
      : swapped(bytes, dtype.kind === 'c' ? dtype.itemsize / 2 : dtype.itemsize);
  const out = new Uint8Array(src.length);
  out.set(src);
  return out.buffer;
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Decodes `n` elements of raw bytes into a column, charged to `budget` before anything is allocated. */
export function columnFromBytes(bytes: Uint8Array, dtype: Dtype, n: number, budget: DecodeBudget): Column {
  if (dtype.kind === 'O') throw new LowerError('object arrays are pickled as lists, not bytes');
  if (dtype.itemsize <= 0) {
    // A zero-size element passes "buffer = elements × itemsize" for any shape: 10^8 elements from 0 bytes.
    throw new LowerError(`numpy dtype ${dtype.name} has itemsize 0: arrays of it are refused`);
  }
  if (bytes.length !== n * dtype.itemsize) {
    throw new LowerError(
      `numpy array: buffer size ${bytes.length} does not match array size ${n} × ${dtype.itemsize} bytes`,
    );
  }
  budget.charge(n, decodedBytes(dtype, n));
  const buf = () => aligned(bytes, dtype);
  let data: ColumnData;
  switch (dtype.kind) {
    case 'b':
      data = { kind: 'bool', values: new Uint8Array(bytes) };
      break;
    case 'i':
    case 'u': {
      const signed = dtype.kind === 'i';
      const b = buf();
      const values =
        dtype.itemsize === 1
          ? signed
            ? new Int8Array(b)
            : new Uint8Array(b)
          : dtype.itemsize === 2
            ? signed
              ? new Int16Array(b)
              : new Uint16Array(b)
            : dtype.itemsize === 4
              ? signed
                ? new Int32Array(b)
                : new Uint32Array(b)
              : signed
                ? new BigInt64Array(b)
                : new BigUint64Array(b);
      data = { kind: 'int', values };
      break;
    }
    case 'f': {
      if (dtype.itemsize === 2) {
        const raw = new Uint16Array(buf());
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = float16(raw[i]!);
        data = { kind: 'float', values: out };
      } else
        data = {
          kind: 'float',
          values: dtype.itemsize === 4 ? new Float32Array(buf()) : new Float64Array(buf()),
        };
      break;
    }
    case 'c':
      data = {
        kind: 'complex',
        values: dtype.itemsize === 8 ? Float64Array.from(new Float32Array(buf())) : new Float64Array(buf()),
      };
      break;
    case 'M':
      data = { kind: 'datetime', values: new BigInt64Array(buf()), unit: dtype.unit!, tz: null };
      break;
    case 'm':
      data = { kind: 'timedelta', values: new BigInt64Array(buf()), unit: dtype.unit! };
      break;
    case 'U': {
      const chars = dtype.itemsize / 4;
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const values: Lowered[] = new Array(n);
      for (let i = 0; i < n; i++) {
        let s = '';
        for (let c = 0; c < chars; c++) {
          const cp = view.getUint32((i * chars + c) * 4, dtype.littleEndian);
          if (cp === 0) break;
          if (cp > 0x10ffff) {
            throw new LowerError(
              `numpy '${dtype.kind}' string ${i}: code point ${cp} (0x${cp.toString(16)}) is beyond U+10FFFF, not a character`,
            );
          }
          s += String.fromCodePoint(cp);
        }
        values[i] = s;
      }
      data = { kind: 'object', values, strings: true };
      break;
    }
    case 'S': {
      const values: Lowered[] = new Array(n);
      for (let i = 0; i < n; i++) {
        let item = bytes.subarray(i * dtype.itemsize, (i + 1) * dtype.itemsize);
        let end = item.length;
        while (end > 0 && item[end - 1] === 0) end--;
        item = item.slice(0, end);
        values[i] = item;
      }
      data = { kind: 'object', values };
      break;
    }
    default:
      throw new LowerError(`numpy dtype kind '${dtype.kind}' is not supported`);
  }
  return { dtype: dtype.name, data, length: n };
}

/** Reorders a Fortran-order (or any axis-permuted) buffer into C order. */
function toCOrder(col: Column, shape: number[], sourceShape: number[], perm: number[]): Column {
  // element at C-index of `shape` comes from source (C order over sourceShape) at permuted position
  const n = col.length;
  if (shape.length < 2 || n === 0) return col;
  const ndim = shape.length;
  const srcStrides = new Array<number>(ndim);
  let s = 1;
  for (let d = ndim - 1; d >= 0; d--) {
    srcStrides[d] = s;
    s *= sourceShape[d]!;
  }
  // stride in the source for each destination axis
  const strides = shape.map((_, axis) => srcStrides[perm.indexOf(axis)]!);
  const order = new Int32Array(n);
  const idx = new Array<number>(ndim).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < ndim; d++) off += idx[d]! * strides[d]!;
    order[i] = off;
    for (let d = ndim - 1; d >= 0; d--) {
      idx[d]!++;
      if (idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  return { ...col, data: permuteData(col.data, order) };
}

export function permuteData(data: ColumnData, order: Int32Array): ColumnData {
  const pick = <T extends { length: number; [i: number]: unknown }>(
    src: T,
    make: (n: number) => T,
    width = 1,
  ): T => {
    const out = make(order.length * width);
    for (let i = 0; i < order.length; i++) {
      for (let w = 0; w < width; w++)
        (out as Record<number, unknown>)[i * width + w] = src[order[i]! * width + w];
    }
    return out;
  };
  switch (data.kind) {
    case 'float':
      return {
        kind: 'float',
        values: pick(data.values, (n) => new (data.values.constructor as Float64ArrayConstructor)(n)),
      };
    case 'int':
      return {
        kind: 'int',
        values: pick(
          data.values,
          (n) => new (data.values.constructor as Int32ArrayConstructor)(n),
        ) as typeof data.values,
      };
    case 'bool':
      return { kind: 'bool', values: pick(data.values, (n) => new Uint8Array(n)) };
    case 'datetime':
      return { ...data, values: pick(data.values, (n) => new BigInt64Array(n)) };
    case 'timedelta':
      return { ...data, values: pick(data.values, (n) => new BigInt64Array(n)) };
    case 'complex':
      return { kind: 'complex', values: pick(data.values, (n) => new Float64Array(n), 2) };
    case 'object':
      return { ...data, values: Array.from(order, (i) => data.values[i]!) };
    case 'category':
      return { ...data, codes: pick(data.codes, (n) => new Int32Array(n)) };
  }
}

function shapeOf(value: PyValue | undefined): number[] {
  if (!(value instanceof PyTuple)) throw new LowerError('numpy array: shape must be a tuple');
  return value.items.map((d) => asInt(d, 'array dimension'));
}

/** numpy._core.multiarray._reconstruct(ndarray, (0,), b'b') + BUILD((1, shape, dtype, is_fortran, data)). */
export function lowerReconstruct(
  call: PyCall,
  dtypeOf: (v: PyValue) => Dtype,
  lowerItem: (v: PyValue, i: number) => Lowered,
  budget: DecodeBudget,
): NdArray {
  const state = call.state;
  if (!(state instanceof PyTuple)) throw new LowerError('numpy array without state');
  let items = state.items;
  if (items.length === 5) items = items.slice(1);
  if (items.length !== 4)
    throw new LowerError(`numpy array state has ${state.items.length} items, expected 4 or 5`);
  const [shapeValue, dtypeValue, fortranValue, raw] = items;
  const shape = shapeOf(shapeValue);
  const dtype = dtypeOf(dtypeValue!);
  const n = elementCount(shape);
  const fortran = fortranValue === true || fortranValue === 1n;
  let col: Column;
  if (dtype.kind === 'O' || raw instanceof PyList) {
    if (!(raw instanceof PyList)) throw new LowerError('object numpy array: expected a list of elements');
    if (raw.items.length !== n) {
      throw new LowerError(`numpy array: ${raw.items.length} elements do not match array size ${n}`);
    }
    budget.charge(n, n * JS_VALUE_BYTES);
    col = { dtype: dtype.name, data: { kind: 'object', values: raw.items.map(lowerItem) }, length: n };
  } else {
    if (!(raw instanceof PyBytes))
      throw new LowerError(`numpy array data must be bytes, got ${pyTypeName(raw ?? null)}`);
    col = columnFromBytes(raw.data, dtype, n, budget);
  }
  if (fortran && shape.length > 1) {
    const reversed = [...shape].reverse();
    col = toCOrder(
      col,
      shape,
      reversed,
      shape.map((_, i) => shape.length - 1 - i),
    );
  }
  return new NdArray(dtype.name, shape, col);
}

/** numpy._core.numeric._frombuffer(buffer, dtype, shape, order[, axis_order]) — protocol 5 arrays. */
export function lowerFromBuffer(call: PyCall, dtypeOf: (v: PyValue) => Dtype, budget: DecodeBudget): NdArray {
  const [raw, dtypeValue, shapeValue, orderValue, axisOrder] = call.args;
  if (!(raw instanceof PyBytes)) throw new LowerError('_frombuffer: expected a buffer');
  const dtype = dtypeOf(dtypeValue!);
  const shape = shapeOf(shapeValue);
  const n = elementCount(shape);
  let col = columnFromBytes(raw.data, dtype, n, budget);
  const order = typeof orderValue === 'string' ? orderValue : 'C';
  if (order === 'F' && shape.length > 1) {
    col = toCOrder(
      col,
      shape,
      [...shape].reverse(),
      shape.map((_, i) => shape.length - 1 - i),
    );
  } else if (order === 'K') {
    if (!(axisOrder instanceof PyTuple || axisOrder instanceof PyList))
      throw new LowerError("_frombuffer 'K' needs axis_order");
    const perm = axisOrder.items.map((v) => asInt(v, 'axis_order'));
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== shape.length || sorted.some((v, i) => v !== i)) {
      throw new LowerError('_frombuffer axis_order is not a permutation of the axes');
    }
    // frombuffer(buf).reshape(shape, 'C').transpose(axis_order): `shape` is the pre-transpose shape
    const finalShape = perm.map((axis) => shape[axis]!);
    col = toCOrder(
      col,
      finalShape,
      shape,
      perm.map((_, i) => perm.indexOf(i)),
    );
    return new NdArray(dtype.name, finalShape, col);
  } else if (order !== 'C' && order !== 'F') throw new LowerError(`_frombuffer: unknown order '${order}'`);
  return new NdArray(dtype.name, shape, col);
}

/** numpy._core.multiarray.scalar(dtype, raw_bytes | obj) → a plain value. */
export function lowerScalar(
  call: PyCall,
  dtypeOf: (v: PyValue) => Dtype,
  lowerItem: (v: PyValue) => Lowered,
  budget: DecodeBudget,
): Lowered {
  const [dtypeValue, raw] = call.args;
  const dtype = dtypeOf(dtypeValue!);
  if (dtype.kind === 'O') return lowerItem(raw ?? null);
  if (!(raw instanceof PyBytes)) throw new LowerError('numpy scalar: expected raw bytes');
  const col = columnFromBytes(raw.data, dtype, 1, budget);
  return cellOf(col, 0);
}

/** One element of a column as a plain value. */
export function cellOf(col: Column, i: number): Lowered {
  const d = col.data;
  if ('mask' in d && d.mask?.[i]) return { $: 'na' };
  switch (d.kind) {
    case 'float':
      return d.values[i]!;
    case 'int':
      return BigInt(d.values[i]!);
    case 'bool':
      return d.values[i] !== 0;
    case 'datetime': {
      const v = d.values[i]!;
      return v === -(2n ** 63n) ? { $: 'nat' } : { $: 'datetime64', value: v, unit: d.unit };
    }
    case 'timedelta': {
      const v = d.values[i]!;
      return v === -(2n ** 63n) ? { $: 'nat' } : { $: 'timedelta64', value: v, unit: d.unit };
    }
    case 'complex':
      return { $: 'complex', re: d.values[2 * i]!, im: d.values[2 * i + 1]! };
    case 'object':
      return d.values[i]!;
    case 'category': {
      const code = d.codes[i]!;
      return code < 0 ? Number.NaN : cellOf(d.categories, code);
    }
  }
}
