/**
 * Reads OLMES task files where they live — a checkpoint directory, a per-checkpoint `step-<N>.tar.gz`,
 * a per-recipe tarball whose members are those tarballs, or any tarball of an extracted tree — and hands
 * each one to a handler as it streams past. Tarballs are read with tar-stream through zlib, entry by
 * entry, nested tarballs included: nothing is extracted to disk and no tarball is held in memory.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { safeSegment } from '../../src/confine.ts';
import { MlduckError } from '../../src/errors.ts';
import { isTaskFileName, parseTaskFilePath, type TaskFileRef } from './layout.ts';

/** A node stream or a tar-stream entry: both iterate over Buffers and can be destroyed. */
type ByteSource = AsyncIterable<Buffer> & { destroy(error?: Error): unknown };

export interface TaskFileHandler {
  metrics(ref: TaskFileRef, source: string, text: string): Promise<void>;
  predictions(ref: TaskFileRef, source: string, bytes: AsyncIterable<Buffer>): Promise<void>;
  /** A member or file that is not an OLMES task file (README, requests.jsonl, …). */
  ignored(source: string): void;
}

const TARBALL_RE = /\.(tar\.gz|tgz|tar)$/i;
const GZIP_RE = /\.(gz|tgz)$/i;
const CHECKPOINT_TARBALL_RE = /(?:^|\/)step-(\d+)\.(?:tar\.gz|tgz|tar)$/i;
const READ_CHUNK = 1 << 20;

export function isTarballName(name: string): boolean {
  return TARBALL_RE.test(name);
}

/** Collects a stream's bytes as text (metrics.json files are small). */
async function readText(stream: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** An error thrown by the handler (DuckDB, a bad line): passed through, never reported as a damaged archive. */
class HandlerFailure extends Error {
  constructor(readonly original: unknown) {
    super('handler failed');
  }
}

async function handled(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    throw error instanceof HandlerFailure ? error : new HandlerFailure(error);
  }
}

function archiveError(source: string, error: unknown): Error {
  if (error instanceof MlduckError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const truncated = /unexpected end|premature close|truncated|unexpected eof/i.test(message);
  return new MlduckError(
    truncated
      ? `the archive is truncated (${message}); nothing of it was ingested`
      : `cannot read the archive: ${message}`,
    {
      file: source,
      hint: 'download the tarball again; `gzip -t` / `tar -tzf` show the damage',
      cause: error,
    },
  );
}

/**
 * Walks one tarball stream. `base` is the directory the tarball sits in (on disk, or inside its parent
 * tarball), against which member paths are read as the OLMES layout; `source` names it in errors and
 * in qa_tasks.source (parent!member!member).
 */
async function walkTarball(
  bytes: ByteSource,
  gzipped: boolean,
  base: string,
  source: string,
  expectedStep: number | null,
  handler: TaskFileHandler,
): Promise<void> {
  const extract = tar.extract();
  let feedError: unknown = null;
  const feeding = (
    gzipped ? pipeline(bytes, createGunzip({ chunkSize: READ_CHUNK }), extract) : pipeline(bytes, extract)
  ).catch((error: unknown) => {
    feedError = error;
    extract.destroy(error instanceof Error ? error : new Error(String(error)));
  });
  try {
    for await (const tarEntry of extract) {
      const entry = tarEntry as unknown as ByteSource & { header: tar.Header; resume(): void };
      const { name, type } = entry.header;
      const member = `${source}!${name}`;
      if (type !== 'file' && type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      // Member names become the recipe, params, seed, step and task: `..`, an absolute name or a control
      // character would make them resolve against (or name) something outside the tarball.
      memberSegments(name, member);
      if (isTarballName(name)) {
        const step = CHECKPOINT_TARBALL_RE.exec(name);
        await walkTarball(
          entry,
          GZIP_RE.test(name),
          posix.dirname(posix.join(base, name)),
          member,
          step ? Number(step[1]) : null,
          handler,
        );
        continue;
      }
      if (!isTaskFileName(posix.basename(name))) {
        handler.ignored(member);
        entry.resume();
        continue;
      }
      const ref = parseTaskFilePath(posix.join(base, name), member);
      if (expectedStep !== null && ref.step !== expectedStep) {
        throw new MlduckError(
          `layout does not match: member ${name} is step ${ref.step} inside the tarball of step ${expectedStep}`,
          {
            file: member,
            hint: 'a step-<N>.tar.gz holds step-<N>/<task>-metrics.json and -predictions.jsonl',
          },
        );
      }
      if (ref.kind === 'metrics') {
        const text = await readText(entry);
        await handled(() => handler.metrics(ref, member, text));
      } else await handled(() => handler.predictions(ref, member, entry));
    }
    await feeding;
  } catch (error) {
    extract.destroy();
    bytes.destroy();
    await feeding;
    if (error instanceof HandlerFailure) throw error;
    throw archiveError(source, error instanceof MlduckError ? error : (feedError ?? error));
  }
  if (feedError) throw archiveError(source, feedError);
}

/** The path segments of tar member `name` (a leading `./` allowed), each one plain segment, or a bad-input error. */
function memberSegments(name: string, member: string): string[] {
  if (name.startsWith('/')) {
    throw new MlduckError(`tar member ${JSON.stringify(name)} is an absolute path`, { file: member });
  }
  const segments = name.split('/').filter((s, i) => !(i === 0 && s === '.') && s !== '');
  for (const segment of segments) safeSegment(segment, 'tar member path segment', { file: member });
  return segments;
}

/** A file's byte stream, telling `onBytes` how much of it was read. */
function fileBytes(path: string, onBytes?: (bytes: number) => void): ByteSource {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK });
  if (onBytes) stream.on('data', (chunk) => onBytes(chunk.length));
  return stream as unknown as ByteSource;
}

/** Reads a tarball file (`absolutePath`, recorded as `source`); `onBytes` follows the file bytes read. */
export async function readTarball(
  absolutePath: string,
  source: string,
  handler: TaskFileHandler,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  const name = basename(absolutePath);
  const step = CHECKPOINT_TARBALL_RE.exec(name);
  await unwrapHandlerFailure(() =>
    walkTarball(
      fileBytes(absolutePath, onBytes),
      GZIP_RE.test(name),
      dirname(absolutePath).split(/[\\/]/).join('/'),
      source,
      step ? Number(step[1]) : null,
      handler,
    ),
  );
}

async function unwrapHandlerFailure(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    throw error instanceof HandlerFailure ? error.original : error;
  }
}

/** The OLMES task files of a checkpoint directory, sorted by name. */
export async function checkpointFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && isTaskFileName(e.name))
    .map((e) => e.name)
    .sort();
}

/**
 * Reads a `step-<N>/` directory; `source(name)` names a file of it for errors and qa_tasks.source;
 * `onBytes` follows the file bytes read.
 */
export async function readCheckpointDir(
  dir: string,
  source: (fileName: string) => string,
  handler: TaskFileHandler,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  for (const name of await checkpointFiles(dir)) {
    const path = join(dir, name);
    const ref = parseTaskFilePath(path, source(name));
    if (ref.kind === 'metrics') {
      const text = await readFile(path);
      onBytes?.(text.length);
      await handler.metrics(ref, source(name), text.toString('utf8'));
    } else await handler.predictions(ref, source(name), fileBytes(path, onBytes));
  }
}
