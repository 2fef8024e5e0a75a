import {
  DuckDBArrayValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import { printable } from './sanitize.ts';

/** Text formats every result-printing command offers. */
export type ResultFormat = 'table' | 'csv' | 'json' | 'jsonl';
export const RESULT_FORMATS: readonly ResultFormat[] = ['table', 'csv', 'json', 'jsonl'];

/** What `mlduck query` and the shell's `.mode` add: an Arrow IPC stream (binary, to a pipe or file). */
export type QueryFormat = ResultFormat | 'arrow';
export const QUERY_FORMATS: readonly QueryFormat[] = [...RESULT_FORMATS, 'arrow'];

/** Rows of JS values (as `getRowsJS()` gives them), for results mlduck builds itself (status, datasets). */
export interface ResultSet {
  columns: string[];
  rows: unknown[][];
}

// ── DuckDB values (query results) ────────────────────────────────────────────

/**
 * A DuckDB value as DuckDB's CLI prints it: the value classes of @duckdb/node-api render DATE, TIME,
 * TIMESTAMP[TZ] (microseconds), INTERVAL, DECIMAL, BLOB, UUID, LIST, STRUCT and MAP as DuckDB does.
 * NULL is `null`, so each format chooses its spelling.
 */
export function duckText(value: DuckDBValue): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  return String(value);
}

/** A DuckDB value as JSON data: exact integers as numbers (else strings), NaN/±Inf as strings, nested as nested. */
export function duckJson(value: DuckDBValue): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return exactNumber(value);
  }
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(duckJson);
  if (value instanceof DuckDBStructValue) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = duckJson(v);
    return out;
  }
  if (value instanceof DuckDBMapValue) {
    const out: Record<string, unknown> = {};
    for (const { key, value: v } of value.entries) out[duckText(key) ?? 'NULL'] = duckJson(v);
    return out;
  }
  if (value instanceof DuckDBDecimalValue) {
    // A number when a double holds it exactly (15 significant digits), else DuckDB's text.
    const text = value.toString();
    return text.replace(/[-.]/g, '').replace(/^0+/, '').length <= 15 ? Number(text) : text;
  }
  return String(value);
}

function exactNumber(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

// ── JS values (results mlduck builds) ────────────────────────────────────────

/** A DuckDB JS value as JSON-safe data: bigint → number when exact (else string), Date → ISO, NaN/±Inf → string. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return exactNumber(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value instanceof Map)
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toJsonValue(v)]));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toJsonValue(v)]),
    );
  }
  return value;
}

/** A JS value as one line of text for tables and CSV (NULL → ''). */
export function toCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return JSON.stringify(toJsonValue(value));
}

// ── the formats themselves ───────────────────────────────────────────────────

export function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly (string | null)[]): string {
  return `${cells.map(csvField).join(',')}\n`;
}

/** One JSON object per row; repeated column names keep their first value, as DuckDB's JSON writer does. */
export function jsonObject(columns: readonly string[], values: readonly unknown[]): string {
  const row: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) {
    const name = columns[i]!;
    if (!(name in row)) row[name] = values[i];
  }
  return JSON.stringify(row);
}

export interface TableLayout {
  columns: readonly string[];
  /** A second header line under the names (DuckDB shows the types), or none. */
  types?: readonly string[];
  /** Right-align these columns (numbers). */
  rightAligned?: readonly boolean[];
  /** The rows shown before the elision mark (NULL as null). */
  head: readonly (readonly (string | null)[])[];
  /** The rows shown after it (empty when every row is in `head`). */
  tail: readonly (readonly (string | null)[])[];
  /** Every row of the result, shown or not. */
  totalRows: number;
  /** Terminal width to fit (Infinity: no fitting, e.g. when writing to a file). */
  width: number;
}

const MIN_COLUMN = 6;
/** Type labels wider than this (long ENUMs, STRUCTs) never widen a column; they are cut instead. */
const MAX_TYPE_LABEL = 16;

