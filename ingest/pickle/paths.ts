/**
 * The files a `mlduck ingest pickle` call names: files as given, directories expanded to their pickles.
 * A path that cannot be read is named for what it is (missing, a link loop, unreadable), never guessed.
 */
import { readdirSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';

const PICKLE_FILE = /\.(pkl|pickle)(\.gz)?$/i;

/** `stat` of a path named by the user, following links; failures as one-line errors naming the path. */
export function statInput(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new MlduckError('symbolic link loop: the link leads back to itself, there is no file to read', {
        file: path,
        kind: 'input',
      });
    }
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MlduckError('no such file or directory', { file: path, kind: 'usage' });
    }
    if (code === 'EACCES') throw new MlduckError('permission denied', { file: path, kind: 'input' });
    throw error;
  }
}

/** Files to ingest: files as given, directories expanded to their *.pkl / *.pickle files (sorted). */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    if (statInput(path).isDirectory()) {
      const files = readdirSync(path)
        .filter((f) => PICKLE_FILE.test(f))
        .sort()
        .map((f) => join(path, f));
      if (files.length === 0)
        throw new MlduckError('no *.pkl or *.pickle files in this directory', { file: path, kind: 'usage' });
      out.push(...files);
    } else out.push(path);
  }
  return out;
}
