/**
 * The two manifest formats a data tree holds: the seed's dataset manifest
 * (`data/processed/{category}/manifests/{category}_manifest_{version}.json`: schema, version, row counts,
 * timestamps, sha256 per dataset) and the quickstart's tokenized `manifest.json` (`splits` → shards).
 * Parsing is lenient about hand-written seed manifests; writing produces one fixed shape.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MLDUCK_VERSION } from '../../src/version.ts';
import type { ColumnInfo } from './inspect.ts';

export const SEED_MANIFEST_FORMAT = 1;

/** One dataset of a seed manifest, as written by `mlduck datasets manifest`. */
export interface SeedManifestEntry {
  /** The file relative to the manifest's category folder (the parent of manifests/). */
  path: string;
  purpose: string;
  version: string | null;
  format: string;
  rows: number | null;
  bytes: number;
  sha256: string;
  schema: ColumnInfo[] | null;
  /** The file's modification time when it was recorded (ISO, UTC). */
  modified_at: string;
  /** When the entry was written (ISO, UTC). */
  recorded_at: string;
}

export interface SeedManifest {
  format: number;
  category: string | null;
  version: string;
  created_at: string;
  updated_at: string;
  generator: string;
  datasets: Record<string, SeedManifestEntry>;
}

/** What a scan needs from any manifest entry: where the file is and what it should contain. */
export interface ExpectedFile {
  /** Absolute path the entry resolves to. */
  absolutePath: string;
  /** The path as written in the manifest. */
  declaredPath: string;
  rows: number | null;
  sha256: string | null;
  bytes: number | null;
}

export interface TokenizedSplit {
  split: string;
  /** Absolute split folder. */
  dir: string;
  shards: number | null;
  sequences: number | null;
  tokens: number | null;
  /** Per-shard expectations when the manifest lists shard_files (mlduck tokenize does). */
  shardFiles: (ExpectedFile & { tokens: number | null })[];
  statsFile: string | null;
}

export type ParsedManifest =
  | {
      kind: 'seed';
      category: string | null;
      version: string | null;
      entries: ExpectedFile[];
      content: unknown;
    }
  | {
      kind: 'tokenized';
      outputDir: string;
      splits: TokenizedSplit[];
      content: unknown;
    }
  | { kind: 'invalid'; problem: string; content: unknown };

/** `…/manifests/<x>.json` or a `manifest.json`/`*_manifest_*.json` anywhere is read as a manifest. */
export function looksLikeManifest(relSegments: readonly string[]): boolean {
  const name = relSegments[relSegments.length - 1] ?? '';
  if (!name.toLowerCase().endsWith('.json')) return false;
  if (relSegments.length >= 2 && relSegments[relSegments.length - 2] === 'manifests') return true;
  return name === 'manifest.json' || /(^|_)manifest(_v\d+(\.\d+)?)?\.json$/i.test(name);
}

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Resolves a path written in a manifest: relative to the category folder, the working directory, or the root. */
function resolveDeclared(declared: string, bases: readonly string[]): string {
  if (isAbsolute(declared)) return declared;
  for (const base of bases) {
    const candidate = resolve(base, declared);
    if (existsSync(candidate)) return candidate;
  }
  return resolve(bases[0]!, declared);
}

function seedEntries(json: JsonObject): JsonObject[] | null {
  const datasets = json['datasets'] ?? json['files'];
  if (Array.isArray(datasets)) return datasets.filter(isObject);
  if (isObject(datasets)) {
    return Object.entries(datasets)
      .filter((e): e is [string, JsonObject] => isObject(e[1]))
      .map(([key, value]) => ({ name: key, ...value }));
  }
  if (str(json['path']) !== null) return [json];
  return null;
}

function manifestNameParts(fileName: string): { category: string | null; version: string | null } {
  const m = /^(.+?)_manifest(?:_(v\d+(?:\.\d+)?))?\.json$/i.exec(fileName);
  return m ? { category: m[1]!, version: m[2] ?? null } : { category: null, version: null };
}

/**
 * Parses a manifest file. Never throws: a file that does not parse, or parses to neither format, is
 * `invalid` with the reason.
 */
