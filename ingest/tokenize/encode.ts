import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorKind, errorMessage, MlduckError } from '../../src/errors.ts';
import {
  loadJsTokenizer,
  loadNativeTokenizer,
  malformedTokenizer,
  type NativeTokenizer,
  type ResolvedTokenizer,
  readTokenizerFiles,
  type SpecialIds,
  specialIds,
  type TokenizerBackend,
} from './tokenizer.ts';

/** The token ids of a batch of documents, flat: document i is ids[offset_i … offset_i + lengths[i]). */
export interface EncodedBatch {
  readonly ids: Int32Array;
  readonly lengths: Int32Array;
}

/** Turns document texts into ids (template special tokens + EOS), in order, whatever runs it. */
export interface DocumentEncoder {
  readonly special: SpecialIds;
  readonly backend: TokenizerBackend;
  /** How many batches may usefully be in flight at once (backpressure for the reader). */
  readonly parallelism: number;
  encode(texts: string[]): Promise<EncodedBatch>;
  /** Decodes ids back to text (tests, validation); special tokens are kept. */
  decode(ids: ArrayLike<number>): string;
  close(): Promise<void>;
}

/** Packs per-document id arrays into one flat batch, appending EOS unless the template already did. */
export function flatten(docs: ArrayLike<number>[], eosId: number, templateAddsEos: boolean): EncodedBatch {
  const extra = templateAddsEos ? 0 : 1;
  let total = 0;
  for (const d of docs) total += d.length + extra;
  const ids = new Int32Array(total);
  const lengths = new Int32Array(docs.length);
  let at = 0;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i]!;
    for (let j = 0; j < d.length; j++) ids[at + j] = d[j]!;
    at += d.length;
    if (!templateAddsEos) ids[at++] = eosId;
    lengths[i] = d.length + extra;
  }
  return { ids, lengths };
}

export interface EncoderOptions {
  backend: TokenizerBackend;
  /** Worker threads for the JS backend (≤ 1: encode on the main thread). */
  workers: number;
  eosToken?: string;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** What a worker thread needs to build its own tokenizer. */
export interface WorkerInit {
  tokenizerJsonPath: string;
  configPath: string | null;
  eosToken?: string;
}

export type WorkerRequest = { seq: number; texts: string[] };
/** An error thrown in a worker, as plain data: the main thread rebuilds the same MlduckError from it. */
export interface WorkerError {
  message: string;
  kind: ErrorKind;
  hint?: string;
  file?: string;
}
export type WorkerResponse =
  | { seq: number; ids: Int32Array; lengths: Int32Array }
  | { seq: number; error: WorkerError }
  | { ready: true };

/** What a worker posts for an error: an MlduckError keeps its kind, anything else is internal. */
export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof MlduckError) {
    return {
      message: error.message,
      kind: error.kind,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error.location.file === undefined ? {} : { file: error.location.file }),
    };
  }
  return { message: `tokenizer worker failed: ${errorMessage(error)}`, kind: 'internal' };
}

function fromWorkerError(error: WorkerError): MlduckError {
  return new MlduckError(error.message, {
    kind: error.kind,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.file === undefined ? {} : { file: error.file }),
  });
}

/**
 * Starts a worker thread on a TypeScript entry. Workers do not inherit the tsx loader the CLI registers
 * in-process, so a tiny CommonJS bootstrap registers tsx inside the worker first, then imports the entry.
 */
function startTsWorker(entry: URL, workerData: unknown): Worker {
  // tsx's ESM API entry, found through its package.json (import.meta.resolve is missing under vitest).
  const api = pathToFileURL(
    join(
      dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
      'dist',
      'esm',
      'api',
      'index.mjs',
    ),
  ).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}

