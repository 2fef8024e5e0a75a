/**
 * pyarrow-backed pandas data (pandas ≥ 2 `ArrowExtensionArray` / `ArrowStringArray`, and pickled pyarrow
 * arrays, tables and record batches), read as data. A pickled Arrow array is
 * `pyarrow.lib._restore_array((type, length, null_count, offset, [buffers], [children], dictionary))`: Arrow's
 * columnar layout. Every field is checked against the type before a buffer is touched — lengths, offsets,
 * null counts, buffer sizes, value offsets (monotonic, inside their data), dictionary indices, UTF-8, nesting
 * depth — then the buffers are rebased to offset 0, handed to `apache-arrow` (`makeData`), and the vectors become
 * columns with the types and NaN/NULL semantics of their numpy-backed twins.
 */
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  DateMillisecond,
  Dictionary,
  Duration,
  Field,
  FixedSizeList,
  Float16,
  Float32,
  Float64,
  Int,
  LargeBinary,
  LargeList,
  LargeUtf8,
  List,
  makeData,
  makeVector,
  Null,
  Struct,
  Timestamp,
  TimeUnit,
  Type,
  Utf8,
} from 'apache-arrow';
import {
  type Column,
  type ColumnData,
  LDict,
  type Lowered,
  NAT,
  type TimeUnit as NpUnit,
} from './lowered.ts';
import { type DecodeBudget, JS_VALUE_BYTES, LowerError } from './numpy.ts';
import { PyBytes, PyCall, PyList, PyTuple, type PyValue, pyTypeName } from './values.ts';

/** Deepest nesting of child arrays (list of list of …) read. */
export const MAX_ARROW_DEPTH = 64;

/** A refusal that knows the byte offset of the pickled call at fault. */
export class ArrowLayoutError extends LowerError {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

// ── types ──────────────────────────────────────────────────────────────────

const UNITS: Record<string, TimeUnit> = {
  s: TimeUnit.SECOND,
  ms: TimeUnit.MILLISECOND,
  us: TimeUnit.MICROSECOND,
  ns: TimeUnit.NANOSECOND,
};
const UNIT_NAMES: Record<number, NpUnit> = {
  [TimeUnit.SECOND]: 's',
  [TimeUnit.MILLISECOND]: 'ms',
  [TimeUnit.MICROSECOND]: 'us',
  [TimeUnit.NANOSECOND]: 'ns',
};

/** `pyarrow.lib.type_for_alias` names (pyarrow/types.pxi `_type_aliases`) this reader supports. */
const ALIASES: Record<string, () => DataType> = {
  null: () => new Null(),
  bool: () => new Bool(),
  boolean: () => new Bool(),
  i1: () => new Int(true, 8),
  int8: () => new Int(true, 8),
  i2: () => new Int(true, 16),
  int16: () => new Int(true, 16),
  i4: () => new Int(true, 32),
  int32: () => new Int(true, 32),
  i8: () => new Int(true, 64),
  int64: () => new Int(true, 64),
  u1: () => new Int(false, 8),
  uint8: () => new Int(false, 8),
  u2: () => new Int(false, 16),
  uint16: () => new Int(false, 16),
  u4: () => new Int(false, 32),
  uint32: () => new Int(false, 32),
  u8: () => new Int(false, 64),
  uint64: () => new Int(false, 64),
  f2: () => new Float16(),
  halffloat: () => new Float16(),
  float16: () => new Float16(),
  f4: () => new Float32(),
  float: () => new Float32(),
  float32: () => new Float32(),
  f8: () => new Float64(),
  double: () => new Float64(),
  float64: () => new Float64(),
  string: () => new Utf8(),
  str: () => new Utf8(),
  utf8: () => new Utf8(),
  large_string: () => new LargeUtf8(),
  large_str: () => new LargeUtf8(),
  large_utf8: () => new LargeUtf8(),
  binary: () => new Binary(),
  large_binary: () => new LargeBinary(),
  date32: () => new DateDay(),
  'date32[day]': () => new DateDay(),
  date64: () => new DateMillisecond(),
  'date64[ms]': () => new DateMillisecond(),
  ...Object.fromEntries(
    Object.entries(UNITS).flatMap(([name, unit]) => [
      [`timestamp[${name}]`, () => new Timestamp(unit)],
      [`duration[${name}]`, () => new Duration(unit)],
    ]),
  ),
};

/** The pyarrow spelling of a type (`str(pa_type)`), as pandas shows it inside `ArrowDtype` names. */
export function pyarrowTypeName(type: DataType): string {
  switch (type.typeId) {
    case Type.Null:
      return 'null';
    case Type.Bool:
      return 'bool';
    case Type.Int: {
      const t = type as Int;
      return `${t.isSigned ? '' : 'u'}int${t.bitWidth}`;
    }
    case Type.Float:
      return type instanceof Float16 ? 'halffloat' : type instanceof Float32 ? 'float' : 'double';
    case Type.Utf8:
      return 'string';
    case Type.LargeUtf8:
      return 'large_string';
    case Type.Binary:
      return 'binary';
    case Type.LargeBinary:
      return 'large_binary';
    case Type.Date:
      return type instanceof DateDay ? 'date32[day]' : 'date64[ms]';
    case Type.Timestamp: {
      const t = type as Timestamp;
      return `timestamp[${UNIT_NAMES[t.unit]}${t.timezone ? `, tz=${t.timezone}` : ''}]`;
    }
    case Type.Duration:
      return `duration[${UNIT_NAMES[(type as Duration).unit]}]`;
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const child = type.children[0]!;
      const inner = `${child.name}: ${pyarrowTypeName(child.type)}${child.nullable ? '' : ' not null'}`;
      if (type.typeId === Type.FixedSizeList)
        return `fixed_size_list<${inner}>[${(type as FixedSizeList).listSize}]`;
      return `${type.typeId === Type.List ? 'list' : 'large_list'}<${inner}>`;
    }
    case Type.Struct:
      return `struct<${type.children
        .map((f: Field) => `${f.name}: ${pyarrowTypeName(f.type)}${f.nullable ? '' : ' not null'}`)
        .join(', ')}>`;
    case Type.Dictionary: {
      const t = type as Dictionary;
      return `dictionary<values=${pyarrowTypeName(t.dictionary)}, indices=${pyarrowTypeName(t.indices)}, ordered=${t.isOrdered ? 1 : 0}>`;
    }
  }
  return String(type);
}