/** Box-drawn table like DuckDB's CLI: no separator between rows, wide columns cut to fit `width`. */
export function renderTable(layout: TableLayout): string {
  const { columns, head, tail, totalRows, width } = layout;
  const count = `${totalRows.toLocaleString('en-US')} row${totalRows === 1 ? '' : 's'}`;
  if (columns.length === 0) return `${count}\n`;
  const cell = (text: string | null) => (text === null ? 'NULL' : oneLine(text));
  const shown = [...head, ...tail].map((row) => row.map(cell));
  const names = columns.map(oneLine);
  const types = layout.types?.map((t) => t.toLowerCase());
  const natural = names.map((name, i) =>
    Math.max(
      name.length,
      Math.min(types?.[i]?.length ?? 0, MAX_TYPE_LABEL),
      ...shown.map((row) => row[i]!.length),
      tail.length > 0 ? 1 : 0,
    ),
  );
  const visible = columns.map((_, i) => i);
  let widths = natural.slice();
  const total = (idx: number[], w: number[]) => idx.reduce((sum, i) => sum + w[i]! + 3, 1);
  if (Number.isFinite(width) && total(visible, widths) > width) {
    // Cap every column at the same width, the largest that fits; below MIN_COLUMN drop middle columns.
    let cap = Math.max(...widths);
    while (cap > MIN_COLUMN && total(visible, widths) > width) {
      cap--;
      widths = natural.map((w) => Math.min(w, cap));
    }
    while (visible.length > 1 && total(visible, widths) + 4 > width) {
      visible.splice(Math.floor(visible.length / 2), 1);
    }
  }
  const omitted = columns.length - visible.length;
  const middle = Math.ceil(visible.length / 2);
  type Slot = { index: number } | { gap: true };
  const slots: Slot[] = visible.map((index) => ({ index }));
  if (omitted > 0) slots.splice(middle, 0, { gap: true });
  const slotWidth = (s: Slot) => ('gap' in s ? 1 : widths[s.index]!);
  const fitCell = (text: string, w: number, right: boolean) => {
    const cut = text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text;
    return right ? cut.padStart(w) : cut.padEnd(w);
  };
  const line = (cells: (s: Slot) => string) => `│ ${slots.map(cells).join(' │ ')} │\n`;
  const rule = (l: string, m: string, r: string) =>
    `${l}${slots.map((s) => '─'.repeat(slotWidth(s) + 2)).join(m)}${r}\n`;
  const right = (i: number) => layout.rightAligned?.[i] ?? false;
  let out = rule('┌', '┬', '┐');
  out += line((s) => ('gap' in s ? '…' : fitCell(names[s.index]!, widths[s.index]!, false)));
  if (types) out += line((s) => ('gap' in s ? ' ' : fitCell(types[s.index] ?? '', widths[s.index]!, false)));
  out += rule('├', '┼', '┤');
  const body = (row: readonly string[]) =>
    line((s) => ('gap' in s ? '…' : fitCell(row[s.index]!, widths[s.index]!, right(s.index))));
  const headText = shown.slice(0, head.length);
  for (const row of headText) out += body(row);
  if (tail.length > 0) {
    out += line((s) => ('gap' in s ? ' ' : fitCell('·', widths[s.index]!, right(s.index))));
    for (const row of shown.slice(head.length)) out += body(row);
  }
  out += rule('└', '┴', '┘');
  const rowsShown = head.length + tail.length;
  const notes = [rowsShown < totalRows ? `${count} (${rowsShown} shown)` : count];
  if (omitted > 0) notes.push(`${columns.length} columns (${visible.length} shown)`);
  return `${out}${notes.join('  ')}\n`;
}

/** A cell or name on one terminal line: line breaks shown as ⏎, other control characters escaped. */
function oneLine(text: string): string {
  const flat =
    text.includes('\n') || text.includes('\r') || text.includes('\t')
      ? text.replaceAll('\r\n', '⏎').replaceAll('\n', '⏎').replaceAll('\r', '⏎').replaceAll('\t', ' ')
      : text;
  return printable(flat);
}

/** A whole JS-value result in one format (small results mlduck builds; query results stream, see render.ts). */
export function formatResult(
  result: ResultSet,
  format: ResultFormat,
  width = Number.POSITIVE_INFINITY,
): string {
  const { columns, rows } = result;
  switch (format) {
    case 'csv':
      return [
        columns,
        ...rows.map((r) => r.map((v) => (v === null || v === undefined ? null : toCellText(v)))),
      ]
        .map(csvLine)
        .join('')
        .replace(/\n$/, '');
    case 'json':
      return JSON.stringify(
        rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, toJsonValue(r[i])]))),
        null,
        2,
      );
    case 'jsonl':
      return rows.map((r) => jsonObject(columns, r.map(toJsonValue))).join('\n');
    case 'table':
      return renderTable({
        columns,
        rightAligned: columns.map((_, i) =>
          rows.every((r) => r[i] === null || typeof r[i] === 'number' || typeof r[i] === 'bigint'),
        ),
        head: rows.map((r) => r.map((v) => (v === null || v === undefined ? null : toCellText(v)))),
        tail: [],
        totalRows: rows.length,
        width,
      }).replace(/\n$/, '');
  }
}
