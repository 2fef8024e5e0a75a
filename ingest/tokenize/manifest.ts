import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';
import { sha256File } from '../../src/hash.ts';
import type { PackingStrategy } from './packer.ts';
import type { ShardInfo } from './shard-writer.ts';

/** Bumped when the shard layout or the packing semantics change: old entries then never match. */
export const FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

/** The manifest one rank of a multi-process run writes; `mlduck tokenize merge` joins them into manifest.json. */
export function rankManifestFile(rank: number, worldSize: number): string {
  return `manifest.rank-${rank}-of-${worldSize}.json`;
}
export const RANK_MANIFEST = /^manifest\.rank-(\d+)-of-(\d+)\.json$/;

/** Which part of a multi-process run a rank manifest describes. */
export interface RankInfo {
  rank: number;
  world_size: number;
  /** The splits (input files) this rank was given. */
  assigned: string[];
  /** True once every assigned split is written: what merge checks. */
  finished: boolean;
}

/** The options that decide the bytes of a split; a split is up to date only when all of them match. */
export interface SplitOptions {
  readonly max_seq_length: number;
  readonly packing: PackingStrategy;
  readonly text_field: string;
  readonly shard_size_gb: number;
  readonly row_group_size: number;
  readonly bos_id: number | null;
  readonly eos_id: number;
  readonly pad_id: number;
  readonly format_version: number;
}

export interface InputFingerprint {
  /** The input file as given (relative to the working directory when inside it). */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
}

export interface SplitEntry {
  /** The split folder: the output path joined with the split name (the seed's format). */
  path: string;
  shards: number;
  sequences: number;
  /** Documents tokenized (lines skipped are in the stats file). */
  samples: number;
  /** Real (non-pad) tokens, BOS/EOS included. */
  tokens: number;
  pad_tokens: number;
  input: InputFingerprint;
  tokenizer: string;
  tokenizer_sha256: string;
  options: SplitOptions;
  /** sha256 over input fingerprint + tokenizer hash + options: what --skip-existing compares. */
  fingerprint: string;
  shard_files: ShardInfo[];
  stats_file: string;
  created_at: string;
}

export interface Manifest {
  tokenizer: string;
  max_seq_length: number;
  shard_size_gb: number;
  input_path: string;
  output_path: string;
  files_processed: number;
  splits: Record<string, SplitEntry>;
  tokenizer_sha256: string;
  vocab_size: number;
  bos_id: number | null;
  eos_id: number;
  pad_id: number;
  packing: PackingStrategy;
  /** `labels` equal `input_ids` where `attention_mask` is 1 and -100 elsewhere; the model shifts. */
  labels: 'unshifted';
  ignore_index: -100;
  columns: Record<string, string>;
  config: Record<string, unknown>;
  format_version: number;
  mlduck_version: string;
  created_at: string;
  /** Only in the manifest of one rank of a multi-process run. */
  rank?: RankInfo;
}

export function splitFingerprint(
  input: InputFingerprint,
  tokenizerSha256: string,
  options: SplitOptions,
): string {
  return createHash('sha256')
    .update(JSON.stringify({ input: { bytes: input.bytes, sha256: input.sha256 }, tokenizerSha256, options }))
    .digest('hex');
}

export function readManifest(outputDir: string, file: string = MANIFEST_FILE): Manifest | null {
  const path = join(outputDir, file);
  if (!existsSync(path)) return null;
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    if (!manifest || typeof manifest !== 'object' || typeof manifest.splits !== 'object') {
      throw new Error('no "splits" object');
    }
    return manifest;
  } catch (error) {
    throw new MlduckError(`not a tokenize manifest: ${(error as Error).message}`, {
      file: path,
      hint: 'move it away, or pass --force to rewrite the output folder',
    });
  }
}

/** Writes the manifest atomically: a temp file, then a rename over the old one. */
export function writeManifest(outputDir: string, manifest: Manifest, file: string = MANIFEST_FILE): void {
  const path = join(outputDir, file);
  // A run that changed nothing leaves the manifest's bytes as they were, so registering it again is a no-op.
  if (sameButCreatedAt(path, manifest)) return;
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, path);
}

function sameButCreatedAt(path: string, manifest: Manifest): boolean {
  if (!existsSync(path)) return false;
  try {
    const old = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
    return JSON.stringify({ ...old, created_at: '' }) === JSON.stringify({ ...manifest, created_at: '' });
  } catch {
    return false;
  }
}

/** True when the split's shards exist with the sizes and the sha256 the manifest recorded (reads them all). */
export async function shardsVerified(splitDir: string, entry: SplitEntry): Promise<boolean> {
  if (!shardsIntact(splitDir, entry)) return false;
  for (const s of entry.shard_files) {
    if ((await sha256File(join(splitDir, s.file))) !== s.sha256) return false;
  }
  return true;
}

/** True when the split's shards exist with the sizes the manifest recorded. */
export function shardsIntact(splitDir: string, entry: SplitEntry): boolean {
  if (!Array.isArray(entry.shard_files) || entry.shard_files.length !== entry.shards) return false;
  return entry.shard_files.every((s) => {
    const file = join(splitDir, s.file);
    return existsSync(file) && statSync(file).size === s.bytes;
  });
}