function fail(message: string, at: PyValue | undefined, fallback: number): never {
  throw new ArrowLayoutError(message, at instanceof PyCall ? at.offset : fallback);
}

function int(v: PyValue | undefined, what: string, at: number): number {
  if (typeof v !== 'bigint')
    fail(`${what}: expected an int, got ${v === undefined ? 'nothing' : pyTypeName(v)}`, v, at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
    fail(`${what} ${v} is out of range`, v, at);
  return Number(v);
}

function items(v: PyValue | undefined): readonly PyValue[] | null {
  return v instanceof PyList || v instanceof PyTuple ? v.items : null;
}

/** A pickled pyarrow type (`type_for_alias('int64')`, `timestamp('us', 'UTC')`, `list_(field)`, …). */
export function arrowType(v: PyValue | undefined, at: number, depth = 0): DataType {
  if (depth > MAX_ARROW_DEPTH) fail(`pyarrow type nested deeper than ${MAX_ARROW_DEPTH} levels`, v, at);
  if (!(v instanceof PyCall))
    fail(`expected a pyarrow type, got ${v === undefined ? 'nothing' : pyTypeName(v)}`, v, at);
  const a = v.args;
  const here = v.offset;
  switch (v.fn.name) {
    case 'pyarrow.lib.type_for_alias': {
      const alias = a[0];
      if (typeof alias !== 'string') fail('type_for_alias: expected a name', v, here);
      const make = ALIASES[alias];
      if (!make) fail(`unknown pyarrow type alias '${alias}' (not supported)`, v, here);
      return make();
    }
    case 'pyarrow.lib.timestamp': {
      const unit = typeof a[0] === 'string' ? UNITS[a[0]] : undefined;
      if (unit === undefined) fail(`timestamp: unit ${String(a[0])} is not s, ms, us or ns`, v, here);
      const tz = a[1];
      if (tz !== undefined && tz !== null && typeof tz !== 'string')
        fail('timestamp: tz must be a string', v, here);
      return new Timestamp(unit, tz ?? null);
    }
    case 'pyarrow.lib.duration': {
      const unit = typeof a[0] === 'string' ? UNITS[a[0]] : undefined;
      if (unit === undefined) fail(`duration: unit ${String(a[0])} is not s, ms, us or ns`, v, here);
      return new Duration(unit);
    }
    case 'pyarrow.lib.list_':
    case 'pyarrow.lib.large_list': {
      const child = arrowField(a[0], here, depth + 1, 'item');
      if (v.fn.name === 'pyarrow.lib.large_list') return new LargeList(child);
      if (a[1] === undefined || a[1] === null || a[1] === -1n) return new List(child);
      const size = int(a[1], 'fixed_size_list size', here);
      if (size < 0) fail(`fixed_size_list size ${size} is negative`, v, here);
      return new FixedSizeList(size, child);
    }
    case 'pyarrow.lib.struct': {
      const fields = items(a[0]);
      if (!fields) fail('struct: expected a list of fields', v, here);
      return new Struct(fields.map((f) => arrowField(f, here, depth + 1, null)));
    }
    case 'pyarrow.lib.dictionary': {
      const indices = arrowType(a[0], here, depth + 1);
      const values = arrowType(a[1], here, depth + 1);
      if (!(indices instanceof Int)) fail('dictionary indices must be an integer type', v, here);
      return new Dictionary(values, indices as never, 0, a[2] === true);
    }
  }
  fail(`${v.fn.written} is not a pyarrow type this reader supports`, v, here);
}

/** `pyarrow.lib.field(name, type, nullable, metadata)`, or a bare type (list_(type)). */
function arrowField(v: PyValue | undefined, at: number, depth: number, defaultName: string | null): Field {
  if (v instanceof PyCall && v.fn.name === 'pyarrow.lib.field') {
    const [name, type, nullable] = v.args;
    if (typeof name !== 'string') fail('field: the name must be a string', v, v.offset);
    return new Field(name, arrowType(type, v.offset, depth), nullable !== false);
  }
  if (defaultName === null) fail('struct: expected pyarrow fields', v, at);
  return new Field(defaultName, arrowType(v, at, depth), true);
}

/** The field names of a pickled `pyarrow.lib.schema(fields, metadata)`. */
export function schemaNames(v: PyValue | undefined, at: number): string[] {
  if (!(v instanceof PyCall) || v.fn.name !== 'pyarrow.lib.schema') fail('expected a pyarrow schema', v, at);
  const fields = items(v.args[0]);
  if (!fields) fail('schema: expected a list of fields', v, v.offset);
  return fields.map((f) => arrowField(f, v.offset, 1, null).name);
}

// ── arrays: validate, rebase to offset 0 ───────────────────────────────────

/** A validated array with offset 0: buffers hold exactly `length` elements (children as their offsets need). */
interface Checked {
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
    case Type.Int:
      return (type as Int).bitWidth / 8;
    case Type.Float:
      return type instanceof Float16 ? 2 : type instanceof Float32 ? 4 : 8;
    case Type.Date:
      return type instanceof DateDay ? 4 : 8;
    case Type.Timestamp:
    case Type.Duration:
      return 8;
  }
  return 0;
}

