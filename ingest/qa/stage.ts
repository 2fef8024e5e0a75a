/**
 * Predictions lines go from the byte stream straight into DuckDB: complete lines are cut into ~1 MB
 * blobs (no JSON parsing in JS), appended to a temp table, and each batch is split, parsed once with
 * `json_transform`, checked and inserted into qa_instances / qa_choices by SQL while JS reads the next
 * batch. JS memory stays at two batches whatever the input size; line numbers are kept for errors and
 * for `qa_instances.line`.
 */
import {
  BIGINT,
  BLOB,
  blobValue,
  type DuckDBConnection,
  type DuckDBValue,
  INTEGER,
  LIST,
  listValue,
} from '@duckdb/node-api';
import { MlduckError } from '../../src/errors.ts';
import {
  CHOICES_STRUCTURE,
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
  taskHash: string | null;
  modelHash: string | null;
}

function countNewlines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(NEWLINE); i !== -1; i = buf.indexOf(NEWLINE, i + 1)) n++;
  return n;
}

const KEY_COLUMNS = 'f.recipe, f.params, f.seed, f.step, f.task';
/** Characters of a bad line carried in the error raised by SQL. */
const CHECK_TEXT_CHARS = 4000;

/** The lines of the batch parameters ($1 file ids, $2 first line numbers, $3 blobs), UTF-8 checked per blob. */
const LINES_SQL = `SELECT file_id, first_line + generate_subscripts(parts, 1) - 1 AS line, unnest(parts) AS j
  FROM (SELECT file_id, first_line,
          CASE WHEN t IS NULL THEN error('mlduck-qa|' || file_id || '|' || first_line || '|utf8|')
               ELSE string_split(t, chr(10)) END AS parts
        FROM (SELECT file_id, first_line, try(decode(b)) AS t
              FROM (SELECT unnest($1) AS file_id, unnest($2) AS first_line, unnest($3) AS b)))`;

/** Each non-blank line parsed once into `structure` (NULL when it is not JSON). A trailing CR is JSON whitespace. */
function parsedLinesSql(structure: string): string {
  return `SELECT file_id, line, j, try(json_transform(j, '${structure}')) AS r
    FROM (${LINES_SQL}) WHERE j <> '' AND j <> chr(13)`;
}

