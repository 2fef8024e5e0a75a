/**
 * pyarrow types as pickled — `type_for_alias('int64')`, `timestamp('us', 'UTC')`, `list_(field)`, `struct([…])`,
 * `dictionary(…)`, `field(…)`, `schema(…)` — read into `apache-arrow` types, and named the way pyarrow prints
 * them (pandas' `ArrowDtype` names). Anything outside the supported set is refused by name.
 */
import {
  Binary,
  Bool,
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
  Null,
  Struct,
  Timestamp,
  TimeUnit,
  Type,
  Utf8,
} from 'apache-arrow';
import type { TimeUnit as NpUnit } from './lowered.ts';
import { LowerError } from './numpy.ts';
import { PyCall, PyList, PyTuple, type PyValue, pyTypeName } from './values.ts';

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
export const UNIT_NAMES: Record<number, NpUnit> = {
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

export function fail(message: string, at: PyValue | undefined, fallback: number): never {
  throw new ArrowLayoutError(message, at instanceof PyCall ? at.offset : fallback);
}

export function int(v: PyValue | undefined, what: string, at: number): number {
  if (typeof v !== 'bigint')
    fail(`${what}: expected an int, got ${v === undefined ? 'nothing' : pyTypeName(v)}`, v, at);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
    fail(`${what} ${v} is out of range`, v, at);
  return Number(v);
}

export function items(v: PyValue | undefined): readonly PyValue[] | null {
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