function bufferCount(type: DataType): number {
  switch (type.typeId) {
    case Type.Null:
      return 1;
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return 3;
    case Type.FixedSizeList:
    case Type.Struct:
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
function check(
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
  if (type.typeId === Type.Null) {
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
    case Type.Null:
      break;
    case Type.Bool:
      out.values = bits(need(buffers[1] ?? null, Math.ceil(end / 8), 'data'), begin, n);
      break;
    case Type.Int:
    case Type.Float:
    case Type.Date:
    case Type.Timestamp:
    case Type.Duration: {
      const w = byteWidth(type);
      out.values = aligned(need(buffers[1] ?? null, end * w, 'data').subarray(begin * w, end * w));
      break;
    }
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      const large = type.typeId === Type.LargeUtf8 || type.typeId === Type.LargeBinary;
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
      if (type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) {
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
    case Type.List:
    case Type.LargeList: {
      if (kids.length !== 1)
        fail(`pyarrow ${name} array needs one child array, has ${kids.length}`, state, at);
      const childLength = childLengthOf(kids[0], at);
      const large = type.typeId === Type.LargeList;
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
    case Type.FixedSizeList: {
      if (kids.length !== 1)
        fail(`pyarrow ${name} array needs one child array, has ${kids.length}`, state, at);
      const size = (type as FixedSizeList).listSize;
      out.children = [check(kids[0], at, budget, depth + 1, { start: begin * size, length: n * size })];
      break;
    }
    case Type.Struct: {
      if (kids.length !== type.children.length)
        fail(
          `pyarrow ${name} array has ${kids.length} child arrays, the type has ${type.children.length} fields`,
          state,
          at,
        );
      out.children = kids.map((k) => check(k, at, budget, depth + 1, { start: begin, length: n }));
      break;
    }
    case Type.Dictionary: {
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

function indexValues(bytes: Uint8Array, type: Int): ArrayLike<number | bigint> {
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

// ── checked arrays → apache-arrow Data → columns ───────────────────────────

function toData(c: Checked): Data {
  const common = {
    type: c.type as never,
    length: c.length,
    nullCount: c.nullCount,
    ...(c.validity ? { nullBitmap: c.validity } : {}),
  };
  switch (c.type.typeId) {
    case Type.Null:
      return makeData({ type: c.type as Null, length: c.length });
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary:
      return makeData({ ...common, valueOffsets: c.offsets as never, data: c.values! } as never);
    case Type.List:
    case Type.LargeList:
      return makeData({
        ...common,
        valueOffsets: c.offsets as never,
        child: toData(c.children[0]!),
      } as never);
    case Type.FixedSizeList:
      return makeData({ ...common, child: toData(c.children[0]!) } as never);
    case Type.Struct:
      return makeData({ ...common, children: c.children.map(toData) } as never);
    case Type.Dictionary:
      return makeData({ ...common, data: c.values!, dictionary: makeVector(toData(c.dictionary!)) } as never);
    default:
      return makeData({ ...common, data: c.values! } as never);
  }
}

function maskOf(c: Checked): Uint8Array | undefined {
  if (c.type.typeId === Type.Null) return new Uint8Array(c.length).fill(1);
  if (!c.validity || c.nullCount === 0) return undefined;
  const mask = new Uint8Array(c.length);
  for (let i = 0; i < c.length; i++) mask[i] = ((c.validity[i >> 3]! >> (i & 7)) & 1) ^ 1;
  return mask;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function dateIso(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Column data of a checked array; `nullAs` is what a missing string becomes (NaN for pandas' `str` dtype). */
function columnData(c: Checked, nullAs: 'na' | 'nan' = 'na'): ColumnData {
  const mask = maskOf(c);
  const withMask = <T extends object>(d: T): T => (mask ? { ...d, mask } : d);
  const b = c.values?.buffer;
  switch (c.type.typeId) {
    case Type.Null:
      return { kind: 'object', values: new Array<Lowered>(c.length).fill(null), mask: mask! };
    case Type.Bool: {
      const values = new Uint8Array(c.length);
      for (let i = 0; i < c.length; i++) values[i] = (c.values![i >> 3]! >> (i & 7)) & 1;
      return withMask({ kind: 'bool' as const, values });
    }
    case Type.Int:
      return withMask({ kind: 'int' as const, values: indexValues(c.values!, c.type as Int) as never });
    case Type.Float: {
      if (c.type instanceof Float16) {
        const vector = makeVector(toData({ ...c, validity: null, nullCount: 0 }));
        return withMask({
          kind: 'float' as const,
          values: Float64Array.from({ length: c.length }, (_, i) => vector.get(i) as number),
        });
      }
      return withMask({
        kind: 'float' as const,
        values: c.type instanceof Float32 ? new Float32Array(b!) : new Float64Array(b!),
      });
    }
    case Type.Date: {
      const values =
        c.type instanceof DateDay
          ? Array.from(new Int32Array(b!), (d) => d * 86_400_000)
          : Array.from(new BigInt64Array(b!), Number);
      return withMask({
        kind: 'object' as const,
        values: values.map((ms): Lowered => ({ $: 'date', iso: dateIso(ms) })),
      });
    }
    case Type.Timestamp:
    case Type.Duration: {
      const values = new BigInt64Array(b!);
      if (mask) for (let i = 0; i < c.length; i++) if (mask[i]) values[i] = NAT;
      const unit = UNIT_NAMES[(c.type as Timestamp).unit]!;
      if (c.type.typeId === Type.Duration) return withMask({ kind: 'timedelta' as const, values, unit });
      return withMask({
        kind: 'datetime' as const,
        values,
        unit,
        tz: (c.type as Timestamp).timezone ?? null,
      });
    }
    case Type.Utf8:
    case Type.LargeUtf8:
    case Type.Binary:
    case Type.LargeBinary: {
      const vector = makeVector(toData(c));
      const strings = c.type.typeId === Type.Utf8 || c.type.typeId === Type.LargeUtf8;
      const values = new Array<Lowered>(c.length);
      for (let i = 0; i < c.length; i++) {
        if (mask?.[i]) values[i] = nullAs === 'nan' ? Number.NaN : null;
        else values[i] = strings ? (vector.get(i) as string) : (vector.get(i) as Uint8Array).slice();
      }
      if (nullAs === 'nan') return { kind: 'object', values, strings };
      return withMask({ kind: 'object' as const, values, ...(strings ? { strings: true } : {}) });
    }
    case Type.List:
    case Type.LargeList:
    case Type.FixedSizeList: {
      const child = plainCells(c.children[0]!);
      const values = new Array<Lowered>(c.length);
      const size = c.type.typeId === Type.FixedSizeList ? (c.type as FixedSizeList).listSize : 0;
      for (let i = 0; i < c.length; i++) {
        if (mask?.[i]) values[i] = null;
        else if (size) values[i] = child.slice(i * size, (i + 1) * size);
        else values[i] = child.slice(Number(c.offsets![i]!), Number(c.offsets![i + 1]!));
      }
      return withMask({ kind: 'object' as const, values });
    }
    case Type.Struct: {
      const fields = c.children.map(plainCells);
      const names = c.type.children.map((f: Field) => f.name);
      const values = new Array<Lowered>(c.length);
      for (let i = 0; i < c.length; i++)
        values[i] = mask?.[i] ? null : new LDict(names.map((nm: string, f: number) => [nm, fields[f]![i]!]));
      return withMask({ kind: 'object' as const, values });
    }
    case Type.Dictionary: {
      const indices = indexValues(c.values!, (c.type as Dictionary).indices);
      const codes = Int32Array.from({ length: c.length }, (_, i) => (mask?.[i] ? -1 : Number(indices[i]!)));
      const dict = c.dictionary!;
      const categories: Column = {
        dtype: pyarrowTypeName(dict.type),
        data: columnData(dict),
        length: dict.length,
      };
      return withMask({
        kind: 'category' as const,
        codes,
        categories,
        ordered: (c.type as Dictionary).isOrdered,
      });
    }
  }
  throw new LowerError(`pyarrow ${pyarrowTypeName(c.type)} arrays are not supported`);
}

/** Cells as Python values inside a list or struct: missing values are None, times are Timestamps. */
function plainCells(c: Checked): Lowered[] {
  const d = columnData(c);
  const mask = 'mask' in d ? d.mask : undefined;
  const out = new Array<Lowered>(c.length);
  for (let i = 0; i < c.length; i++) {
    if (mask?.[i]) {
      out[i] = null;
      continue;
    }
    switch (d.kind) {
      case 'int':
        out[i] = BigInt(d.values[i]!);
        break;
      case 'float':
        out[i] = d.values[i]!;
        break;
      case 'bool':
        out[i] = d.values[i] !== 0;
        break;
      case 'datetime':
        out[i] = { $: 'datetime64', value: d.values[i]!, unit: d.unit };
        break;
      case 'timedelta':
        out[i] = { $: 'timedelta64', value: d.values[i]!, unit: d.unit };
        break;
      case 'object':
        out[i] = d.values[i]!;
        break;
      case 'category': {
        const cats = plainCells(c.dictionary!);
        out[i] = d.codes[i]! < 0 ? null : cats[d.codes[i]!]!;
        break;
      }
      default:
        out[i] = null;
    }
  }
  return out;
}

// ── entry points ───────────────────────────────────────────────────────────

/** The chunks of a pickled `_restore_array(...)` or `chunked_array([...], type)`, validated. */
function chunksOf(v: PyValue | undefined, budget: DecodeBudget, at: number): Checked[] {
  if (v instanceof PyCall && v.fn.name === 'pyarrow.lib._restore_array')
    return [check(v.args[0], v.offset, budget, 0)];
  if (v instanceof PyCall && v.fn.name === 'pyarrow.lib.chunked_array') {
    const list = items(v.args[0]);
    if (!list) fail('chunked_array: expected a list of arrays', v, v.offset);
    const type = v.args[1] === undefined || v.args[1] === null ? null : arrowType(v.args[1], v.offset);
    const chunks = list.flatMap((chunk) => chunksOf(chunk, budget, v.offset));
    for (const chunk of chunks) {
      if (type && pyarrowTypeName(chunk.type) !== pyarrowTypeName(type))
        fail(
          `chunked_array: a chunk of type ${pyarrowTypeName(chunk.type)} in an array of ${pyarrowTypeName(type)}`,
          v,
          v.offset,
        );
    }
    if (chunks.length === 0 && !type) fail('chunked_array: no chunks and no type', v, v.offset);
    return chunks.length > 0 ? chunks : [emptyOf(type!)];
  }
  fail(`expected a pyarrow array, got ${v === undefined ? 'nothing' : pyTypeName(v)}`, v, at);
}

function emptyOf(type: DataType): Checked {
  return {
    type,
    length: 0,
    nullCount: 0,
    validity: null,
    values: new Uint8Array(0),
    offsets: new Int32Array(1),
    children: type.children.map((f: Field) => emptyOf(f.type)),
    dictionary: null,
  };
}

/** One column from validated chunks (chunks of one type are concatenated). */
function columnOf(chunks: Checked[], dtype: string, nullAs: 'na' | 'nan'): Column {
  const parts = chunks.map((c) => columnData(c, nullAs));
  const length = chunks.reduce((n, c) => n + c.length, 0);
  if (parts.length === 1) return { dtype, data: parts[0]!, length };
  return { dtype, data: concat(parts, chunks, length), length };
}

function concat(parts: ColumnData[], chunks: Checked[], length: number): ColumnData {
  const first = parts[0]!;
  const anyMask = parts.some((p) => 'mask' in p && p.mask);
  let mask: Uint8Array | undefined;
  if (anyMask) {
    mask = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      const len = 'codes' in p ? p.codes.length : p.values.length;
      if ('mask' in p && p.mask) mask.set(p.mask, at);
      at += len;
    }
  }
  if (first.kind === 'object' || first.kind === 'category') {
    // dictionaries can differ between chunks: decode to values
    const values = parts.flatMap((p, i) => (p.kind === 'object' ? p.values : plainCells(chunks[i]!)));
    return {
      kind: 'object',
      values,
      ...(first.kind === 'object' && first.strings ? { strings: true } : {}),
      ...(mask ? { mask } : {}),
    };
  }
  const Ctor = first.values.constructor as new (n: number) => { set(a: ArrayLike<unknown>, o: number): void };
  const values = new Ctor(length);
  let at = 0;
  for (const p of parts) {
    const v = (p as { values: ArrayLike<unknown> }).values;
    values.set(v, at);
    at += v.length;
  }
  return { ...first, values, ...(mask ? { mask } : {}) } as ColumnData;
}

/** A pickled pyarrow array or chunked array as one column, dtype named as pandas' `ArrowDtype` names it. */
export function arrowColumn(
  v: PyValue | undefined,
  budget: DecodeBudget,
  at: number,
  dtype?: string,
  nullAs: 'na' | 'nan' = 'na',
): Column {
  const chunks = chunksOf(v, budget, at);
  return columnOf(chunks, dtype ?? `${pyarrowTypeName(chunks[0]!.type)}[pyarrow]`, nullAs);
}

/** `_reconstruct_table(columns, schema)` / `_reconstruct_record_batch(columns, schema)` → names and columns. */
export function arrowTable(
  call: PyCall,
  budget: DecodeBudget,
): { names: string[]; columns: Column[]; rows: number } {
  const [cols, schema] = call.args;
  const list = items(cols);
  if (!list) fail(`${call.fn.written}: expected a list of columns`, call, call.offset);
  const names = schemaNames(schema, call.offset);
  if (names.length !== list.length)
    fail(`${call.fn.written}: ${list.length} columns for ${names.length} fields`, call, call.offset);
  const columns = list.map((c) => arrowColumn(c, budget, call.offset));
  const rows = columns[0]?.length ?? 0;
  for (const [i, c] of columns.entries()) {
    if (c.length !== rows)
      fail(
        `${call.fn.written}: column ${names[i]} has ${c.length} rows, the first ${rows}`,
        call,
        call.offset,
      );
  }
  return { names, columns, rows };
}
