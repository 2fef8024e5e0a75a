/**
 * Lowered pickle values → table specifications (column names, DuckDB types, comments, cells). Pure: the
 * DuckDB side (load.ts) only creates the table and appends the cells. Typing rules (docs/pickle.md):
 * numpy/pandas dtypes map directly; object columns are inferred from their values — uniform scalars get
 * their type, lists of scalars become LIST columns, anything mixed becomes JSON text with a warning.
 */
import { splitSpecial } from '../../src/values.ts';
import {
  type Column,
  Frame,
  type IndexValue,
  LDict,
  type Lowered,
  LSet,
  LTuple,
  NAT,
  NdArray,
  SeriesValue,
  UNIT_NS,
} from './lowered.ts';

/** A TIMESTAMPTZ cell in microseconds since the epoch (converted to a DuckDB value by the loader). */
export class TimestampMicros {
  constructor(readonly micros: bigint) {}
}
/** An INTERVAL cell in microseconds. */
export class IntervalMicros {
  constructor(readonly micros: bigint) {}
}

export type Cell =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | TimestampMicros
  | IntervalMicros
  | Cell[];

export interface TableColumn {
  name: string;
  sqlType: string;
  comment: string;
  cell(row: number): Cell;
}

export interface TableSpec {
  columns: TableColumn[];
  rows: number;
  /** What the table holds, for COMMENT ON TABLE. */
  description: string;
}

// ── plain JSON of a lowered value (for JSON cells) ──────────────────────────

const SAFE = 2n ** 53n;

function isoFromMicros(micros: bigint): string {
  const ms = micros / 1000n;
  const rest = micros % 1000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return micros.toString();
  const iso = date.toISOString();
  return rest === 0n
    ? iso
    : `${iso.slice(0, -1)}${String(rest < 0n ? rest + 1000n : rest).padStart(3, '0')}Z`;
}

/** A JSON-compatible JS value: non-finite floats as "NaN"/"Infinity", big ints as strings, times as ISO text. */
export function plainJson(value: Lowered): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value >= -SAFE && value <= SAFE ? Number(value) : value.toString();
  }
  if (Array.isArray(value)) return value.map(plainJson);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (value instanceof LTuple) return value.items.map(plainJson);
  if (value instanceof LSet) return value.items.map(plainJson);
  if (value instanceof LDict) {
    if (value.stringKeyed) {
      const out = Object.create(null) as Record<string, unknown>;
      for (const [k, v] of value.entries) {
        Object.defineProperty(out, k as string, { value: plainJson(v), enumerable: true, writable: true });
      }
      return out;
    }
    return value.entries.map(([k, v]) => [plainJson(k), plainJson(v)]);
  }
  if (value instanceof NdArray) return columnValues(value.column).map(plainJson);
  if (value instanceof SeriesValue) return columnValues(value.column).map(plainJson);
  if (value instanceof Frame) {
    return value.columns.map((c, i) => [plainJson(value.labels[i] ?? null), columnValues(c).map(plainJson)]);
  }
  if (!('$' in value)) return null;
  switch (value.$) {
    case 'datetime':
      return value.iso;
    case 'date':
    case 'time':
      return value.iso;
    case 'timedelta':
      return value.days * 86400 + value.seconds + value.microseconds / 1e6;
    case 'timestamp':
      return isoFromMicros(value.ns / 1000n);
    case 'datetime64':
      return isoFromMicros((value.value * UNIT_NS[value.unit]) / 1000n);
    case 'timedelta64':
      return Number(value.value * UNIT_NS[value.unit]) / 1e9;
    case 'nat':
    case 'na':
      return null;
    case 'complex':
      return [value.re, value.im];
    case 'slice':
      return [plainJson(value.start), plainJson(value.stop), plainJson(value.step)];
    case 'tz':
      return value.name;
    case 'offset':
      return `${value.n}${value.name}`;
  }
  return null;
}

