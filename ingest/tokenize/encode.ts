import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ErrorKind, errorMessage, MlduckError } from '../../src/errors.ts';
import { startTsWorker } from '../../src/worker.ts';
import { flatten } from './flatten.js';
import {
  jsTokenLookup,
  loadJsTokenizer,
  loadNativeTokenizer,
  malformedTokenizer,
  nativeTokenLookup,
  nativeUnavailableReason,
  type ResolvedTokenizer,
  readTokenizerFiles,
  type SpecialIds,
  specialIds,
  type TokenizerBackend,
  type TokenizerFiles,
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
  /** Resolves once every check of the ids encoded so far has passed (the native parity gate). */
  verified(): Promise<void>;
  /** Decodes ids back to text (tests, validation); special tokens are kept. */
  decode(ids: ArrayLike<number>): string;
  close(): Promise<void>;
}

export { flatten };

export interface EncoderOptions {
  backend: TokenizerBackend;
  /** Worker threads (JS backend: ≤ 1 encodes on the main thread; native: at least one). */
  workers: number;
  eosToken?: string;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** What a worker thread needs to build its own tokenizer. */
export interface WorkerInit {
  backend: TokenizerBackend;
  tokenizerJsonPath: string;
  configPath: string | null;
  /** Worked out once on the main thread; a worker only encodes. */
  special: SpecialIds;
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

class WorkerPoolEncoder implements DocumentEncoder {
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

