import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBMaterializedResult,
  type DuckDBValue,
} from '@duckdb/node-api';
import { errorMessage, MlduckError } from './errors.ts';
import { sha256File } from './hash.ts';
import { discardOpenWriters } from './load.ts';
import { type MigrationStatus, migrate, migrationStatus, type SchemaDirs } from './migrations.ts';
import { buildSnapshot, createFromSnapshot } from './new-warehouse.ts';
import { recordedPath, warehouseFolder } from './paths.ts';
import { applyReplacements, REPLACEMENTS_TABLE } from './replacements.ts';
import { sqlIdent, sqlString } from './sql.ts';
import { MLDUCK_VERSION, PACKAGE_ROOT } from './version.ts';

export const DEFAULT_DB_PATH = 'warehouse.duckdb';

export type { MigrationStatus } from './migrations.ts';

export interface OpenOptions {
  /** Open for queries only: no migrations, no writes, other read-only processes may share the file. */
  readOnly?: boolean;
  /** Folder of `NNN_name.sql` table migrations (default: the package's `sql/`). */
  sqlDir?: string;
  /** Folder of `<view>.sql` view definitions (default: the package's `views/`). */
  viewsDir?: string;
  /**
   * A new warehouse with the package's schema starts as a copy of the build's schema snapshot
   * (src/new-warehouse.ts) when there is one for this exact schema. False: always run the migrations.
   */
  fromSnapshot?: boolean;
}

export type SqlParams = DuckDBValue[] | Record<string, DuckDBValue>;
export type Row = Record<string, unknown>;

/** What an ingest function may use: the open transaction, its id, and a way to report warnings. */
export interface IngestContext {
  readonly ingestId: number;
  readonly kind: string;
  /** The path as recorded in `ingest_log` (relative to the working directory when inside it). */
  readonly path: string;
  /** The absolute path of the input. */
  readonly absolutePath: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly wh: Warehouse;
  readonly conn: DuckDBConnection;
  /**
   * Earlier ingests of the same path that this one replaces. Their rows are still present while `fn` runs
   * and are removed only after this ingest committed (see `Warehouse.ingest`): a load that deletes rows of
   * other ingests must leave these alone.
   */
  readonly replacing: readonly number[];
  warn(message: string): void;
}

export interface IngestOptions {
  /** Recorded in `ingest_log.options` as JSON. */
  options?: Record<string, unknown>;
  /** Re-ingest even when the same bytes were ingested before. */
  force?: boolean;
  /**
   * The content's identity when the input is not one file (a checkpoint directory of several files):
   * the caller hashes what it will read, and the path may then be a directory.
   */
  content?: { sha256: string; bytes: number };
}

export type IngestStatus = 'ok' | 'skipped' | 'failed';

/**
 * The states of an `ingest_log` row. `running`: announced before its data transaction; `superseded`: a
 * newer version of the path committed, its rows are being removed; both are finished by the next
 * read-write open if the process died (`interrupted`, `replaced`).
 */
export type IngestLogStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'superseded' | 'replaced';

export interface IngestReport {
  kind: string;
  path: string;
  status: IngestStatus;
  ingestId: number | null;
  sha256: string;
  bytes: number;
  /** Rows written per table by this ingest. */
  rows: Record<string, number>;
  warnings: string[];
  /** Earlier ingests of the same path whose rows this one replaced. */
  replaced: number[];
  /** Why it was skipped or failed. */
  message?: string;
}

/**
 * One `ingest_log` row written by a caller that does its own reading and writing (a scan of a folder, a
 * conversion), i.e. whose ingest is not one function over one file (see `Warehouse.recordIngest`).
 */
export interface IngestRecord {
  /** From `Warehouse.nextIngestId()`; the rows the caller wrote carry it. */
  ingestId: number;
  kind: string;
  /** The path as recorded (see `recordedPath`). */
  path: string;
  sha256: string;
  bytes: number;
  /** Rows written per table, recorded as given. */
  rows: Record<string, number>;
  warnings?: readonly string[];
  /** Recorded in `ingest_log.options` as JSON. */
  options?: Record<string, unknown>;
  /** When the ingest started (default: now). */
  startedAt?: Date;
  /** 'ok' (default), 'failed' with `error`, or 'running' (announced before the data transaction). */
  status?: 'ok' | 'failed' | 'running';
  error?: string | null;
  /**
   * Earlier ingests whose rows this one replaced (the caller already deleted them): their log rows that
   * are still `ok` become `replaced`, with `replaced_by` = this ingest.
   */
  replaces?: readonly number[];
}

