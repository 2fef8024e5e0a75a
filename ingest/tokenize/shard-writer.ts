import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import { MlduckError } from '../../src/errors.ts';
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

/**
 * Row-group rows so that one row group holds about 8 MB of uncompressed ids (readers fetch pieces; the
 * writer holds one row group while encoding it: 16 MB cost ~80 MB more peak memory than 8 MB).
 */
export function rowGroupRows(maxSeqLength: number): number {
  return Math.max(16, Math.min(122_880, Math.floor((8 << 20) / (maxSeqLength * 4 * 3))));
}

export function shardFileName(index: number): string {
  return `shard_${String(index).padStart(4, '0')}.parquet`;
}

/** One chunk of packed rows as flat columns: what the writer thread copies into a DuckDB chunk. */
interface RowsMessage {
  kind: 'rows';
  n: number;
  ids: Int32Array;
  mask: Int32Array;
  labels: Int32Array;
  docs: Int32Array;
  fixedEntries: BigUint64Array;
  docEntries: BigUint64Array;
}

type SinkMessage =
  | { kind: 'open'; tmpPath: string; finalPath: string; rowGroupSize: number }
  | RowsMessage
  | { kind: 'close'; abort: boolean }
  | { kind: 'exit' };

type SinkReply =
  | { ready: true }
  | { consumed: number }
  | { bytes: number }
  | { sha256: string }
  | { error: { message: string } };

/** Chunks sent but not yet taken by the writer thread: bounds the memory between packer and Parquet. */
const CHUNKS_IN_FLIGHT = 3;

/**
 * The writer thread (shard-writer-worker.js) of a run, shared by all its splits: chunks of rows go in,
 * shards come out as Parquet streamed row group by row group (never a whole shard in memory), written
 * while the main thread goes on packing. Bounded: at most CHUNKS_IN_FLIGHT chunks wait for it.
 */
export class ShardSink {
  private sent = 0;
  private consumed = 0;
  private failure: Error | null = null;
  private wake: (() => void) | null = null;
  /** Shards closed whose size (then hash) has not come back yet, oldest first. */
  private readonly awaitingBytes: { resolve: (n: number) => void; reject: (e: Error) => void }[] = [];
  private readonly awaitingHash: { resolve: (s: string) => void; reject: (e: Error) => void }[] = [];
  private exited: Promise<void>;

  private readonly ready: Promise<void>;
  private onReady: (() => void) | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    /** Bumped after every message, so the writer thread waiting in Atomics.wait wakes up. */
    private readonly signal: Int32Array,
  ) {
    this.ready = new Promise((resolve, reject) => {
      this.onReady = resolve;
      this.failed = reject;
    });
    this.ready.catch(() => {});
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: SinkReply) => this.onReply(m));
    worker.on('error', (e) =>
      this.fail(new MlduckError(`shard writer failed: ${e.message}`, { kind: 'internal' })),
    );
    worker.on('exit', () => this.fail(new MlduckError('shard writer exited', { kind: 'internal' })));
  }

  private failed: ((e: Error) => void) | null = null;

  /** Starts the writer thread; DuckDB spills (if ever) under `tempDirectory`. */
  static async open(tempDirectory: string): Promise<ShardSink> {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./shard-writer-worker.js', import.meta.url), {
      workerData: { port: port2, signal, tempDirectory },
      transferList: [port2],
    });
    const sink = new ShardSink(worker, port1, signal);
    try {
      await sink.ready;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
    return sink;
  }

  private onReply(m: SinkReply): void {
    if ('ready' in m) this.onReady?.();
    else if ('consumed' in m) {
      this.consumed = m.consumed;
      this.wake?.();
    } else if ('bytes' in m) this.awaitingBytes.shift()?.resolve(m.bytes);
    else if ('sha256' in m) this.awaitingHash.shift()?.resolve(m.sha256);
    else if ('error' in m) this.fail(new MlduckError(m.error.message, { kind: 'internal' }));
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.failed?.(error);
    for (const p of this.awaitingBytes.splice(0)) p.reject(error);
    for (const p of this.awaitingHash.splice(0)) p.reject(error);
    this.wake?.();
  }

  private post(message: SinkMessage, transfer: ArrayBuffer[] = []): void {
    if (this.failure) throw this.failure;
    this.port.postMessage(message, transfer);
    Atomics.add(this.signal, 0, 1);
    Atomics.notify(this.signal, 0);
  }

  openShard(tmpPath: string, finalPath: string, rowGroupSize: number): void {
    this.post({ kind: 'open', tmpPath, finalPath, rowGroupSize });
  }

  /** Sends one chunk, after waiting until the writer thread has room for it. */
  async sendRows(rows: RowsMessage): Promise<void> {
    while (!this.failure && this.sent - this.consumed >= CHUNKS_IN_FLIGHT) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = null;
    }
    const buffers = [rows.ids, rows.mask, rows.labels, rows.docs, rows.fixedEntries, rows.docEntries].map(
      (a) => a.buffer as ArrayBuffer,
    );
    this.post(rows, [...new Set(buffers)]);
    this.sent++;
  }

  /** Ends the open shard: its size once it is renamed to its final name, then its sha256. */
  closeShard(): { bytes: Promise<number>; sha256: Promise<string> } {
    const bytes = new Promise<number>((resolve, reject) => this.awaitingBytes.push({ resolve, reject }));
    const sha256 = new Promise<string>((resolve, reject) => this.awaitingHash.push({ resolve, reject }));
    try {
      this.post({ kind: 'close', abort: false });
    } catch (error) {
      this.awaitingBytes.pop();
      this.awaitingHash.pop();
      throw error;
    }
    return { bytes, sha256 };
  }

  /** Ends the open shard without keeping it (its temp file is removed). */
  abortShard(): void {
    if (!this.failure) this.post({ kind: 'close', abort: true });
  }

  async close(): Promise<void> {
    if (!this.failure) {
      this.post({ kind: 'exit' });
      await this.exited;
    } else await this.worker.terminate();
    this.port.close();
  }
}

