// Type test, checked by `tsc --noEmit` (npm run typecheck): typed queries compile, wrong ones do not.
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';

export async function typedQueries(db: Kysely<Database>) {
  const row = await db
    .selectFrom('ingest_log')
    .select(['ingest_id', 'path', 'sha256'])
    .executeTakeFirstOrThrow();
  const id: bigint = row.ingest_id;
  const path: string = row.path;

  // @ts-expect-error a column that does not exist fails to compile
  await db.selectFrom('ingest_log').select(['no_such_column']).execute();

  // @ts-expect-error a table that does not exist fails to compile
  await db.selectFrom('no_such_table').selectAll().execute();

  // @ts-expect-error a VARCHAR column is a string, not a number
  const wrong: number = row.path;

  return { id, path, wrong };
}