/** An earlier successful ingest of one kind and path. */
export interface PreviousIngest {
  ingestId: number;
  sha256: string;
}

const LOCK_PATTERN = /Could not set lock on file "([^"]+)": Conflicting lock is held in (.*?) \(PID (\d+)\)/;

/**
 * The mlduck command a process runs (`mlduck shell --write`), read from /proc on Linux; undefined for
 * other programs (the DuckDB CLI, a notebook) or where /proc is missing.
 */
export function mlduckCommandOf(pid: number): string | undefined {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
  const bin = argv.findIndex((arg) => /(^|[/\\])mlduck(\.js)?$/.test(arg));
  if (bin < 0) return undefined;
  return ['mlduck', ...argv.slice(bin + 1)]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a)))
    .join(' ');
}

/** Turns DuckDB's open errors into one actionable line. */
function openError(path: string, readOnly: boolean, error: unknown): MlduckError {
  const message = errorMessage(error);
  const lock = LOCK_PATTERN.exec(message);
  if (lock) {
    const command = mlduckCommandOf(Number(lock[3]));
    const holder = command ? `\`${command}\`, PID ${lock[3]}` : `${lock[2]}, PID ${lock[3]}`;
    return new MlduckError(`warehouse ${path} is locked by another process (${holder})`, {
      kind: 'locked',
      hint: 'DuckDB allows one writer or many readers: wait for the writer to finish, then retry; concurrent read-only access (--read-only) works whenever no writer holds the file',
      cause: error,
    });
  }
  if (/not a valid DuckDB database file/.test(message)) {
    return new MlduckError(`${path} exists but is not a DuckDB database file`, {
      kind: 'input',
      hint: 'pass another --db path, or move the file away to create a new warehouse',
      cause: error,
    });
  }
  if (/database does not exist/.test(message) && readOnly) {
    return new MlduckError(`warehouse ${path} does not exist`, {
      kind: 'input',
      hint: 'build one with `mlduck demo` or `mlduck ingest …` first',
      cause: error,
    });
  }
  if (/Is a directory/.test(message)) {
    return new MlduckError(`${path} is a directory, not a DuckDB database file`, {
      kind: 'input',
      cause: error,
    });
  }
  return new MlduckError(`cannot open warehouse ${path}: ${message}`, { kind: 'input', cause: error });
}

/**
 * One DuckDB warehouse file, opened once per process. Owns the connection used for writes, the
 * migrations of `sql/` and `views/`, and the ingest protocol (hash, skip, replace, one transaction, log).
 */
export class Warehouse {
  readonly path: string;
  readonly readOnly: boolean;
  readonly instance: DuckDBInstance;
  /** The warehouse's main connection: every transaction runs on it. */
  readonly conn: DuckDBConnection;
  private readonly sqlDir: string;
  private readonly viewsDir: string;
  private inTransaction = false;
  private closed = false;
  private bookkeeping: { log: boolean; replacements: boolean } | null = null;

  private constructor(
    path: string,
    readOnly: boolean,
    instance: DuckDBInstance,
    conn: DuckDBConnection,
    sqlDir: string,
    viewsDir: string,
  ) {
    this.path = path;
    this.readOnly = readOnly;
    this.instance = instance;
    this.conn = conn;
    this.sqlDir = sqlDir;
    this.viewsDir = viewsDir;
  }