export function parseManifest(absolutePath: string, dataRoot: string, text?: string): ParsedManifest {
  let content: unknown;
  try {
    content = JSON.parse(text ?? readFileSync(absolutePath, 'utf8'));
  } catch (error) {
    return {
      kind: 'invalid',
      problem: `manifest is not valid JSON: ${(error as Error).message}`,
      content: null,
    };
  }
  if (!isObject(content)) return { kind: 'invalid', problem: 'manifest is not a JSON object', content };
  const manifestDir = dirname(absolutePath);

  if (isObject(content['splits'])) {
    const splits: TokenizedSplit[] = [];
    for (const [split, value] of Object.entries(content['splits'])) {
      if (!isObject(value)) {
        return { kind: 'invalid', problem: `splits.${split} is not an object`, content };
      }
      // The seed writes split paths relative to the tokenizer's working directory; the folder next to
      // the manifest is where the shards are (the documented output structure), so it wins when present.
      const nextToManifest = join(manifestDir, split);
      const declared = str(value['path']);
      const dir =
        existsSync(nextToManifest) || declared === null
          ? nextToManifest
          : resolveDeclared(declared, [process.cwd(), dataRoot]);
      const shardFiles = Array.isArray(value['shard_files'])
        ? value['shard_files'].filter(isObject).map((s) => ({
            absolutePath: join(dir, String(s['file'] ?? '')),
            declaredPath: String(s['file'] ?? ''),
            rows: num(s['rows']),
            sha256: str(s['sha256']),
            bytes: num(s['bytes']),
            tokens: num(s['tokens']),
          }))
        : [];
      splits.push({
        split,
        dir,
        shards: num(value['shards']),
        sequences: num(value['sequences']),
        tokens: num(value['tokens']),
        shardFiles,
        statsFile: str(value['stats_file']) ?? null,
      });
    }
    return { kind: 'tokenized', outputDir: manifestDir, splits, content };
  }

  const entries = seedEntries(content);
  if (entries === null) {
    return {
      kind: 'invalid',
      problem: 'manifest has neither "datasets" (seed manifest) nor "splits" (tokenized manifest)',
      content,
    };
  }
  const fromName = manifestNameParts(absolutePath.split(sep).pop() ?? '');
  const categoryDir = manifestDir.split(sep).pop() === 'manifests' ? dirname(manifestDir) : manifestDir;
  const expected: ExpectedFile[] = [];
  for (const [i, entry] of entries.entries()) {
    const declared = str(entry['path']) ?? str(entry['file']);
    if (declared === null) {
      return { kind: 'invalid', problem: `dataset entry ${i} has no "path"`, content };
    }
    expected.push({
      absolutePath: resolveDeclared(declared, [categoryDir, process.cwd(), dataRoot]),
      declaredPath: declared,
      rows: num(entry['rows']) ?? num(entry['row_count']) ?? num(entry['num_rows']),
      sha256: str(entry['sha256']),
      bytes: num(entry['bytes']),
    });
  }
  return {
    kind: 'seed',
    category: str(content['category']) ?? fromName.category,
    version: str(content['version']) ?? fromName.version,
    entries: expected,
    content,
  };
}

export interface ManifestTarget {
  /** The manifest file to write or update. */
  path: string;
  /** The folder entry paths are relative to (the parent of manifests/). */
  categoryDir: string;
  category: string | null;
  version: string;
}

/**
 * Where the manifest of a dataset goes: `<category folder>/manifests/<category>_manifest_<version>.json`
 * for data/processed/<category>/… (the seed's location), else `manifests/` next to the file, named after
 * the dataset folder or the purpose.
 */
export function manifestTargetFor(
  absoluteFile: string,
  info: {
    categoryDir: string | null;
    category: string | null;
    dataset: string | null;
    purpose: string;
    version: string | null;
  },
): ManifestTarget {
  const categoryDir = info.categoryDir ?? dirname(absoluteFile);
  const name = info.category ?? info.dataset ?? info.purpose;
  const version = info.version ?? 'v1';
  return {
    path: join(categoryDir, 'manifests', `${name}_manifest_${version}.json`),
    categoryDir,
    category: info.category,
    version,
  };
}

/** Adds or replaces the entry of one file in a seed manifest (creating it) and writes it atomically. */
export function upsertSeedManifest(
  target: ManifestTarget,
  absoluteFile: string,
  entry: Omit<SeedManifestEntry, 'path' | 'recorded_at'>,
  now: Date = new Date(),
): { manifest: SeedManifest; key: string; created: boolean } {
  let manifest: SeedManifest;
  let created = false;
  if (existsSync(target.path)) {
    const parsed = JSON.parse(readFileSync(target.path, 'utf8')) as SeedManifest;
    manifest = { ...parsed, datasets: isObject(parsed.datasets) ? parsed.datasets : {} };
  } else {
    created = true;
    manifest = {
      format: SEED_MANIFEST_FORMAT,
      category: target.category,
      version: target.version,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      generator: `mlduck ${MLDUCK_VERSION}`,
      datasets: {},
    };
  }
  const relPath = relative(target.categoryDir, absoluteFile).split(sep).join('/');
  const preferred = entry.version ? `${entry.purpose}_${entry.version}` : entry.purpose;
  const taken = manifest.datasets[preferred];
  const key = taken === undefined || taken.path === relPath ? preferred : relPath;
  for (const [k, v] of Object.entries(manifest.datasets))
    if (v.path === relPath && k !== key) delete manifest.datasets[k];
  manifest.datasets[key] = { path: relPath, ...entry, recorded_at: now.toISOString() };
  manifest.updated_at = now.toISOString();
  mkdirSync(dirname(target.path), { recursive: true });
  const tmp = `${target.path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, target.path);
  return { manifest, key, created };
}