class WorkerPoolEncoder implements DocumentEncoder {
  readonly backend = 'js' as const;
  readonly parallelism: number;
  private readonly pending = new Map<
    number,
    { resolve: (b: EncodedBatch) => void; reject: (e: Error) => void }
  >();
  private readonly idle: Worker[] = [];
  private readonly queue: WorkerRequest[] = [];
  private seq = 0;
  private failure: Error | null = null;
  /** Set by close(): workers then exit because they were told to, not because they failed. */
  private closing = false;

  constructor(
    readonly special: SpecialIds,
    private readonly local: ReturnType<typeof loadJsTokenizer>,
    private readonly workers: Worker[],
  ) {
    this.parallelism = workers.length * 2;
    for (const w of workers) {
      w.on('message', (m: WorkerResponse) => this.onMessage(w, m));
      w.on('error', (e) =>
        this.fail(new MlduckError(`tokenizer worker failed: ${e.message}`, { kind: 'internal', cause: e })),
      );
      w.on('exit', (code) => {
        if (!this.closing) {
          this.fail(new MlduckError(`tokenizer worker exited with code ${code}`, { kind: 'internal' }));
        }
      });
      this.idle.push(w);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private onMessage(worker: Worker, m: WorkerResponse): void {
    if ('ready' in m) return;
    const p = this.pending.get(m.seq);
    this.pending.delete(m.seq);
    if ('error' in m) p?.reject(fromWorkerError(m.error));
    else p?.resolve({ ids: m.ids, lengths: m.lengths });
    const next = this.queue.shift();
    if (next) worker.postMessage(next);
    else this.idle.push(worker);
  }

  encode(texts: string[]): Promise<EncodedBatch> {
    if (this.failure) return Promise.reject(this.failure);
    const request: WorkerRequest = { seq: this.seq++, texts };
    return new Promise((resolve, reject) => {
      this.pending.set(request.seq, { resolve, reject });
      const worker = this.idle.shift();
      if (worker) worker.postMessage(request);
      else this.queue.push(request);
    });
  }

  decode(ids: ArrayLike<number>): string {
    return this.local.decode(Array.from(ids), { clean_up_tokenization_spaces: false });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

class InlineJsEncoder implements DocumentEncoder {
  readonly backend = 'js' as const;
  readonly parallelism = 1;
  constructor(
    readonly special: SpecialIds,
    private readonly tokenizer: ReturnType<typeof loadJsTokenizer>,
  ) {}

  async encode(texts: string[]): Promise<EncodedBatch> {
    return flatten(
      texts.map((t) => this.tokenizer.encode(t).ids),
      this.special.eosId,
      this.special.templateAddsEos,
    );
  }

  decode(ids: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(ids), { clean_up_tokenization_spaces: false });
  }

  async close(): Promise<void> {}
}

/** How many documents of each run the native backend checks against tokenizers.js. */
export const NATIVE_PARITY_DOCUMENTS = 64;

class NativeEncoder implements DocumentEncoder {
  readonly backend = 'native' as const;
  /** encodeBatch is already parallel inside (rayon); two batches in flight keep it busy while JS reads. */
  readonly parallelism = 2;
  constructor(
    readonly special: SpecialIds,
    private readonly native: NativeTokenizer,
    private readonly local: ReturnType<typeof loadJsTokenizer>,
  ) {}

  private checked = 0;

  async encode(texts: string[]): Promise<EncodedBatch> {
    const encodings = await this.native.encodeBatch(texts);
    const ids = encodings.map((e) => e.getIds());
    this.checkParity(texts, ids);
    return flatten(ids, this.special.eosId, this.special.templateAddsEos);
  }

  /**
   * Parity gate: the first documents of a run are also encoded with tokenizers.js, and any difference
   * stops the run, so the two backends can never silently write different ids for one tokenizer.json.
   */
  private checkParity(texts: string[], ids: number[][]): void {
    for (let i = 0; i < texts.length && this.checked < NATIVE_PARITY_DOCUMENTS; i++, this.checked++) {
      const expected = this.local.encode(texts[i]!).ids;
      const got = ids[i]!;
      if (expected.length !== got.length || expected.some((id: number, j: number) => id !== got[j])) {
        throw new MlduckError(
          `the native and JS tokenizers disagree on document ${this.checked + 1} of the run (first ${Math.min(expected.length, got.length, 8)} ids: ${got.slice(0, 8).join(',')} vs ${expected.slice(0, 8).join(',')})`,
          { kind: 'internal', hint: 'use --backend js, and report the tokenizer.json' },
        );
      }
    }
  }

  decode(ids: ArrayLike<number>): string {
    return this.local.decode(Array.from(ids), { clean_up_tokenization_spaces: false });
  }

  async close(): Promise<void> {}
}

/** A tokenizer loaded on the main thread: its special ids, and decoding. Cheap next to encoding a corpus. */
export interface LoadedTokenizer {
  readonly resolved: ResolvedTokenizer;
  readonly local: ReturnType<typeof loadJsTokenizer>;
  readonly special: SpecialIds;
  readonly eosToken: string | undefined;
}

/** Parsed tokenizers by content: building one from a 128k-vocabulary JSON takes most of a second. */
const loadedCache = new Map<string, LoadedTokenizer>();

export function loadTokenizer(resolved: ResolvedTokenizer, eosToken?: string): LoadedTokenizer {
  const key = JSON.stringify([resolved.sha256, resolved.configPath, eosToken ?? null]);
  const cached = loadedCache.get(key);
  if (cached && cached.resolved.tokenizerJsonPath === resolved.tokenizerJsonPath) return cached;
  const files = readTokenizerFiles(resolved);
  let local: ReturnType<typeof loadJsTokenizer>;
  let special: SpecialIds;
  try {
    local = loadJsTokenizer(files);
    special = specialIds(local, files, eosToken);
  } catch (error) {
    throw malformedTokenizer(resolved.tokenizerJsonPath, error);
  }
  const loaded = { resolved, local, special, eosToken };
  loadedCache.set(key, loaded);
  return loaded;
}

/** Builds the encoder the options ask for; worker threads each load their own tokenizer. */
export async function createEncoder(
  source: ResolvedTokenizer | LoadedTokenizer,
  options: EncoderOptions,
): Promise<DocumentEncoder> {
  const loaded = 'local' in source ? source : loadTokenizer(source, options.eosToken);
  const { resolved, local, special } = loaded;
  if (options.backend === 'native') {
    if (options.workers > 0 && process.env['RAYON_NUM_THREADS'] === undefined) {
      process.env['RAYON_NUM_THREADS'] = String(options.workers);
    }
    return new NativeEncoder(special, loadNativeTokenizer(resolved), local);
  }
  if (options.workers <= 1) return new InlineJsEncoder(special, local);
  const init: WorkerInit = {
    tokenizerJsonPath: resolved.tokenizerJsonPath,
    configPath: resolved.configPath,
    ...(loaded.eosToken === undefined ? {} : { eosToken: loaded.eosToken }),
  };
  const workers: Worker[] = [];
  for (let i = 0; i < options.workers; i++) {
    workers.push(startTsWorker(new URL('./encode-worker.ts', import.meta.url), init));
  }
  // Wait until every worker has loaded its tokenizer, so a broken tokenizer fails fast and clearly.
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (m: WorkerResponse) => {
              if ('ready' in m) {
                w.off('message', onMessage);
                resolve();
              } else if ('error' in m) reject(fromWorkerError(m.error));
            };
            w.on('message', onMessage);
            w.once('error', (e) =>
              reject(new MlduckError(`tokenizer worker failed: ${e.message}`, { kind: 'internal' })),
            );
            w.once('exit', (code) =>
              reject(new MlduckError(`tokenizer worker exited with code ${code}`, { kind: 'internal' })),
            );
          }),
      ),
    );
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }
  return new WorkerPoolEncoder(special, local, workers);
}