  /**
   * Fails now, with the error `open` would give, when a later read-write open of `path` would fail: an
   * existing warehouse is opened and let go (another process holding it is found before a long job, not
   * after it); for one that does not exist yet only its folder is checked, so a job that fails creates no
   * warehouse and the new one is made once, when the job writes to it.
   */
  static async checkWritable(path: string = DEFAULT_DB_PATH): Promise<void> {
    if (path === ':memory:') return;
    if (existsSync(path)) {
      (await Warehouse.open(path)).close();
      return;
    }
    const folder = dirname(resolve(path));
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
      throw new MlduckError(`cannot open warehouse ${path}: its folder ${folder} does not exist`, {
        kind: 'input',
      });
    }
  }

  /** Opens (or creates) a warehouse and brings its schema up to date unless read-only. */
  static async open(path: string = DEFAULT_DB_PATH, options: OpenOptions = {}): Promise<Warehouse> {
    const readOnly = options.readOnly ?? false;
    const isMemory = path === ':memory:';
    if (!isMemory && existsSync(path) && statSync(path).isDirectory()) {
      throw new MlduckError(`${path} is a directory, not a DuckDB database file`, { kind: 'input' });
    }
    const packageSchema = options.sqlDir === undefined && options.viewsDir === undefined;
    if (!readOnly && !isMemory && packageSchema && options.fromSnapshot !== false) createFromSnapshot(path);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, readOnly ? { access_mode: 'READ_ONLY' } : {});
    } catch (error) {
      throw openError(path, readOnly, error);
    }
    const conn = await instance.connect();
    // Paths the warehouse records for its views (tokenized shards) are relative to its folder: DuckDB
    // tries a relative path in the working folder first, then in file_search_path, so they resolve anywhere.
    if (!isMemory) await conn.run(`SET file_search_path = ${sqlString(warehouseFolder(path))}`);
    const wh = new Warehouse(
      path,
      readOnly,
      instance,
      conn,
      options.sqlDir ?? join(PACKAGE_ROOT, 'sql'),
      options.viewsDir ?? join(PACKAGE_ROOT, 'views'),
    );
    if (!readOnly) {
      try {
        await wh.migrate();
        await wh.finishInterruptedIngests();
      } catch (error) {
        wh.close();
        throw error;
      }
    }
    return wh;
  }

  /**
   * Builds the schema snapshot new warehouses are copied from (`npm ci`, `npm run build`, the test setup)
   * unless it is current. Returns its path, or null when the package has no sources to key it by.
   */
  static async buildSchemaSnapshot(): Promise<string | null> {
    return buildSnapshot(async (path) => {
      const wh = await Warehouse.open(path, { fromSnapshot: false });
      try {
        await wh.run('CHECKPOINT'); // everything in the one file: a copy of it alone is the database
      } finally {
        wh.close();
      }
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /** Runs SQL (one or more statements) and returns the materialized result. */
  async run(sql: string, params?: SqlParams): Promise<DuckDBMaterializedResult> {
    return params === undefined ? this.conn.run(sql) : this.conn.run(sql, params);
  }

  /** Rows as plain JS objects (BIGINT → bigint, TIMESTAMPTZ → Date, LIST → array, STRUCT → object). */
  async all<T extends Row = Row>(sql: string, params?: SqlParams): Promise<T[]> {
    const reader =
      params === undefined ? await this.conn.runAndReadAll(sql) : await this.conn.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** The first column of the first row, or undefined. */
  async scalar<T = unknown>(sql: string, params?: SqlParams): Promise<T | undefined> {
    const rows =
      params === undefined
        ? (await this.conn.runAndReadAll(sql)).getRowsJS()
        : (await this.conn.runAndReadAll(sql, params)).getRowsJS();
    return rows[0]?.[0] as T | undefined;
  }

  /** A separate connection, e.g. to stream a result while the main one writes. Not part of transactions. */
  async connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  private assertWritable(what: string): void {
    if (this.readOnly) {
      throw new MlduckError(`${what} needs write access, but ${this.path} is open read-only`, {
        kind: 'usage',
        hint: 'run without --read-only',
      });
    }
  }

  /** Runs `fn` in one transaction on the main connection: all of it lands, or none of it. */
  async transaction<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    this.assertWritable('a transaction');
    if (this.inTransaction) {
      throw new MlduckError('nested transactions are not supported', { kind: 'internal' });
    }
    this.inTransaction = true;
    try {
      await this.conn.run('BEGIN TRANSACTION');
      let result: T;
      try {
        result = await fn(this.conn);
      } catch (error) {
        // An appender left open would flush its buffered rows after the rollback, when collected.
        discardOpenWriters(this.conn);
        await this.conn.run('ROLLBACK');
        throw error;
      }
      await this.conn.run('COMMIT');
      return result;
    } finally {
      this.inTransaction = false;
    }
  }

  // ── migrations (src/migrations.ts) ───────────────────────────────────────

  /** Which migration files are applied, pending, or changed since they were applied. Works read-only. */
  migrationStatus(): Promise<MigrationStatus> {
    return migrationStatus(this, this.schemaDirs);
  }

  /** Applies pending `sql/` migrations in order, each in its own transaction, then syncs `views/`. */
  async migrate(): Promise<{ applied: string[]; views: string[] }> {
    this.assertWritable('migrating');
    this.bookkeeping = null; // a migration may add a bookkeeping table
    return migrate(this, this.schemaDirs);
  }

  private get schemaDirs(): SchemaDirs {
    return { sqlDir: this.sqlDir, viewsDir: this.viewsDir };
  }

  // ── ingest protocol ───────────────────────────────────────────────────────

  /** Tables that carry an `ingest_id` column, i.e. whose rows belong to an ingest. */
  async ingestedTables(): Promise<string[]> {
    const rows = await this.all<{ table_name: string }>(`
      SELECT c.table_name FROM duckdb_columns() c
      JOIN duckdb_tables() t ON t.table_name = c.table_name AND t.schema_name = c.schema_name
      WHERE c.column_name = 'ingest_id' AND c.schema_name = 'main'
        AND c.table_name NOT IN ('ingest_log', '${REPLACEMENTS_TABLE}')
      ORDER BY c.table_name`);
    return rows.map((r) => r.table_name);
  }

  /**
   * Ingests one input file: hashes it, skips it when the same bytes at the same path were ingested
   * before, otherwise runs `fn` in one transaction that also deletes the rows of earlier versions of the
   * same path and writes the `ingest_log` row. On error nothing of `fn` remains and a `failed` log row
   * says why; the error is rethrown.
   */
  async ingest(
    kind: string,
    inputPath: string,
    fn: (ctx: IngestContext) => Promise<void>,
    options: IngestOptions = {},
  ): Promise<IngestReport> {
    this.assertWritable('ingest');
    const absolutePath = resolve(inputPath);
    if (!existsSync(absolutePath)) {
      throw new MlduckError('no such file', { file: inputPath, hint: 'check the path' });
    }
    const stat = statSync(absolutePath);
    if (!stat.isFile() && !(options.content && stat.isDirectory())) {
      throw new MlduckError('expected a file, found a directory or special file', { file: inputPath });
    }
    const path = recordedPath(absolutePath);
    const sha256 = options.content?.sha256 ?? (await sha256File(absolutePath));
    const bytes = options.content?.bytes ?? stat.size;
    const report: IngestReport = {
      kind,
      path,
      status: 'ok',
      ingestId: null,
      sha256,
      bytes,
      rows: {},
      warnings: [],
      replaced: [],
    };

    const previous = await this.previousIngests(kind, path);
    const same = previous.find((p) => p.sha256 === sha256);
    if (same && !options.force) {
      report.status = 'skipped';
      report.ingestId = same.ingestId;
      report.message = `unchanged since ingest ${same.ingestId}`;
      return report;
    }

    const ingestId = await this.nextIngestId();
    report.ingestId = ingestId;
    const startedAt = new Date();
    const replacing = previous.map((p) => p.ingestId);
    const ctx: IngestContext = {
      ingestId,
      kind,
      path,
      absolutePath,
      sha256,
      bytes,
      wh: this,
      conn: this.conn,
      replacing,
      warn: (message) => report.warnings.push(message),
    };

    // Kill-safe bookkeeping: a process killed while DuckDB writes a commit to its WAL can leave part of
    // that transaction replayed on the next open (DuckDB recovers uncommitted data in that case). So every
    // step that can be cut short is one whose partial effect the next open can undo or finish:
    //   1. a `running` row is committed before any data;
    //   2. the data transaction only adds rows (the older version's rows stay);
    //   3. one update of ingest_log: this ingest `ok`, the older versions `superseded`;
    //   4. the superseded rows are deleted, then marked `replaced`.
    // `finishInterruptedIngests` (every read-write open) removes the rows of `running` and `superseded`
    // ingests: a kill anywhere leaves the warehouse as it was before the ingest or as after it.
    await this.recordIngest({
      ingestId,
      kind,
      path,
      sha256,
      bytes,
      rows: {},
      options: options.options ?? {},
      startedAt,
      status: 'running',
    });
    try {
      await this.transaction(async () => {
        await fn(ctx);
        report.rows = await this.rowsOf(ingestId);
      });
    } catch (error) {
      report.status = 'failed';
      report.message = errorMessage(error);
      report.rows = {};
      // The failure itself is recorded; the data transaction is already rolled back.
      await this.transaction(async (conn) => {
        await conn.run(
          `UPDATE ingest_log SET status = 'failed', error = $2, warnings = $3::JSON, finished_at = now()
           WHERE ingest_id = $1`,
          [ingestId, report.message ?? null, JSON.stringify(report.warnings)],
        );
      });
      throw error;
    }
    await this.transaction(async (conn) => {
      await conn.run(
        `UPDATE ingest_log SET
           status = CASE WHEN ingest_id = $1 THEN 'ok' ELSE 'superseded' END,
           replaced_by = CASE WHEN ingest_id = $1 THEN NULL ELSE $1 END,
           rows_written = CASE WHEN ingest_id = $1 THEN $2::JSON ELSE rows_written END,
           warnings = CASE WHEN ingest_id = $1 THEN $3::JSON ELSE warnings END,
           finished_at = CASE WHEN ingest_id = $1 THEN now() ELSE finished_at END
         WHERE ingest_id = $1 OR (ingest_id IN (${[0, ...replacing].join(', ')}) AND status = 'ok')`,
        [ingestId, JSON.stringify(report.rows), JSON.stringify(report.warnings)],
      );
    });
    report.replaced = replacing;
    // Step 4: older versions of the path and rows replaced by key go (a live process leaves no `running`
    // row of another).
    await this.finishInterruptedIngests();
    return report;
  }

  /** Rows per table that carry `ingestId` (tables with none left out). */
  private async rowsOf(ingestId: number): Promise<Record<string, number>> {
    const rows: Record<string, number> = {};
    for (const table of await this.ingestedTables()) {
      const count = await this.scalar<bigint>(
        `SELECT count(*) FROM ${sqlIdent(table)} WHERE ingest_id = $1`,
        [ingestId],
      );
      if (count && count > 0n) rows[table] = Number(count);
    }
    return rows;
  }

  /**
   * Which bookkeeping tables the schema has, looked up once per migration: this runs after every ingest,
   * and duckdb_columns() lists every view column too.
   */
  private async bookkeepingTables(): Promise<{ log: boolean; replacements: boolean }> {
    if (!this.bookkeeping) {
      const [found] = await this.all<{ log: boolean | null; replacements: boolean | null }>(
        `SELECT bool_or(table_name = 'ingest_log' AND column_name = 'status') AS log,
           bool_or(table_name = '${REPLACEMENTS_TABLE}') AS replacements
         FROM duckdb_columns() WHERE schema_name = 'main'`,
      );
      this.bookkeeping = { log: found?.log === true, replacements: found?.replacements === true };
    }
    return this.bookkeeping;
  }

  /**
   * Finishes what a killed process left: the rows of `running` ingests (killed before or while their data
   * committed) and of `superseded` ones (replaced by a newer version that committed) are deleted, then
   * their log rows say `interrupted` / `replaced`. Cheap when there is nothing to do (one small query).
   * Runs on every read-write open and at the end of every ingest. Returns the interrupted ingest ids.
   */
  async finishInterruptedIngests(): Promise<number[]> {
    const bookkeeping = await this.bookkeepingTables();
    if (!bookkeeping.log) return [];
    // Committed replacements by key first (src/replacements.ts); the rows they delete are not the ingests'.
    if (bookkeeping.replacements) {
      await applyReplacements(this.conn, (fn) => this.transaction(fn));
    }
    const pending = await this.all<{ ingest_id: bigint; status: string }>(
      "SELECT ingest_id, status FROM ingest_log WHERE status IN ('running', 'superseded') ORDER BY ingest_id",
    );
    if (pending.length === 0) return [];
    const ids = pending.map((r) => Number(r.ingest_id)).join(', ');
    // Deletes first, in their own transaction: cut short, they are simply done again next time.
    await this.transaction(async (conn) => {
      for (const table of await this.ingestedTables()) {
        await conn.run(`DELETE FROM ${sqlIdent(table)} WHERE ingest_id IN (${ids})`);
      }
    });
    await this.transaction(async (conn) => {
      await conn.run(
        `UPDATE ingest_log SET
           status = CASE status WHEN 'running' THEN 'interrupted' ELSE 'replaced' END,
           error = CASE status WHEN 'running'
             THEN 'the process ended before this ingest committed (killed?); its rows were removed on the next open'
             ELSE error END,
           finished_at = CASE status WHEN 'running' THEN now() ELSE finished_at END
         WHERE ingest_id IN (${ids})`,
      );
    });
    return pending.filter((r) => r.status === 'running').map((r) => Number(r.ingest_id));
  }

  /** A new ingest id, for callers that write their rows themselves and then call `recordIngest`. */
  async nextIngestId(): Promise<number> {
    return Number(await this.scalar<bigint>("SELECT nextval('ingest_id_seq')"));
  }

  /** The successful ingests of `kind` at `path` whose rows are still present, oldest first. */
  async previousIngests(kind: string, path: string): Promise<PreviousIngest[]> {
    const rows = await this.all<{ ingest_id: bigint; sha256: string }>(
      "SELECT ingest_id, sha256 FROM ingest_log WHERE kind = $1 AND path = $2 AND status = 'ok' ORDER BY ingest_id",
      [kind, path],
    );
    return rows.map((r) => ({ ingestId: Number(r.ingest_id), sha256: r.sha256 }));
  }

  /**
   * Writes the `ingest_log` row of an ingest whose rows the caller wrote itself (a folder scan, a
   * conversion), and marks the ingests it `replaces` as replaced. Inside an open transaction it joins it
   * (so the log row lands with the data or not at all); otherwise it runs in its own.
   */
  async recordIngest(record: IngestRecord): Promise<void> {
    this.assertWritable('recording an ingest');
    const write = async (): Promise<void> => {
      const replaces = record.replaces ?? [];
      if (replaces.length > 0) {
        await this.conn.run(
          `UPDATE ingest_log SET status = 'replaced', replaced_by = $1
           WHERE ingest_id IN (${replaces.map((id) => Number(id)).join(', ')}) AND status = 'ok'`,
          [record.ingestId],
        );
      }
      await this.conn.run(
        `INSERT INTO ingest_log (ingest_id, kind, path, sha256, bytes, status, rows_written, warnings, error, options,
           started_at, finished_at, mlduck_version, replaced_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7::JSON, $8::JSON, $9, $10::JSON, $11::TIMESTAMPTZ, now(), $12, NULL)`,
        [
          record.ingestId,
          record.kind,
          record.path,
          record.sha256,
          record.bytes,
          record.status ?? 'ok',
          JSON.stringify(record.rows),
          JSON.stringify(record.warnings ?? []),
          record.error ?? null,
          JSON.stringify(record.options ?? {}),
          (record.startedAt ?? new Date()).toISOString(),
          MLDUCK_VERSION,
        ],
      );
    };
    if (this.inTransaction) await write();
    else await this.transaction(write);
  }
}

/**
 * Opens an existing warehouse for a command that only reads: read-only (DuckDB's shared lock, so it never
 * blocks other readers), never creating a file and never migrating.
 */
export async function openReadOnly(
  path: string,
  options: Omit<OpenOptions, 'readOnly'> = {},
): Promise<Warehouse> {
  assertExisting(path);
  return Warehouse.open(path, { ...options, readOnly: true });
}

/** Opens an existing warehouse for writing (`query --write`): like `Warehouse.open`, but never creates one. */
export async function openExistingForWrite(path: string, options: OpenOptions = {}): Promise<Warehouse> {
  assertExisting(path);
  return Warehouse.open(path, { ...options, readOnly: false });
}

function assertExisting(path: string): void {
  if (path === ':memory:') return;
  if (!existsSync(path)) {
    throw new MlduckError(`warehouse ${path} does not exist`, {
      kind: 'input',
      hint: 'build one with `mlduck demo` or `mlduck ingest …` first, or pass another --db',
    });
  }
  if (statSync(path).isDirectory()) {
    throw new MlduckError(`${path} is a directory, not a DuckDB database file`, { kind: 'input' });
  }
}

/**
 * Opens a warehouse for writing, waiting up to `waitSeconds` for another process's lock to go away
 * (`ingest --wait`): retried every 250 ms; `onWait` is told once what it waits for.
 */
export async function openWaitingForLock(
  path: string,
  waitSeconds: number,
  onWait: (error: MlduckError) => void = () => {},
  options: OpenOptions = {},
): Promise<Warehouse> {
  const deadline = Date.now() + waitSeconds * 1000;
  let told = false;
  while (true) {
    try {
      return await Warehouse.open(path, options);
    } catch (error) {
      if (!(error instanceof MlduckError) || error.kind !== 'locked' || Date.now() >= deadline) throw error;
      if (!told) onWait(error);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(250, Math.max(0, deadline - Date.now()))));
    }
  }
}

/** The warehouse path from a flag, then `MLDUCK_DB`, then the default. */
export function resolveDbPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env['MLDUCK_DB'] ?? DEFAULT_DB_PATH;
}
