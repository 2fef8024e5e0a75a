/**
 * Replacement by key across ingests, made kill-safe: a load that supersedes other ingests' rows by key (a
 * W&B run exported again into another file) does not delete them in its own transaction — a COMMIT that
 * DuckDB replays only in part could then keep the deletes and lose the inserts — but records what to
 * delete in `ingest_replacements` (rows added with the data, so they vanish with it). Once the ingest is
 * `ok`, `applyReplacements` deletes the old rows and then the entries; cut short, it is simply redone.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlIdent, sqlString } from './sql.ts';

export interface KeyReplacement {
  /** The tables whose older rows are replaced. */
  readonly tables: readonly string[];
  /** The columns that say which rows are the same thing (compared as a tuple). */
  readonly key: readonly string[];
  /** The tables whose rows of the new ingest give the keys (their union). */
  readonly keysFrom: readonly string[];
}

export const REPLACEMENTS_TABLE = 'ingest_replacements';

const list = (names: readonly string[]): string => `[${names.map(sqlString).join(', ')}]`;

/** Records, inside the ingest's data transaction, that its rows replace older ones by `key`. */
export async function replaceOlderRowsByKey(
  conn: DuckDBConnection,
  ingestId: number,
  replacement: KeyReplacement,
): Promise<void> {
  for (const table of replacement.tables) {
    await conn.run(
      `INSERT INTO ${REPLACEMENTS_TABLE} (ingest_id, target_table, key_columns, key_tables)
       VALUES (${ingestId}, ${sqlString(table)}, ${list(replacement.key)}, ${list(replacement.keysFrom)})`,
    );
  }
}

/** The rows of ingests older than `ingestId` in `table` whose key one of the new ingest's rows has. */
export function olderRowsWithKeysOf(
  ingestId: number,
  table: string,
  key: readonly string[],
  keysFrom: readonly string[],
): string {
  const columns = key.map(sqlIdent).join(', ');
  const keys = keysFrom
    .map((source) => `SELECT ${columns} FROM ${sqlIdent(source)} WHERE ingest_id = ${ingestId}`)
    .join(' UNION ');
  return `${sqlIdent(table)} WHERE ingest_id < ${ingestId} AND (${columns}) IN (${keys})`;
}

interface Pending {
  ingest_id: bigint;
  target_table: string;
  key_columns: string[];
  key_tables: string[];
}

/**
 * Carries out the replacements of ingests that committed (`ok`, or since superseded by a newer version of
 * their path) and drops the entries of any other (the older rows stay when the new ones never committed). Deletes first, entries after, each in its own transaction
 * (`inTransaction`), so a kill between them only means deleting nothing again next time.
 */
export async function applyReplacements(
  conn: DuckDBConnection,
  inTransaction: (fn: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const reader = await conn.runAndReadAll(
    `SELECT r.ingest_id, r.target_table, r.key_columns, r.key_tables,
       l.status IN ('ok', 'superseded', 'replaced') AS ready
     FROM ${REPLACEMENTS_TABLE} r LEFT JOIN ingest_log l USING (ingest_id) ORDER BY r.ingest_id`,
  );
  const rows = reader.getRowObjectsJS() as unknown as (Pending & { ready: boolean | null })[];
  if (rows.length === 0) return;
  const ready = rows.filter((r) => r.ready === true);
  if (ready.length > 0) {
    await inTransaction(async () => {
      for (const r of ready) {
        const id = Number(r.ingest_id);
        await conn.run(`DELETE FROM ${olderRowsWithKeysOf(id, r.target_table, r.key_columns, r.key_tables)}`);
      }
    });
  }
  await inTransaction(async () => {
    await conn.run(
      `DELETE FROM ${REPLACEMENTS_TABLE} WHERE ingest_id IN (${rows.map((r) => Number(r.ingest_id)).join(', ')})`,
    );
  });
}
