import { existsSync, statSync } from 'node:fs';
import { readCatalog } from '../catalog.ts';
import { formatResult, toCellText } from '../format.ts';
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

/** The text of `mlduck status`: what is in the warehouse and where it came from. */
export async function statusReport(wh: Warehouse, options: { recent?: number } = {}): Promise<string> {
  const lines: string[] = [];
  const size =
    wh.path !== ':memory:' && existsSync(wh.path) ? humanBytes(statSync(wh.path).size) : 'in memory';
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
  lines.push('', `tables (${tables.length}):`);
  lines.push(
    formatResult(
      {
        columns: ['table', 'rows', 'description'],
        rows: tables.map((t) => [t.name, t.rows, firstSentence(t.comment)]),
      },
      'table',
    ),
  );
  lines.push('', `views (${views.length}): ${views.map((v) => v.name).join(', ') || '—'}`);
  const recent = await wh.all(
    `SELECT ingest_id, kind, path, status, rows_written, finished_at FROM ingest_log ORDER BY ingest_id DESC LIMIT ${options.recent ?? 10}`,
  );
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
    ),
  );
  return lines.join('\n');
}

function firstSentence(comment: string | null): string {
  if (!comment) return '';
  const match = /^(.*?[.:])(\s|$)/.exec(comment);
  return (match ? match[1]! : comment).slice(0, 100);
}

function summarizeRows(json: unknown): string {
  if (typeof json !== 'string') return '';
  const rows = JSON.parse(json) as Record<string, number>;
  const total = Object.values(rows).reduce((a, b) => a + b, 0);
  const tables = Object.keys(rows).length;
  return tables === 0 ? '0' : `${total} in ${tables} table${tables === 1 ? '' : 's'}`;
}
