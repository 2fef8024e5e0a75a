/**
 * `mlduck ingest pickle`: reads a pickle with the safe reader, recognises the known dr_showntell shapes
 * (by content, not by file name) and writes them to their tables; any other DataFrame / Series / list of
 * dicts / dict of those becomes tables made at ingest time (registered in pickle_tables).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ColumnOf } from '../../src/db/tables.ts';
import { MlduckError } from '../../src/errors.ts';
import { printable } from '../../src/sanitize.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import { statPath } from '../../src/walk.ts';
import type { IngestContext } from '../../src/warehouse.ts';
import { appendCells } from './append.ts';
import { PickleError, type ReadLimits, readPickle, sniffContainer } from './index.ts';
import { Frame, LDict, type Lowered, SeriesValue } from './lowered.ts';
import { recognizeMatched, recognizeModernized, writeMatched, writeModernized } from './showntell.ts';
import {
  type Cell,
  frameTable,
  isRecordList,
  labelText,
  recordsTable,
  seriesFrame,
  type TableSpec,
  tableName,
} from './tabular.ts';

export const PICKLE_KIND = 'pickle';
const GENERATED_MARK = '[made by mlduck ingest pickle]';
/** Largest decompressed gzip pickle accepted (1 GiB). */
const MAX_DECOMPRESSED = 1024 ** 3;

function normalType(sqlType: string): string {
  return sqlType.replace('TIMESTAMPTZ', 'TIMESTAMP WITH TIME ZONE').toUpperCase();
}

/** Creates (or reuses, when the columns match) a table made from pickled data, then loads it. */
async function writeGeneratedTable(
  ctx: IngestContext,
  name: string,
  spec: TableSpec,
  sourceKey: string | null,
  sourceType: string,
): Promise<void> {
  const conn = ctx.conn;
  const existing = await ctx.wh.all<{ column_name: string; data_type: string }>(
    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index",
    [name],
  );
  const wanted = [{ name: 'ingest_id', sqlType: 'BIGINT' }, ...spec.columns];
  if (existing.length > 0) {
    const comment = await ctx.wh.scalar<string | null>(
      "SELECT comment FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $1",
      [name],
    );
    if (!comment?.includes(GENERATED_MARK)) {
      throw new MlduckError(`table ${name} already exists and was not made by mlduck ingest pickle`, {
        file: ctx.path,
        kind: 'usage',
        hint: 'pass --table with another name',
      });
    }
    const same =
      existing.length === wanted.length &&
      existing.every(
        (c, i) => c.column_name === wanted[i]!.name && c.data_type === normalType(wanted[i]!.sqlType),
      );
    if (!same) {
      // Rows of the older version of this file are being replaced: they do not keep the old columns.
      const rows = await ctx.wh.scalar<bigint>(
        `SELECT count(*) FROM ${sqlIdent(name)} WHERE ingest_id NOT IN (${[ctx.ingestId, ...ctx.replacing].join(', ')})`,
      );
      if (rows && rows > 0n) {
        throw new MlduckError(`table ${name} exists with other columns and holds rows of other ingests`, {
          file: ctx.path,
          kind: 'input',
          hint: 'pass --table with another name, or drop the old table first',
        });
      }
      await conn.run(`DROP TABLE ${sqlIdent(name)}`);
    }
  }
  if (
    existing.length === 0 ||
    (await ctx.wh.all('SELECT 1 FROM duckdb_tables() WHERE table_name = $1', [name])).length === 0
  ) {
    const defs = wanted.map(
      (c) => `${sqlIdent(c.name)} ${c.sqlType}${c.name === 'ingest_id' ? ' NOT NULL' : ''}`,
    );
    let ddl = `CREATE TABLE ${sqlIdent(name)} (${defs.join(', ')});\n`;
    ddl += `COMMENT ON TABLE ${sqlIdent(name)} IS ${sqlString(`${spec.description} ${GENERATED_MARK}`)};\n`;
    ddl += `COMMENT ON COLUMN ${sqlIdent(name)}.ingest_id IS 'The ingest that wrote the row (ingest_log).';\n`;
    for (const c of spec.columns) {
      ddl += `COMMENT ON COLUMN ${sqlIdent(name)}.${sqlIdent(c.name)} IS ${sqlString(c.comment)};\n`;
    }
    await conn.run(ddl);
  }
  const cells = spec.columns.map((c) => c.cell);
  const width = cells.length + 1;
  const row: Cell[] = new Array(width);
  await appendCells(conn, name, spec.rows, (i) => {
    row[0] = ctx.ingestId;
    for (let c = 1; c < width; c++) row[c] = cells[c - 1]!(i);
    return row;
  });
  await appendCells(
    conn,
    'pickle_tables',
    1,
    () => [ctx.ingestId, name, sourceKey, sourceType, spec.rows, wanted.map((c) => c.name)],
    PICKLE_TABLES_COLUMNS,
  );
}

