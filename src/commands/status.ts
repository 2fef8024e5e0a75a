import { existsSync, statSync } from 'node:fs';
import { readCatalog } from '../catalog.ts';
import { MlduckError } from '../errors.ts';
import { formatResult, toCellText } from '../format.ts';
import { sqlIdent, sqlString } from '../sql.ts';
import type { Warehouse } from '../warehouse.ts';

function humanBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** `--recent N`: a count of ingests, 0 or more. */
export function parseRecent(value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new MlduckError(`--recent takes a number of ingests, not '${value}'`, { kind: 'usage' });
  }
  return Number(value);
}

/** The bytes of the warehouse on disk: the file and its write-ahead log (not yet checkpointed data). */
function warehouseBytes(path: string): number {
  const wal = `${path}.wal`;
  return statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0);
}

export interface StatusOptions {
  /** How many recent ingests to list (default 10). */
  recent?: number;
  /** Width the tables fit (default: no limit). */
  width?: number;
}

function recentCountOf(options: StatusOptions): number {
  const recentCount = options.recent ?? 10;
  if (!Number.isInteger(recentCount) || recentCount < 0) {
    throw new MlduckError(`recent must be a count of ingests, not ${recentCount}`, { kind: 'usage' });
  }
  return recentCount;
}

/** The columns of `status --format csv|json|jsonl|arrow`, one record per table, view and recent ingest. */
export const STATUS_RECORD_COLUMNS = [
  'section',
  'name',
  'rows',
  'description',
  'ingest_id',
  'kind',
  'status',
  'finished_at',
] as const;

/**
 * What `mlduck status` shows, as one flat list for scripts: a query whose result the query renderer writes
 * in any of its formats. Tables, then views (by name), then the recent ingests (newest first): `section`
 * says which; `name` is the relation or the ingested path; `rows` the table's rows or the ingest's rows
 * written; `description` the relation's comment or why the ingest failed; `ingest_id`, `kind`, `status` and
 * `finished_at` are the ingest's (NULL for relations).
 */
export async function statusRecordsSql(wh: Warehouse, options: StatusOptions = {}): Promise<string> {
  const recentCount = recentCountOf(options);
  const catalog = await readCatalog(wh);
  const relations = [
    ...catalog.filter((r) => r.kind === 'table'),
    ...catalog.filter((r) => r.kind === 'view'),
  ];
  const values = relations.map(
    (r, i) =>
      `(${i}, ${sqlString(r.kind)}, ${sqlString(r.name)}, ${r.rows ?? 'NULL'}::BIGINT, ${r.comment === null ? 'NULL' : sqlString(r.comment)})`,
  );
  const relationRows = values.length
    ? `SELECT ord, section, name, "rows", description, NULL::BIGINT, NULL::VARCHAR, NULL::VARCHAR, NULL::TIMESTAMPTZ
       FROM (VALUES ${values.join(', ')}) AS r(ord, section, name, "rows", description)`
    : `SELECT 0, '', '', NULL::BIGINT, NULL::VARCHAR, NULL::BIGINT, NULL::VARCHAR, NULL::VARCHAR, NULL::TIMESTAMPTZ WHERE false`;
  return `SELECT ${STATUS_RECORD_COLUMNS.map(sqlIdent).join(', ')}
    FROM (
      ${relationRows}
      UNION ALL
      SELECT * FROM (
        SELECT ${relations.length} + row_number() OVER (ORDER BY ingest_id DESC), 'ingest', path,
          (SELECT sum(value::BIGINT) FROM json_each(rows_written))::BIGINT, error, ingest_id, kind, status, finished_at
        FROM ingest_log ORDER BY ingest_id DESC LIMIT ${recentCount})
    ) AS records(ord, ${STATUS_RECORD_COLUMNS.map(sqlIdent).join(', ')})
    ORDER BY ord`;
}

/** The text of `mlduck status`: what is in the warehouse and where it came from. */
export async function statusReport(wh: Warehouse, options: StatusOptions = {}): Promise<string> {
  const width = options.width ?? Number.POSITIVE_INFINITY;
  const recentCount = recentCountOf(options);
  const lines: string[] = [];
  const size =
    wh.path !== ':memory:' && existsSync(wh.path) ? humanBytes(warehouseBytes(wh.path)) : 'in memory';
  const migrations = await wh.migrationStatus();
  lines.push(`warehouse ${wh.path} (${size}${wh.readOnly ? ', read-only' : ''})`);
  lines.push(
    `migrations: ${migrations.applied.length} applied` +
      (migrations.pending.length > 0
        ? `, ${migrations.pending.length} pending (${migrations.pending.join(', ')}): open read-write to upgrade`
        : '') +
      (migrations.changed.length > 0
        ? `, ${migrations.changed.length} changed since applied (${migrations.changed.map((c) => c.file).join(', ')}): built by another mlduck version`
        : ''),
  );
  const catalog = await readCatalog(wh);
  const tables = catalog.filter((r) => r.kind === 'table');
  const views = catalog.filter((r) => r.kind === 'view');
  const recent = await wh.all(
    `SELECT ingest_id, kind, path, status, rows_written, finished_at FROM ingest_log ORDER BY ingest_id DESC LIMIT ${recentCount}`,
  );
  lines.push('', `tables (${tables.length}):`);
  lines.push(
    formatResult(
      {
        columns: ['table', 'rows', 'description'],
        rows: tables.map((t) => [t.name, t.rows, firstSentence(t.comment)]),
      },
      'table',
      width,
    ),
  );
  lines.push('', `views (${views.length}): ${views.map((v) => v.name).join(', ') || '—'}`);
  lines.push('', `last ingests (${recent.length}):`);
  lines.push(
    formatResult(
      {
        columns: ['id', 'kind', 'path', 'status', 'rows', 'finished'],
        rows: recent.map((r) => [
          r['ingest_id'],
          r['kind'],
          r['path'],
          r['status'],
          summarizeRows(r['rows_written']),
          toCellText(r['finished_at']).replace(/\.\d+Z$/, 'Z'),
        ]),
      },
      'table',
      width,
    ),
  );
  return lines.join('\n');
}

/** The first sentence of a description (up to a full stop followed by a space or the end). */
export function firstSentence(comment: string | null): string {
  if (!comment) return '';
  const match = /^(.*?\.)(\s|$)/.exec(comment);
  return match ? match[1]! : comment;
}

function summarizeRows(json: unknown): string {
  if (typeof json !== 'string') return '';
  const rows = JSON.parse(json) as Record<string, number>;
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  const tables = Object.keys(rows).length;
  return tables === 0 ? '0' : `${total} in ${tables} table${tables === 1 ? '' : 's'}`;
}
