/**
 * `mlduck ingest pickle`: pickles read by the safe VM (no code runs), through the source driver
 * (src/source.ts). The shapes are recognised in `load`, once the pickle is read.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';
import { type IngestRunOptions, ingestWith, type Source } from '../../src/source.ts';
import type { IngestReport, Warehouse } from '../../src/warehouse.ts';
import { checkTableOption, loadPickle, PICKLE_KIND } from './load.ts';

const PICKLE_FILE = /\.(pkl|pickle)(\.gz)?$/i;

interface PickleDetection {
  table: string | undefined;
}

function firstByte(path: string): number | undefined {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    return readSync(fd, buf, 0, 2, 0) > 0 ? buf[0] : undefined;
  } finally {
    closeSync(fd);
  }
}

export const pickleSource: Source<PickleDetection> = {
  kind: PICKLE_KIND,
  description:
    'read pickled pandas/numpy exports safely (no code runs): DataFrames, Series, lists of dicts and dicts of them become tables; dr_showntell pickles go to showntell_* and finetune_pretrain_matched',
  pathsHelp: 'pickle files (raw or gzip), or directories of *.pkl / *.pkl.gz files',
  walk: { accept: (name) => PICKLE_FILE.test(name), recursive: false, expected: '*.pkl or *.pickle files' },
  flags: [
    { flags: '--table <name>', description: 'base table name for generic pickles (default: the file name)' },
  ],
  checkFlags(inputs, flags) {
    if (typeof flags['table'] !== 'string') return;
    if (inputs.length > 1) {
      throw new MlduckError('--table names one table: pass a single file with it', { kind: 'usage' });
    }
    checkTableOption(flags['table']);
  },
  // Every file named or found is read: the reader itself says, with the byte offset, what is not a pickle
  // (a protocol 0 pickle has no magic byte to tell it by).
  async detect(input) {
    if (firstByte(input.absolutePath) === undefined) {
      throw new MlduckError('empty file, not a pickle', { file: input.path });
    }
    return { table: undefined };
  },
  unrecognised: { message: 'not a pickle' },
  recordedOptions: (_detection, flags) =>
    typeof flags['table'] === 'string' ? { table: flags['table'] } : {},
  load: (ctx) => loadPickle(ctx, typeof ctx.flags['table'] === 'string' ? ctx.flags['table'] : undefined),
  demoInputs: (examplesDir) => [join(examplesDir, 'pickles')],
};

export interface PickleIngestOptions extends IngestRunOptions {
  /** Base table name for generic pickles (default: the file name without extension). */
  table?: string;
}

/** Ingests pickle files or directories of them; one transaction each. */
export function ingestPickles(
  wh: Warehouse,
  paths: readonly string[],
  options: PickleIngestOptions = {},
): Promise<IngestReport[]> {
  const { table, ...rest } = options;
  return ingestWith(wh, pickleSource, paths, { ...rest, flags: { ...rest.flags, table } });
}

/** Ingests one pickle file (one transaction). */
export async function ingestPickle(
  wh: Warehouse,
  path: string,
  options: PickleIngestOptions = {},
): Promise<IngestReport> {
  return (await ingestPickles(wh, [path], options))[0]!;
}
