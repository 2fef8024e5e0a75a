/**
 * The heads of the INSERTs every DataDecide file kind shares (full_eval, HF eval results, HF perplexities):
 * columns named once, checked against the generated schema.
 */
import { insertInto } from '../../src/db/tables.ts';

export const INSERT_CHECKPOINTS = insertInto('pretrain_checkpoints', [
  'ingest_id',
  'source_format',
  'source_row',
  'params',
  'data',
  'seed',
  'step',
  'tokens',
  'compute',
  'total_steps',
  'warmup_steps',
  'lr_max',
  'batch_size',
  'lr_at_step',
  'cumulative_lr',
  'schedule_source',
]);

export const INSERT_METRICS = insertInto('pretrain_metrics', [
  'ingest_id',
  'params',
  'data',
  'seed',
  'step',
  'task',
  'metric',
  'value',
  'special',
]);
