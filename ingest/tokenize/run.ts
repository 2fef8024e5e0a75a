import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { confinedPath, safeSegment } from '../../src/confine.ts';
import { MlduckError } from '../../src/errors.ts';
import { sha256File } from '../../src/hash.ts';
import { recordedPath } from '../../src/paths.ts';
import { MLDUCK_VERSION } from '../../src/version.ts';
import { walkInputs } from '../../src/walk.ts';
import {
  chooseBackend,
  createEncoder,
  type DocumentEncoder,
  defaultWorkers,
  type EncodedBatch,
} from './encode.ts';
import { type CorpusDocument, readCorpus, SKIP_CAUSES, type SkipCause } from './jsonl.ts';
import {
  FORMAT_VERSION,
  type InputFingerprint,
  MANIFEST_FILE,
  type Manifest,
  rankManifestFile,
  readManifest,
  type SplitEntry,
  type SplitOptions,
  shardsIntact,
  shardsVerified,
  splitFingerprint,
  writeManifest,
} from './manifest.ts';
import { createPacker, type PackedRow, type PackingStrategy } from './packer.ts';
import { rowGroupRows, SHARD_COLUMNS, ShardSink, ShardWriter } from './shard-writer.ts';
import { DEFAULT_TOKENIZER, resolveTokenizer, type TokenizerBackend } from './tokenizer.ts';

export interface TokenizeOptions {
  input: string;
  output: string;
  recursive?: boolean;
  tokenizer?: string;
  maxSeqLength?: number;
  /** Target shard size in GB (compressed bytes on disk, 1 GB = 1e9 bytes). */
  shardSizeGb?: number;
  skipExisting?: boolean;
  /** With skipExisting: a split is up to date only when its shards' sha256 match the manifest (reads them). */
  verify?: boolean;
  force?: boolean;
  workers?: number;
  packing?: PackingStrategy;
  textField?: string;
  /** Default: native when the Rust package loads, else js (with a warning saying why). */
  backend?: TokenizerBackend;
  eosToken?: string;
  /** How the tokenizer is named in the manifest (default: --tokenizer as given). */
  tokenizerLabel?: string;
  /**
   * One process of a multi-process run: this rank tokenizes its share of the input files (whole files,
   * balanced by bytes, the same assignment in every rank) and writes a per-rank manifest.
   */
  rank?: number;
  worldSize?: number;
  /** Resolves relative paths (default: the process working directory). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onProgress?: (progress: TokenizeProgress) => void;
  info?: (message: string) => void;
  warn?: (message: string) => void;
}

export interface TokenizeProgress {
  filesDone: number;
  filesTotal: number;
  bytesRead: number;
  bytesTotal: number;
  documents: number;
  tokens: number;
  split: string;
}

export interface SplitStats {
  split: string;
  input: InputFingerprint;
  lines: number;
  documents: number;
  skipped: Record<SkipCause, number>;
  tokens: number;
  sequences: number;
  pad_tokens: number;
  /** Documents whose tokens were cut across rows (nothing is dropped: the pieces follow each other). */
  truncated: number;
  packing: PackingStrategy;
  max_seq_length: number;
  padding_fraction: number;
  document_tokens: { min: number; max: number; mean: number };
  /** Documents by token length (EOS included), in power-of-two buckets: [min, max]. */
  length_histogram: { min: number; max: number; documents: number }[];
  by_category: Record<string, { documents: number; tokens: number }>;
  by_source: Record<string, { documents: number; tokens: number }>;
}

export interface SplitResult {
  split: string;
  status: 'written' | 'skipped';
  entry: SplitEntry;
  stats: SplitStats | null;
}

export interface TokenizeResult {
  manifestPath: string;
  manifest: Manifest;
  splits: SplitResult[];
  /** Splits dropped from an older manifest because they were made with other settings. */
  dropped: string[];
  elapsedMs: number;
}