/** Every cell of a column as a lowered value (NA for masked, NaT scalars, category values). */
export function columnValues(col: Column): Lowered[] {
  const d = col.data;
  const out: Lowered[] = new Array(col.length);
  let categories: Lowered[] | undefined;
  for (let i = 0; i < col.length; i++) {
    if ('mask' in d && d.mask?.[i]) {
      out[i] = { $: 'na' };
      continue;
    }
    switch (d.kind) {
      case 'float':
        out[i] = d.values[i]!;
        break;
      case 'int':
        out[i] = BigInt(d.values[i]!);
        break;
      case 'bool':
        out[i] = d.values[i] !== 0;
        break;
      case 'complex':
        out[i] = { $: 'complex', re: d.values[2 * i]!, im: d.values[2 * i + 1]! };
        break;
      case 'datetime': {
        const v = d.values[i]!;
        out[i] = v === NAT ? { $: 'nat' } : { $: 'timestamp', ns: v * UNIT_NS[d.unit], tz: d.tz };
        break;
      }
      case 'timedelta': {
        const v = d.values[i]!;
        out[i] = v === NAT ? { $: 'nat' } : { $: 'timedelta64', value: v, unit: d.unit };
        break;
      }
      case 'object':
        out[i] = d.values[i]!;
        break;
      case 'category': {
        categories ??= columnValues(d.categories);
        const code = d.codes[i]!;
        out[i] = code < 0 ? null : (categories[code] ?? null);
        break;
      }
    }
  }
  return out;
}

// ── value classification for object columns ────────────────────────────────

type Kind = 'null' | 'string' | 'int' | 'float' | 'bool' | 'timestamp' | 'bytes' | 'list' | 'json';

function kindOf(v: Lowered): Kind {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return 'string';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'boolean':
      return 'bool';
  }
  if (Array.isArray(v) || v instanceof LTuple) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (!(v instanceof LDict) && !(v instanceof LSet) && '$' in v) {
    if (v.$ === 'na' || v.$ === 'nat') return 'null';
    if (v.$ === 'timestamp' || v.$ === 'datetime' || v.$ === 'datetime64') return 'timestamp';
  }
  return 'json';
}

