import type { Writable } from 'node:stream';
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
    data: (text) => {
      if (!stdoutSink().closed) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    info: (text) => {
      // Messages carry names from input (paths, run ids): never raw control characters on a terminal.
      if (!quiet) process.stderr.write(`${printableLines(text)}\n`);
    },
    warn: (text) => process.stderr.write(`warning: ${printable(text)}\n`),
    quiet,
    interactive: !quiet && process.stderr.isTTY === true,
  };
}

/**
 * A stream results are written to in chunks, with backpressure: `write` resolves once the stream can take
 * more, so memory stays flat whatever the result size. When the reader goes away (EPIPE: `| head`), the
 * sink turns `closed` and drops the rest, and the command ends quietly with exit 0 as `cat` and DuckDB do.
 */
export class ResultSink {
  closed = false;
  private readonly stream: Writable;

  constructor(stream: Writable) {
    this.stream = stream;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.closed = true;
      else throw error;
    });
  }

  /** Terminal width, or Infinity when writing to a pipe or file (nothing to fit). */
  get width(): number {
    const tty = this.stream as Writable & { isTTY?: boolean; columns?: number };
    return tty.isTTY && tty.columns ? tty.columns : Number.POSITIVE_INFINITY;
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.closed) return;
    if (this.stream.write(chunk)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.stream.off('drain', done);
        this.stream.off('close', done);
        this.stream.off('error', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('close', done);
      this.stream.on('error', done);
    });
  }
}

let stdout: ResultSink | undefined;

/** The one sink on process.stdout (its error listener keeps EPIPE from crashing the process). */
export function stdoutSink(): ResultSink {
  stdout ??= new ResultSink(process.stdout);
  return stdout;
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
