/**
 * One `<task>-predictions.jsonl` stream → batches of typed questions: lines parsed once, checked (fields,
 * the file's hashes on every line, no repeated doc_id) and gathered by column. The first bad line stops
 * the read with an MlduckError naming the file and line.
 */
import { MlduckError } from '../../src/errors.ts';
import { type QuestionBatch, QuestionBatchBuilder } from './batch.ts';
import { LineProblem, parseJsonLine, type ReadLine, readPredictionsLine } from './fields.ts';
import { LineDecodeError, LineSplitter } from './lines.ts';

export const PREDICTIONS_HINT =
  'each line of <task>-predictions.jsonl is one OLMES question: {doc_id, native_id, label, task_hash, model_hash, metrics, model_output: [one object per answer choice]}';

/** Characters of a bad line shown in its error. */
const SHOWN_CHARS = 80;

export interface PredictionsSummary {
  /** The hashes of the file's first question (every line carries the same). */
  taskHash: string | null;
  modelHash: string | null;
  questions: number;
}

export type BatchSink = (batch: QuestionBatch, transfer: ArrayBuffer[]) => Promise<void> | void;

/** Reads one predictions file (`file`: its index in the unit, `source`: its name in errors). */
export async function readPredictions(
  file: number,
  source: string,
  bytes: AsyncIterable<Buffer>,
  batchQuestions: number,
  sink: BatchSink,
): Promise<PredictionsSummary> {
  const summary: PredictionsSummary = { taskHash: null, modelHash: null, questions: 0 };
  const lineError = (line: number, problem: string) =>
    new MlduckError(`predictions line ${problem}`, { file: source, line, hint: PREDICTIONS_HINT });
  const seen = new Map<number, number>();
  const builder = new QuestionBatchBuilder(file, batchQuestions);
  const full: ReturnType<QuestionBatchBuilder['take']>[] = [];

  const onLine = (text: string, line: number) => {
    if (text === '' || text === '\r') return;
    let parsed: unknown;
    try {
      parsed = parseJsonLine(text);
    } catch (error) {
      const shown = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
      throw lineError(line, `is not valid JSON (${(error as Error).message}): ${shown}`);
    }
    let read: ReadLine;
    try {
      read = readPredictionsLine(parsed);
    } catch (error) {
      if (error instanceof LineProblem) throw lineError(line, error.message);
      throw error;
    }
    if (summary.questions === 0) {
      summary.taskHash = read.taskHash;
      summary.modelHash = read.modelHash;
    } else if (read.taskHash !== summary.taskHash || read.modelHash !== summary.modelHash) {
      throw lineError(
        line,
        `has task_hash ${read.taskHash} / model_hash ${read.modelHash}, but the first line of the file has ${summary.taskHash} / ${summary.modelHash}`,
      );
    }
    const earlier = seen.get(read.docId);
    if (earlier !== undefined) {
      throw lineError(line, `repeats doc_id ${read.docId} of an earlier line (line ${earlier})`);
    }
    seen.set(read.docId, line);
    summary.questions++;
    builder.add(read, line);
    if (builder.full) full.push(builder.take());
  };

  const splitter = new LineSplitter(onLine);
  const send = async () => {
    for (let next = full.shift(); next; next = full.shift()) await sink(next.batch, next.transfer);
  };
  try {
    for await (const chunk of bytes) {
      splitter.push(chunk);
      await send();
    }
    splitter.end();
  } catch (error) {
    if (error instanceof LineDecodeError) throw lineError(error.line, 'is not UTF-8 text');
    throw error;
  }
  await send();
  if (builder.size > 0) {
    const last = builder.take();
    await sink(last.batch, last.transfer);
  }
  return summary;
}
