/**
 * Cuts a byte stream into whole lines, numbered from 1, decoded as UTF-8 (checked, not replaced). Pure:
 * callers feed chunks cut anywhere, even inside a multi-byte character.
 */
import { isUtf8 } from 'node:buffer';

const NEWLINE = 10;

/** A line that cannot be read as text; `line` is its number in the stream. */
export class LineDecodeError extends Error {
  constructor(readonly line: number) {
    super(`line ${line} is not UTF-8 text`);
  }
}

export class LineSplitter {
  private carry: Buffer | null = null;
  private nextLine = 1;

  /** `onLine` gets each line without its newline (a CR before it stays: JSON counts it as whitespace). */
  constructor(private readonly onLine: (text: string, line: number) => void) {}

  push(chunk: Buffer): void {
    const data = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    const last = data.lastIndexOf(NEWLINE);
    if (last === -1) {
      this.carry = Buffer.from(data);
      return;
    }
    // Copy the tail: it may be a view of a large decompression buffer.
    this.carry = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : null;
    this.emit(data.subarray(0, last));
  }

  /** Call once after the last chunk. */
  end(): void {
    const rest = this.carry;
    this.carry = null;
    if (rest && rest.length > 0) this.emit(rest);
  }

  /** `bytes`: whole lines without the final newline. */
  private emit(bytes: Buffer): void {
    if (!isUtf8(bytes)) throw new LineDecodeError(this.nextLine + this.firstBadLine(bytes));
    const lines = bytes.toString('utf8').split('\n');
    for (const text of lines) this.onLine(text, this.nextLine++);
  }

  /** Index (0-based) of the first line of `bytes` that is not UTF-8. */
  private firstBadLine(bytes: Buffer): number {
    let index = 0;
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(NEWLINE, start);
      if (!isUtf8(bytes.subarray(start, end === -1 ? bytes.length : end))) return index;
      if (end === -1) return index;
      start = end + 1;
      index++;
    }
  }
}
