import type { Output } from './output.ts';
import { printable } from './sanitize.ts';
import type { IngestReport } from './warehouse.ts';

/**
 * One line per ingest: status, kind, path, and the rows per table (or why it was skipped or failed); the
 * path and message escaped, since they come from input.
 */
export function describeReport(r: IngestReport): string {
  const rows = Object.entries(r.rows)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
  const detail = r.status === 'ok' ? rows || 'no rows' : (r.message ?? '');
  return `${r.status.padEnd(7)} ${r.kind.padEnd(10)} ${printable(r.path)}${detail ? `  (${printable(detail)})` : ''}`;
}

/** Prints a report as data, its warnings as warnings. */
export function printReport(out: Output, report: IngestReport): void {
  out.data(describeReport(report));
  for (const warning of report.warnings) out.warn(`${report.path}: ${warning}`);
}
