// The typed queries shown in docs/querying.md; test/tools/querying.test.ts runs them on the demo warehouse.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

/** Runs ranked by their best finite eval score on one task and metric. */
export function bestEvalScores(db: Kysely<Database>, task: string, metric = 'primary_score') {
  return db
    .selectFrom('wandb_run_evals')
    .select(['run_id', (eb) => eb.fn.max('value').as('best')])
    .where('task', '=', task)
    .where('metric', '=', metric)
    .where('value', 'is not', null) // NaN/±Inf are stored as NULL + special
    .groupBy('run_id')
    .orderBy('best', 'desc')
    .execute();
}

/** One run's loss curve: step → value of a history metric, in step order. */
export function lossCurve(db: Kysely<Database>, runId: string, metric = 'train_loss') {
  return db
    .selectFrom('wandb_history')
    .select(['step', 'value'])
    .where('run_id', '=', runId)
    .where('metric', '=', metric)
    .where('value', 'is not', null)
    .orderBy('step')
    .execute();
}

/** Fine-tuned runs beside the pretraining checkpoint they started from (tokens, compute, LR there). */
export function pretrainVsFinetune(db: Kysely<Database>) {
  return db
    .selectFrom('finetune_vs_pretrain')
    .select(['run_id', 'params', 'data', 'step', 'ft_tok', 'pt_tokens', 'pt_compute', 'checkpoint_found'])
    .orderBy('run_id')
    .execute();
}
