/**
 * DuckDB's errors for a W&B export → one MlduckError line naming the file and, for JSONL, the line. DuckDB's
 * own line numbers for newline-delimited JSON are one too high (it counts the line after the break), and
 * its messages span lines (the SQL echoed, a caret, "Try increasing …"); so the line is found again here,
 * by reading the file up to the first line that is not one JSON value or is longer than DuckDB reads.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { errorMessage, MlduckError, oneLineDuckDBMessage } from '../../src/errors.ts';
import { parsePythonJson } from '../../src/python-json.ts';

/**
 * The longest line DuckDB's newline-delimited JSON readers take with their default `maximum_object_size`
 * (16 MiB): their buffer holds twice that, and a line that does not fit is refused ("… exceeded (>33554386
 * bytes)"), while a 17 MB line is read.
 */
export const MAX_JSON_LINE_BYTES = 32 * 1024 * 1024;

export interface BadLine {
  /** 1-based. */
  line: number;
  problem: string;
}

/** The first line of a JSONL file that is not one JSON value (NaN/±Infinity allowed) or is too long. */
export function firstBadJsonLine(path: string, maxLineBytes = MAX_JSON_LINE_BYTES): BadLine | null {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    let parts: Buffer[] = [];
    let length = 0;
    let line = 1;
    const check = (): BadLine | null => {
      if (length > maxLineBytes) {
        return {
          line,
          problem: `longer than ${maxLineBytes / 1024 / 1024} MiB, more than DuckDB reads in one line`,
        };
      }
      const text = Buffer.concat(parts, length).toString('utf8').trim();
      if (text === '') return null;
      try {
        parsePythonJson(text);
        return null;
      } catch (error) {
        return { line, problem: `not one JSON value (${errorMessage(error)})` };
      }
    };
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      let start = 0;
      for (let i = start; i < n; i++) {
        if (chunk[i] !== 0x0a) continue;
        if (length <= maxLineBytes) parts.push(Buffer.from(chunk.subarray(start, i)));
        length += i - start;
        const bad = check();
        if (bad) return bad;
        parts = [];
        length = 0;
        line++;
        start = i + 1;
      }
      if (n === 0) return length > 0 ? check() : null;
      if (length + n - start <= maxLineBytes) parts.push(Buffer.from(chunk.subarray(start, n)));
      length += n - start;
    }
  } finally {
    closeSync(fd);
  }
}

const PARQUET_HINT = 'the file may be truncated or not Parquet; re-export it';
const JSON_HINT = 'each line must be one JSON value (NaN/Infinity tokens are accepted)';

/** DuckDB's message without its error-class prefix, its SQL echo and caret, and the file path it repeats. */
function cleanDuckDBMessage(message: string, file: string): string {
  return oneLineDuckDBMessage(message)
    .replace(/^[A-Za-z ]+Error: /, '')
    .replace(/ (in|while reading) file "[^"]*"/g, '')
    .replaceAll(` '${file}'`, '')
    .trim();
}

/** DuckDB's JSON/Parquet errors → MlduckError naming the file and, for JSON, the line. */
export function inputError(err: unknown, file: string, what: string): MlduckError {
  if (err instanceof MlduckError) return err;
  const message = cleanDuckDBMessage(errorMessage(err), file);
  if (what === 'not a readable Parquet file') {
    return new MlduckError(`${what}: ${message}`, { file, hint: PARQUET_HINT, cause: err });
  }
  let bad: BadLine | null = null;
  try {
    bad = firstBadJsonLine(file);
  } catch {
    // Unreadable now: DuckDB's message alone says what it can.
  }
  if (bad) {
    return new MlduckError(`${what}: the line is ${bad.problem}`, {
      file,
      line: bad.line,
      hint: JSON_HINT,
      cause: err,
    });
  }
  // Every line is JSON: a problem of types or shape; DuckDB's line number is dropped (it is off by one).
  return new MlduckError(`${what}: ${message.replace(/ in line \d+/, '')}`, {
    file,
    hint: JSON_HINT,
    cause: err,
  });
}
