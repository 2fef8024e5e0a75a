import { type Dirent, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { MlduckError } from './errors.ts';

/** One input a path argument stands for: a file, or a directory that is itself one unit (see `unit`). */
export interface WalkedInput {
  path: string;
  /** True when it was found by walking a directory (not named by the user): such files may be skipped. */
  fromDirectory: boolean;
  isDirectory: boolean;
}

export interface WalkOptions {
  /** Files of a walked directory that are candidates, by name (content still decides what they are). */
  accept(name: string): boolean;
  /**
   * A directory that is one input of its own (e.g. a checkpoint folder of task files), given its entries.
   * It is returned as an input and still walked below.
   */
  unit?(dir: string, entries: readonly Dirent[]): boolean;
  /** Walk nested directories (default true). */
  recursive?: boolean;
  /** What the inputs are, for the "nothing found" message (e.g. "*.parquet files"). */
  expected: string;
  /** What to do when a directory holds nothing accepted. */
  emptyHint?: string;
  /** A named directory with nothing accepted in it is fine, not an error (a scan of a whole tree). */
  allowEmpty?: boolean;
  /** Entries left out by name, files and folders alike (e.g. hidden ones). */
  skip?(name: string): boolean;
  /** Walk into links to folders (default true; each folder is still visited once). */
  followDirectoryLinks?: boolean;
  /**
   * Report a folder that cannot be listed or a link that cannot be followed and go on, instead of failing
   * (a scan of a whole tree reports its problems).
   */
  onUnreadable?(path: string, error: unknown): void;
}

/** `stat` of an input path, following links; a failure is one bad-input line saying what the path is. */
export function statPath(path: string): Stats {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new MlduckError('symbolic link loop: the link leads back to itself, there is no file to read', {
        file: path,
      });
    }
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new MlduckError('no such file or directory', { file: path, hint: 'check the path' });
    }
    if (code === 'EACCES') throw new MlduckError('permission denied', { file: path });
    throw error;
  }
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The one walker of input paths: files as given, directories expanded to their accepted files in name
 * order (code-point order, the same on every machine), each directory visited once even through links
 * that loop. A missing path, or a directory with nothing accepted in it, is a bad-input error naming it.
 */
export function walkInputs(paths: readonly string[], options: WalkOptions): WalkedInput[] {
  const found = new Map<string, WalkedInput>();
  const add = (input: WalkedInput) => {
    if (!found.has(input.path)) found.set(input.path, input);
  };
  const visited = new Set<string>();
  const walk = (dir: string) => {
    const real = realpathSync(dir);
    if (visited.has(real)) return;
    visited.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort(byName);
    } catch (error) {
      if (!options.onUnreadable) throw error;
      options.onUnreadable(dir, error);
      return;
    }
    if (options.unit?.(dir, entries)) add({ path: dir, fromDirectory: true, isDirectory: true });
    for (const entry of entries) {
      if (options.skip?.(entry.name)) continue;
      const full = join(dir, entry.name);
      let kind: 'file' | 'dir' | 'other' = entry.isFile() ? 'file' : entry.isDirectory() ? 'dir' : 'other';
      if (entry.isSymbolicLink()) {
        let target: Stats;
        try {
          target = statSync(full);
        } catch (error) {
          if (options.onUnreadable) {
            options.onUnreadable(full, error);
            continue;
          }
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // dangling: nothing to read
          if (!options.accept(entry.name)) continue;
          statPath(full); // throws a named error: a link loop, a refused permission
          throw error;
        }
        kind = target.isFile() ? 'file' : target.isDirectory() ? 'dir' : 'other';
        if (kind === 'dir' && options.followDirectoryLinks === false) continue;
      }
      if (kind === 'dir') {
        if (options.recursive ?? true) walk(full);
      } else if (kind === 'file' && options.accept(entry.name)) {
        add({ path: full, fromDirectory: true, isDirectory: false });
      }
    }
  };
  for (const path of paths) {
    const isDirectory = statPath(path).isDirectory();
    if (!isDirectory) {
      add({ path, fromDirectory: false, isDirectory: false });
      continue;
    }
    const before = found.size;
    // A folder walked already (named twice, or inside another named one) is no empty folder.
    const seen = visited.has(realpathSync(path));
    walk(path);
    if (!seen && found.size === before && !options.allowEmpty) {
      throw new MlduckError(`no ${options.expected} in this directory`, {
        file: path,
        ...(options.emptyHint === undefined ? {} : { hint: options.emptyHint }),
      });
    }
  }
  return [...found.values()];
}
