/**
 * pyarrow types as pickled — `type_for_alias('int64')`, `timestamp('us', 'UTC')`, `list_(field)`, `struct([…])`,
 * `dictionary(…)`, `field(…)`, `schema(…)` — read into `apache-arrow` types, and named the way pyarrow prints
 * them (pandas' `ArrowDtype` names). Anything outside the supported set is refused by name.
 */
import type {
  DataType,
  Dictionary,
  Duration,
  Field,
  FixedSizeList,
  Int,
  Timestamp,
  TimeUnit,
} from 'apache-arrow';
import { arrow } from './arrow-lib.ts';
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

/**
 * Arrow's `TimeUnit` values (the format's flatbuffer enum, so fixed: SECOND 0 … NANOSECOND 3), spelled out so
 * this module loads without apache-arrow (arrow-lib.ts); a test checks them against the library.
 */
export const UNITS: Record<string, TimeUnit> = { s: 0, ms: 1, us: 2, ns: 3 };
export const UNIT_NAMES: Record<number, NpUnit> = { 0: 's', 1: 'ms', 2: 'us', 3: 'ns' };

/** `pyarrow.lib.type_for_alias` names (pyarrow/types.pxi `_type_aliases`) this reader supports. */
const ALIASES: Record<string, () => DataType> = {
  null: () => new arrow.Null(),
  bool: () => new arrow.Bool(),
  boolean: () => new arrow.Bool(),
  i1: () => new arrow.Int(true, 8),
  int8: () => new arrow.Int(true, 8),
  i2: () => new arrow.Int(true, 16),
  int16: () => new arrow.Int(true, 16),
  i4: () => new arrow.Int(true, 32),
  int32: () => new arrow.Int(true, 32),
  i8: () => new arrow.Int(true, 64),
  int64: () => new arrow.Int(true, 64),
  u1: () => new arrow.Int(false, 8),
  uint8: () => new arrow.Int(false, 8),
  u2: () => new arrow.Int(false, 16),
  uint16: () => new arrow.Int(false, 16),
  u4: () => new arrow.Int(false, 32),
  uint32: () => new arrow.Int(false, 32),
  u8: () => new arrow.Int(false, 64),
  uint64: () => new arrow.Int(false, 64),
  f2: () => new arrow.Float16(),
  halffloat: () => new arrow.Float16(),
  float16: () => new arrow.Float16(),
  f4: () => new arrow.Float32(),
  float: () => new arrow.Float32(),
  float32: () => new arrow.Float32(),
  f8: () => new arrow.Float64(),
  double: () => new arrow.Float64(),
  float64: () => new arrow.Float64(),
  string: () => new arrow.Utf8(),
  str: () => new arrow.Utf8(),
  utf8: () => new arrow.Utf8(),
  large_string: () => new arrow.LargeUtf8(),
  large_str: () => new arrow.LargeUtf8(),
  large_utf8: () => new arrow.LargeUtf8(),
  binary: () => new arrow.Binary(),
  large_binary: () => new arrow.LargeBinary(),
  date32: () => new arrow.DateDay(),
  'date32[day]': () => new arrow.DateDay(),
  date64: () => new arrow.DateMillisecond(),
  'date64[ms]': () => new arrow.DateMillisecond(),
  ...Object.fromEntries(
    Object.entries(UNITS).flatMap(([name, unit]) => [
      [`timestamp[${name}]`, () => new arrow.Timestamp(unit)],
      [`duration[${name}]`, () => new arrow.Duration(unit)],
    ]),
  ),
};