/**
 * Writes the rows of one split as `shard_0000.parquet`, `shard_0001.parquet`, … in `dir`, rolling to a
 * new shard when the estimated compressed size reaches `shardBytes` (the estimate starts from the raw
 * size of the token columns and then follows the bytes per row of the shards already written). Each
 * shard is streamed to a `.tmp` name by the writer thread, fsynced and renamed, so a crash never leaves a
 * half shard with a final name. Rows are cut into shards the same way whatever the timing: the size of
 * shard k is awaited before deciding where shard k + 1 ends.
 */
export class ShardWriter {
  private readonly chunkRows: number;
  private readonly L: number;
  private buffer: PackedRow[] = [];
  private open = false;
  private rowsInShard = 0;
  private tokensInShard = 0;
  private padInShard = 0;
  private bytesPerRow: number;
  /** The size of the last closed shard, until it has come back and set bytesPerRow. */
  private lastSize: Promise<void> | null = null;
  private readonly shards: Promise<ShardInfo>[] = [];

  constructor(
    private readonly sink: ShardSink,
    private readonly dir: string,
    maxSeqLength: number,
    private readonly shardBytes: number,
    private readonly rowGroupSize: number = rowGroupRows(maxSeqLength),
  ) {
    this.L = maxSeqLength;
    // About 256k tokens per DataChunk (and never more than DuckDB's 2048-row vectors): with up to three
    // waiting, larger chunks only add memory (a million tokens each cost ~40 MB more peak).
    this.chunkRows = Math.max(1, Math.min(2048, Math.floor((1 << 18) / maxSeqLength)));
    // First guess: input_ids + labels as raw int32 (the mask compresses to almost nothing).
    this.bytesPerRow = 8 * maxSeqLength;
  }

  private get rowsPerShard(): number {
    return Math.max(1, Math.floor(this.shardBytes / this.bytesPerRow));
  }

  async append(row: PackedRow): Promise<void> {
    if (this.lastSize) {
      await this.lastSize;
      this.lastSize = null;
    }
    this.buffer.push(row);
    if (this.rowsInShard + this.buffer.length >= this.rowsPerShard) {
      await this.flushChunk();
      this.closeShard();
    } else if (this.buffer.length >= this.chunkRows) {
      await this.flushChunk();
    }
  }

  /** Writes what is buffered as the last shard; returns every shard of the split once all are written. */
  async finish(): Promise<ShardInfo[]> {
    await this.flushChunk();
    if (this.rowsInShard > 0) this.closeShard();
    return Promise.all(this.shards);
  }

  private closeShard(): void {
    const index = this.shards.length;
    const { bytes, sha256 } = this.sink.closeShard();
    this.open = false;
    const rows = this.rowsInShard;
    const tokens = this.tokensInShard;
    const padTokens = this.padInShard;
    this.lastSize = bytes.then((n) => {
      this.bytesPerRow = Math.max(1, n / rows);
    });
    this.lastSize.catch(() => {}); // observed by the next append or by finish()
    const info = Promise.all([bytes, sha256]).then(
      ([n, hash]): ShardInfo => ({
        file: shardFileName(index),
        bytes: n,
        rows,
        tokens,
        pad_tokens: padTokens,
        sha256: hash,
      }),
    );
    info.catch(() => {});
    this.shards.push(info);
    this.rowsInShard = 0;
    this.tokensInShard = 0;
    this.padInShard = 0;
  }

  private async flushChunk(): Promise<void> {
    if (this.buffer.length === 0) return;
    if (!this.open) {
      const finalPath = join(this.dir, shardFileName(this.shards.length));
      this.sink.openShard(`${finalPath}.tmp`, finalPath, this.rowGroupSize);
      this.open = true;
    }
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
    const bigL = BigInt(L);
    let docAt = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      ids.set(r.ids, i * L);
      mask.fill(1, i * L, i * L + r.realLength);
      labels.set(r.ids.subarray(0, r.realLength), i * L);
      fixedEntries[2 * i] = BigInt(i * L);
      fixedEntries[2 * i + 1] = bigL;
      docEntries[2 * i] = BigInt(docAt);
      docEntries[2 * i + 1] = BigInt(r.docLengths.length);
      for (const d of r.docLengths) docs[docAt++] = d;
      this.tokensInShard += r.realLength;
      this.padInShard += L - r.realLength;
    }
    this.rowsInShard += n;
    await this.sink.sendRows({ kind: 'rows', n, ids, mask, labels, docs, fixedEntries, docEntries });
  }

  /** Drops a half-written shard (on error). */
  abort(): void {
    try {
      if (this.open) this.sink.abortShard();
    } catch {
      // the writer thread has failed already; its temp file is removed below
    }
    this.open = false;
    rmSync(join(this.dir, `${shardFileName(this.shards.length)}.tmp`), { force: true });
  }
}
