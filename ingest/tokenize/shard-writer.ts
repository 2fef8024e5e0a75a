import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  INTEGER,
  LIST,
} from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import { sqlString } from '../../src/sql.ts';
import { IGNORE_INDEX, type PackedRow } from './packer.ts';

/** One written shard, as the manifest records it. */
export interface ShardInfo {
  readonly file: string;
  readonly bytes: number;
  readonly rows: number;
  readonly tokens: number;
  readonly pad_tokens: number;
  readonly sha256: string;
}

export const SHARD_COLUMNS = ['input_ids', 'attention_mask', 'labels', 'doc_lengths'] as const;

/** Row-group rows so that one row group holds about 16 MB of uncompressed ids (readers fetch pieces). */
export function rowGroupRows(maxSeqLength: number): number {
  return Math.max(16, Math.min(122_880, Math.floor((16 << 20) / (maxSeqLength * 4 * 3))));
}

export function shardFileName(index: number): string {
  return `shard_${String(index).padStart(4, '0')}.parquet`;
}

/** Streams a file through sha256. */
async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A staging DuckDB (in memory, spilling to a temp folder past its memory limit) shared by all splits of
 * a run: rows go in through the Appender as whole DataChunks whose list columns are filled with one
 * memcpy per column (no per-token JS values), and leave as Parquet through `COPY … (FORMAT parquet)`.
 */
export class StagingDb {
  private constructor(
    readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
  ) {}

