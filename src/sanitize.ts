/**
 * Text from input (file names, run ids, pickle globals, JSON keys) shown on a terminal: control characters
 * are escaped, so no input can move the cursor, recolour, retitle or clear the user's terminal, or fake a
 * line of mlduck's own output.
 */

// C0 controls, DEL and C1 controls (ESC and CSI start terminal escape sequences).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
// Characters that reorder or split what a person reads: bidirectional overrides and isolates, the
// Unicode line and paragraph separators, and lone surrogates (not text at all).
const INVISIBLE =
  /[\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function hex(code: number): string {
  return code.toString(16).padStart(2, '0');
}

/** `s` with C0/C1 controls and DEL as `\xNN`, and bidi controls, U+2028/9 and lone surrogates as `\u{…}`. */
export function printable(s: string): string {
  return s
    .replace(CONTROL, (c) => `\\x${hex(c.charCodeAt(0))}`)
    .replace(INVISIBLE, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);
}

/** Like `printable`, but keeps line breaks (`\n`): for multi-line messages built by mlduck itself. */
export function printableLines(s: string): string {
  return s.split('\n').map(printable).join('\n');
}
