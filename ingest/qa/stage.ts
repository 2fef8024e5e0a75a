/**
 * Predictions lines go from the byte stream straight into DuckDB: complete lines are cut into ~1 MB
 * blobs (no JSON parsing in JS), appended to a temp table, and each batch is split, parsed once with
 * `json_transform`, checked and inserted into qa_instances / qa_choices by SQL. Memory stays at one batch
 * whatever the input size; line numbers are kept for errors and for `qa_instances.line`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { MlduckError } from '../../src/errors.ts';
import { choiceValuesSql, instanceValuesSql, LINE_STRUCTURE, lineProblemSql } from './fields.ts';
import type { TaskKey } from './layout.ts';

const NEWLINE = 10;
const BLOB_BYTES = 1 << 20;
/** Bytes of predictions held before a batch goes to DuckDB. */
export const DEFAULT_BATCH_BYTES = 64 << 20;

interface PendingBlob {
  fileId: number;
  firstLine: number;
  bytes: Buffer;
}

interface FileInfo {
  source: string;
  key: TaskKey;
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

const KEY_COLUMNS = 'f.recipe, f.params, f.seed, f.step, f.task';

/** Cuts one predictions file into blobs of whole lines. */
export class PredictionsFileSink {
  private carry: Buffer | null = null;
  private parts: Buffer[] = [];
  private partBytes = 0;
  private partFirstLine = 1;
  private nextLine = 1;

  constructor(
    private readonly stager: PredictionsStager,
    readonly fileId: number,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const last = data.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.carry = data;
      return;
    }
    // Copy the tail: it may be a view of a large decompression buffer.
    this.carry = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : null;
    this.addLines(data.subarray(0, last));
    if (this.partBytes >= BLOB_BYTES) this.seal();
    await this.stager.maybeFlush();
  }

  /** Call once after the last chunk. */
  async end(): Promise<void> {
    if (this.carry && this.carry.length > 0) this.addLines(this.carry);
    this.carry = null;
    this.seal();
    await this.stager.maybeFlush();
  }

  /** `lines`: whole lines without the final newline. */
  private addLines(lines: Buffer): void {
    if (this.parts.length === 0) this.partFirstLine = this.nextLine;
    this.parts.push(lines);
    this.partBytes += lines.length + 1;
    this.nextLine += countNewlines(lines) + 1;
  }

  private seal(): void {
    if (this.parts.length === 0) return;
    const joined: Buffer[] = [];
    for (const [i, part] of this.parts.entries()) {
      if (i > 0) joined.push(Buffer.from([NEWLINE]));
      joined.push(part);
    }
    this.stager.push({ fileId: this.fileId, firstLine: this.partFirstLine, bytes: Buffer.concat(joined) });
    this.parts = [];
    this.partBytes = 0;
  }
}

/** Stages the predictions of one ingest and writes them into the qa tables batch by batch. */
export class PredictionsStager {
  private pending: PendingBlob[] = [];
  private pendingBytes = 0;
  private readonly files = new Map<number, FileInfo>();
  private nextFileId = 1;

  private constructor(
    private readonly conn: DuckDBConnection,
    private readonly ingestId: number,
    private readonly batchBytes: number,
  ) {}

  static async create(
    conn: DuckDBConnection,
    ingestId: number,
    batchBytes: number = DEFAULT_BATCH_BYTES,
  ): Promise<PredictionsStager> {
    await conn.run(`CREATE OR REPLACE TEMP TABLE _qa_files (file_id INTEGER, recipe VARCHAR, params VARCHAR,
      seed INTEGER, step BIGINT, task VARCHAR, source VARCHAR)`);
    await conn.run('CREATE OR REPLACE TEMP TABLE _qa_blobs (file_id INTEGER, first_line BIGINT, b BLOB)');
    await conn.run(`CREATE OR REPLACE TEMP TABLE _qa_line_hashes (file_id INTEGER, task_hash VARCHAR,
      model_hash VARCHAR, first_line BIGINT, lines BIGINT)`);
    return new PredictionsStager(conn, ingestId, batchBytes);
  }

