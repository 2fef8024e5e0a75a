import Table from 'cli-table3';
import { printable } from './sanitize.ts';

export type ResultFormat = 'table' | 'csv' | 'json' | 'jsonl';
export const RESULT_FORMATS: readonly ResultFormat[] = ['table', 'csv', 'json', 'jsonl'];

export interface ResultSet {
  columns: string[];
  rows: unknown[][];
}

/** A DuckDB JS value as JSON-safe data: bigint → number when exact (else string), Date → ISO, NaN/±Inf → string. */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
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

/** A value as one line of text for tables and CSV. */
export function toCellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  return JSON.stringify(toJsonValue(value));
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

const MAX_CELL = 80;

export function formatResult(result: ResultSet, format: ResultFormat): string {
  const { columns, rows } = result;
  switch (format) {
    case 'csv':
      return [columns, ...rows.map((r) => r.map(toCellText))]
        .map((r) => r.map(csvField).join(','))
        .join('\n');
    case 'json':
      return JSON.stringify(
        rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, toJsonValue(r[i])]))),
        null,
        2,
      );
    case 'jsonl':
      return rows
        .map((r) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, toJsonValue(r[i])]))))
        .join('\n');
    case 'table': {
      // A table is for a terminal: names and values from input are shown with control characters escaped.
      const table = new Table({ head: columns.map(printable), style: { head: [], border: [] } });
      for (const row of rows) {
        table.push(
          row.map((v) => {
            if (v === null || v === undefined) return 'NULL';
            const text = printable(toCellText(v).replaceAll('\n', '⏎'));
            return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
          }),
        );
      }
      const count = `(${rows.length} row${rows.length === 1 ? '' : 's'})`;
      return columns.length === 0 ? count : `${table.toString()}\n${count}`;
    }
  }
}
