/**
 * Migrations: `sql/NNN_*.sql` table migrations applied once, in order, recorded with their checksum in
 * `schema_migrations` (an applied file that changed refuses a read-write open); `views/*.sql` re-created
 * when their file changes, recorded in `schema_views`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, MlduckError } from './errors.ts';
import { sha256Text } from './hash.ts';
import { sqlIdent } from './sql.ts';
import type { Warehouse } from './warehouse.ts';

/** Where a warehouse's schema comes from. */
export interface SchemaDirs {
  /** Folder of `NNN_name.sql` table migrations. */
  sqlDir: string;
  /** Folder of `<view>.sql` view definitions. */
  viewsDir: string;
}

export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied migrations whose file text is no longer what was applied (released migrations never change). */
  changed: { file: string; applied: string; current: string }[];
}

/** Statements of a view file per transaction: 25 catalog versions of the widest view stay near 10 MB. */
const VIEW_STATEMENTS_PER_TRANSACTION = 25;

const MIGRATION_NAME = /^(\d{3,})_[a-z0-9_]+\.sql$/;

function listSqlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

async function ensureMigrationTables(wh: Warehouse): Promise<void> {
  await wh.conn.run(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version VARCHAR NOT NULL, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL
    );
    COMMENT ON TABLE schema_migrations IS 'Table migrations (sql/NNN_*.sql) applied to this warehouse, one row each, applied exactly once in order.';
    COMMENT ON COLUMN schema_migrations.version IS 'The NNN prefix of the migration file.';
    COMMENT ON COLUMN schema_migrations.name IS 'The migration file name.';
    COMMENT ON COLUMN schema_migrations.checksum IS 'sha256 of the file text when it was applied.';
    COMMENT ON COLUMN schema_migrations.applied_at IS 'When the migration was applied (UTC).';
    CREATE TABLE IF NOT EXISTS schema_views (
      name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL
    );
    COMMENT ON TABLE schema_views IS 'View definitions (views/*.sql) currently installed, with the checksum of the file they came from; changed files are re-applied on open.';
    COMMENT ON COLUMN schema_views.name IS 'The view file name.';
    COMMENT ON COLUMN schema_views.checksum IS 'sha256 of the view file text that was applied.';
    COMMENT ON COLUMN schema_views.applied_at IS 'When the view was last (re)created (UTC).';
  `);
}

/** Which migration files are applied, pending, or changed since they were applied. Works read-only. */
export async function migrationStatus(wh: Warehouse, dirs: SchemaDirs): Promise<MigrationStatus> {
  const files = migrationFiles(dirs);
  const exists = await wh.scalar<bigint>(
    "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations' AND schema_name = 'main'",
  );
  const applied = new Map<string, string>();
  if (exists && exists > 0n) {
    for (const row of await wh.all<{ name: string; checksum: string }>(
      'SELECT name, checksum FROM schema_migrations',
    ))
      applied.set(row.name, row.checksum);
  }
  const changed: MigrationStatus['changed'] = [];
  for (const file of files) {
    const was = applied.get(file);
    if (was === undefined) continue;
    const current = sha256Text(readFileSync(join(dirs.sqlDir, file), 'utf8'));
    if (current !== was) changed.push({ file, applied: was, current });
  }
  return {
    applied: files.filter((f) => applied.has(f)),
    pending: files.filter((f) => !applied.has(f)),
    changed,
  };
}

function migrationFiles(dirs: SchemaDirs): string[] {
  const files = listSqlFiles(dirs.sqlDir);
  for (const file of files) {
    if (!MIGRATION_NAME.test(file)) {
      throw new MlduckError(`migration file name ${file} is not NNN_name.sql`, {
        kind: 'internal',
        file: join(dirs.sqlDir, file),
      });
    }
  }
  return files;
}

/** Applies pending `sql/` migrations in order, each in its own transaction, then syncs `views/`. */
export async function migrate(
  wh: Warehouse,
  dirs: SchemaDirs,
): Promise<{ applied: string[]; views: string[] }> {
  await ensureMigrationTables(wh);
  const { pending, changed } = await migrationStatus(wh, dirs);
  const first = changed[0];
  if (first) {
    // Building on a schema other than the one the files describe would be silent drift: refuse.
    throw new MlduckError(
      `${wh.path} was migrated with another text of ${first.file} (applied sha256 ${first.applied.slice(0, 12)}…, this mlduck's ${first.current.slice(0, 12)}…)${changed.length > 1 ? ` and ${changed.length - 1} more` : ''}`,
      {
        kind: 'input',
        file: join(dirs.sqlDir, first.file),
        hint: 'released migrations never change: open it with the mlduck version that built it (read-only works with this one), or rebuild it (mlduck export DIR, then mlduck import DIR into a new file)',
      },
    );
  }
  for (const file of pending) {
    const text = readFileSync(join(dirs.sqlDir, file), 'utf8');
    try {
      await wh.transaction(async (conn) => {
        await conn.run(text);
        await conn.run(
          'INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, now())',
          [MIGRATION_NAME.exec(file)![1]!, file, sha256Text(text)],
        );
      });
    } catch (error) {
      throw new MlduckError(`migration ${file} failed: ${errorMessage(error)}`, {
        kind: 'internal',
        file: join(dirs.sqlDir, file),
        cause: error,
      });
    }
  }
  const views = await syncViews(wh, dirs);
  return { applied: pending, views };
}

