/**
 * The checks of a pickled Arrow array before any buffer is read: `_restore_array((type, length, null_count,
 * offset, [buffers], [children], dictionary))` against its type — lengths, offsets, null counts, buffer counts
 * and sizes, value offsets (monotonic, inside their data or child), dictionary indices, UTF-8, nesting depth.
 * A checked array is rebased to offset 0: its buffers hold exactly the elements it contributes.
 */
import type { DataType, Dictionary, FixedSizeList, Int } from 'apache-arrow';
import { arrow } from './arrow-lib.ts';
import { arrowType, fail, int, items, MAX_ARROW_DEPTH, pyarrowTypeName } from './arrow-types.ts';
import { type DecodeBudget, JS_VALUE_BYTES } from './numpy.ts';
import { PyBytes, PyCall, PyTuple, type PyValue, pyTypeName } from './values.ts';

/** A validated array with offset 0: buffers hold exactly `length` elements (children as their offsets need). */
export interface Checked {
  type: DataType;
  length: number;
  nullCount: number;
  /** Packed validity bits (1 = valid), or null when every value is valid. */
  validity: Uint8Array | null;
  /** Fixed-width values (an aligned copy), bit-packed booleans, or var-binary bytes. */
  values: Uint8Array | null;
  /** Value offsets (Int32Array or BigInt64Array), starting at 0. */
  offsets: Int32Array | BigInt64Array | null;
  children: Checked[];
  dictionary: Checked | null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function byteWidth(type: DataType): number {
  switch (type.typeId) {
    case arrow.Type.Int:
      return (type as Int).bitWidth / 8;
    case arrow.Type.Float:
      return type instanceof arrow.Float16 ? 2 : type instanceof arrow.Float32 ? 4 : 8;
    case arrow.Type.Date:
      return type instanceof arrow.DateDay ? 4 : 8;
    case arrow.Type.Timestamp:
    case arrow.Type.Duration:
      return 8;
  }
  return 0;
}

function bufferCount(type: DataType): number {
  switch (type.typeId) {
    case arrow.Type.Null:
      return 1;
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
      return 3;
    case arrow.Type.FixedSizeList:
    case arrow.Type.Struct:
      return 1;
  }
  return 2;
}

/** Bits [start, start + n) of a packed bitmap, repacked from bit 0. */
function bits(src: Uint8Array, start: number, n: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(n / 8));
  if (start % 8 === 0) {
    out.set(src.subarray(start / 8, start / 8 + out.length));
    return out;
  }
  for (let i = 0; i < n; i++) {
    const b = start + i;
    if ((src[b >> 3]! >> (b & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

function countNulls(validity: Uint8Array, n: number): number {
  let valid = 0;
  for (let i = 0; i < n; i++) valid += (validity[i >> 3]! >> (i & 7)) & 1;
  return n - valid;
}

function aligned(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

function bufferOf(v: PyValue | undefined, at: number): Uint8Array | null {
  if (v === null || v === undefined) return null;
  if (v instanceof PyCall && v.fn.name === 'pyarrow.lib.py_buffer' && v.args[0] instanceof PyBytes)
    return v.args[0].data;
  if (v instanceof PyBytes) return v.data;
  fail(`expected a pyarrow buffer, got ${pyTypeName(v)}`, v, at);
}

interface Slice {
  start: number;
  length: number;
}

/**
 * Validates one pickled array state (the tuple `_restore_array` takes) and returns it rebased to offset 0.
 * `outer` narrows it to the elements a parent uses (list offsets, struct offset).
 */
export function check(
  state: PyValue | undefined,
  at: number,
  budget: DecodeBudget,
  depth: number,
  outer?: Slice,
): Checked {
  if (depth > MAX_ARROW_DEPTH) fail(`pyarrow array nested deeper than ${MAX_ARROW_DEPTH} levels`, state, at);
  const s = state instanceof PyTuple ? state.items : null;
  if (!s || s.length < 7)
    fail(
      'pyarrow array state: expected (type, length, null_count, offset, buffers, children, dictionary)',
      state,
      at,
    );
  const type = arrowType(s[0], at);
  const length = int(s[1], 'pyarrow array length', at);
  const nullCount = int(s[2], 'pyarrow array null count', at);
  const offset = int(s[3], 'pyarrow array offset', at);
  const name = pyarrowTypeName(type);
  if (length < 0 || length > budget.limits.maxElements)
    fail(
      `pyarrow ${name} array: length ${length} is negative or above the limit of ${budget.limits.maxElements} elements`,
      state,
      at,
    );
  if (offset < 0) fail(`pyarrow ${name} array: offset ${offset} is negative`, state, at);
  if (nullCount < -1 || nullCount > length)
    fail(`pyarrow ${name} array: null count ${nullCount} outside 0…${length}`, state, at);
  const bufs = items(s[4]);
  const kids = items(s[5]);
  if (!bufs || !kids) fail(`pyarrow ${name} array: buffers and children must be lists`, state, at);
  const want = bufferCount(type);
  if (bufs.length !== want)
    fail(`pyarrow ${name} array has ${bufs.length} buffers, the type expects ${want} buffers`, state, at);
  const buffers = bufs.map((b) => bufferOf(b, at));

  // The elements this array contributes: [begin, begin + n) of its own buffers.
  const sub = outer ?? { start: 0, length };
  if (sub.start < 0 || sub.start + sub.length > length)
    fail(
      `pyarrow ${name} array: the parent needs elements ${sub.start}…${sub.start + sub.length} of its ${length}`,
      state,
      at,
    );
  const begin = offset + sub.start;
  const n = sub.length;
  const end = begin + n;
  if (!Number.isSafeInteger(end))
    fail(`pyarrow ${name} array: offset ${offset} + length ${length} overflows`, state, at);
  budget.charge(n, n * 8);

  const need = (buf: Uint8Array | null, bytes: number, what: string): Uint8Array => {
    if (buf === null) {
      if (bytes === 0) return new Uint8Array(0);
      fail(`pyarrow ${name} array: the ${what} buffer is missing`, state, at);
    }
    if (buf.length < bytes)
      fail(
        `pyarrow ${name} array of length ${length} at offset ${offset}: ${what} buffer has ${buf.length} bytes, needs ${bytes}`,
        state,
        at,
      );
    return buf;
  };

  let validity: Uint8Array | null = null;
  let nulls = 0;
  if (type.typeId === arrow.Type.Null) {
    nulls = n;
  } else if (buffers[0]) {
    validity = bits(need(buffers[0] ?? null, Math.ceil(end / 8), 'validity'), begin, n);
    nulls = countNulls(validity, n);
  } else if (nullCount > 0) {
    fail(`pyarrow ${name} array: null count ${nullCount} without a validity buffer`, state, at);
  }

  const out: Checked = {
    type,
    length: n,
    nullCount: nulls,
    validity,
    values: null,
    offsets: null,
    children: [],
    dictionary: null,
  };
  switch (type.typeId) {
    case arrow.Type.Null:
      break;
    case arrow.Type.Bool:
      out.values = bits(need(buffers[1] ?? null, Math.ceil(end / 8), 'data'), begin, n);
      break;
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Date:
    case arrow.Type.Timestamp:
    case arrow.Type.Duration: {
      const w = byteWidth(type);
      out.values = aligned(need(buffers[1] ?? null, end * w, 'data').subarray(begin * w, end * w));
      break;
    }
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeUtf8:
    case arrow.Type.LargeBinary: {
      const large = type.typeId === arrow.Type.LargeUtf8 || type.typeId === arrow.Type.LargeBinary;
      const data = buffers[2] ?? new Uint8Array(0);
      const [first, last, offsets] = valueOffsets(
        need(buffers[1] ?? null, n === 0 ? 0 : (end + 1) * (large ? 8 : 4), 'offsets'),
        large,
        begin,
        n,
        data.length,
        'data',
        name,
        state,
        at,
      );
      const bytes = aligned(data.subarray(first, last));
      if (type.typeId === arrow.Type.Utf8 || type.typeId === arrow.Type.LargeUtf8) {
        try {
          utf8.decode(bytes);
        } catch {
          fail(`pyarrow ${name} array: string data is not valid UTF-8`, state, at);
        }
      }
      budget.charge(0, n * JS_VALUE_BYTES + bytes.length);
      out.values = bytes;
      out.offsets = offsets;
      break;
    }
    case arrow.Type.List:
    case arrow.Type.LargeList: {
      if (kids.length !== 1)
        fail(`pyarrow ${name} array needs one child array, has ${kids.length}`, state, at);
      const childLength = childLengthOf(kids[0], at);
      const large = type.typeId === arrow.Type.LargeList;
      const [first, last, offsets] = valueOffsets(
        need(buffers[1] ?? null, n === 0 ? 0 : (end + 1) * (large ? 8 : 4), 'offsets'),
        large,
        begin,
        n,
        childLength,
        'child',
        name,
        state,
        at,
      );
      out.offsets = offsets;
      out.children = [check(kids[0], at, budget, depth + 1, { start: first, length: last - first })];
      break;
    }
    case arrow.Type.FixedSizeList: {
      if (kids.length !== 1)
        fail(`pyarrow ${name} array needs one child array, has ${kids.length}`, state, at);
      const size = (type as FixedSizeList).listSize;
      out.children = [check(kids[0], at, budget, depth + 1, { start: begin * size, length: n * size })];
      break;
    }
    case arrow.Type.Struct: {
      if (kids.length !== type.children.length)
        fail(
          `pyarrow ${name} array has ${kids.length} child arrays, the type has ${type.children.length} fields`,
          state,
          at,
        );
      out.children = kids.map((k) => check(k, at, budget, depth + 1, { start: begin, length: n }));
      break;
    }
    case arrow.Type.Dictionary: {
      const t = type as Dictionary;
      const w = t.indices.bitWidth / 8;
      out.values = aligned(need(buffers[1] ?? null, end * w, 'indices').subarray(begin * w, end * w));
      if (!(s[6] instanceof PyTuple)) fail(`pyarrow ${name} array without its dictionary`, state, at);
      const dict = check(s[6], at, budget, depth + 1);
      const indices = indexValues(out.values, t.indices);
      for (let i = 0; i < n; i++) {
        if (validity && !((validity[i >> 3]! >> (i & 7)) & 1)) continue;
        const k = Number(indices[i]!);
        if (k < 0 || k >= dict.length)
          fail(`pyarrow ${name} array: dictionary index ${k} outside the ${dict.length} values`, state, at);
      }
      out.dictionary = dict;
      break;
    }
    default:
      fail(`pyarrow ${name} arrays are not supported`, state, at);
  }
  return out;
}

function childLengthOf(child: PyValue | undefined, at: number): number {
  const s = child instanceof PyTuple ? child.items : null;
  if (!s || s.length < 7) fail('pyarrow child array: expected an array state tuple', child, at);
  const length = int(s[1], 'pyarrow child length', at);
  if (length < 0) fail(`pyarrow child array: length ${length} is negative`, child, at);
  return length;
}

/**
 * Offsets [begin, begin + n] of a var-size layout: non-decreasing and inside `[0, limit]`. Returns the first and
 * last offset and the offsets rebased to start at 0.
 */
function valueOffsets(
  buf: Uint8Array,
  large: boolean,
  begin: number,
  n: number,
  limit: number,
  what: 'data' | 'child',
  name: string,
  state: PyValue | undefined,
  at: number,
): [number, number, Int32Array | BigInt64Array] {
  if (n === 0) return [0, 0, large ? new BigInt64Array(1) : new Int32Array(1)];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const read = large
    ? (i: number) => {
        const v = view.getBigInt64(i * 8, true);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -1n)
          fail(`pyarrow ${name} array: offset ${v} is out of range`, state, at);
        return Number(v);
      }
    : (i: number) => view.getInt32(i * 4, true);
  const first = read(begin);
  let prev = first;
  const rebased = large ? new BigInt64Array(n + 1) : new Int32Array(n + 1);
  for (let i = 0; i <= n; i++) {
    const v = read(begin + i);
    if (v < 0 || v > limit) {
      const where =
        what === 'data'
          ? `outside the ${limit}-byte data buffer`
          : `past the end: the child has ${limit} values`;
      fail(`pyarrow ${name} array: offset ${v} at element ${begin + i} is ${where}`, state, at);
    }
    if (v < prev)
      fail(`pyarrow ${name} array: offsets decrease at element ${begin + i} (${prev} → ${v})`, state, at);
    prev = v;
    if (large) (rebased as BigInt64Array)[i] = BigInt(v - first);
    else (rebased as Int32Array)[i] = v - first;
  }
  return [first, prev, rebased];
}

export function indexValues(bytes: Uint8Array, type: Int): ArrayLike<number | bigint> {
  const b = bytes.buffer;
  switch (type.bitWidth) {
    case 8:
      return type.isSigned ? new Int8Array(b) : new Uint8Array(b);
    case 16:
      return type.isSigned ? new Int16Array(b) : new Uint16Array(b);
    case 32:
      return type.isSigned ? new Int32Array(b) : new Uint32Array(b);
    default:
      return type.isSigned ? new BigInt64Array(b) : new BigUint64Array(b);
  }
}
