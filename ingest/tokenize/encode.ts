import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type ErrorKind, MlduckError } from '../../src/errors.ts';
import { type FastPlan, fastPlan } from './fast-plan.ts';
import { flatten } from './flatten.js';
import {
  answeredLookup,
  jsonVocabSize,
  jsTokenLookup,
  loadJsTokenizer,
  malformedTokenizer,
  nativeMissing,
  nativeUnavailableReason,
  type ResolvedTokenizer,
  readTokenizerConfig,
  readTokenizerFiles,
  type SpecialIds,
  specialIds,
  specialTokenNames,
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
  /** Whether the native exact fast path encodes (fast-encode.js), rather than Rust or tokenizers.js whole. */
  readonly fastPath: boolean;
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
  /** Native: the fast-path plan to use instead of the one read from the tokenizer.json (tests of the gate). */
  plan?: FastPlan;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** What a worker thread needs to build its own tokenizer. */
export interface WorkerInit {
  backend: TokenizerBackend;
  tokenizerJsonPath: string;
  configPath: string | null;
  /** Token names whose ids the worker reports when ready (one worker of a run: the special ids). */
  lookup: string[] | null;
  /** Native workers: encode by the exact fast path (fast-encode.js) with this plan, else Rust whole. */
  fastPlan: FastPlan | null;
}

/** A worker's answers for the special ids: ids of the names asked, ids of "a", the vocabulary size. */
export interface LookupAnswer {
  ids: (number | null)[];
  probe: number[];
  vocabSize: number;
}

/**
 * A batch to encode; the EOS rule travels with it (the special ids are known once a worker answered).
 * `check`: how many of its first documents a fast-path worker encodes again with Rust's whole encode,
 * after answering, for the parity gate.
 */
export type WorkerRequest = {
  seq: number;
  texts: string[];
  eosId: number;
  templateAddsEos: boolean;
  check: number;
};
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
  | { checked: number; ids: Int32Array; lengths: Int32Array }
  | { checked: number; error: WorkerError }
  | { ready: true; lookup?: LookupAnswer };

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
  /** Rust's whole encodings of the first documents, awaited by batch (the fast path's parity gate). */
  private readonly gate = new Map<
    number,
    { resolve: (b: EncodedBatch) => void; reject: (e: Error) => void }
  >();
  private gateLeft: number;
  private readonly checks: Promise<void>[] = [];
  private documents = 0;
  readonly fastPath: boolean;
  /** Set by close(): workers then exit because they were told to, not because they failed. */
  private closing = false;

  /**
   * `slots`: batches one worker takes at once. A JS worker encodes synchronously (1); a native worker
   * awaits Rust's encodeBatch, so with 2 it flattens one batch's ids while Rust encodes the next.
   */
  constructor(
    readonly backend: TokenizerBackend,
    readonly special: SpecialIds,
    private readonly decoder: () => JsTokenizer,
    private readonly workers: Worker[],
    slots = 1,
    /** Fast-path workers: how many first documents of the run the gate compares with Rust's whole encode. */
    gateDocuments = 0,
  ) {
    this.gateLeft = gateDocuments;
    this.fastPath = gateDocuments > 0;
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
    for (const p of [...this.pending.values(), ...this.gate.values()]) p.reject(error);
    this.pending.clear();
    this.gate.clear();
  }

  private onMessage(worker: Worker, m: WorkerResponse): void {
    if ('ready' in m) return;
    if ('checked' in m) {
      const g = this.gate.get(m.checked);
      this.gate.delete(m.checked);
      if ('error' in m) g?.reject(fromWorkerError(m.error));
      else g?.resolve({ ids: m.ids, lengths: m.lengths });
      return;
    }
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
    const { eosId, templateAddsEos } = this.special;
    const check = Math.min(texts.length, this.gateLeft);
    this.gateLeft -= check;
    const request: WorkerRequest = { seq: this.seq++, texts, eosId, templateAddsEos, check };
    const first = this.documents;
    this.documents += texts.length;
    const result = new Promise<EncodedBatch>((resolve, reject) => {
      this.pending.set(request.seq, { resolve, reject });
      const worker = this.idle.shift();
      if (worker) worker.postMessage(request);
      else this.queue.push(request);
    });
    if (check > 0) {
      const expected = new Promise<EncodedBatch>((resolve, reject) =>
        this.gate.set(request.seq, { resolve, reject }),
      );
      const verdict = Promise.all([result, expected]).then(([got, want]) =>
        compareBatches(got, want, check, first, "the fast path and Rust's whole encode"),
      );
      verdict.catch(() => {}); // observed by verified()
      this.checks.push(verdict);
    }
    return result;
  }

  async verified(): Promise<void> {
    await Promise.all(this.checks);
  }

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
  readonly fastPath = false;
  readonly parallelism = 1;
  constructor(
    readonly special: SpecialIds,
    private readonly tokenizer: JsTokenizer,
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
  readonly fastPath = false;
  private submitted = 0;
  private readonly checks: Promise<void>[] = [];

  constructor(
    private readonly native: WorkerPoolEncoder,
    /** Started with the native workers, so its load overlaps theirs instead of delaying the verdict. */
    private checker: Promise<WorkerPoolEncoder> | null,
  ) {
    checker?.catch(() => {}); // a failure surfaces through the checks (verified())
  }

  get special(): SpecialIds {
    return this.native.special;
  }

  get parallelism(): number {
    return this.native.parallelism;
  }

  encode(texts: string[]): Promise<EncodedBatch> {
    const result = this.native.encode(texts);
    const wanted = Math.min(texts.length, NATIVE_PARITY_DOCUMENTS - this.submitted);
    if (wanted > 0) {
      const first = this.submitted;
      this.submitted += wanted;
      const checker =
        this.checker ?? Promise.reject(new MlduckError('parity checker closed', { kind: 'internal' }));
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
  /** Who disagrees, for the message. */
  sides = 'the native and JS tokenizers',
): void {
  let at = 0;
  for (let i = 0; i < count; i++) {
    const n = got.lengths[i]!;
    const m = expected.lengths[i]!;
    const a = got.ids.subarray(at, at + n);
    const b = expected.ids.subarray(at, at + m);
    if (n !== m || a.some((id, j) => id !== b[j])) {
      throw new MlduckError(
        `${sides} disagree on document ${firstDocument + i + 1} of the run (first ids: ${Array.from(a.subarray(0, 8)).join(',')} vs ${Array.from(b.subarray(0, 8)).join(',')})`,
        { kind: 'internal', hint: 'use --backend js, and report the tokenizer.json' },
      );
    }
    at += n;
  }
}

type JsTokenizer = ReturnType<typeof loadJsTokenizer>;

/**
 * tokenizers.js on the main thread, by file content (building one from a 128k-vocabulary JSON takes most
 * of a second): for the inline JS encoder and for decoding. The native backend never builds one here.
 */
const jsCache = new Map<string, { tokenizer: JsTokenizer; vocabSize: number }>();

function mainThreadJs(resolved: ResolvedTokenizer): { tokenizer: JsTokenizer; vocabSize: number } {
  const key = `${resolved.sha256}\0${resolved.tokenizerJsonPath}\0${resolved.configPath ?? ''}`;
  let cached = jsCache.get(key);
  if (!cached) {
    // The parsed JSON (~100 MB of objects for a 128k vocabulary) is not kept.
    const files = readTokenizerFiles(resolved);
    try {
      cached = { tokenizer: loadJsTokenizer(files), vocabSize: jsonVocabSize(files.json) };
    } catch (error) {
      throw malformedTokenizer(resolved.tokenizerJsonPath, error);
    }
    jsCache.set(key, cached);
  }
  return cached;
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

/**
 * Starts `count` workers and waits until every one has loaded its tokenizer, so a broken tokenizer fails
 * fast and clearly. The first one answers `init.lookup`.
 */
async function startWorkers(
  init: WorkerInit,
  count: number,
): Promise<{ workers: Worker[]; lookup: LookupAnswer | null }> {
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) {
    const data: WorkerInit = { ...init, lookup: i === 0 ? init.lookup : null };
    const entry = init.backend === 'native' ? './native-encode-worker.js' : './js-encode-worker.js';
    workers.push(new Worker(new URL(entry, import.meta.url), { workerData: data }));
  }
  let lookup: LookupAnswer | null = null;
  try {
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (m: WorkerResponse) => {
              if ('ready' in m) {
                w.off('message', onMessage);
                lookup ??= m.lookup ?? null;
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
  return { workers, lookup };
}

/**
 * Builds the encoder the options ask for. Worker threads each load their own tokenizer, and the first
 * one answers the special-id lookup: the main thread reads only tokenizer_config.json (for the JS backend
 * on one thread, the tokenizer it encodes with answers).
 */
export async function createEncoder(
  resolved: ResolvedTokenizer,
  options: EncoderOptions,
): Promise<DocumentEncoder> {
  const config = readTokenizerConfig(resolved);
  const names = specialTokenNames(config, options.eosToken);
  const decoder = () => mainThreadJs(resolved).tokenizer;
  const init = (
    backend: TokenizerBackend,
    lookup: string[] | null,
    plan: FastPlan | null = null,
  ): WorkerInit => ({
    backend,
    tokenizerJsonPath: resolved.tokenizerJsonPath,
    configPath: resolved.configPath,
    lookup,
    fastPlan: plan,
  });
  const specialFrom = async (workers: Worker[], lookup: LookupAnswer | null): Promise<SpecialIds> => {
    try {
      if (!lookup)
        throw new MlduckError('no tokenizer worker answered the special ids', { kind: 'internal' });
      return specialIds(answeredLookup(names, lookup), config, options.eosToken);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw malformedTokenizer(resolved.tokenizerJsonPath, error);
    }
  };
  if (options.backend === 'native') {
    if (nativeUnavailableReason() !== null) throw nativeMissing();
    const planned = options.plan ? { plan: options.plan } : fastPlan(resolved.tokenizerJsonPath);
    const fastWorkers = Math.max(1, Math.ceil(options.workers / 4));
    if (options.workers > 0 && process.env['RAYON_NUM_THREADS'] === undefined) {
      // Rust's own threads: on the fast path it encodes only unseen words (one thread per fast worker is
      // as fast, and each extra thread costs a malloc arena); otherwise whole documents, on every core.
      process.env['RAYON_NUM_THREADS'] = String('plan' in planned ? fastWorkers : options.workers);
    }
    if ('plan' in planned) {
      // The exact fast path: Rust encodes only words not seen yet, so a worker splits and looks up
      // ~40 MB of text a second, as fast as the main thread reads and packs and the writer writes; one
      // worker per 4 cores (each holds its own Rust tokenizer, ~175 MB for Llama 3). Its parity gate is
      // Rust's whole encode of the first documents, on the same workers after they answer: tokenizers.js
      // is not loaded at all.
      const { workers, lookup } = await startWorkers(init('native', names, planned.plan), fastWorkers);
      const special = await specialFrom(workers, lookup);
      return new WorkerPoolEncoder('native', special, decoder, workers, 2, NATIVE_PARITY_DOCUMENTS);
    }
    // Rust encodes whole documents: workers take the per-document id extraction (getIds, flattening) off
    // the main thread; Rust's own threads encode inside each batch, so one worker per 4 cores keeps up.
    // The parity gate's tokenizers.js worker starts alongside, so its load overlaps theirs.
    const jsStarted = startWorkers(init('js', null), 1);
    jsStarted.catch(() => {}); // a failure surfaces through the gate's checks (verified())
    let special: SpecialIds;
    let native: WorkerPoolEncoder;
    try {
      const { workers, lookup } = await startWorkers(
        init('native', names),
        Math.max(1, Math.ceil(options.workers / 4)),
      );
      special = await specialFrom(workers, lookup);
      native = new WorkerPoolEncoder('native', special, decoder, workers, 2);
    } catch (error) {
      await jsStarted.then(({ workers: js }) => Promise.all(js.map((w) => w.terminate()))).catch(() => {});
      throw error;
    }
    const checker = jsStarted.then(({ workers: js }) => new WorkerPoolEncoder('js', special, decoder, js));
    return new ParityCheckedEncoder(native, checker);
  }
  if (options.workers <= 1) {
    const { tokenizer, vocabSize } = mainThreadJs(resolved);
    let special: SpecialIds;
    try {
      special = specialIds(jsTokenLookup(tokenizer, vocabSize), config, options.eosToken);
    } catch (error) {
      throw malformedTokenizer(resolved.tokenizerJsonPath, error);
    }
    return new InlineJsEncoder(special, tokenizer);
  }
  const { workers, lookup } = await startWorkers(init('js', names), options.workers);
  return new WorkerPoolEncoder('js', await specialFrom(workers, lookup), decoder, workers);
}