export const DEFAULTS = {
  maxSeqLength: 8192,
  shardSizeGb: 2,
  packing: 'concat' as PackingStrategy,
  textField: 'text',
};

interface InputFile {
  absolute: string;
  display: string;
  split: string;
}

/** A link that cannot be followed (a loop, or a broken link to a .jsonl name) is bad input. */
/** The JSONL files of the input (a file, or a folder; sorted; nested folders with `recursive`). */
export function discoverInputs(input: string, recursive: boolean, cwd: string): InputFile[] {
  const absolute = resolve(cwd, input);
  if (!existsSync(absolute)) {
    throw new MlduckError('input not found', {
      kind: 'usage',
      file: input,
      hint: 'pass --input <folder or .jsonl file>',
    });
  }
  // The one walker: sorted by name at every level, links followed, each folder visited once.
  const files = walkInputs([absolute], {
    accept: (name) => name.endsWith('.jsonl'),
    recursive,
    expected: '*.jsonl files',
    emptyHint: recursive ? 'the folder holds no *.jsonl files' : 'use --recursive for nested directories',
  }).map((found) => found.path);
  const bySplit = new Map<string, InputFile>();
  const inputs = files.map((file) => {
    const display = recordedPath(file, cwd);
    // The split names a folder of the output that --force clears: it must be one plain path segment.
    const split = safeSegment(basename(file, '.jsonl'), 'split name (the file name without .jsonl)', {
      file: display,
      hint: 'rename the file',
    });
    const other = bySplit.get(split);
    if (other) {
      throw new MlduckError(
        `two inputs would write the same split "${split}": ${other.display} and ${display}`,
        { kind: 'usage', hint: 'each split is named after its file stem; rename one of the files' },
      );
    }
    const item = { absolute: file, display, split };
    bySplit.set(split, item);
    return item;
  });
  return inputs;
}

/**
 * The input files of one rank: whole files, largest first, each to the rank with the fewest bytes so far
 * (ties to the lower rank). Every rank computes the same assignment from the same listing.
 */
export function inputsOfRank<T extends { absolute: string; split: string }>(
  inputs: readonly T[],
  rank: number,
  worldSize: number,
  sizeOf: (input: T) => number = (input) => statSync(input.absolute).size,
): T[] {
  const sized = inputs
    .map((f) => ({ f, bytes: sizeOf(f) }))
    .sort((a, b) => b.bytes - a.bytes || (a.f.split < b.f.split ? -1 : a.f.split > b.f.split ? 1 : 0));
  const load = new Array<number>(worldSize).fill(0);
  const mine: T[] = [];
  for (const { f, bytes } of sized) {
    let least = 0;
    for (let r = 1; r < worldSize; r++) if (load[r]! < load[least]!) least = r;
    load[least]! += bytes;
    if (least === rank) mine.push(f);
  }
  return inputs.filter((f) => mine.includes(f));
}

function lengthBucket(n: number): number {
  return n <= 1 ? 0 : Math.ceil(Math.log2(n));
}

class StatsCollector {
  lines = 0;
  documents = 0;
  tokens = 0;
  minDoc = Number.POSITIVE_INFINITY;
  maxDoc = 0;
  readonly skipped = Object.fromEntries(SKIP_CAUSES.map((c) => [c, 0])) as Record<SkipCause, number>;
  readonly buckets = new Map<number, number>();
  readonly byCategory = new Map<string, { documents: number; tokens: number }>();
  readonly bySource = new Map<string, { documents: number; tokens: number }>();

  document(doc: { category: string | null; source: string | null }, tokens: number): void {
    this.documents++;
    this.tokens += tokens;
    this.minDoc = Math.min(this.minDoc, tokens);
    this.maxDoc = Math.max(this.maxDoc, tokens);
    const b = lengthBucket(tokens);
    this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
    for (const [key, map] of [
      [doc.category, this.byCategory],
      [doc.source, this.bySource],
    ] as const) {
      if (key === null) continue;
      const entry = map.get(key) ?? { documents: 0, tokens: 0 };
      entry.documents++;
      entry.tokens += tokens;
      map.set(key, entry);
    }
  }