function micros(v: Lowered): TimestampMicros | null {
  if (v === null || typeof v !== 'object' || !('$' in v)) return null;
  if (v.$ === 'timestamp') return new TimestampMicros(v.ns / 1000n);
  if (v.$ === 'datetime64') return new TimestampMicros((v.value * UNIT_NS[v.unit]) / 1000n);
  if (v.$ === 'datetime' && v.epochMicros !== null) return new TimestampMicros(v.epochMicros);
  return null;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The element type of a list column when every element of every list is one scalar kind. */
function listElementType(values: Lowered[]): { sqlType: string; element: (v: Lowered) => Cell } | null {
  const kinds = new Set<Kind>();
  for (const v of values) {
    if (kindOf(v) === 'null') continue; // None, NaN-free NA (a masked pyarrow list) or NaT
    const items = Array.isArray(v) ? v : v instanceof LTuple ? v.items : null;
    if (!items) return null;
    for (const item of items) kinds.add(kindOf(item));
  }
  kinds.delete('null');
  const only = (...allowed: Kind[]) => [...kinds].every((k) => allowed.includes(k));
  if (kinds.size === 0 || only('int', 'float')) {
    return kinds.has('float') || kinds.size === 0
      ? { sqlType: 'DOUBLE[]', element: (v) => (typeof v === 'bigint' ? Number(v) : (v as number | null)) }
      : { sqlType: 'BIGINT[]', element: (v) => v as bigint | null };
  }
  if (only('string')) return { sqlType: 'VARCHAR[]', element: (v) => v as string | null };
  if (only('bool')) return { sqlType: 'BOOLEAN[]', element: (v) => v as boolean | null };
  return null;
}

export interface ColumnPlan {
  sqlType: string;
  /** Non-finite floats were found: a `<name>_special` column is added (NaN/±Inf policy). */
  special: boolean;
  cell(v: Lowered): Cell;
  /** Set when the values did not share one type and were stored as JSON text. */
  mixed?: string;
}

function isMissingFloat(v: Lowered): boolean {
  return typeof v === 'number' && Number.isNaN(v);
}

/** Chooses a column type for a list of Python values. NaN counts as missing in non-numeric columns. */
export function planValues(values: Lowered[]): ColumnPlan {
  const kinds = new Set<Kind>();
  let nonFinite = false;
  for (const v of values) {
    const k = kindOf(v);
    kinds.add(k);
    if (k === 'float' && !Number.isFinite(v as number)) nonFinite = true;
  }
  kinds.delete('null');
  const has = (k: Kind) => kinds.has(k);
  const only = (...allowed: Kind[]) => [...kinds].every((k) => allowed.includes(k));
  if (kinds.size === 0) return { sqlType: 'VARCHAR', special: false, cell: () => null };
  if (only('int')) {
    const fits = values.every((v) => typeof v !== 'bigint' || (v >= INT64_MIN && v <= INT64_MAX));
    if (fits) return { sqlType: 'BIGINT', special: false, cell: (v) => (typeof v === 'bigint' ? v : null) };
  }
  if (only('int', 'float')) {
    return {
      sqlType: 'DOUBLE',
      special: nonFinite,
      cell: (v) =>
        typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isFinite(v) ? v : null,
    };
  }
  // NaN is pandas' missing marker in object columns: a str column with NaN holes is still a str column
  const withoutNaN = values.filter((v) => !isMissingFloat(v));
  const kindsNoNaN = new Set(withoutNaN.map(kindOf));
  kindsNoNaN.delete('null');
  const onlyNoNaN = (k: Kind) => kindsNoNaN.size === 1 && kindsNoNaN.has(k);
  if (onlyNoNaN('string'))
    return { sqlType: 'VARCHAR', special: false, cell: (v) => (typeof v === 'string' ? v : null) };
  if (onlyNoNaN('bool'))
    return { sqlType: 'BOOLEAN', special: false, cell: (v) => (typeof v === 'boolean' ? v : null) };
  if (onlyNoNaN('bytes')) {
    return { sqlType: 'BLOB', special: false, cell: (v) => (v instanceof Uint8Array ? v : null) };
  }
  if (onlyNoNaN('timestamp')) return { sqlType: 'TIMESTAMPTZ', special: false, cell: (v) => micros(v) };
  if (onlyNoNaN('list')) {
    const element = listElementType(withoutNaN);
    if (element) {
      return {
        sqlType: element.sqlType,
        special: false,
        cell: (v) => {
          const items = Array.isArray(v) ? v : v instanceof LTuple ? v.items : null;
          return items ? items.map(element.element) : null;
        },
      };
    }
  }
  const mixed = has('json') || kindsNoNaN.size === 1 ? undefined : [...kinds].sort().join(', ');
  return {
    sqlType: 'JSON',
    special: false,
    cell: (v) => (v === null || kindOf(v) === 'null' ? null : JSON.stringify(plainJson(v))),
    ...(mixed ? { mixed } : {}),
  };
}

const INT_TYPES: Record<string, string> = {
  Int8Array: 'TINYINT',
  Int16Array: 'SMALLINT',
  Int32Array: 'INTEGER',
  BigInt64Array: 'BIGINT',
  Uint8Array: 'UTINYINT',
  Uint16Array: 'USMALLINT',
  Uint32Array: 'UINTEGER',
  BigUint64Array: 'UBIGINT',
};

/** The NaN policy's marker (src/values.ts). */
function specialOf(x: number): string | null {
  return splitSpecial(x).special;
}

/**
 * Table columns for one pandas column. Returns the value column, plus `<name>_special` when a float column
 * holds NaN/±Inf, and a warning when an object column had to fall back to JSON.
 */
export function tableColumns(
  name: string,
  label: string,
  col: Column,
): { columns: TableColumn[]; warning?: string } {
  const d = col.data;
  const what = `pickled column ${label} (dtype ${col.dtype})`;
  const masked = 'mask' in d && d.mask ? d.mask : null;
  switch (d.kind) {
    case 'float': {
      const values = d.values;
      let nonFinite = false;
      for (let i = 0; i < values.length; i++) {
        if (!Number.isFinite(values[i]!) && !masked?.[i]) {
          nonFinite = true;
          break;
        }
      }
      const value: TableColumn = {
        name,
        sqlType: values instanceof Float32Array ? 'FLOAT' : 'DOUBLE',
        comment: `${what}; NULL for missing, NaN and ±Inf (see ${name}_special)`,
        cell: (i) => (masked?.[i] ? null : Number.isFinite(values[i]!) ? values[i]! : null),
      };
      if (!nonFinite) return { columns: [{ ...value, comment: `${what}; NULL for missing` }] };
      return {
        columns: [
          value,
          {
            name: `${name}_special`,
            sqlType: 'VARCHAR',
            comment: `NaN, Infinity or -Infinity when ${label} was not finite, else NULL`,
            cell: (i) => (masked?.[i] ? null : specialOf(values[i]!)),
          },
        ],
      };
    }
    case 'int': {
      const values = d.values;
      const sqlType = INT_TYPES[values.constructor.name] ?? 'BIGINT';
      return {
        columns: [{ name, sqlType, comment: what, cell: (i) => (masked?.[i] ? null : values[i]!) }],
      };
    }
    case 'bool':
      return {
        columns: [
          { name, sqlType: 'BOOLEAN', comment: what, cell: (i) => (masked?.[i] ? null : d.values[i] !== 0) },
        ],
      };
    case 'datetime': {
      const factor = UNIT_NS[d.unit];
      return {
        columns: [
          {
            name,
            sqlType: 'TIMESTAMPTZ',
            comment: `${what}; ${d.tz ? `time zone ${d.tz}, stored as UTC` : 'naive in the pickle, read as UTC'}; NaT as NULL`,
            cell: (i) => {
              const v = d.values[i]!;
              return v === NAT ? null : new TimestampMicros((v * factor) / 1000n);
            },
          },
        ],
      };
    }
    case 'timedelta': {
      const factor = UNIT_NS[d.unit];
      return {
        columns: [
          {
            name,
            sqlType: 'INTERVAL',
            comment: `${what}; NaT as NULL`,
            cell: (i) => {
              const v = d.values[i]!;
              return v === NAT ? null : new IntervalMicros((v * factor) / 1000n);
            },
          },
        ],
      };
    }
    default: {
      const values = columnValues(col);
      const plan = planValues(values);
      const columns: TableColumn[] = [
        {
          name,
          sqlType: plan.sqlType,
          comment: `${what}${plan.sqlType === 'JSON' ? '; values as JSON text' : ''}`,
          cell: (i) => plan.cell(values[i]!),
        },
      ];
      if (plan.special) {
        columns.push({
          name: `${name}_special`,
          sqlType: 'VARCHAR',
          comment: `NaN, Infinity or -Infinity when ${label} was not finite, else NULL`,
          cell: (i) => {
            const v = values[i];
            return typeof v === 'number' ? specialOf(v) : null;
          },
        });
      }
      return plan.mixed
        ? { columns, warning: `column ${label} mixes ${plan.mixed} values: stored as JSON text` }
        : { columns };
    }
  }
}

// ── names ───────────────────────────────────────────────────────────────────

export function labelText(label: Lowered): string {
  if (typeof label === 'string') return label;
  if (typeof label === 'bigint' || typeof label === 'number' || typeof label === 'boolean')
    return String(label);
  if (label === null) return 'None';
  if (label instanceof LTuple) return label.items.map(labelText).join('.');
  return JSON.stringify(plainJson(label));
}

/** A table name: lowercase letters, digits and underscores, not starting with a digit. */
export function tableName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (name === '') return 'pickle';
  return /^[0-9]/.test(name) ? `t_${name}` : name;
}

