import { closeSync, openSync, readSync } from 'node:fs';

/**
 * JSON nesting depth, checked before a document reaches code that recurses over it (DuckDB's read_json
 * schema detection segfaults near 20,000 levels; a recursive flattening of a 50,000-deep config takes
 * minutes; recursive JS walks overflow the stack). No real export, config or dataset record comes near
 * the cap: the deepest real W&B configs and OLMES outputs are tens of levels. Pickles use the same cap.
 */
export const MAX_JSON_DEPTH = 500;

/** Where a JSON text first nests deeper than allowed: 1-based line and the depth reached. */
export interface TooDeep {
  line: number;
  depth: number;
}

/**
 * Tracks `[`/`{` nesting outside strings over bytes fed in chunks. UTF-8 continuation bytes never equal
 * an ASCII delimiter, so a byte scan is exact for any UTF-8 text; invalid JSON is not judged here (the
 * parser that follows does that), only depth.
 */
export class JsonDepthScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** 1-based line of the next byte. */
  line = 1;
  /** Lines finished so far. */
  linesDone = 0;

  /**
   * @param maxDepth deepest nesting allowed
   * @param perLine newline-delimited input: every line is its own document (a newline cannot occur inside
   *   a JSON string, so the state restarts at each one)
   */
  constructor(
    private readonly maxDepth: number = MAX_JSON_DEPTH,
    private readonly perLine: boolean = true,
  ) {}

  /** Feeds bytes; returns where the cap is first exceeded, or null. */
  feed(bytes: Uint8Array, maxLines = Number.POSITIVE_INFINITY): TooDeep | null {
    const max = this.maxDepth;
    let { depth, inString, escaped, line } = this;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (b === 0x0a) {
        line++;
        this.linesDone++;
        if (this.perLine) {
          depth = 0;
          inString = false;
          escaped = false;
        }
        if (this.linesDone >= maxLines) break;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (b === 0x5c) escaped = true;
        else if (b === 0x22) inString = false;
      } else if (b === 0x22) inString = true;
      else if (b === 0x5b || b === 0x7b) {
        if (++depth > max) {
          Object.assign(this, { depth, inString, escaped, line });
          return { line, depth };
        }
      } else if ((b === 0x5d || b === 0x7d) && depth > 0) depth--;
    }
    Object.assign(this, { depth, inString, escaped, line });
    return null;
  }
}

/** Where the JSON text `s` (one document; lines counted) first nests deeper than `maxDepth`, or null. */
export function tooDeepInText(s: string, maxDepth: number = MAX_JSON_DEPTH): TooDeep | null {
  let depth = 0;
  let line = 1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return { line, depth };
    } else if ((c === 0x5d || c === 0x7d) && depth > 0) depth--;
    else if (c === 0x0a) line++;
  }
  return null;
}

/**
 * Where the JSON file at `path` first nests deeper than `maxDepth`, reading at most its first `maxLines`
 * lines (all by default), or null. `perLine` for newline-delimited JSON.
 */
export function tooDeepInFile(
  path: string,
  options: { maxDepth?: number; perLine?: boolean; maxLines?: number } = {},
): TooDeep | null {
  const scanner = new JsonDepthScanner(options.maxDepth ?? MAX_JSON_DEPTH, options.perLine ?? true);
  const maxLines = options.maxLines ?? Number.POSITIVE_INFINITY;
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return null;
      const found = scanner.feed(chunk.subarray(0, n), maxLines);
      if (found) return found;
      if (scanner.linesDone >= maxLines) return null;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether a parsed JSON value nests deeper than `maxDepth` (an iterative walk, stopping at the first
 * level past the cap): checked before a recursive JS walk such as JSON.stringify touches it.
 */
export function valueTooDeep(value: unknown, maxDepth: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth + 1 > maxDepth) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}