  /**
   * `slots`: batches one worker takes at once. A JS worker encodes synchronously (1); a native worker
   * awaits Rust's encodeBatch, so with 2 it flattens one batch's ids while Rust encodes the next.
   */
  constructor(
    readonly backend: TokenizerBackend,
    readonly special: SpecialIds,
    private readonly decoder: () => ReturnType<typeof loadJsTokenizer>,
    private readonly workers: Worker[],
    slots = 1,
  ) {
    this.parallelism = workers.length * 2 + slots - 1;
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
      for (let i = 0; i < slots; i++) this.idle.push(w);
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

  async verified(): Promise<void> {}

  decode(ids: ArrayLike<number>): string {
    return this.decoder().decode(Array.from(ids), { clean_up_tokenization_spaces: false });
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

  async verified(): Promise<void> {}

  decode(ids: ArrayLike<number>): string {
    return this.tokenizer.decode(Array.from(ids), { clean_up_tokenization_spaces: false });
  }

  async close(): Promise<void> {}
}

/** How many documents of each run the native backend checks against tokenizers.js. */
export const NATIVE_PARITY_DOCUMENTS = 64;

/**
 * The native (Rust) encoder on worker threads, with the parity gate beside it: the first documents of a
 * run are also encoded by tokenizers.js on a worker of its own, compared when both are done, and any
 * difference stops the run (`verified()`), so the two backends can never silently write different ids for
 * one tokenizer.json. Nothing of it waits on the main thread; the JS worker ends once the check is done.
 */
class ParityCheckedEncoder implements DocumentEncoder {
  readonly backend = 'native' as const;
  private submitted = 0;
  private readonly checks: Promise<void>[] = [];

  constructor(
    private readonly native: WorkerPoolEncoder,
    private readonly startChecker: () => Promise<WorkerPoolEncoder>,
  ) {}

  get special(): SpecialIds {
    return this.native.special;
  }

  get parallelism(): number {
    return this.native.parallelism;
  }

  private checker: Promise<WorkerPoolEncoder> | null = null;

  encode(texts: string[]): Promise<EncodedBatch> {
    const result = this.native.encode(texts);
    const wanted = Math.min(texts.length, NATIVE_PARITY_DOCUMENTS - this.submitted);
    if (wanted > 0) {
      const first = this.submitted;
      this.submitted += wanted;
      this.checker ??= this.startChecker();
      const checker = this.checker;
      const last = this.submitted >= NATIVE_PARITY_DOCUMENTS;
      const check = (async () => {
        const [got, expected] = await Promise.all([
          result,
          checker.then((c) => c.encode(texts.slice(0, wanted))),
        ]);
        compareBatches(got, expected, wanted, first);
        // Every document the gate wants is checked: the JS worker (and its memory) can go now.
        if (last) await this.closeChecker();
      })();
      check.catch(() => {}); // observed by verified()
      this.checks.push(check);
    }
    return result;
  }

  async verified(): Promise<void> {
    await Promise.all(this.checks);
  }

  private async closeChecker(): Promise<void> {
    const checker = this.checker;
    this.checker = null;
    await (await checker)?.close();
  }

  decode(ids: ArrayLike<number>): string {
    return this.native.decode(ids);
  }

  async close(): Promise<void> {
    const checker = this.checker;
    this.checker = null;
    await Promise.all([this.native.close(), checker?.then((c) => c.close()).catch(() => {})]);
  }
}

/** Throws when the first `count` documents of two encodings of one batch differ. */
export function compareBatches(
  got: EncodedBatch,
  expected: EncodedBatch,
  count: number,
  firstDocument: number,
): void {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const n = got.lengths[i]!;
    const m = expected.lengths[i]!;
    const a = got.ids.subarray(at, at + n);
    const b = expected.ids.subarray(at, at + m);
    if (n !== m || a.some((id, j) => id !== b[j])) {
      throw new MlduckError(
        `the native and JS tokenizers disagree on document ${firstDocument + i + 1} of the run (first ids: ${Array.from(a.subarray(0, 8)).join(',')} vs ${Array.from(b.subarray(0, 8)).join(',')})`,
        { kind: 'internal', hint: 'use --backend js, and report the tokenizer.json' },
      );
    }
    at += n;
  }
}

/** A tokenizer.json read and checked on the main thread: its special ids. */
export interface LoadedTokenizer {
  readonly resolved: ResolvedTokenizer;
  readonly special: SpecialIds;
  readonly eosToken: string | undefined;
  /** Which library worked out the special ids (and so is already loaded on this thread). */
  readonly via: TokenizerBackend;
  /** tokenizers.js on this thread, built on first use (decoding, the inline JS encoder). */
  readonly js: () => ReturnType<typeof loadJsTokenizer>;
}

/** Parsed tokenizers by content: building one from a 128k-vocabulary JSON takes most of a second. */
const loadedCache = new Map<string, LoadedTokenizer>();

/**
 * Reads the tokenizer with the library that will encode: tokenizers.js is not built on the main thread
 * for the native backend (it costs half a second and ~180 MB there) unless something decodes.
 */
export async function loadTokenizer(
  resolved: ResolvedTokenizer,
  eosToken?: string,
  backend: TokenizerBackend = 'js',
): Promise<LoadedTokenizer> {
  const key = JSON.stringify([resolved.sha256, resolved.configPath, eosToken ?? null, backend]);
  const cached = loadedCache.get(key);
  if (cached && cached.resolved.tokenizerJsonPath === resolved.tokenizerJsonPath) return cached;
  // The parsed JSON (~100 MB of objects for a 128k vocabulary) is not kept: tokenizers.js, when something
  // needs it on this thread, reads the file again.
  let files: TokenizerFiles | null = readTokenizerFiles(resolved);
  let js: ReturnType<typeof loadJsTokenizer> | null = null;
  const buildJs = () => {
    try {
      js ??= loadJsTokenizer(files ?? readTokenizerFiles(resolved));
    } catch (error) {
      throw malformedTokenizer(resolved.tokenizerJsonPath, error);
    }
    return js;
  };
  let special: SpecialIds;
  try {
    const lookup =
      backend === 'native'
        ? await nativeTokenLookup(loadNativeTokenizer(resolved))
        : jsTokenLookup(buildJs());
    special = specialIds(lookup, files, eosToken);
  } catch (error) {
    throw malformedTokenizer(resolved.tokenizerJsonPath, error);
  }
  files = null;
  const loaded: LoadedTokenizer = { resolved, special, eosToken, via: backend, js: buildJs };
  loadedCache.set(key, loaded);
  return loaded;
}

/**
 * The backend a run uses: the one asked for, or by default native whenever the Rust package loads, else
 * js with one warning saying why.
 */
export function chooseBackend(
  asked: TokenizerBackend | undefined,
  warn?: (message: string) => void,
): TokenizerBackend {
  if (asked) return asked;
  const reason = nativeUnavailableReason();
  if (reason === null) return 'native';
  warn?.(`tokenizing with the JS backend (slower): ${reason}`);
  return 'js';
}

async function startWorkers(init: WorkerInit, count: number): Promise<Worker[]> {
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) {
    workers.push(
      init.backend === 'native'
        ? new Worker(new URL('./native-encode-worker.js', import.meta.url), { workerData: init })
        : startTsWorker(new URL('./encode-worker.ts', import.meta.url), init),
    );
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
  return workers;
}

/** Builds the encoder the options ask for; worker threads each load their own tokenizer. */
export async function createEncoder(
  source: ResolvedTokenizer | LoadedTokenizer,
  options: EncoderOptions,
): Promise<DocumentEncoder> {
  const loaded =
    'special' in source ? source : await loadTokenizer(source, options.eosToken, options.backend);
  const { resolved, special } = loaded;
  const init = (backend: TokenizerBackend): WorkerInit => ({
    backend,
    tokenizerJsonPath: resolved.tokenizerJsonPath,
    configPath: resolved.configPath,
    special,
  });
  if (options.backend === 'native') {
    if (options.workers > 0 && process.env['RAYON_NUM_THREADS'] === undefined) {
      process.env['RAYON_NUM_THREADS'] = String(options.workers);
    }
    // Workers take the per-document id extraction (getIds, flattening) off the main thread; Rust's own
    // threads encode inside each batch, so one worker per 4 cores keeps up.
    const workers = await startWorkers(init('native'), Math.max(1, Math.ceil(options.workers / 4)));
    const native = new WorkerPoolEncoder('native', special, loaded.js, workers, 2);
    return new ParityCheckedEncoder(
      native,
      async () => new WorkerPoolEncoder('js', special, loaded.js, await startWorkers(init('js'), 1)),
    );
  }
  if (options.workers <= 1) return new InlineJsEncoder(special, loaded.js());
  return new WorkerPoolEncoder('js', special, loaded.js, await startWorkers(init('js'), options.workers));
}
