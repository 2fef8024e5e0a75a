import { printable, printableLines } from './sanitize.ts';

/**
 * Errors meant for people: what went wrong, where (file, line/row), what was expected, what to do.
 * The CLI maps `kind` to an exit code; library code never exits the process.
 */
export type ErrorKind = 'usage' | 'input' | 'locked' | 'internal';

export const EXIT_CODES: Readonly<Record<ErrorKind | 'ok', number>> = {
  ok: 0,
  usage: 1,
  input: 2,
  locked: 3,
  internal: 4,
};

export interface ErrorLocation {
  /** The file the problem is in. */
  file?: string;
  /** 1-based line (text inputs) … */
  line?: number;
  /** … or 0-based row (tabular inputs). */
  row?: number;
  /** Byte offset, for binary inputs such as pickles. */
  offset?: number;
}

export interface MlduckErrorOptions extends ErrorLocation {
  kind?: ErrorKind;
  /** What to do about it, printed after the message. */
  hint?: string;
  cause?: unknown;
}

export class MlduckError extends Error {
  readonly kind: ErrorKind;
  readonly location: ErrorLocation;
  readonly hint: string | undefined;

  constructor(message: string, options: MlduckErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MlduckError';
    this.kind = options.kind ?? 'input';
    this.hint = options.hint;
    const location: ErrorLocation = {};
    if (options.file !== undefined) location.file = options.file;
    if (options.line !== undefined) location.line = options.line;
    if (options.row !== undefined) location.row = options.row;
    if (options.offset !== undefined) location.offset = options.offset;
    this.location = location;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }

  /**
   * One human line: `file:line: message (hint)`. Whatever came from input (a file name, a name quoted in
   * the message) is shown with its control characters escaped, and DuckDB's echo of the SQL and its caret
   * are folded away; only the line breaks of a list mlduck itself lays out (`\n` in its own message) stay.
   */
  toHumanLine(): string {
    const { file, line, row, offset } = this.location;
    let where = file === undefined ? '' : printable(file);
    if (line !== undefined) where += `${where ? ':' : 'line '}${line}`;
    else if (row !== undefined) where += `${where ? ' ' : ''}row ${row}`;
    else if (offset !== undefined) where += `${where ? ' ' : ''}at byte ${offset}`;
    const message = printableLines(withoutSqlEcho(this.message));
    const head = where ? `${where}: ${message}` : message;
    return this.hint ? `${head} — ${printableLines(withoutSqlEcho(this.hint))}` : head;
  }
}

/** A DuckDB message that echoes the SQL (`LINE n:` and a caret) folded into one line; others unchanged. */
function withoutSqlEcho(message: string): string {
  return /\nLINE \d+:/.test(message) ? oneLineDuckDBMessage(message) : message;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Wraps anything thrown by a lower layer into an MlduckError, keeping MlduckErrors as they are. */
export function asMlduckError(error: unknown, context: MlduckErrorOptions = {}): MlduckError {
  if (error instanceof MlduckError) return error;
  return new MlduckError(errorMessage(error), { kind: 'internal', ...context, cause: error });
}

/**
 * DuckDB messages span several lines (a caret under the SQL); a person wants one: drop the echo of the
 * SQL and the caret, keep the rest.
 */
export function oneLineDuckDBMessage(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^LINE \d+:/.test(line) && !/^\^+$/.test(line))
    .join(' ');
}
