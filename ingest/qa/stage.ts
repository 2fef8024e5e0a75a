/**
 * Predictions lines go from the byte stream straight into DuckDB: complete lines are cut into ~1 MB
 * blobs (no JSON parsing in JS), appended to a temp table, and each batch is split, parsed once with
 * `json_transform`, checked and inserted into qa_instances / qa_choices by SQL. Memory stays at one batch
 * whatever the input size; line numbers are kept for errors and for `qa_instances.line`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { MlduckError } from '../../src/errors.ts';
import {
  choiceValuesSql,
  instanceValuesSql,
  LINE_STRUCTURE,
  lineProblemSql,
  lineSuspectSql,
} from './fields.ts';
import type { TaskKey } from './layout.ts';

const NEWLINE = 10;
const BLOB_BYTES = 1 << 20;
/** Bytes of predictions held before a batch goes to DuckDB. */
export const DEFAULT_BATCH_BYTES = 32 << 20;

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
  private unsentFiles: number[] = [];
  private nextFileId = 1;
  /** The batch DuckDB is working on while JS reads the next one. */
  private inflight: Promise<void> | null = null;

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

  /** Registers a predictions file and returns the sink its bytes go to (no DuckDB call: a batch may be running). */
  openFile(key: TaskKey, source: string): PredictionsFileSink {
    const fileId = this.nextFileId++;
    this.files.set(fileId, { key, source });
    this.unsentFiles.push(fileId);
    return new PredictionsFileSink(this, fileId);
  }

  push(blob: PendingBlob): void {
    this.pending.push(blob);
    this.pendingBytes += blob.bytes.length;
  }

  /** Hands a full batch to DuckDB and returns while it works (after the previous batch is done). */
  async maybeFlush(): Promise<void> {
    if (this.pendingBytes < this.batchBytes) return;
    await this.settle();
    const batch = this.take();
    const running = this.process(batch);
    // Rejections surface at the next settle(); until then they must not count as unhandled.
    running.catch(() => undefined);
    this.inflight = running;
  }

  /** Waits for the running batch (rethrowing its error). Call before anything else uses the connection. */
  async settle(): Promise<void> {
    const running = this.inflight;
    this.inflight = null;
    if (running) await running;
  }

  /** Parses, checks and inserts everything pending, and waits for it. */
  async flush(): Promise<void> {
    await this.settle();
    await this.process(this.take());
  }

  private take(): { blobs: PendingBlob[]; files: number[] } {
    const batch = { blobs: this.pending, files: this.unsentFiles };
    this.pending = [];
    this.pendingBytes = 0;
    this.unsentFiles = [];
    return batch;
  }

  private async process(batch: { blobs: PendingBlob[]; files: number[] }): Promise<void> {
    if (batch.files.length > 0) {
      const files = await this.conn.createAppender('_qa_files');
      for (const id of batch.files) {
        const { key, source } = this.files.get(id) as FileInfo;
        files.appendInteger(id);
        files.appendVarchar(key.recipe);
        files.appendVarchar(key.params);
        files.appendInteger(key.seed);
        files.appendBigInt(BigInt(key.step));
        files.appendVarchar(key.task);
        files.appendVarchar(source);
        files.endRow();
      }
      files.closeSync();
    }
    if (batch.blobs.length === 0) return;
    const appender = await this.conn.createAppender('_qa_blobs');
    for (const blob of batch.blobs) {
      appender.appendInteger(blob.fileId);
      appender.appendBigInt(BigInt(blob.firstLine));
      appender.appendBlob(blob.bytes);
      appender.endRow();
    }
    appender.closeSync();

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
    await this.conn.run('DROP TABLE _qa_lines');
  }

  /** Lines of the staged blobs (a trailing CR of CRLF files is JSON whitespace: no trim needed). */
  private linesSql(): string {
    return `SELECT file_id, first_line + generate_subscripts(parts, 1) - 1 AS line, unnest(parts) AS j
      FROM (SELECT file_id, first_line, string_split(decode(b), chr(10)) AS parts FROM _qa_blobs)`;
  }

  /**
   * Parses every line once. A line that is not JSON parses to NULL (try) instead of aborting the
   * transaction, and `check` names it; bytes that are not UTF-8 are found first, per blob.
   */
  private async parse(): Promise<void> {
    const invalid = (
      await this.conn.runAndReadAll(`SELECT file_id, first_line FROM _qa_blobs
        WHERE try(decode(b)) IS NULL ORDER BY file_id, first_line LIMIT 1`)
    ).getRows()[0];
    if (invalid) {
      throw this.lineError(
        Number(invalid[0]),
        Number(invalid[1]),
        'is not UTF-8 text (this line or one of the lines after it, up to 1 MB)',
      );
    }
    // Splitting into a table first and parsing from it is ~2× faster than one pipeline doing both.
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE _qa_lines AS ${this.linesSql()}`);
    await this.conn.run(`CREATE OR REPLACE TEMP TABLE _qa_parsed AS
      SELECT file_id, line, try(json_transform(j, '${LINE_STRUCTURE}')) AS r
      FROM _qa_lines WHERE j <> '' AND j <> chr(13)`);
  }

  /** The text of one staged line, for messages. */
  private async lineText(fileId: number, line: number): Promise<string> {
    const row = (
      await this.conn.runAndReadAll(`SELECT j FROM _qa_lines WHERE file_id = ${fileId} AND line = ${line}`)
    ).getRows()[0];
    return row ? String(row[0]) : '';
  }

  private async check(): Promise<void> {
    const result = await this.conn.runAndReadAll(`SELECT file_id, line, problem FROM (
        SELECT file_id, line, CASE WHEN p.r IS NULL THEN 'unparsable' ELSE ${lineProblemSql()} END AS problem
        FROM _qa_parsed p WHERE ${lineSuspectSql()})
      WHERE problem IS NOT NULL ORDER BY file_id, line LIMIT 1`);
    const row = result.getRows()[0];
    if (!row) return;
    const [fileId, line, problem] = [Number(row[0]), Number(row[1]), String(row[2])];
    // The failing line is read back and parsed in JS, which says best what is wrong with its JSON.
    const text = await this.lineText(fileId, line);
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (parseError) {
      throw this.lineError(fileId, line, `is not valid JSON (${(parseError as Error).message}): ${shown}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.lineError(fileId, line, `is not a JSON object: ${shown}`);
    }
    throw this.lineError(fileId, line, problem === 'unparsable' ? `could not be read: ${shown}` : problem);
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
