/**
 * Names taken from input (file names, pickle globals, column labels) can hold control characters; printed
 * raw, an ESC sequence reaches the user's terminal and can rewrite what it shows. `printable` escapes them.
 */

/** `s` with C0 controls, DEL and C1 controls escaped (`\n`, `\t`, `\r`, `\xNN`, `\u{NN}`); the rest as is. */
export function printable(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\\]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
    }
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}
