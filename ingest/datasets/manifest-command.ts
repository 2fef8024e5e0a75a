/** `mlduck datasets manifest <file>`: writes or updates the seed manifest entry that describes one dataset. */
import { statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MlduckError } from '../../src/errors.ts';
import { sha256File } from '../../src/hash.ts';
import { classifyPath, formatOf, parseFileName, rootPrefix } from './classify.ts';
import { inspectFile } from './inspect.ts';
import {
  type ManifestTarget,
  manifestTargetFor,
  type SeedManifest,
  upsertSeedManifest,
} from './manifests.ts';

export interface ManifestWritten {
  target: ManifestTarget;
  key: string;
  created: boolean;
  manifest: SeedManifest;
}

/** Finds the category folder of a file inside data/processed/<category>/… from its path, or null. */
export function placementOf(
  absoluteFile: string,
  dataRoot: string,
): { categoryDir: string | null; category: string | null; dataset: string | null } {
  const rootAbs = resolve(dataRoot);
  const rel = relative(rootAbs, absoluteFile).split(sep);
  const segments = [...rootPrefix(rootAbs.split(sep).filter(Boolean)), ...rel];
  const c = classifyPath(segments);
  if (c.layout === 'processed-areas' && c.category) {
    // The category folder: walk up from the file to the folder named after the category under processed/.
    let dir = dirname(absoluteFile);
    while (basename(dir) !== c.category && dir !== dirname(dir)) dir = dirname(dir);
    return { categoryDir: dir, category: c.category, dataset: null };
  }
  return { categoryDir: null, category: null, dataset: c.dataset };
}

export async function writeSeedManifestFor(
  conn: DuckDBConnection,
  absoluteFile: string,
  placement: { categoryDir: string | null; category: string | null; dataset: string | null },
): Promise<ManifestWritten> {
  const format = formatOf(absoluteFile);
  if (format === null) {
    throw new MlduckError('not a data file (expected .parquet, .jsonl, .json, .csv or .pkl)', {
      file: absoluteFile,
      kind: 'usage',
    });
  }
  const stat = statSync(absoluteFile);
  const contents = await inspectFile(conn, absoluteFile, format, stat.size);
  if (contents.problem) throw new MlduckError(contents.problem, { file: absoluteFile });
  const name = parseFileName(basename(absoluteFile));
  const target = manifestTargetFor(absoluteFile, {
    ...placement,
    purpose: name.purpose,
    version: name.version?.version ?? null,
  });
  const result = upsertSeedManifest(target, absoluteFile, {
    purpose: name.purpose,
    version: name.version?.version ?? null,
    format,
    rows: contents.rows,
    bytes: stat.size,
    sha256: await sha256File(absoluteFile),
    schema: contents.schema,
    modified_at: stat.mtime.toISOString(),
  });
  return { target, ...result };
}
