/**
 * The safe pickle reader: `readPickle(bytes)` runs the restricted VM, then lowers the result into plain
 * data. Pure TypeScript (no DuckDB, no I/O, no code execution). See docs/pickle.md.
 */
import { type LowerLimits, lowerValue } from './lower.ts';
import type { Lowered } from './lowered.ts';
import { loadPickle, type PickleLimits } from './vm.ts';

export type ReadLimits = PickleLimits & LowerLimits;

/** Magic bytes of compressed or archived files that are not raw pickles. */
const CONTAINERS: [number[], string][] = [
  [[0x1f, 0x8b], 'gzip'],
  [[0x50, 0x4b, 0x03, 0x04], 'zip (torch.save / zipped pickle)'],
  [[0x42, 0x5a, 0x68], 'bzip2'],
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
];

/** The container format when `data` is compressed or archived rather than a raw pickle. */
export function sniffContainer(data: Uint8Array): string | null {
  for (const [magic, name] of CONTAINERS) {
    if (magic.every((b, i) => data[i] === b)) return name;
  }
  return null;
}

export function readPickle(data: Uint8Array, limits: Partial<ReadLimits> = {}): Lowered {
  return lowerValue(loadPickle(data, limits), limits);
}

export * from './lowered.ts';
export { PickleError } from './vm.ts';
