import { MlduckError } from '../../src/errors.ts';
import type { IngestContext } from '../../src/warehouse.ts';
import type { SourceColumn } from './source.ts';

export async function ingestHfEvalResults(
  ctx: IngestContext,
  _columns: readonly SourceColumn[],
): Promise<void> {
  throw new MlduckError('Hugging Face DataDecide rows are not supported yet', { file: ctx.path });
}
export async function ingestHfPplResults(
  ctx: IngestContext,
  _columns: readonly SourceColumn[],
): Promise<void> {
  throw new MlduckError('Hugging Face DataDecide rows are not supported yet', { file: ctx.path });
}