  histogram(): SplitStats['length_histogram'] {
    return [...this.buckets.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([b, documents]) => ({ min: b === 0 ? 0 : 2 ** (b - 1) + 1, max: 2 ** b, documents }));
  }
}

const sortedRecord = <T>(map: Map<string, T>): Record<string, T> =>
  Object.fromEntries([...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)));

/**
 * Removes what an earlier run wrote in a split folder (shards, temp shards, the split's stats) before
 * rewriting it. Only those names: whatever else a person keeps there stays, with or without --force.
 */
function clearSplitDir(dir: string, split: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (/^shard_\d+\.parquet(\.tmp)?$/.test(name) || name === `${split}_stats.json`) {
      rmSync(join(dir, name), { force: true });
    }
  }
}

/**
 * The run's staging folder in the output (DuckDB spill files), `.tokenize-tmp-<pid>-<random>` (ranks on
 * other machines sharing the output may have the same pid: containers number from 1); named
 * `.tokenize-new-…` while it is being made, and renamed once its owner file is written.
 */
const STAGING_DIR = /^\.tokenize-(?:tmp|new)-(\d+)(?:-[0-9a-f]+)?$/;
/** In a staging folder: the machine's name, then (Linux) its process's start time, one per line. */
const STAGING_OWNER_FILE = 'host';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When process `pid` started (Linux: /proc/<pid>/stat, clock ticks since boot), or '' where that cannot be
 * read. With the pid it names one process: pids are reused (a busy machine wraps Linux's 32,768 within
 * minutes: every thread takes one), so a live pid alone does not say the folder's owner still runs.
 */