/** pickle_tables, in the order `writeGeneratedTable` records a table. */
const PICKLE_TABLES_COLUMNS = [
  'ingest_id',
  'table_name',
  'source_key',
  'source_type',
  'row_count',
  'columns',
] as const satisfies readonly ColumnOf<'pickle_tables'>[];

/** Tabular members of a value: the value itself, or the members of a (nested) dict. */
function tabularMembers(
  value: Lowered,
  base: string,
  key: string | null,
  out: { name: string; key: string | null; value: Lowered }[],
  skipped: string[],
): void {
  if (value instanceof Frame || value instanceof SeriesValue || isRecordList(value)) {
    out.push({ name: base, key, value });
    return;
  }
  // dr_wandb *_histories.pkl: one list of history rows per run → one table of all rows
  if (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((v) => v === null || (Array.isArray(v) && (v.length === 0 || isRecordList(v))))
  ) {
    const flat = value.flatMap((v) => (Array.isArray(v) ? v : []));
    if (flat.length > 0) {
      out.push({ name: base, key, value: flat });
      return;
    }
  }
  if (value instanceof LDict) {
    for (const [k, v] of value.entries) {
      const text = labelText(k);
      tabularMembers(v, `${base}_${tableName(text)}`, key === null ? text : `${key}.${text}`, out, skipped);
    }
    return;
  }
  if (key !== null) skipped.push(key);
}

/** dr_wandb pickle exports (upstream-sources.md §2.4): runs = list of RunRecord dicts, histories = rows per run. */
function drWandbShape(value: Lowered): 'runs' | 'histories' | null {
  if (!isRecordList(value)) return null;
  const first = value[0]!;
  if (first.get('run_id') === undefined) return null;
  if (first.get('config') !== undefined && first.get('summary') !== undefined) return 'runs';
  if (first.get('step') !== undefined && first.get('metrics') !== undefined) return 'histories';
  return null;
}

async function writeGeneric(ctx: IngestContext, value: Lowered, base: string): Promise<void> {
  const members: { name: string; key: string | null; value: Lowered }[] = [];
  const skipped: string[] = [];
  tabularMembers(value, base, null, members, skipped);
  if (members.length === 0) {
    throw new MlduckError('the pickle holds no DataFrame, Series, list of dicts or dict of those', {
      file: ctx.path,
      hint: 'mlduck ingest pickle loads tabular pickles; other values have no table shape',
    });
  }
  for (const m of members) {
    const shape = drWandbShape(m.value);
    if (shape) {
      ctx.warn(
        `${m.name}: looks like a dr_wandb ${shape} export; the W&B tables are not fed from pickles yet, so it was loaded as a generic table`,
      );
    }
  }
  if (skipped.length > 0)
    ctx.warn(
      `not tabular, not loaded: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', …' : ''}`,
    );
  const seen = new Set<string>();
  for (const m of members) {
    if (seen.has(m.name)) throw new MlduckError(`two members map to table ${m.name}`, { file: ctx.path });
    seen.add(m.name);
    const where = m.key === null ? '' : ` member ${m.key}`;
    const warn = (msg: string) => ctx.warn(`${m.name}: ${msg}`);
    const description = `Pickled ${m.value instanceof Frame ? 'DataFrame' : m.value instanceof SeriesValue ? 'Series' : 'list of dicts'}${where} from ${ctx.path}.`;
    if (m.value instanceof Frame)
      await writeGeneratedTable(ctx, m.name, frameTable(m.value, description, warn), m.key, 'DataFrame');
    else if (m.value instanceof SeriesValue) {
      await writeGeneratedTable(
        ctx,
        m.name,
        frameTable(seriesFrame(m.value), description, warn),
        m.key,
        'Series',
      );
    } else
      await writeGeneratedTable(
        ctx,
        m.name,
        recordsTable(m.value as LDict[], description, warn),
        m.key,
        'list of dicts',
      );
  }
}

