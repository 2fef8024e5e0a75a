import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
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

/**
 * Streams a JSONL file line by line (never the whole file in memory), yielding documents and skips.
 * `onBytes` reports progress in bytes read.
 */
export async function* readCorpus(
  path: string,
  displayPath: string,
  textField: string,
  onBytes?: (bytes: number) => void,
): AsyncGenerator<CorpusItem> {
  const stream = createReadStream(path);
  if (onBytes) stream.on('data', (chunk) => onBytes(chunk.length));
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  const textPath = textField.split('.');
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    // A UTF-8 byte-order mark on the first line is not part of the JSON.
    const clean = lineNumber === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    yield parseCorpusLine(clean, lineNumber, displayPath, textPath);
  }
}
