import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { confinedPath } from '../../src/confine.ts';
import { MlduckError } from '../../src/errors.ts';
import {
  MANIFEST_FILE,
  type Manifest,
  RANK_MANIFEST,
  rankManifestFile,
  readManifest,
  type SplitEntry,
  shardsIntact,
  writeManifest,
} from './manifest.ts';

export interface MergeResult {
  manifestPath: string;
  manifest: Manifest;
  worldSize: number;
}

/**
 * `mlduck tokenize merge OUTPUT`: checks that every rank of a multi-process run finished (its manifest says
 * so, it holds every split it was given, their shards are in place) and writes the one manifest.json. A
 * partial set is refused with the list of the ranks missing.
 */
export function mergeRankManifests(output: string, cwd: string = process.cwd()): MergeResult {
  const outputDir = resolve(cwd, output);
  const found = existsSync(outputDir)
    ? readdirSync(outputDir)
        .map((name) => RANK_MANIFEST.exec(name))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ rank: Number(m[1]), worldSize: Number(m[2]) }))
    : [];
  if (found.length === 0) {
    throw new MlduckError('no rank manifests (manifest.rank-R-of-N.json) to merge', {
      file: output,
      hint: 'run `mlduck tokenize --rank R --world-size N` with this --output first',
    });
  }
  const sizes = [...new Set(found.map((f) => f.worldSize))].sort((a, b) => a - b);
  if (sizes.length > 1) {
    throw new MlduckError(`rank manifests of different world sizes (${sizes.join(', ')}) in one output`, {
      file: output,
      hint: 'remove the manifests of the older run',
    });
  }
  const worldSize = sizes[0]!;
  const missing: string[] = [];
  const manifests: Manifest[] = [];
  for (let rank = 0; rank < worldSize; rank++) {
    const file = rankManifestFile(rank, worldSize);
    const manifest = readManifest(outputDir, file);
    const info = manifest?.rank;
    if (!manifest || !info) {
      missing.push(`${rank} (no ${file})`);
      continue;
    }
    const unwritten = info.assigned.filter(
      (split) =>
        !manifest.splits[split] ||
        !shardsIntact(confinedPath(outputDir, [split], 'split folder', { file }), manifest.splits[split]),
    );
    if (!info.finished || unwritten.length > 0) {
      missing.push(
        `${rank} (${unwritten.length > 0 ? `unfinished: ${unwritten.join(', ')}` : 'did not finish'})`,
      );
      continue;
    }
    manifests.push(manifest);
  }
  if (missing.length > 0) {
    throw new MlduckError(`${missing.length} of ${worldSize} ranks did not finish: ${missing.join('; ')}`, {
      file: output,
      hint: 'rerun those ranks (with --skip-existing they redo only what is missing), then merge again',
    });
  }
  const first = manifests[0]!;
  for (const m of manifests) {
    if (m.tokenizer_sha256 !== first.tokenizer_sha256 || m.max_seq_length !== first.max_seq_length) {
      throw new MlduckError(
        `rank ${m.rank!.rank} was run with another tokenizer or max_seq_length than rank ${first.rank!.rank}`,
        { file: output, hint: 'rerun every rank with the same options' },
      );
    }
  }
  const splits: Record<string, SplitEntry> = {};
  for (const m of manifests) for (const split of m.rank!.assigned) splits[split] = m.splits[split]!;
  const { rank: _rank, ...base } = first;
  const manifest: Manifest = {
    ...base,
    files_processed: manifests.reduce((sum, m) => sum + m.files_processed, 0),
    splits: Object.fromEntries(Object.entries(splits).sort((a, b) => (a[0] < b[0] ? -1 : 1))),
    config: { ...first.config, world_size: worldSize },
    created_at: new Date().toISOString(),
  };
  writeManifest(outputDir, manifest);
  return { manifestPath: join(outputDir, MANIFEST_FILE), manifest, worldSize };
}
