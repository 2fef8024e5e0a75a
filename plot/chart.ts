// What every chart shares: its options, the filters that become SQL, the checks that name what is
// missing (a table, a filter that selects nothing, a column), and titles taken from column comments.
import type { TopLevelSpec } from 'vega-lite';
import { MlduckError, oneLineDuckDBMessage } from '../src/errors.ts';
import { sqlIdent, sqlString } from '../src/sql.ts';
import type { Row, Warehouse } from '../src/warehouse.ts';

import type { MARKS } from './names.ts';

export type MarkType = (typeof MARKS)[number];

/** The filters every chart accepts (each only where its query has the column). */
export interface PlotFilters {
  data?: string[];
  params?: string[];
  task?: string[];
  metric?: string[];
  run?: string[];
  /** A SQL condition over the chart's query columns. */
  where?: string;
}

export interface ChartOptions extends PlotFilters {
  x?: string;
  y?: string;
  color?: string;
  facet?: string;
  mark?: MarkType;
  /** The query of the `sql` chart. */
  sql?: string;
  /** EMA smoothing weight in [0, 1) for `history`. */
  smooth?: number;
}

export interface Chart {
  spec: TopLevelSpec;
  /** The rows drawn (also inside the spec), for callers that check or count them. */
  rows: Row[];
  /** One line saying what was drawn. */
  summary: string;
}

/** A relation a chart reads, the table whose rows it needs, and the ingest that fills that table. */
export interface ChartSource {
  relation: string;
  table: string;
  ingest: string;
}

export interface ChartDefinition {
  readonly name: string;
  readonly description: string;
  readonly sources: readonly ChartSource[];
  /** False for charts that need arguments (sql): the report leaves them out. */
  readonly inReport?: boolean;
  build(wh: Warehouse, options: ChartOptions): Promise<Chart>;
}

/** One filter as SQL, with the flag that asked for it (for "selects nothing" messages). */
export interface Condition {
  flag: string;
  sql: string;
  /** The column it tests, to list the values that exist when it selects nothing. */
  column?: string;
}

/** `column IN (values…)`, labelled with its flag. */
export function inList(flag: string, column: string, values: readonly string[] | undefined): Condition[] {
  if (!values || values.length === 0) return [];
  return [
    {
      flag: `${flag} ${values.join(',')}`,
      sql: `${sqlIdent(column)} IN (${values.map(sqlString).join(', ')})`,
      column,
    },
  ];
}

/** --run keeps runs whose id contains one of the texts (W&B run ids are long). */
export function runContains(values: readonly string[] | undefined): Condition[] {
  if (!values || values.length === 0) return [];
  return [
    {
      flag: `--run ${values.join(',')}`,
      sql: `(${values.map((v) => `contains(run_id, ${sqlString(v)})`).join(' OR ')})`,
      column: 'run_id',
    },
  ];
}

/** The user's --where, kept apart in parentheses. */
export function whereCondition(where: string | undefined): Condition[] {
  return where === undefined || where.trim() === '' ? [] : [{ flag: `--where ${where}`, sql: `(${where})` }];
}

/** Filters an option does not apply to are a usage error, not silently ignored. */
export function rejectFilters(
  chart: string,
  options: ChartOptions,
  flags: readonly (keyof PlotFilters)[],
): void {
  for (const flag of flags) {
    const value = options[flag];
    if (value !== undefined && (!Array.isArray(value) || value.length > 0)) {
      throw new MlduckError(`--${flag} does not apply to the ${chart} chart`, {
        kind: 'usage',
        hint: `see mlduck plot --help`,
      });
    }
  }
}

/** Fails (exit 2) when a source relation is missing or its table is empty, naming the ingest that fills it. */
export async function requireSources(
  wh: Warehouse,
  chart: string,
  sources: readonly ChartSource[],
): Promise<void> {
  for (const source of sources) {
    const exists = await wh.scalar<bigint>(
      `SELECT count(*) FROM (SELECT table_name AS name FROM duckdb_tables() WHERE schema_name = 'main'
         UNION ALL SELECT view_name FROM duckdb_views() WHERE schema_name = 'main') WHERE name IN ($1, $2)`,
      [source.relation, source.table],
    );
    if (Number(exists ?? 0n) < new Set([source.relation, source.table]).size) {
      throw new MlduckError(`the ${chart} chart needs ${source.relation}, which ${wh.path} does not have`, {
        kind: 'input',
        file: wh.path,
        hint: `bring the schema up to date by opening it once for writing (e.g. \`${source.ingest}\`)`,
      });
    }
    const any = await wh.scalar(`SELECT 1 FROM ${sqlIdent(source.table)} LIMIT 1`);
    if (any === undefined) {
      throw new MlduckError(`the ${chart} chart needs rows in ${source.table}, which is empty`, {
        kind: 'input',
        file: wh.path,
        hint: `fill it with \`${source.ingest}\``,
      });
    }
  }
}