/**
 * (Re)creates the views whose file changed, drops views whose file is gone. Views may use each other,
 * so a view that fails is retried after the others until no more progress is made.
 */
async function syncViews(wh: Warehouse, dirs: SchemaDirs): Promise<string[]> {
  const files = listSqlFiles(dirs.viewsDir);
  const installed = new Map<string, string>();
  for (const row of await wh.all<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM schema_views',
  )) {
    installed.set(row.name, row.checksum);
  }
  const existingViews = new Set(
    (await wh.all<{ view_name: string }>('SELECT view_name FROM duckdb_views() WHERE NOT internal')).map(
      (r) => r.view_name,
    ),
  );
  let todo = files
    .map((file) => ({ file, text: readFileSync(join(dirs.viewsDir, file), 'utf8') }))
    .filter(({ file, text }) => {
      const viewName = file.slice(0, -'.sql'.length);
      return installed.get(file) !== sha256Text(text) || !existingViews.has(viewName);
    });
  const removed = [...installed.keys()].filter((name) => !files.includes(name));
  const applied: string[] = [];
  if (todo.length === 0 && removed.length === 0) return applied;

  // Not one transaction: every COMMENT ON a view makes a new catalog version of it that a transaction
  // keeps until COMMIT, so the 1,939 column comments of pretrain_eval_wide cost ~750 MB in one transaction
  // against a few MB in small ones. Crash safety comes from the order instead: a view's schema_views row
  // is written only after all of its statements (view files are CREATE OR REPLACE), so a crash in between
  // leaves a checksum that does not match and the next open re-applies that view.
  const conn = wh.conn;
  for (const name of removed) {
    await conn.run('DELETE FROM schema_views WHERE name = $1', [name]);
    await conn.run(`DROP VIEW IF EXISTS ${sqlIdent(name.slice(0, -'.sql'.length))}`);
  }
  while (todo.length > 0) {
    const failed: { file: string; text: string; error: string }[] = [];
    for (const item of todo) {
      try {
        await runInSmallTransactions(wh, item.text);
      } catch (error) {
        failed.push({ ...item, error: errorMessage(error) });
        continue;
      }
      await wh.transaction(async (tx) => {
        await tx.run('DELETE FROM schema_views WHERE name = $1', [item.file]);
        await tx.run('INSERT INTO schema_views (name, checksum, applied_at) VALUES ($1, $2, now())', [
          item.file,
          sha256Text(item.text),
        ]);
      });
      applied.push(item.file);
    }
    if (failed.length === todo.length) {
      const first = failed[0]!;
      throw new MlduckError(`view ${first.file} failed: ${first.error}`, {
        kind: 'internal',
        file: join(dirs.viewsDir, first.file),
      });
    }
    todo = failed;
  }
  return applied;
}

/**
 * Runs the statements of a view file in transactions of at most VIEW_STATEMENTS_PER_TRANSACTION
 * statements: bounded memory (see syncViews) without one commit per COMMENT ON.
 */
async function runInSmallTransactions(wh: Warehouse, text: string): Promise<void> {
  const statements = await wh.conn.extractStatements(text);
  for (let from = 0; from < statements.count; from += VIEW_STATEMENTS_PER_TRANSACTION) {
    const to = Math.min(statements.count, from + VIEW_STATEMENTS_PER_TRANSACTION);
    await wh.transaction(async () => {
      for (let i = from; i < to; i++) await (await statements.prepare(i)).run();
    });
  }
}