  static async open(tempDir: string): Promise<StagingDb> {
    const instance = await DuckDBInstance.create(':memory:', {
      temp_directory: tempDir,
      memory_limit: process.env['MLDUCK_TOKENIZE_MEMORY'] ?? '1GB',
      preserve_insertion_order: 'true',
    });
    return new StagingDb(instance, await instance.connect());
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

const LIST_INT = LIST(INTEGER);

/**
 * Writes the rows of one split as `shard_0000.parquet`, `shard_0001.parquet`, … in `dir`, rolling to a
 * new shard when the estimated compressed size reaches `shardBytes` (the estimate starts from the raw
 * size of the token columns and then follows the bytes per row of the shards already written). Each
 * shard is written under a `.tmp` name, fsynced and renamed, so a crash never leaves a half shard with
 * a final name.
 */
export class ShardWriter {
  private readonly chunkRows: number;
  private readonly L: number;
  private buffer: PackedRow[] = [];
  private appender: DuckDBAppender | null = null;
  private rowsInShard = 0;
  private tokensInShard = 0;
  private padInShard = 0;
  private bytesPerRow: number;
  private readonly shards: ShardInfo[] = [];
  private readonly table: string;

  constructor(
    private readonly staging: StagingDb,
    private readonly dir: string,
    maxSeqLength: number,
    private readonly shardBytes: number,
    private readonly rowGroupSize: number = rowGroupRows(maxSeqLength),
  ) {
    this.L = maxSeqLength;
    // About one million tokens per DataChunk (and never more than DuckDB's 2048-row vectors).
    this.chunkRows = Math.max(1, Math.min(2048, Math.floor((1 << 20) / maxSeqLength)));
    // First guess: input_ids + labels as raw int32 (the mask compresses to almost nothing).
    this.bytesPerRow = 8 * maxSeqLength;
    this.table = 'staging_rows';
  }

  private get rowsPerShard(): number {
    return Math.max(1, Math.floor(this.shardBytes / this.bytesPerRow));
  }

  async append(row: PackedRow): Promise<void> {
    this.buffer.push({ ids: row.ids, realLength: row.realLength, docLengths: row.docLengths });
    if (this.rowsInShard + this.buffer.length >= this.rowsPerShard) {
      await this.flushChunk();
      await this.writeShard();
    } else if (this.buffer.length >= this.chunkRows) {
      await this.flushChunk();
    }
  }

  /** Writes what is buffered as the last shard; returns every shard of the split. */
  async finish(): Promise<ShardInfo[]> {
    await this.flushChunk();
    if (this.rowsInShard > 0) await this.writeShard();
    return this.shards;
  }

  private async ensureAppender(): Promise<DuckDBAppender> {
    if (this.appender) return this.appender;
    await this.staging.conn.run(
      `CREATE OR REPLACE TABLE ${this.table} (input_ids INTEGER[], attention_mask INTEGER[], labels INTEGER[], doc_lengths INTEGER[])`,
    );
    this.appender = await this.staging.conn.createAppender(this.table);
    return this.appender;
  }

  private async flushChunk(): Promise<void> {
    if (this.buffer.length === 0) return;
    const appender = await this.ensureAppender();
    const rows = this.buffer;
    this.buffer = [];
    const n = rows.length;
    const L = this.L;
    const ids = new Int32Array(n * L);
    const mask = new Int32Array(n * L);
    const labels = new Int32Array(n * L).fill(IGNORE_INDEX);
    let docTotal = 0;
    for (const r of rows) docTotal += r.docLengths.length;
    const docs = new Int32Array(docTotal);
    const fixedEntries = new BigUint64Array(n * 2);
    const docEntries = new BigUint64Array(n * 2);
    let docAt = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      ids.set(r.ids, i * L);
      mask.fill(1, i * L, i * L + r.realLength);
      labels.set(r.ids.subarray(0, r.realLength), i * L);
      fixedEntries[2 * i] = BigInt(i * L);
      fixedEntries[2 * i + 1] = BigInt(L);
      docEntries[2 * i] = BigInt(docAt);
      docEntries[2 * i + 1] = BigInt(r.docLengths.length);
      for (const d of r.docLengths) docs[docAt++] = d;
      this.tokensInShard += r.realLength;
      this.padInShard += L - r.realLength;
    }
    const chunk = DuckDBDataChunk.create([LIST_INT, LIST_INT, LIST_INT, LIST_INT], n);
    const columns: [Int32Array, BigUint64Array][] = [
      [ids, fixedEntries],
      [mask, fixedEntries],
      [labels, fixedEntries],
      [docs, docEntries],
    ];
    columns.forEach(([values, entries], c) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, c);
      duckdb.list_vector_reserve(vector, values.length);
      duckdb.list_vector_set_size(vector, values.length);
      const child = duckdb.list_vector_get_child(vector);
      if (values.byteLength > 0) {
        duckdb.copy_data_to_vector(
          child,
          0,
          values.buffer as ArrayBuffer,
          values.byteOffset,
          values.byteLength,
        );
      }
      duckdb.copy_data_to_vector(
        vector,
        0,
        entries.buffer as ArrayBuffer,
        entries.byteOffset,
        entries.byteLength,
      );
    });
    chunk.rowCount = n;
    appender.appendDataChunk(chunk);
    this.rowsInShard += n;
  }

  private async writeShard(): Promise<void> {
    const appender = this.appender;
    if (!appender || this.rowsInShard === 0) return;
    appender.closeSync();
    this.appender = null;
    const name = shardFileName(this.shards.length);
    const finalPath = join(this.dir, name);
    const tmpPath = `${finalPath}.tmp`;
    await this.staging.conn.run(
      `COPY ${this.table} TO ${sqlString(tmpPath)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${this.rowGroupSize})`,
    );
    await this.staging.conn.run(`DROP TABLE ${this.table}`);
    const fd = openSync(tmpPath, 'r');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmpPath, finalPath);
    const bytes = statSync(finalPath).size;
    this.shards.push({
      file: name,
      bytes,
      rows: this.rowsInShard,
      tokens: this.tokensInShard,
      pad_tokens: this.padInShard,
      sha256: await sha256File(finalPath),
    });
    this.bytesPerRow = Math.max(1, bytes / this.rowsInShard);
    this.rowsInShard = 0;
    this.tokensInShard = 0;
    this.padInShard = 0;
  }

  /** Drops a half-written shard (on error). */
  abort(): void {
    try {
      this.appender?.closeSync();
    } catch {
      // the appender is already broken; nothing to keep
    }
    this.appender = null;
    rmSync(join(this.dir, `${shardFileName(this.shards.length)}.tmp`), { force: true });
  }
}
