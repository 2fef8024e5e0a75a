import { printable, printableLines } from './sanitize.ts';

/** Where commands print: data to stdout, messages to stderr, quiet when asked. */
export interface Output {
  /** Data and results (stdout). */
  data(text: string): void;
  /** Progress and informational messages (stderr), silenced by --quiet. */
  info(text: string): void;
  /** Warnings (stderr), always shown. */
  warn(text: string): void;
  readonly quiet: boolean;
  /** True when stderr is a terminal: progress bars only then. */
  readonly interactive: boolean;
}

export function consoleOutput(quiet: boolean): Output {
  return {
    data: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    info: (text) => {
      // Messages carry names from input (paths, run ids): never raw control characters on a terminal.
      if (!quiet) process.stderr.write(`${printableLines(text)}\n`);
    },
    warn: (text) => process.stderr.write(`warning: ${printable(text)}\n`),
    quiet,
    interactive: !quiet && process.stderr.isTTY === true,
  };
}

/** Collects everything, for tests. */
export function memoryOutput(): Output & {
  readonly lines: { data: string[]; info: string[]; warn: string[] };
} {
  const lines = { data: [] as string[], info: [] as string[], warn: [] as string[] };
  return {
    lines,
    data: (text) => lines.data.push(text),
    info: (text) => lines.info.push(text),
    warn: (text) => lines.warn.push(text),
    quiet: false,
    interactive: false,
  };
}