class NameSet {
  private readonly used = new Set<string>();
  take(wanted: string): string {
    let name = wanted === '' ? 'column' : wanted;
    let n = 2;
    while (this.used.has(name.toLowerCase())) name = `${wanted}_${n++}`;
    this.used.add(name.toLowerCase());
    return name;
  }
}

function isDefaultRange(index: IndexValue): boolean {
  return (
    index.range !== null && index.range.start === 0n && index.range.step === 1n && index.names[0] === null
  );
}

/** A DataFrame as a table: `row_number`, the index (unless the default RangeIndex), then the columns. */
export function frameTable(frame: Frame, description: string, warn: (m: string) => void): TableSpec {
  const names = new NameSet();
  names.take('ingest_id');
  const columns: TableColumn[] = [
    {
      name: names.take('row_number'),
      sqlType: 'BIGINT',
      comment: '0-based position of the row in the pickled DataFrame.',
      cell: (i) => i,
    },
  ];
  if (!isDefaultRange(frame.index)) {
    const index = frame.index;
    const levels: Column[] = index.levels ?? [rangeColumn(index)];
    levels.forEach((level, l) => {
      const label =
        index.names[l] == null ? (levels.length === 1 ? 'index' : `level_${l}`) : labelText(index.names[l]!);
      const { columns: cols, warning } = tableColumns(names.take(label), `index ${label}`, level);
      for (const c of cols) columns.push({ ...c, comment: `Row index: ${c.comment}` });
      if (warning) warn(warning);
    });
  }
  frame.columns.forEach((col, i) => {
    const label = labelText(frame.labels[i] ?? null);
    const { columns: cols, warning } = tableColumns(names.take(label), label, col);
    for (const c of cols) {
      if (c !== cols[0]) c.name = names.take(c.name);
      columns.push(c);
    }
    if (warning) warn(warning);
  });
  return { columns, rows: frame.rows, description };
}

