// @ts-check
// A script in another project: typed Kysely and Arrow on an mlduck warehouse, in plain Node.
//   npm install /path/to/mlduck && node script.mjs /path/to/warehouse.duckdb
/** @import { Database } from 'mlduck' */
import { createKysely, openWarehouse, queryArrow } from 'mlduck';

const path = process.argv[2] ?? 'warehouse.duckdb';
const wh = await openWarehouse(path); // read-only: never takes the write lock, never creates a file
const db = createKysely(wh); // Kysely<Database>: every table and view of the warehouse, typed

/** Rows of a table or view, by name; `name` must be one of the warehouse's relations. */
async function rowCount(/** @type {keyof Database} */ name) {
  const row = await db.selectFrom(name).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

try {
  // Final-step perplexity on C4 per model size and data recipe, best first: column names and types are checked.
  const rows = await db
    .selectFrom('pretrain_metrics')
    .select(['params', 'data'])
    .select((eb) => eb.fn.avg('value').as('c4_ppl'))
    .where('task', '=', 'c4_en')
    .where('metric', '=', 'valppl')
    .groupBy(['params', 'data'])
    .orderBy('c4_ppl')
    .limit(3)
    .execute();
  for (const row of rows) console.log(`${row.params}\t${row.data}\t${Number(row.c4_ppl).toFixed(2)}`);

  console.log(`qa instances: ${await rowCount('qa_instances')}`);
  const table = await queryArrow(wh, 'SELECT count(*) AS runs FROM wandb_runs');
  console.log(`wandb runs: ${table.get(0)?.toJSON().runs}`);
} finally {
  await db.destroy();
  wh.close();
}
