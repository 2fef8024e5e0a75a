/**
 * A canonical, lossless JSON form of lowered values. The fixture generator (scripts/pickle/) renders what
 * real pandas loads in the same form, so a test can compare the two; the loader also uses it to store
 * Python objects that have no column type (mixed object cells) as JSON text.
 */
import {
  type Column,
  Frame,
  IndexValue,
  LDict,
  type Lowered,
  LSet,
  LTuple,
  NAT,
  NdArray,
  SeriesValue,
  UNIT_NS,
} from './lowered.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const SAFE = 2n ** 53n;

function jsonObject(entries: [string, Json][]): { [key: string]: Json } {
  const out = Object.create(null) as { [key: string]: Json };
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
  return out;
}

function jfloat(x: number): Json {
  if (Object.is(x, -0)) return { $float: '-0' };
  if (Number.isNaN(x)) return { $float: 'nan' };
  if (x === Number.POSITIVE_INFINITY) return { $float: 'inf' };
  if (x === Number.NEGATIVE_INFINITY) return { $float: '-inf' };
  return x;
}

function jint(x: bigint): Json {
  return x >= -SAFE && x <= SAFE ? Number(x) : { $int: x.toString() };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function toCanonical(value: Lowered): Json {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return jfloat(value);
    case 'bigint':
      return jint(value);
  }
  if (Array.isArray(value)) return value.map(toCanonical);
  if (value instanceof Uint8Array) return { $bytes: hex(value) };
  if (value instanceof LTuple) return { $tuple: value.items.map(toCanonical) };
  if (value instanceof LDict)
    return { $dict: value.entries.map(([k, v]) => [toCanonical(k), toCanonical(v)]) };
  if (value instanceof LSet) {
    const items = value.items.map(toCanonical);
    items.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    return { $set: items };
  }
  if (value instanceof NdArray) {
    return {
      $ndarray: { dtype: value.dtype, shape: value.shape, data: columnCells(value.column, 'numpy') },
    };
  }
  if (value instanceof Frame) {
    return {
      $dataframe: {
        columns: value.labels.map(toCanonical),
        dtypes: value.columns.map((c) => c.dtype),
        index: indexJson(value.index),
        data: value.columns.map((c) => columnCells(c, 'pandas')),
      },
    };
  }
  if (value instanceof SeriesValue) {
    return {
      $series: {
        name: toCanonical(value.name),
        dtype: value.column.dtype,
        index: indexJson(value.index),
        data: columnCells(value.column, 'pandas'),
      },
    };
  }
  if (value instanceof IndexValue) return { $index: indexJson(value) };
  switch (value.$) {
    case 'datetime':
      return { $datetime: value.iso };
    case 'date':
      return { $date: value.iso };
    case 'time':
      return { $time: value.iso };
    case 'timedelta':
      return { $timedelta: [value.days, value.seconds, value.microseconds] };
    case 'timestamp':
      return { $timestamp: value.ns.toString(), tz: value.tz };
    case 'datetime64':
      return { $datetime64: value.value.toString(), unit: value.unit };
    case 'timedelta64':
      return { $timedelta64: value.value.toString(), unit: value.unit };
    case 'nat':
      return { $nat: null };
    case 'na':
      return { $na: null };
    case 'complex':
      return { $complex: [jfloat(value.re), jfloat(value.im)] };
    case 'slice':
      return { $slice: [toCanonical(value.start), toCanonical(value.stop), toCanonical(value.step)] };
    case 'tz':
      return { $tz: value.name };
    case 'offset':
      return { $offset: value.name, n: value.n };
  }
}

/** Python's `json.dumps(sort_keys=True)` order is approximated by the JSON text, enough for set items. */
function sortKey(v: Json): string {
  return JSON.stringify(v);
}

function indexJson(index: IndexValue): Json {
  if (index.range) {
    return jsonObject([
      ['names', index.names.map(toCanonical)],
      ['range', [jint(index.range.start), jint(index.range.stop), jint(index.range.step)]],
    ]);
  }
  return jsonObject([
    ['names', index.names.map(toCanonical)],
    [
      'levels',
      (index.levels ?? []).map((level) =>
        jsonObject([
          ['dtype', level.dtype],
          ['data', columnCells(level, 'pandas')],
        ]),
      ),
    ],
  ]);
}

/**
 * The cells of a column as pandas (`Series.tolist()`, Timestamps for datetimes) or numpy (`ndarray.tolist()`,
 * datetime64 scalars) renders them.
 */
export function columnCells(col: Column, style: 'pandas' | 'numpy'): Json[] {
  const d = col.data;
  const out: Json[] = new Array(col.length);
  for (let i = 0; i < col.length; i++) {
    if ('mask' in d && d.mask?.[i]) {
      out[i] = { $na: null };
      continue;
    }
    switch (d.kind) {
      case 'float':
        out[i] = jfloat(d.values[i]!);
        break;
      case 'int':
        out[i] = jint(BigInt(d.values[i]!));
        break;
      case 'bool':
        out[i] = d.values[i] !== 0;
        break;
      case 'complex':
        out[i] = { $complex: [jfloat(d.values[2 * i]!), jfloat(d.values[2 * i + 1]!)] };
        break;
      case 'datetime': {
        const v = d.values[i]!;
        out[i] =
          v === NAT
            ? { $nat: null }
            : style === 'pandas'
              ? { $timestamp: (v * UNIT_NS[d.unit]).toString(), tz: d.tz }
              : { $datetime64: v.toString(), unit: d.unit };
        break;
      }
      case 'timedelta': {
        const v = d.values[i]!;
        out[i] =
          v === NAT
            ? { $nat: null }
            : style === 'pandas'
              ? { $timedelta64: (v * UNIT_NS[d.unit]).toString(), unit: 'ns' }
              : { $timedelta64: v.toString(), unit: d.unit };
        break;
      }
      case 'object':
        out[i] = toCanonical(d.values[i]!);
        break;
      case 'category': {
        const code = d.codes[i]!;
        out[i] = code < 0 ? { $float: 'nan' } : columnCells(sliceOne(d.categories, code), style)[0]!;
        break;
      }
    }
  }
  return out;
}

function sliceOne(col: Column, i: number): Column {
  const d = col.data;
  switch (d.kind) {
    case 'object':
      return { ...col, data: { ...d, values: [d.values[i]!] }, length: 1 };
    case 'category':
      return { ...col, data: { ...d, codes: d.codes.subarray(i, i + 1) }, length: 1 };
    case 'complex':
      return { ...col, data: { ...d, values: d.values.subarray(2 * i, 2 * i + 2) }, length: 1 };
    default:
      return {
        ...col,
        data: {
          ...d,
          values: d.values.subarray(i, i + 1),
          ...('mask' in d && d.mask ? { mask: d.mask.subarray(i, i + 1) } : {}),
        },
        length: 1,
      } as Column;
  }
}