function rangeColumn(index: IndexValue): Column {
  const values = new BigInt64Array(index.length);
  const r = index.range!;
  for (let i = 0; i < index.length; i++) values[i] = r.start + BigInt(i) * r.step;
  return { dtype: 'int64', data: { kind: 'int', values }, length: index.length };
}

/** A list of dicts (records) as a table: the union of keys in order of first appearance. */
export function recordsTable(records: LDict[], description: string, warn: (m: string) => void): TableSpec {
  const keys: Lowered[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    for (const [k] of r.entries) {
      const t = labelText(k);
      if (!seen.has(t)) {
        seen.add(t);
        keys.push(k);
      }
    }
  }
  const byKey = records.map((r) => new Map(r.entries.map(([k, v]) => [labelText(k), v])));
  const names = new NameSet();
  names.take('ingest_id');
  const columns: TableColumn[] = [
    {
      name: names.take('row_number'),
      sqlType: 'BIGINT',
      comment: '0-based position of the record in the pickled list.',
      cell: (i) => i,
    },
  ];
  for (const key of keys) {
    const label = labelText(key);
    const values = byKey.map((m) => m.get(label) ?? null);
    const plan = planValues(values);
    if (plan.mixed) warn(`key ${label} mixes ${plan.mixed} values: stored as JSON text`);
    const name = names.take(label);
    columns.push({
      name,
      sqlType: plan.sqlType,
      comment: `Value of key ${label} in each pickled record${plan.sqlType === 'JSON' ? ' (JSON text)' : ''}.`,
      cell: (i) => plan.cell(values[i]!),
    });
    if (plan.special) {
      columns.push({
        name: names.take(`${name}_special`),
        sqlType: 'VARCHAR',
        comment: `NaN, Infinity or -Infinity when ${label} was not finite, else NULL.`,
        cell: (i) => {
          const v = values[i];
          return typeof v === 'number' ? specialOf(v) : null;
        },
      });
    }
  }
  return { columns, rows: records.length, description };
}

/** True for a non-empty list whose items are all string-keyed dicts. */
export function isRecordList(value: Lowered): value is LDict[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => v instanceof LDict && v.stringKeyed);
}

/** Series → a one-column frame (named after the series, or `value`). */
export function seriesFrame(series: SeriesValue): Frame {
  return new Frame([series.name ?? 'value'], [series.column], series.index, series.column.length);
}