/** Environment variables that raise (or lower) the decode limits of the pickle reader, see docs/pickle.md. */
const LIMIT_VARIABLES: [keyof ReadLimits, string][] = [
  ['maxElements', 'MLDUCK_PICKLE_MAX_ELEMENTS'],
  ['maxDecodedBytes', 'MLDUCK_PICKLE_MAX_DECODED_BYTES'],
];

/** Limits set through the environment (a positive integer each); anything else is a usage error. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ReadLimits> {
  const out: Partial<ReadLimits> = {};
  for (const [key, variable] of LIMIT_VARIABLES) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
      throw new MlduckError(`${variable} must be a positive integer, got ${JSON.stringify(text)}`, {
        kind: 'usage',
      });
    }
    out[key] = value;
  }
  return out;
}

/** The file's bytes; a link loop or a missing file is named as what it is. */
function readInput(path: string, shownAs: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'ENOENT' || code === 'EACCES') {
      const named = new MlduckError(`cannot read: ${code}`, { file: shownAs });
      try {
        statPath(path);
      } catch (problem) {
        if (problem instanceof MlduckError)
          throw new MlduckError(problem.message, { file: shownAs, kind: problem.kind });
      }
      throw named;
    }
    throw error;
  }
}

/** Reads and lowers a pickle file; errors name the file and the byte offset. */
export function readPickleFile(
  path: string,
  shownAs: string = path,
  limits: Partial<ReadLimits> = limitsFromEnv(),
): Lowered {
  let data: Uint8Array = readInput(path, shownAs);
  let container = sniffContainer(data);
  if (container === 'gzip') {
    // df.to_pickle('x.pkl.gz'); the output cap guards against decompression bombs
    try {
      data = gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED });
    } catch (error) {
      throw new MlduckError(`cannot decompress gzip pickle: ${(error as Error).message}`, {
        file: shownAs,
        hint: `the decompressed size is capped at ${MAX_DECOMPRESSED} bytes`,
      });
    }
    container = sniffContainer(data);
  }
  if (container) {
    throw new MlduckError(`this is a ${container} file, not a raw pickle`, {
      file: shownAs,
      hint: 'decompress it first (pandas to_pickle compresses by file extension)',
    });
  }
  try {
    return readPickle(data, limits);
  } catch (error) {
    if (error instanceof PickleError) {
      throw new MlduckError(error.message, {
        file: shownAs,
        offset: error.pickleOffset,
        kind: 'input',
        ...(error.hint ? { hint: error.hint } : {}),
        cause: error,
      });
    }
    throw error;
  }
}

/** Checks a --table name: a plain table name, as tableName() would make it. */
export function checkTableOption(name: string): string {
  const table = tableName(name);
  if (table !== name) {
    throw new MlduckError(`--table ${name} is not a plain table name`, {
      kind: 'usage',
      hint: `use lowercase letters, digits and underscores, e.g. ${table}`,
    });
  }
  return table;
}

/** Reads the pickle of the ingest and writes its tables: the known dr_showntell shapes, or generic ones. */
export async function loadPickle(ingestCtx: IngestContext, table: string | undefined): Promise<void> {
  // Warnings quote keys and column labels from the pickle: escape their control characters.
  const ctx: IngestContext = { ...ingestCtx, warn: (message: string) => ingestCtx.warn(printable(message)) };
  const value = readPickleFile(ctx.absolutePath, ctx.path);
  const modernized = recognizeModernized(value);
  if (modernized)
    return writeModernized(ctx, modernized, (name, spec, key) =>
      writeGeneratedTable(ctx, name, spec, key, 'DataFrame'),
    );
  const matched = recognizeMatched(value);
  if (matched) return writeMatched(ctx, matched);
  await writeGeneric(
    ctx,
    value,
    table ?? tableName(basename(ctx.absolutePath).replace(/\.(pkl|pickle|p)(\.gz)?$/i, '')),
  );
}