/** Parsed lines; the first bad one raises an error naming its file, line, problem and text. */
function checkedLinesSql(structure: string): string {
  return `SELECT p.line, p.r, f.recipe, f.params, f.seed, f.step, f.task
    FROM (${parsedLinesSql(structure)}) p JOIN _qa_files f USING (file_id)
    WHERE (CASE WHEN ${lineSuspectSql()} THEN error('mlduck-qa|' || p.file_id || '|' || p.line || '|'
      || coalesce(CASE WHEN p.r IS NULL THEN 'unparsable' ELSE ${lineProblemSql()} END, 'unparsable')
      || '|' || left(p.j, ${CHECK_TEXT_CHARS})) END) IS NULL`;
}

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
    if (this.nextLine === 1) {
      const end = lines.indexOf(NEWLINE);
      this.stager.noteFirstLine(this.fileId, end === -1 ? lines : lines.subarray(0, end));
    }
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
      seed INTEGER, step BIGINT, task VARCHAR, source VARCHAR, task_hash VARCHAR, model_hash VARCHAR)`);
    return new PredictionsStager(conn, ingestId, batchBytes);
  }

  /** Registers a predictions file and returns the sink its bytes go to (no DuckDB call: a batch may be running). */
  openFile(key: TaskKey, source: string): PredictionsFileSink {
    const fileId = this.nextFileId++;
    this.files.set(fileId, { key, source, taskHash: null, modelHash: null });
    this.unsentFiles.push(fileId);
    return new PredictionsFileSink(this, fileId);
  }

  /**
   * Every line of a file must carry the hashes of its first line (checked in SQL); the first line's are
   * compared with metrics.json at the end. A first line that does not parse is left to the SQL checks.
   */
  noteFirstLine(fileId: number, firstLine: Buffer): void {
    const info = this.files.get(fileId);
    if (!info) return;
    try {
      const value: unknown = JSON.parse(firstLine.toString('utf8'));
      if (typeof value === 'object' && value !== null) {
        const { task_hash: taskHash, model_hash: modelHash } = value as Record<string, unknown>;
        info.taskHash = typeof taskHash === 'string' ? taskHash : null;
        info.modelHash = typeof modelHash === 'string' ? modelHash : null;
      }
    } catch {
      // Reported with its line by the batch checks.
    }
  }

  /** The files read so far with the hashes of their first lines. */
  get stagedFiles(): ReadonlyMap<number, Readonly<FileInfo>> {
    return this.files;
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

  /**
   * The batch goes to DuckDB as query parameters, not through staging tables: rows written and deleted
   * inside one transaction stay in memory until it commits, which would make memory grow with the input.
   * So each statement parses the blobs itself: once for the questions (with every check, raised by
   * `error()` and turned into a message naming the file and line), once for the choices.
   */
  private async process(batch: { blobs: PendingBlob[]; files: number[] }): Promise<void> {
    if (batch.files.length > 0) {
      const files = await this.conn.createAppender('_qa_files');
      for (const id of batch.files) {
        const { key, source, taskHash, modelHash } = this.files.get(id) as FileInfo;
        files.appendInteger(id);
        files.appendVarchar(key.recipe);
        files.appendVarchar(key.params);
        files.appendInteger(key.seed);
        files.appendBigInt(BigInt(key.step));
        files.appendVarchar(key.task);
        files.appendVarchar(source);
        if (taskHash === null) files.appendNull();
        else files.appendVarchar(taskHash);
        if (modelHash === null) files.appendNull();
        else files.appendVarchar(modelHash);
        files.endRow();
      }
      files.closeSync();
    }
    if (batch.blobs.length === 0) return;
    const params: DuckDBValue[] = [
      listValue(batch.blobs.map((b) => b.fileId)),
      listValue(batch.blobs.map((b) => BigInt(b.firstLine))),
      listValue(batch.blobs.map((b) => blobValue(b.bytes))),
    ];
    const types = [LIST(INTEGER), LIST(BIGINT), LIST(BLOB)];
    try {
      await this.conn.run(
        `INSERT INTO qa_instances
         SELECT ${this.ingestId}, p.recipe, p.params, p.seed, p.step, p.task,
           ${instanceValuesSql()}
         FROM (${checkedLinesSql(LINE_STRUCTURE)}) p`,
        params,
        types,
      );
    } catch (error) {
      throw this.explain(error);
    }
    await this.conn.run(
      `INSERT INTO qa_choices
       SELECT ${this.ingestId}, ${KEY_COLUMNS}, doc_id, choice_index,
         ${choiceValuesSql()}
       FROM (SELECT file_id, p.r.doc_id::BIGINT AS doc_id,
                    unnest(range(len(p.r.model_output)))::INTEGER AS choice_index, unnest(p.r.model_output) AS c
             FROM (${parsedLinesSql(CHOICES_STRUCTURE)}) p) p
       JOIN _qa_files f USING (file_id)`,
      params,
      types,
    );
  }

  /** Turns the `error()` raised by the checks into a message naming the file and line. */
  private explain(error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    const match = /mlduck-qa\|(\d+)\|(\d+)\|([^|]*)\|([\s\S]*)$/.exec(message);
    if (!match) return error instanceof Error ? error : new Error(message);
    const [fileId, line, problem, text] = [
      Number(match[1]),
      Number(match[2]),
      match[3] as string,
      match[4] as string,
    ];
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    if (problem === 'utf8') {
      return this.lineError(
        fileId,
        line,
        'is not UTF-8 text (this line or one of the lines after it, up to 1 MB)',
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (parseError) {
      if (text.length < CHECK_TEXT_CHARS) {
        return this.lineError(fileId, line, `is not valid JSON (${(parseError as Error).message}): ${shown}`);
      }
    }
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      return this.lineError(fileId, line, `is not a JSON object: ${shown}`);
    }
    return this.lineError(fileId, line, problem === 'unparsable' ? `is not valid JSON: ${shown}` : problem);
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
