/**
 * Writes the question batches of one ingest into qa_instances / qa_choices, column by column through the
 * Appender, inside the ingest's transaction. DuckDB writes full row groups of a large append to the
 * database file before the commit, so memory does not grow with the input.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { type ColumnCells, TableWriter } from '../../src/load.ts';
import type { QuestionBatch } from './batch.ts';
import { CHOICE_FIELDS, INSTANCE_METRICS } from './fields.ts';
import type { TaskKey } from './layout.ts';
import type { PredictionsSummary } from './predictions.ts';

export interface PredictionsFile extends PredictionsSummary {
  readonly source: string;
  readonly key: TaskKey;
}

/** A text column that is NULL except at the rows listed. */
function sparseText(rows: number, entries: readonly [number, string][]): ColumnCells {
  if (entries.length === 0) return { constant: null };
  const cells = new Array<string | null>(rows).fill(null);
  for (const [row, text] of entries) cells[row] = text;
  return { cells };
}

/** The key columns both tables start with, as `write` gives them. */
const KEY_COLUMNS = ['ingest_id', 'recipe', 'params', 'seed', 'step', 'task'] as const;

/** The qa_instances columns in the order `write` gives them (checked against the table when it opens). */
const INSTANCE_COLUMNS: readonly string[] = [
  ...KEY_COLUMNS,
  'doc_id',
  'native_id',
  'native_id_kind',
  'label',
  ...INSTANCE_METRICS.map((field) => field.name),
  'num_choices',
  'line',
  'specials',
];

/** The qa_choices columns in the order `write` gives them. */
const CHOICE_COLUMNS: readonly string[] = [
  ...KEY_COLUMNS,
  'doc_id',
  'choice_index',
  ...CHOICE_FIELDS.map((field) => field.name),
  'specials',
];

export class PredictionsWriter {
  private readonly files: PredictionsFile[] = [];

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly ingestId: number,
    private readonly instances: TableWriter,
    private readonly choices: TableWriter,
  ) {}

  static async create(conn: DuckDBConnection, ingestId: number): Promise<PredictionsWriter> {
    return new PredictionsWriter(
      conn,
      ingestId,
      await TableWriter.open(conn, 'qa_instances', { columns: INSTANCE_COLUMNS }),
      await TableWriter.open(conn, 'qa_choices', { columns: CHOICE_COLUMNS }),
    );
  }

  /** The predictions files met so far, in order. */
  get stagedFiles(): readonly Readonly<PredictionsFile>[] {
    return this.files;
  }

  addFile(file: number, key: TaskKey, source: string): void {
    this.files[file] = { key, source, taskHash: null, modelHash: null, questions: 0 };
  }

  endFile(file: number, summary: PredictionsSummary): void {
    Object.assign(this.files[file] as PredictionsFile, summary);
  }

  write(batch: QuestionBatch): void {
    const { key } = this.files[batch.file] as PredictionsFile;
    const keys: ColumnCells[] = [
      { constant: this.ingestId },
      { constant: key.recipe },
      { constant: key.params },
      { constant: key.seed },
      { constant: key.step },
      { constant: key.task },
    ];
    this.instances.appendColumns(batch.questions, [
      ...keys,
      { numbers: batch.docId },
      { cells: batch.nativeId },
      { cells: batch.nativeIdKind },
      { numbers: batch.label },
      ...batch.metrics.map((numbers) => ({ numbers })),
      { numbers: batch.numChoices },
      { numbers: batch.line },
      sparseText(batch.questions, batch.instanceSpecials),
    ]);
    this.choices.appendColumns(batch.choices, [
      ...keys,
      { numbers: batch.choiceDocId },
      { numbers: batch.choiceIndex },
      ...batch.choiceFields.map((numbers) => ({ numbers })),
      sparseText(batch.choices, batch.choiceSpecials),
    ]);
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
