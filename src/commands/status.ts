import { existsSync, statSync } from 'node:fs';
import { readCatalog } from '../catalog.ts';
import { MlduckError } from '../errors.ts';
import { formatResult, type ResultFormat, toCellText } from '../format.ts';
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
  /** `table` (default) is the report for people; csv/json/jsonl give the tables, views and ingests as data. */
  format?: ResultFormat;
  /** Width the tables fit (default: no limit). */
  width?: number;
}

/** The text of `mlduck status`: what is in the warehouse and where it came from. */
export async function statusReport(wh: Warehouse, options: StatusOptions = {}): Promise<string> {
  const format = options.format ?? 'table';
  const width = options.width ?? Number.POSITIVE_INFINITY;
  const recentCount = options.recent ?? 10;
  if (!Number.isInteger(recentCount) || recentCount < 0) {
    throw new MlduckError(`recent must be a count of ingests, not ${recentCount}`, { kind: 'usage' });
  }
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
  if (format !== 'table') {
    // As data: one row per relation, then the recent ingests, each as a record with a `section`.
    const relations = catalog.map((r) => ({
      section: r.kind,
      name: r.name,
      rows: r.rows ?? null,
      description: r.comment ?? '',
    }));
    const ingests = recent.map((r) => ({
      section: 'ingest',
      name: String(r['path']),
      rows: summarizeRowCount(r['rows_written']),
      description: `${r['kind']} ${r['status']} #${r['ingest_id']} ${toCellText(r['finished_at'])}`,
    }));
    const all = [...relations, ...ingests];
    return formatResult(
      {
        columns: ['section', 'name', 'rows', 'description'],
        rows: all.map((r) => [r.section, r.name, r.rows, r.description]),
      },
      format,
    );
  }
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

function summarizeRowCount(json: unknown): number | null {
  if (typeof json !== 'string') return null;
  return Object.values(JSON.parse(json) as Record<string, number>).reduce((a, b) => a + b, 0);
}

function summarizeRows(json: unknown): string {
  if (typeof json !== 'string') return '';
  const rows = JSON.parse(json) as Record<string, number>;
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  const tables = Object.keys(rows).length;
  return tables === 0 ? '0' : `${total} in ${tables} table${tables === 1 ? '' : 's'}`;
}
