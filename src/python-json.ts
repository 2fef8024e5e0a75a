/**
 * JSON as Python's json module writes it: NaN, Infinity and -Infinity appear as bare tokens, which
 * JSON.parse refuses. The one reader of such text for every source and tool.
 */
import type { Special } from './values.ts';

const STRING_OR_SPECIAL = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g;
// A NUL can only stand escaped in JSON text, so no string of the input starts with it.
const MARK = '\u0000mlduck-special:';

/**
 * Parses `text`; only when that fails and the text holds a special token, parses it again with the tokens
 * outside strings given to `special` (default: the numbers NaN/±Infinity). Throws the first SyntaxError.
 */
export function parsePythonJson(text: string, special: (token: Special) => unknown = toNumber): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    if (!text.includes('NaN') && !text.includes('Infinity')) throw error;
    const marked = text.replace(STRING_OR_SPECIAL, (token) =>
      token.startsWith('"') ? token : `"\\u0000mlduck-special:${token}"`,
    );
    try {
      return JSON.parse(marked, (_key, value: unknown) =>
        typeof value === 'string' && value.startsWith(MARK)
          ? special(value.slice(MARK.length) as Special)
          : value,
      );
    } catch {
      throw error;
    }
  }
}

function toNumber(token: Special): number {
  return token === 'NaN'
    ? Number.NaN
    : token === 'Infinity'
      ? Number.POSITIVE_INFINITY
      : Number.NEGATIVE_INFINITY;
}