function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), from field 3 on; the start time is field 22.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** Whether the process that made a staging folder (its pid, its owner file's start time) still runs. */
function ownerRuns(pid: number, startedAt: string): boolean {
  if (!isAlive(pid)) return false;
  return startedAt === '' || processStartTime(pid) === startedAt;
}

/**
 * Removes the staging folders of killed runs: `.tokenize-tmp-<pid>` folders (not links) whose process is
 * gone (or whose pid is now another process's). A folder made on another machine (an output on a shared
 * file system) is left alone: its pid means nothing here.
 */
export function removeStaleStagingDirs(outputDir: string): string[] {
  if (!existsSync(outputDir)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(outputDir)) {
    const match = STAGING_DIR.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    const dir = join(outputDir, name);
    try {
      if (pid === process.pid || !lstatSync(dir).isDirectory()) continue;
      const ownerFile = join(dir, STAGING_OWNER_FILE);
      const [host = null, startedAt = ''] = existsSync(ownerFile)
        ? readFileSync(ownerFile, 'utf8').split('\n')
        : [];
      if (host !== null && host !== hostname()) continue;
      if (ownerRuns(pid, startedAt)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(name);
    } catch (error) {
      // Another rank sharing the output removed it first.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return removed;
}

/** The name of this run's staging folder in `outputDir`. */
function stagingDirName(outputDir: string): string {
  return join(outputDir, `.tokenize-tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/** Makes the run's staging folder, signed with this machine's name and this process's start time. */
function createStagingDir(dir: string): void {
  const making = join(dirname(dir), basename(dir).replace('.tokenize-tmp-', '.tokenize-new-'));
  mkdirSync(making, { recursive: true });
  writeFileSync(join(making, STAGING_OWNER_FILE), `${hostname()}\n${processStartTime(process.pid)}\n`);
  renameSync(making, dir);
}

/**
 * Removes the staging folder when the process is interrupted (Ctrl-C, a scheduler's SIGTERM), then lets
 * the signal do what it would have done. Returns the function that unregisters the handlers.
 */
function removeOnSignal(dir: string): () => void {
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const handler = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    for (const s of signals) process.removeListener(s, handler);
    process.kill(process.pid, signal);
  };
  for (const s of signals) process.once(s, handler);
  return () => {
    for (const s of signals) process.removeListener(s, handler);
  };
}

/** Text per encodeBatch: small enough that the batches in flight stay a few MB. */
const BATCH_CHARS = 256 * 1024;
const BATCH_DOCS = 1000;

/**
 * `mlduck tokenize`: every JSONL file of the input becomes one split folder of packed, tokenized Parquet
 * shards, a `<split>_stats.json`, and an entry of the top-level `manifest.json` (written after the shards,
 * atomically, merged with the splits already there).
 */
export async function tokenizeCorpus(options: TokenizeOptions): Promise<TokenizeResult> {
  const started = performance.now();
  const cwd = options.cwd ?? process.cwd();
  const maxSeqLength = options.maxSeqLength ?? DEFAULTS.maxSeqLength;
  const shardSizeGb = options.shardSizeGb ?? DEFAULTS.shardSizeGb;
  const packing = options.packing ?? DEFAULTS.packing;
  const textField = options.textField ?? DEFAULTS.textField;
  const backend = chooseBackend(options.backend, options.warn);
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(maxSeqLength) || maxSeqLength < 2) {
    throw new MlduckError(`--max-seq-length must be an integer ≥ 2, got ${maxSeqLength}`, { kind: 'usage' });
  }
  if (!(shardSizeGb > 0)) {
    throw new MlduckError(`--shard-size must be a positive number of GB, got ${shardSizeGb}`, {
      kind: 'usage',
    });
  }
  if (!Number.isInteger(workers) || workers < 1) {
    throw new MlduckError(`--workers must be an integer ≥ 1, got ${workers}`, { kind: 'usage' });
  }
  const ranked = options.worldSize !== undefined || options.rank !== undefined;
  const worldSize = options.worldSize ?? 1;
  const rank = options.rank ?? 0;
  if (
    ranked &&
    !(
      Number.isInteger(worldSize) &&
      worldSize >= 1 &&
      Number.isInteger(rank) &&
      rank >= 0 &&
      rank < worldSize
    )
  ) {
    throw new MlduckError(
      `--rank and --world-size go together: an integer world size ≥ 1 and a rank from 0 to world size - 1, got rank ${options.rank} of ${options.worldSize}`,
      { kind: 'usage' },
    );
  }
  const allInputs = discoverInputs(options.input, options.recursive ?? false, cwd);
  const inputs = ranked ? inputsOfRank(allInputs, rank, worldSize) : allInputs;
  const manifestFile = ranked ? rankManifestFile(rank, worldSize) : MANIFEST_FILE;
  const tokenizerArg = options.tokenizer ?? DEFAULT_TOKENIZER;
  const tokenizerSpec = options.tokenizerLabel ?? tokenizerArg;
  const resolved = resolveTokenizer(tokenizerArg, { cwd, ...(options.env ? { env: options.env } : {}) });
  const outputDir = resolve(cwd, options.output);
  mkdirSync(outputDir, { recursive: true });
  for (const name of removeStaleStagingDirs(outputDir)) {
    options.info?.(`removed ${name}, left behind by a run that was killed`);
  }
  const existing = options.force ? null : readManifest(outputDir, manifestFile);

  let encoder: DocumentEncoder | null = null;
  const stagingDir = stagingDirName(outputDir);
  const unregisterSignals = removeOnSignal(stagingDir);
  /** The shard writer thread, started when a split first needs it. */
  let sink: Promise<ShardSink> | null = null;
  const openSink = (): Promise<ShardSink> => {
    if (!sink) {
      createStagingDir(stagingDir);
      sink = ShardSink.open(stagingDir);
      sink.catch(() => {}); // awaited where it is used
    }
    return sink;
  };
  const results: SplitResult[] = [];
  const dropped: string[] = [];
  const bytesTotal = inputs.reduce((sum, f) => sum + statSync(f.absolute).size, 0);
  const progress: TokenizeProgress = {
    filesDone: 0,
    filesTotal: inputs.length,
    bytesRead: 0,
    bytesTotal,
    documents: 0,
    tokens: 0,
    split: '',
  };

  try {
    // Without --skip-existing every split is written: the writer thread starts while the encoders load.
    if (!options.skipExisting || options.force) openSink();
    // Special ids are part of the split options, so they are known before deciding what to skip: the
    // encoder's first worker answers them (the main thread loads no tokenizer of its own).
    encoder = await createEncoder(resolved, {
      backend,
      workers,
      ...(options.eosToken === undefined ? {} : { eosToken: options.eosToken }),
    });
    const special = encoder.special;
    const splitOptions: SplitOptions = {
      max_seq_length: maxSeqLength,
      packing,
      text_field: textField,
      shard_size_gb: shardSizeGb,
      row_group_size: rowGroupRows(maxSeqLength),
      bos_id: special.bosId,
      eos_id: special.eosId,
      pad_id: special.padId,
      format_version: FORMAT_VERSION,
    };

    const splits: Record<string, SplitEntry> = {};
    // Keep older splits only when they were made with the same tokenizer and settings: a manifest whose
    // entries disagree on max_seq_length or vocabulary would mislead the trainer reading it.
    for (const [name, entry] of Object.entries(existing?.splits ?? {})) {
      const compatible =
        entry.tokenizer_sha256 === resolved.sha256 &&
        JSON.stringify(entry.options) === JSON.stringify(splitOptions);
      if (compatible || inputs.some((f) => f.split === name)) splits[name] = entry;
      else dropped.push(name);
    }
    for (const name of dropped) {
      options.warn?.(
        `split ${name} of the existing manifest was made with other settings; it is left out of the manifest`,
      );
    }

    const manifestFor = (finished = false): Manifest => ({
      tokenizer: tokenizerSpec,
      max_seq_length: maxSeqLength,
      shard_size_gb: shardSizeGb,
      input_path: recordedPath(resolve(cwd, options.input), cwd),
      output_path: recordedPath(outputDir, cwd),
      files_processed: inputs.length,
      splits: sortedRecord(new Map(Object.entries(splits))),
      tokenizer_sha256: resolved.sha256,
      vocab_size: special.vocabSize,
      bos_id: special.bosId,
      eos_id: special.eosId,
      pad_id: special.padId,
      packing,
      labels: 'unshifted',
      ignore_index: -100,
      columns: {
        input_ids: `list<int32>[${maxSeqLength}]: token ids, real tokens first then pad_id`,
        attention_mask: `list<int32>[${maxSeqLength}]: 1 for real tokens, 0 for padding`,
        labels: `list<int32>[${maxSeqLength}]: input_ids where attention_mask = 1, else -100 (unshifted: the model shifts)`,
        doc_lengths:
          'list<int32>: lengths of the document pieces in the row, in order; they sum to the real tokens',
      },
      config: {
        text_field: textField,
        backend,
        workers,
        row_group_size: splitOptions.row_group_size,
        compression: 'snappy',
        document_template: special.templateAddsEos
          ? 'tokenizer template (adds EOS)'
          : 'tokenizer template + EOS',
        shard_columns: SHARD_COLUMNS,
      },
      format_version: FORMAT_VERSION,
      mlduck_version: MLDUCK_VERSION,
      created_at: new Date().toISOString(),
      ...(ranked
        ? { rank: { rank, world_size: worldSize, assigned: inputs.map((f) => f.split).sort(), finished } }
        : {}),
    });

    for (const file of inputs) {
      progress.split = file.split;
      const stat = statSync(file.absolute);
      const input: InputFingerprint = {
        path: file.display,
        bytes: stat.size,
        sha256: await sha256File(file.absolute),
      };
      const fingerprint = splitFingerprint(input, resolved.sha256, splitOptions);
      const splitDir = confinedPath(outputDir, [file.split], 'split folder', { file: file.display });
      const previous = splits[file.split];
      if (
        options.skipExisting &&
        !options.force &&
        previous?.fingerprint === fingerprint &&
        (options.verify ? await shardsVerified(splitDir, previous) : shardsIntact(splitDir, previous))
      ) {
        options.info?.(`skip ${file.split}: up to date (${previous.shards} shards)`);
        results.push({ split: file.split, status: 'skipped', entry: previous, stats: null });
        progress.filesDone++;
        progress.bytesRead += stat.size;
        options.onProgress?.({ ...progress });
        continue;
      }
      // Forget the old entry before touching its shards: a crash from here on leaves a split that the
      // next --skip-existing run will not mistake for complete.
      if (previous) {
        delete splits[file.split];
        writeManifest(outputDir, manifestFor(), manifestFile);
      }
      clearSplitDir(splitDir, file.split);
      mkdirSync(splitDir, { recursive: true });
      const staging = await openSink();
      const { entry, stats } = await tokenizeSplit({
        file,
        input,
        fingerprint,
        splitDir,
        encoder,
        staging,
        splitOptions,
        tokenizerSpec,
        tokenizerSha256: resolved.sha256,
        outputArg: recordedPath(outputDir, cwd),
        progress,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      });
      // The parity gate (native backend) has had the whole split to finish; its verdict comes first.
      await (encoder as DocumentEncoder | null)?.verified();
      splits[file.split] = entry;
      writeManifest(outputDir, manifestFor(), manifestFile);
      if (entry.sequences === 0) {
        options.warn?.(
          `split ${file.split} has no documents (${file.display}): it has no shards and trainers will find no rows in it`,
        );
      }
      results.push({ split: file.split, status: 'written', entry, stats });
      progress.filesDone++;
      options.onProgress?.({ ...progress });
      options.info?.(
        `${file.split}: ${stats.documents} documents, ${stats.tokens} tokens → ${entry.sequences} rows in ${entry.shards} shard${entry.shards === 1 ? '' : 's'}`,
      );
    }
    const manifest = manifestFor(true);
    writeManifest(outputDir, manifest, manifestFile);
    return {
      manifestPath: join(outputDir, manifestFile),
      manifest,
      splits: results,
      dropped,
      elapsedMs: performance.now() - started,
    };
  } finally {
    // Every exit path removes the staging folder, even when closing the encoder or DuckDB fails.
    try {
      await (encoder as DocumentEncoder | null)?.close();
    } finally {
      try {
        const opened = await (sink as Promise<ShardSink> | null)?.catch(() => null);
        await opened?.close();
      } finally {
        rmSync(stagingDir, { recursive: true, force: true });
        unregisterSignals();
      }
    }
  }
}

interface SplitJob {
  file: InputFile;
  input: InputFingerprint;
  fingerprint: string;
  splitDir: string;
  encoder: DocumentEncoder;
  staging: ShardSink;
  splitOptions: SplitOptions;
  tokenizerSpec: string;
  tokenizerSha256: string;
  outputArg: string;
  progress: TokenizeProgress;
  onProgress?: (progress: TokenizeProgress) => void;
}

type DocMeta = Pick<CorpusDocument, 'category' | 'source'>;

/** Reads, encodes (in order, whatever the worker count), packs and writes one split. */
async function tokenizeSplit(job: SplitJob): Promise<{ entry: SplitEntry; stats: SplitStats }> {
  const { encoder, splitOptions: opts } = job;
  const stats = new StatsCollector();
  const packer = createPacker(opts.packing, opts.max_seq_length, opts.pad_id);
  const writer = new ShardWriter(job.staging, job.splitDir, opts.max_seq_length, opts.shard_size_gb * 1e9);
  const vocabSize = encoder.special.vocabSize;
  const rows: PackedRow[] = [];
  const emit = (row: PackedRow) => rows.push(row);
  const inflight: { result: Promise<EncodedBatch>; metas: DocMeta[] }[] = [];
  let texts: string[] = [];
  let metas: DocMeta[] = [];
  let chars = 0;

  const drainOne = async () => {
    const head = inflight.shift()!;
    const { ids, lengths } = await head.result;
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[i]!;
      const doc = ids.subarray(at, at + n);
      at += n;
      for (let j = 0; j < n; j++) {
        const id = doc[j]!;
        if (id < 0 || id >= vocabSize) {
          throw new MlduckError(`tokenizer produced id ${id} outside its vocabulary (size ${vocabSize})`, {
            kind: 'internal',
            file: job.file.display,
          });
        }
      }
      stats.document(head.metas[i]!, n);
      packer.add(doc, emit);
    }
    job.progress.documents += lengths.length;
    job.progress.tokens += ids.length;
    for (const row of rows.splice(0)) await writer.append(row);
    job.onProgress?.({ ...job.progress });
  };
  const submit = async () => {
    if (texts.length === 0) return;
    inflight.push({ result: encoder.encode(texts), metas });
    texts = [];
    metas = [];
    chars = 0;
    while (inflight.length >= encoder.parallelism) await drainOne();
  };

  try {
    for await (const item of readCorpus(job.file.absolute, job.file.display, opts.text_field, (b) => {
      job.progress.bytesRead += b;
    })) {
      stats.lines++;
      if ('skip' in item) {
        stats.skipped[item.skip]++;
        continue;
      }
      texts.push(item.doc.text);
      metas.push({ category: item.doc.category, source: item.doc.source });
      chars += item.doc.text.length;
      if (chars >= BATCH_CHARS || texts.length >= BATCH_DOCS) await submit();
    }
    await submit();
    while (inflight.length > 0) await drainOne();
    packer.finish(emit);
    for (const row of rows.splice(0)) await writer.append(row);
    const shards = await writer.finish();
    const c = packer.counters;
    const splitStats: SplitStats = {
      split: job.file.split,
      input: job.input,
      lines: stats.lines,
      documents: stats.documents,
      skipped: stats.skipped,
      tokens: stats.tokens,
      sequences: c.rows,
      pad_tokens: c.padTokens,
      truncated: c.documentsSplit,
      packing: opts.packing,
      max_seq_length: opts.max_seq_length,
      padding_fraction: c.rows === 0 ? 0 : c.padTokens / (c.rows * opts.max_seq_length),
      document_tokens: {
        min: stats.documents === 0 ? 0 : stats.minDoc,
        max: stats.maxDoc,
        mean: stats.documents === 0 ? 0 : stats.tokens / stats.documents,
      },
      length_histogram: stats.histogram(),
      by_category: sortedRecord(stats.byCategory),
      by_source: sortedRecord(stats.bySource),
    };
    const statsFile = `${job.file.split}_stats.json`;
    writeFileSync(join(job.splitDir, statsFile), `${JSON.stringify(splitStats, null, 2)}\n`);
    const entry: SplitEntry = {
      path: join(job.outputArg, job.file.split).split('\\').join('/'),
      shards: shards.length,
      sequences: c.rows,
      samples: stats.documents,
      tokens: c.realTokens,
      pad_tokens: c.padTokens,
      input: job.input,
      tokenizer: job.tokenizerSpec,
      tokenizer_sha256: job.tokenizerSha256,
      options: opts,
      fingerprint: job.fingerprint,
      shard_files: shards,
      stats_file: statsFile,
      created_at: new Date().toISOString(),
    };
    return { entry, stats: splitStats };
  } catch (error) {
    // Batches still in flight are abandoned: their rejections (workers shut down) are expected.
    for (const batch of inflight) batch.result.catch(() => {});
    writer.abort();
    throw error;
  }
}
