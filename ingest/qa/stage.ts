/**
 * Predictions lines go from the byte stream into qa_instances / qa_choices: each line is parsed once in
 * JS, checked and typed (fields.ts) and appended through the Appender inside the ingest's transaction.
 * Memory holds one line and the appenders' current data chunks, whatever the input size; DuckDB writes
 * full row groups of a large append to the database file before the commit.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { MlduckError } from '../../src/errors.ts';
import { TableWriter } from '../../src/load.ts';
import {
  type Cell,
  CHOICE_FIELDS,
  INSTANCE_METRICS,
  LineProblem,
  parseJsonLine,
  readPredictionsLine,
} from './fields.ts';
import type { TaskKey } from './layout.ts';
import { LineDecodeError, LineSplitter } from './lines.ts';

export interface PredictionsFile {
  readonly source: string;
  readonly key: TaskKey;
  /** The hashes of the file's first question (every line must carry the same). */
  taskHash: string | null;
  modelHash: string | null;
  questions: number;
}

const HINT =
  'each line of <task>-predictions.jsonl is one OLMES question: {doc_id, native_id, label, task_hash, model_hash, metrics, model_output: [one object per answer choice]}';

/** qa_instances cells after the key columns: doc_id, native_id, native_id_kind, label, metrics, num_choices, line, specials. */
const INSTANCE_CELLS = 4 + INSTANCE_METRICS.length + 3;
/** qa_choices cells after the key columns: doc_id, choice_index, the fields, specials. */
const CHOICE_CELLS = 2 + CHOICE_FIELDS.length + 1;

/** Characters of a bad line shown in its error. */
const SHOWN_CHARS = 80;

function lineError(file: PredictionsFile, line: number, problem: string): MlduckError {
  return new MlduckError(`predictions line ${problem}`, { file: file.source, line, hint: HINT });
}

/** Writes the predictions of one ingest into the qa tables, file by file. */
export class PredictionsStager {
  private readonly files: PredictionsFile[] = [];

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly ingestId: number,
    private readonly instances: TableWriter,
    private readonly choices: TableWriter,
  ) {}

  static async create(conn: DuckDBConnection, ingestId: number): Promise<PredictionsStager> {
    return new PredictionsStager(
      conn,
      ingestId,
      await TableWriter.open(conn, 'qa_instances', { typedCells: true }),
      await TableWriter.open(conn, 'qa_choices', { typedCells: true }),
    );
  }

  /** The files read so far. */
  get stagedFiles(): readonly Readonly<PredictionsFile>[] {
    return this.files;
  }

  /** Reads one predictions file; throws an MlduckError naming its first bad line. */
  async readFile(key: TaskKey, source: string, bytes: AsyncIterable<Buffer>): Promise<void> {
    const file: PredictionsFile = { source, key, taskHash: null, modelHash: null, questions: 0 };
    this.files.push(file);
    const keyCells = [this.ingestId, key.recipe, key.params, key.seed, BigInt(key.step), key.task];
    // One row array per table, refilled per line: the writer copies the cells into its columns.
    const instanceRow: (Cell | bigint)[] = [...keyCells, ...new Array<Cell>(INSTANCE_CELLS)];
    const choiceRow: (Cell | bigint)[] = [...keyCells, ...new Array<Cell>(CHOICE_CELLS)];
    const seen = new Map<number, number>();
    const onLine = (text: string, line: number) => {
      if (text === '' || text === '\r') return;
      let parsed: unknown;
      try {
        parsed = parseJsonLine(text);
      } catch (error) {
        const shown = text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS)}…` : text;
        throw lineError(file, line, `is not valid JSON (${(error as Error).message}): ${shown}`);
      }
      let read: ReturnType<typeof readPredictionsLine>;
      try {
        read = readPredictionsLine(parsed);
      } catch (error) {
        if (error instanceof LineProblem) throw lineError(file, line, error.message);
        throw error;
      }
      if (file.questions === 0) {
        file.taskHash = read.taskHash;
        file.modelHash = read.modelHash;
      } else if (read.taskHash !== file.taskHash || read.modelHash !== file.modelHash) {
        throw lineError(
          file,
          line,
          `has task_hash ${read.taskHash} / model_hash ${read.modelHash}, but the first line of the file has ${file.taskHash} / ${file.modelHash}`,
        );
      }
      const earlier = seen.get(read.docId);
      if (earlier !== undefined) {
        throw lineError(file, line, `repeats doc_id ${read.docId} of an earlier line (line ${earlier})`);
      }
      seen.set(read.docId, line);
      file.questions++;
      let at = keyCells.length;
      for (const cell of read.instanceCells) instanceRow[at++] = cell;
      instanceRow[at++] = read.choiceCells.length;
      instanceRow[at++] = line;
      instanceRow[at] = read.instanceSpecials;
      this.instances.append(instanceRow);
      for (let index = 0; index < read.choiceCells.length; index++) {
        at = keyCells.length;
        choiceRow[at++] = read.docId;
        choiceRow[at++] = index;
        for (const cell of read.choiceCells[index] as Cell[]) choiceRow[at++] = cell;
        this.choices.append(choiceRow);
      }
    };
    const splitter = new LineSplitter(onLine);
    try {
      for await (const chunk of bytes) splitter.push(chunk);
      splitter.end();
    } catch (error) {
      if (error instanceof LineDecodeError) throw lineError(file, error.line, 'is not UTF-8 text');
      throw error;
    }
  }

  /**
   * Closes the appenders and lists the files in the temp table `_qa_files` (key columns, source, hashes)
   * for the whole-unit checks.
   */
  async finish(): Promise<void> {
    this.instances.close();
    this.choices.close();
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE _qa_files (recipe VARCHAR, params VARCHAR, seed INTEGER,
      step BIGINT, task VARCHAR, source VARCHAR, task_hash VARCHAR, model_hash VARCHAR)`);
    const writer = await TableWriter.open(this.conn, '_qa_files');
    for (const { key, source, taskHash, modelHash } of this.files) {
      writer.append([
        key.recipe,
        key.params,
        key.seed,
        BigInt(key.step),
        key.task,
        source,
        taskHash,
        modelHash,
      ]);
    }
    writer.close();
  }
}
