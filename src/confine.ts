import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { MlduckError, type MlduckErrorOptions } from './errors.ts';

/**
 * The one rule for names that come from input data (a file stem that names a split, a recipe or a table
 * taken from a tar member, a dataset name) and become a path segment: validated before anything is
 * written or deleted, so no input can make mlduck write or remove outside the folder it was given.
 */

// C0 controls, DEL and C1 controls: never part of a name a person typed, and terminal escapes when printed.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `name` cannot be a single path segment, or null when it can. */
export function pathSegmentProblem(name: string): string | null {
  if (name === '') return 'is empty';
  if (name === '.' || name === '..') return `is "${name}", which names a folder, not an entry in it`;
  if (/[/\\]/.test(name)) return 'contains a path separator';
  if (CONTROL.test(name)) return 'contains a control character';
  if (name.length > 255) return 'is longer than 255 characters';
  return null;
}

/**
 * `name` as a path segment, or a bad-input error naming what it is (`what`, e.g. "split name") and where it
 * came from (`location.file`).
 */
export function safeSegment(name: string, what: string, location: MlduckErrorOptions = {}): string {
  const problem = pathSegmentProblem(name);
  if (problem !== null) {
    throw new MlduckError(`${what} ${JSON.stringify(name)} ${problem}`, { kind: 'input', ...location });
  }
  return name;
}

/** Whether `child` is `root` or inside it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The deepest existing ancestor of `path` with links resolved, and the rest appended unchanged. */
function realpathOfExistingPart(path: string): string {
  let existing = path;
  const rest: string[] = [];
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(existing.slice(parent.length).replace(/^[/\\]/, ''));
    existing = parent;
  }
  const real = existsSync(existing) ? realpathSync(existing) : existing;
  return rest.length === 0 ? real : join(real, ...rest);
}

/**
 * `root` joined with `segments` (each validated as a single path segment), checked to stay inside `root`
 * after following symbolic links: a link planted at the segment's place cannot redirect a write or a delete.
 */
export function confinedPath(
  root: string,
  segments: readonly string[],
  what: string,
  location: MlduckErrorOptions = {},
): string {
  for (const segment of segments) safeSegment(segment, what, location);
  const absoluteRoot = resolve(root);
  const target = resolve(absoluteRoot, ...segments);
  const realRoot = realpathOfExistingPart(absoluteRoot);
  const realTarget = realpathOfExistingPart(target);
  if (!isInside(absoluteRoot, target) || !isInside(realRoot, realTarget)) {
    throw new MlduckError(`${what} ${JSON.stringify(segments.join('/'))} resolves outside ${root}`, {
      kind: 'input',
      ...location,
    });
  }
  return target;
}
