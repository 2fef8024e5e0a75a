/**
 * The NaN/±Inf policy (DESIGN §5): DuckDB's stddev/SUMMARIZE break on non-finite doubles, so a numeric
 * value is stored as NULL with a `special` marker and nothing is lost.
 */
export type Special = 'NaN' | 'Infinity' | '-Infinity';

export interface NumericCell {
  value: number | null;
  special: Special | null;
}

const SPECIAL_STRINGS: Readonly<Record<string, Special>> = {
  nan: 'NaN',
  '+nan': 'NaN',
  '-nan': 'NaN',
  inf: 'Infinity',
  '+inf': 'Infinity',
  infinity: 'Infinity',
  '+infinity': 'Infinity',
  '-inf': '-Infinity',
  '-infinity': '-Infinity',
};

/** Splits a number into a finite value or a special marker. */
export function splitSpecial(x: number): NumericCell {
  if (Number.isFinite(x)) return { value: x, special: null };
  if (Number.isNaN(x)) return { value: null, special: 'NaN' };
  return { value: null, special: x > 0 ? 'Infinity' : '-Infinity' };
}

/** The special a string spells ("nan", "NaN", "-inf", "Infinity"…), if any. */
export function specialFromString(text: string): Special | null {
  return SPECIAL_STRINGS[text.trim().toLowerCase()] ?? null;
}

/** A number from a JSON-ish value: numbers, numeric strings and NaN/Inf spellings; null when not numeric. */
export function numericCell(value: unknown): NumericCell | null {
  if (typeof value === 'number') return splitSpecial(value);
  if (typeof value === 'bigint') return { value: Number(value), special: null };
  if (typeof value === 'boolean') return null;
  if (typeof value === 'string') {
    const special = specialFromString(value);
    if (special) return { value: null, special };
    const trimmed = value.trim();
    if (trimmed !== '' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed)) {
      return splitSpecial(Number(trimmed));
    }
  }
  return null;
}