  /** Registers a predictions file and returns the sink its bytes go to. */
  async openFile(key: TaskKey, source: string): Promise<PredictionsFileSink> {
    const fileId = this.nextFileId++;
    this.files.set(fileId, { key, source });
    await this.conn.run('INSERT INTO _qa_files VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      fileId,
      key.recipe,
      key.params,
      key.seed,
      key.step,
      key.task,
      source,
    ]);
    return new PredictionsFileSink(this, fileId);
  }

  /** The files staged so far: id → layout key and source. */
  get stagedFiles(): ReadonlyMap<number, FileInfo> {
    return this.files;
  }

  push(blob: PendingBlob): void {
    this.pending.push(blob);
    this.pendingBytes += blob.bytes.length;
  }

  async maybeFlush(): Promise<void> {
    if (this.pendingBytes >= this.batchBytes) await this.flush();
  }

  /** Parses, checks and inserts everything pending. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const appender = await this.conn.createAppender('_qa_blobs');
    for (const blob of this.pending) {
      appender.appendInteger(blob.fileId);
      appender.appendBigInt(BigInt(blob.firstLine));
      appender.appendBlob(blob.bytes);
      appender.endRow();
    }
    appender.closeSync();
    this.pending = [];
    this.pendingBytes = 0;

    await this.parse();
    await this.check();
    await this.conn.run(`INSERT INTO qa_instances
      SELECT ${this.ingestId}, ${KEY_COLUMNS},
        ${instanceValuesSql()}
      FROM _qa_parsed p JOIN _qa_files f USING (file_id)`);
    await this.conn.run(`INSERT INTO qa_choices
      SELECT ${this.ingestId}, ${KEY_COLUMNS}, doc_id, choice_index,
        ${choiceValuesSql()}
      FROM (SELECT file_id, p.r.doc_id::BIGINT AS doc_id,
                   unnest(range(len(p.r.model_output)))::INTEGER AS choice_index, unnest(p.r.model_output) AS c
            FROM _qa_parsed p) p
      JOIN _qa_files f USING (file_id)`);
    await this.conn.run(`INSERT INTO _qa_line_hashes
      SELECT file_id, p.r.task_hash, p.r.model_hash, min(line), count(*) FROM _qa_parsed p GROUP BY ALL`);
    await this.conn.run('DELETE FROM _qa_blobs');
    await this.conn.run('DROP TABLE _qa_parsed');
  }

  private linesSql(): string {
    return `SELECT file_id, first_line + generate_subscripts(parts, 1) - 1 AS line, rtrim(unnest(parts), chr(13)) AS j
      FROM (SELECT file_id, first_line, string_split(decode(b), chr(10)) AS parts FROM _qa_blobs)`;
  }

  private async parse(): Promise<void> {
    try {
      await this.conn.run(`CREATE OR REPLACE TEMP TABLE _qa_parsed AS
        SELECT file_id, line, json_transform(j, '${LINE_STRUCTURE}') AS r
        FROM (${this.linesSql()}) WHERE j <> ''`);
    } catch (error) {
      throw await this.locateUnparsable(error);
    }
  }

  /** After DuckDB refused a batch: find the first line that is not JSON (or not UTF-8) and name it. */
  private async locateUnparsable(error: unknown): Promise<Error> {
    const invalidUtf8 = await this.conn
      .runAndReadAll(`SELECT file_id, first_line FROM _qa_blobs
      WHERE try(decode(b)) IS NULL ORDER BY file_id, first_line LIMIT 1`)
      .catch(() => null);
    const bad = invalidUtf8?.getRows()[0];
    if (bad) {
      return this.lineError(
        Number(bad[0]),
        Number(bad[1]),
        'is not valid UTF-8 text (in this line or a nearby one)',
      );
    }
    const result = await this.conn.runAndReadAll(`SELECT file_id, line, j FROM (${this.linesSql()})
      WHERE j <> '' AND NOT json_valid(j) ORDER BY file_id, line LIMIT 1`);
    const row = result.getRows()[0];
    if (!row) {
      return new MlduckError(`DuckDB could not parse a batch of predictions: ${String(error)}`, {
        kind: 'internal',
        cause: error,
      });
    }
    const text = String(row[2]);
    let detail = 'not valid JSON';
    try {
      JSON.parse(text);
    } catch (parseError) {
      detail = `not valid JSON (${(parseError as Error).message})`;
    }
    return this.lineError(
      Number(row[0]),
      Number(row[1]),
      `is ${detail}: ${text.slice(0, 80)}${text.length > 80 ? '…' : ''}`,
    );
  }

  private async check(): Promise<void> {
    const result = await this.conn.runAndReadAll(`SELECT file_id, line, problem FROM (
        SELECT file_id, line, ${lineProblemSql()} AS problem FROM _qa_parsed p)
      WHERE problem IS NOT NULL ORDER BY file_id, line LIMIT 1`);
    const row = result.getRows()[0];
    if (row) throw this.lineError(Number(row[0]), Number(row[1]), String(row[2]));
  }

  lineError(fileId: number, line: number, problem: string): MlduckError {
    const file = this.files.get(fileId);
    return new MlduckError(`predictions line ${problem}`, {
      file: file?.source ?? `predictions file ${fileId}`,
      line,
      hint: 'each line of <task>-predictions.jsonl is one OLMES question: {doc_id, native_id, label, task_hash, model_hash, metrics, model_output: [one object per answer choice]}',
    });
  }
}