/** The pyarrow spelling of a type (`str(pa_type)`), as pandas shows it inside `ArrowDtype` names. */
export function pyarrowTypeName(type: DataType): string {
  switch (type.typeId) {
    case arrow.Type.Null:
      return 'null';
    case arrow.Type.Bool:
      return 'bool';
    case arrow.Type.Int: {
      const t = type as Int;
      return `${t.isSigned ? '' : 'u'}int${t.bitWidth}`;
    }
    case arrow.Type.Float:
      return type instanceof arrow.Float16 ? 'halffloat' : type instanceof arrow.Float32 ? 'float' : 'double';
    case arrow.Type.Utf8:
      return 'string';
    case arrow.Type.LargeUtf8:
      return 'large_string';
    case arrow.Type.Binary:
      return 'binary';
    case arrow.Type.LargeBinary:
      return 'large_binary';
    case arrow.Type.Date:
      return type instanceof arrow.DateDay ? 'date32[day]' : 'date64[ms]';
    case arrow.Type.Timestamp: {
      const t = type as Timestamp;
      return `timestamp[${UNIT_NAMES[t.unit]}${t.timezone ? `, tz=${t.timezone}` : ''}]`;
    }
    case arrow.Type.Duration:
      return `duration[${UNIT_NAMES[(type as Duration).unit]}]`;
    case arrow.Type.List:
    case arrow.Type.LargeList:
    case arrow.Type.FixedSizeList: {
      const child = type.children[0]!;
      const inner = `${child.name}: ${pyarrowTypeName(child.type)}${child.nullable ? '' : ' not null'}`;
      if (type.typeId === arrow.Type.FixedSizeList)
        return `fixed_size_list<${inner}>[${(type as FixedSizeList).listSize}]`;
      return `${type.typeId === arrow.Type.List ? 'list' : 'large_list'}<${inner}>`;
    }
    case arrow.Type.Struct:
      return `struct<${type.children
        .map((f: Field) => `${f.name}: ${pyarrowTypeName(f.type)}${f.nullable ? '' : ' not null'}`)
        .join(', ')}>`;
    case arrow.Type.Dictionary: {
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
      return new arrow.Timestamp(unit, tz ?? null);
    }
    case 'pyarrow.lib.duration': {
      const unit = typeof a[0] === 'string' ? UNITS[a[0]] : undefined;
      if (unit === undefined) fail(`duration: unit ${String(a[0])} is not s, ms, us or ns`, v, here);
      return new arrow.Duration(unit);
    }
    case 'pyarrow.lib.list_':
    case 'pyarrow.lib.large_list': {
      const child = arrowField(a[0], here, depth + 1, 'item');
      if (v.fn.name === 'pyarrow.lib.large_list') return new arrow.LargeList(child);
      if (a[1] === undefined || a[1] === null || a[1] === -1n) return new arrow.List(child);
      const size = int(a[1], 'fixed_size_list size', here);
      if (size < 0) fail(`fixed_size_list size ${size} is negative`, v, here);
      return new arrow.FixedSizeList(size, child);
    }
    case 'pyarrow.lib.struct': {
      const fields = items(a[0]);
      if (!fields) fail('struct: expected a list of fields', v, here);
      return new arrow.Struct(fields.map((f) => arrowField(f, here, depth + 1, null)));
    }
    case 'pyarrow.lib.dictionary': {
      const indices = arrowType(a[0], here, depth + 1);
      const values = arrowType(a[1], here, depth + 1);
      if (!(indices instanceof arrow.Int)) fail('dictionary indices must be an integer type', v, here);
      return new arrow.Dictionary(values, indices as never, 0, a[2] === true);
    }
  }
  fail(`${v.fn.written} is not a pyarrow type this reader supports`, v, here);
}

/** `pyarrow.lib.field(name, type, nullable, metadata)`, or a bare type (list_(type)). */
function arrowField(v: PyValue | undefined, at: number, depth: number, defaultName: string | null): Field {
  if (v instanceof PyCall && v.fn.name === 'pyarrow.lib.field') {
    const [name, type, nullable] = v.args;
    if (typeof name !== 'string') fail('field: the name must be a string', v, v.offset);
    return new arrow.Field(name, arrowType(type, v.offset, depth), nullable !== false);
  }
  if (defaultName === null) fail('struct: expected pyarrow fields', v, at);
  return new arrow.Field(defaultName, arrowType(v, at, depth), true);
}

/** The field names of a pickled `pyarrow.lib.schema(fields, metadata)`. */
export function schemaNames(v: PyValue | undefined, at: number): string[] {
  if (!(v instanceof PyCall) || v.fn.name !== 'pyarrow.lib.schema') fail('expected a pyarrow schema', v, at);
  const fields = items(v.args[0]);
  if (!fields) fail('schema: expected a list of fields', v, v.offset);
  return fields.map((f) => arrowField(f, v.offset, 1, null).name);
}
