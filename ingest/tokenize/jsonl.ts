import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { MlduckError } from '../../src/errors.ts';

/** One document of a JSONL corpus (`text`, optional `category`/`source`). */
export interface CorpusDocument {
  readonly text: string;
  readonly category: string | null;
  readonly source: string | null;
  /** 1-based line number in the file. */
  readonly line: number;
}

/** Why a line produced no document; counted per split in the stats. */
export type SkipCause = 'blank_line' | 'missing_text_field' | 'non_string_text' | 'empty_text';
export const SKIP_CAUSES: readonly SkipCause[] = [
  'blank_line',
  'missing_text_field',
  'non_string_text',
  'empty_text',
];

export type CorpusItem = { doc: CorpusDocument } | { skip: SkipCause; line: number };

function field(record: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Classifies one JSONL line. Invalid JSON, or a line that is not an object, is an input error. */
export function parseCorpusLine(
  line: string,
  lineNumber: number,
  file: string,
  textPath: readonly string[],
): CorpusItem {
  if (line.trim() === '') return { skip: 'blank_line', line: lineNumber };
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch (error) {
    throw new MlduckError(`invalid JSON: ${(error as Error).message}`, {
      file,
      line: lineNumber,
      hint: 'each line of a JSONL corpus must be one JSON object such as {"text": "…"}',
    });
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    throw new MlduckError('expected a JSON object per line', { file, line: lineNumber });
  }
  const obj = record as Record<string, unknown>;
  const text = field(obj, textPath);
  if (text === undefined || text === null) return { skip: 'missing_text_field', line: lineNumber };
  if (typeof text !== 'string') return { skip: 'non_string_text', line: lineNumber };
  if (text.trim() === '') return { skip: 'empty_text', line: lineNumber };
  return {
    doc: {
      text,
      category: optionalString(obj['category']),
      source: optionalString(obj['source']),
      line: lineNumber,
    },
  };
}

/** Read size of the corpus reader: it holds one chunk plus at most one partial line at a time. */
const READ_CHUNK_BYTES = 1 << 20;

/** The 0-based index of the first byte of `bytes` that is not part of well-formed UTF-8. */
function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // Binary search on prefixes would trip over cut sequences; a linear scan of one line is cheap and rare.
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const n =
      b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return i;
    try {
      decoder.decode(bytes.subarray(i, i + n));
    } catch {
      return i;
    }
    i += n;
  }
  return bytes.length;
}

/**
 * Streams a JSONL file line by line (never the whole file in memory: one read chunk and one partial line),
 * yielding documents and skips. A line that is not well-formed UTF-8 is an input error naming the line and
 * the byte offset in the file. `onBytes` reports progress in bytes read.
 */
export async function* readCorpus(
  path: string,
  displayPath: string,
  textField: string,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<CorpusItem> {
  const textPath = textField.split('.');
  let lineNumber = 0;
  /** File offset of the first byte of `pending`. */
  let lineStart = 0;
  let pending: Buffer = Buffer.alloc(0);
  const parse = (bytes: Buffer): CorpusItem => {
    lineNumber++;
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end--; // CRLF
    let line = bytes.subarray(0, end);
    if (!isUtf8(line)) {
      const at = firstInvalidUtf8Byte(line);
      throw new MlduckError(`invalid UTF-8 at byte ${lineStart + at} of the file (byte ${at} of the line)`, {
        file: displayPath,
        line: lineNumber,
        hint: 'a JSONL corpus must be UTF-8 text; re-encode the file',
      });
    }
    // A UTF-8 byte-order mark on the first line is not part of the JSON.
    if (lineNumber === 1 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) line = line.subarray(3);
    return parseCorpusLine(line.toString('utf8'), lineNumber, displayPath, textPath);
  };
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    onBytes?.(chunk.length);
    let from = 0;
    let nl = chunk.indexOf(0x0a);
    if (nl !== -1 && pending.length > 0) {
      const line = Buffer.concat([pending, chunk.subarray(0, nl)]);
      pending = Buffer.alloc(0);
      yield parse(line);
      lineStart += line.length + 1;
      from = nl + 1;
      nl = chunk.indexOf(0x0a, from);
    }
    while (nl !== -1) {
      yield parse(chunk.subarray(from, nl));
      lineStart += nl - from + 1;
      from = nl + 1;
      nl = chunk.indexOf(0x0a, from);
    }
    if (from < chunk.length)
      pending =
        pending.length === 0
          ? Buffer.from(chunk.subarray(from))
          : Buffer.concat([pending, chunk.subarray(from)]);
  }
  if (pending.length > 0) yield parse(pending);
}