/** Rows as plain JSON values: BIGINT → number, timestamps → ISO strings. */
export function plainRows(rows: readonly Row[]): Row[] {
  return rows.map((row) => {
    const out: Row = {};
    for (const [key, value] of Object.entries(row)) {
      if (typeof value === 'bigint') out[key] = Number(value);
      else if (value instanceof Date) out[key] = value.toISOString();
      else out[key] = value;
    }
    return out;
  });
}

/**
 * Runs `SELECT … FROM (base) WHERE conditions`. When nothing comes back, finds the first filter that
 * empties the selection and names it (with the values its column does have), so the message says which
 * option to change; DuckDB errors in a --where become one input line listing the columns.
 */
export async function selectRows(
  wh: Warehouse,
  chart: string,
  base: string,
  conditions: readonly Condition[],
  orderBy = '',
): Promise<Row[]> {
  const where = (list: readonly Condition[]) =>
    list.length === 0 ? '' : ` WHERE ${list.map((c) => c.sql).join(' AND ')}`;
  const query = (list: readonly Condition[], select = '*') =>
    `SELECT ${select} FROM (${base}) AS q${where(list)}`;
  let rows: Row[];
  try {
    rows = await wh.all(`${query(conditions)}${orderBy ? ` ORDER BY ${orderBy}` : ''}`);
  } catch (error) {
    throw await queryError(wh, chart, base, error);
  }
  if (rows.length > 0) return plainRows(rows);
  for (let i = 0; i < conditions.length; i++) {
    const upTo = conditions.slice(0, i + 1);
    const n = Number((await wh.scalar<bigint>(query(upTo, 'count(*)'))) ?? 0n);
    if (n > 0) continue;
    const condition = conditions[i]!;
    let present = '';
    if (condition.column) {
      const values = await wh.all<{ v: unknown }>(
        `SELECT DISTINCT ${sqlIdent(condition.column)} AS v ${query(conditions.slice(0, i)).slice('SELECT *'.length)} ORDER BY 1 LIMIT 13`,
      );
      const shown = values.slice(0, 12).map((r) => String(r.v));
      present = ` (there: ${shown.join(', ')}${values.length > 12 ? ', …' : ''})`;
    }
    const before =
      i === 0
        ? ''
        : ` after ${conditions
            .slice(0, i)
            .map((c) => c.flag)
            .join(' ')}`;
    throw new MlduckError(`${condition.flag} selects nothing for the ${chart} chart${before}${present}`, {
      kind: 'input',
      hint: 'change or drop that filter',
    });
  }
  throw new MlduckError(`the ${chart} chart's query returned no rows`, { kind: 'input' });
}

async function queryError(wh: Warehouse, chart: string, base: string, error: unknown): Promise<MlduckError> {
  if (error instanceof MlduckError) return error;
  let columns = '';
  try {
    const described = await wh.all<{ column_name: string }>(`DESCRIBE SELECT * FROM (${base}) AS q`);
    columns = ` — the columns are ${described.map((c) => c.column_name).join(', ')}`;
  } catch {
    // The base query itself failed (the `sql` chart's own SQL): its message says why.
  }
  const message = oneLineDuckDBMessage(error instanceof Error ? error.message : String(error));
  return new MlduckError(`the ${chart} chart's query failed: ${message}${columns}`, {
    kind: 'input',
    cause: error,
  });
}

/** Column comments of a relation (duckdb_columns().comment). */
export async function columnComments(wh: Warehouse, relation: string): Promise<Map<string, string>> {
  const rows = await wh.all<{ column_name: string; comment: string | null }>(
    `SELECT column_name, comment FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1`,
    [relation],
  );
  return new Map(rows.filter((r) => r.comment).map((r) => [r.column_name, r.comment as string]));
}

/**
 * An axis title from a column comment: its first clause (up to a parenthesis, semicolon or sentence end),
 * e.g. 'Training tokens at the step (group key).' → 'Training tokens at the step'. The column name when
 * there is no comment.
 */
export function titleFromComment(comment: string | undefined, column: string): string {
  if (!comment) return column;
  const clause = comment.split(/ \(|; |\. |\.$|: /)[0]?.trim();
  return clause && clause.length > 0 ? clause : column;
}

/** Titles for the columns of a relation, from their comments. */
export async function columnTitles(wh: Warehouse, relation: string): Promise<(column: string) => string> {
  const comments = await columnComments(wh, relation);
  return (column) => titleFromComment(comments.get(column), column);
}

const SIZE_UNITS: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 };

/** DataDecide model sizes (4M, 150M, 1B …) in increasing size; other names after them, by name. */
export function sizeOrder(values: Iterable<unknown>): string[] {
  const size = (name: string) => {
    const m = /^(\d+(?:\.\d+)?)([KMBT])$/i.exec(name);
    return m ? Number(m[1]) * (SIZE_UNITS[m[2]!.toUpperCase()] ?? 1) : Number.POSITIVE_INFINITY;
  };
  return [...new Set([...values].map(String))].sort((a, b) => size(a) - size(b) || a.localeCompare(b));
}

/** Distinct values of a column in rows, in first-seen order. */
export function distinct(rows: readonly Row[], column: string): unknown[] {
  return [...new Set(rows.map((r) => r[column]))];
}

export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
