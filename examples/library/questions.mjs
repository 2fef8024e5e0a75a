// @ts-check
// Ten questions of this data answered with typed Kysely (docs/querying.md shows each in SQL too).
//   node questions.mjs /path/to/warehouse.duckdb
/** @import { Database, Kysely } from 'mlduck' */
import { createKysely, openWarehouse, sql } from 'mlduck';

/** @param {Kysely<Database>} db */
export const questions = (db) => ({
  // 1. C4 perplexity at the last checkpoint, per model size and pretraining recipe.
  finalC4Perplexity: () =>
    db
      .selectFrom('pretrain_current_metrics as m')
      .select(['m.params', 'm.data', (eb) => eb.fn.avg('m.value').as('c4_ppl')])
      .where('m.task', '=', 'c4_en')
      .where('m.metric', '=', 'valppl')
      .where(({ eb, selectFrom }) =>
        eb(
          'm.step',
          '=',
          selectFrom('pretrain_current_metrics as last')
            .select((e) => e.fn.max('last.step').as('s'))
            .whereRef('last.params', '=', 'm.params')
            .whereRef('last.data', '=', 'm.data'),
        ),
      )
      .groupBy(['m.params', 'm.data'])
      .orderBy('c4_ppl')
      .execute(),

  // 2. Seed spread of the primary metric at the last step: where do seeds disagree most?
  seedSpreadAtLastStep: () =>
    db
      .selectFrom('pretrain_seed_stats as s')
      .select(['s.params', 's.data', 's.task', 's.n_seeds', 's.mean', 's.std'])
      .where('s.metric', '=', 'primary_metric')
      .where(({ eb, selectFrom }) =>
        eb(
          's.step',
          '=',
          selectFrom('pretrain_seed_stats as last')
            .select((e) => e.fn.max('last.step').as('s'))
            .whereRef('last.params', '=', 's.params')
            .whereRef('last.data', '=', 's.data'),
        ),
      )
      .orderBy(sql`s.std DESC NULLS LAST`)
      .limit(10)
      .execute(),

  // 3. QA accuracy recomputed from the per-question rows vs what the eval reported.
  qaRecomputedVsReported: () =>
    db
      .selectFrom('qa_task_accuracy')
      .select(['recipe', 'task', 'step', 'primary_score', 'recomputed_score', 'difference'])
      .orderBy(sql`abs(difference) DESC`)
      .execute(),

  // 4. The best finetune (lowest final train loss) per pretraining recipe.
  bestFinetunePerRecipe: () =>
    db
      .selectFrom('finetune_vs_pretrain as f')
      .innerJoin('run_overview as r', 'r.run_id', 'f.run_id')
      .select([
        'f.data',
        sql`arg_min(r.run_name, r.last_train_loss)`.as('best_run'),
        (eb) => eb.fn.min('r.last_train_loss').as('train_loss'),
      ])
      .groupBy('f.data')
      .orderBy('f.data')
      .execute(),

  // 5. The training-loss curve of one run.
  lossCurve: (/** @type {string} */ runId) =>
    db
      .selectFrom('wandb_history')
      .select(['step', 'value'])
      .where('run_id', '=', runId)
      .where('metric', '=', 'train_loss')
      .orderBy('step')
      .execute(),

  // 6. Runs that did not finish, with how far they got.
  unfinishedRuns: () =>
    db
      .selectFrom('run_overview')
      .select(['run_name', 'state', 'last_step', 'last_train_loss'])
      .where('state', '<>', 'finished')
      .execute(),

  // 7. How much of each tokenized split is padding.
  paddingShare: () =>
    db
      .selectFrom('tokenized_splits')
      .select(['split', 'sequences', 'tokens', sql`pad_tokens / (tokens + pad_tokens)`.as('pad_share')])
      .orderBy('split')
      .execute(),

  // 8. What was ingested, by source and outcome.
  ingestsBySource: () =>
    db
      .selectFrom('ingest_log')
      .select(['kind', 'status', (eb) => eb.fn.countAll().as('ingests'), (eb) => eb.fn.sum('bytes').as('bytes')])
      .groupBy(['kind', 'status'])
      .orderBy('kind')
      .execute(),

  // 9. QA accuracy per task over every question.
  qaAccuracyPerTask: () =>
    db
      .selectFrom('qa_instances')
      .select(['task', (eb) => eb.fn.countAll().as('questions'), (eb) => eb.fn.avg('acc_raw').as('accuracy')])
      .groupBy('task')
      .orderBy('accuracy', 'desc')
      .execute(),

  // 10. The latest version of each registered dataset, split by split.
  latestDatasets: () =>
    db
      .selectFrom('datasets_latest')
      .select(['dataset', 'version', 'split', 'rows', 'format'])
      .where('version', 'is not', null)
      .orderBy('dataset')
      .orderBy('split')
      .execute(),
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const wh = await openWarehouse(process.argv[2] ?? 'warehouse.duckdb');
  const db = createKysely(wh);
  try {
    const q = questions(db);
    const { run_id } = await db.selectFrom('wandb_history').select('run_id').limit(1).executeTakeFirstOrThrow();
    for (const [name, run] of Object.entries(q)) {
      const rows = name === 'lossCurve' ? await q.lossCurve(run_id) : await /** @type {() => Promise<unknown[]>} */ (run)();
      console.log(`${name}: ${rows.length} rows`);
    }
  } finally {
    await db.destroy();
    wh.close();
  }
}
