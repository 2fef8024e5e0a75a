import { describe, expect, it } from 'vitest';
import { numericCell, specialFromString, splitSpecial } from '../../src/values.ts';

// The NaN policy (DESIGN §5): non-finite numbers are stored as NULL plus a marker naming what they were.
describe('NaN policy', () => {
  it('keeps finite numbers and marks NaN, +Infinity and -Infinity', () => {
    expect(splitSpecial(-0.5)).toEqual({ value: -0.5, special: null });
    expect(splitSpecial(Number.NaN)).toEqual({ value: null, special: 'NaN' });
    expect(splitSpecial(Number.POSITIVE_INFINITY)).toEqual({ value: null, special: 'Infinity' });
    expect(splitSpecial(Number.NEGATIVE_INFINITY)).toEqual({ value: null, special: '-Infinity' });
  });

  it('reads every spelling of NaN and the infinities, signed or not, in any case, with spaces', () => {
    const spellings: [string, string][] = [
      ['nan', 'NaN'],
      ['+NaN', 'NaN'],
      ['-nan', 'NaN'],
      ['inf', 'Infinity'],
      ['+Inf', 'Infinity'],
      ['Infinity', 'Infinity'],
      ['+infinity', 'Infinity'],
      ['-inf', '-Infinity'],
      [' -Infinity ', '-Infinity'],
    ];
    for (const [text, special] of spellings) {
      expect(specialFromString(text), text).toBe(special);
      expect(numericCell(text), text).toEqual({ value: null, special });
    }
    expect(specialFromString('infinite')).toBeNull();
  });

  it('takes numbers and bigints as they are, never booleans', () => {
    expect(numericCell(2.5)).toEqual({ value: 2.5, special: null });
    expect(numericCell(Number.NaN)).toEqual({ value: null, special: 'NaN' });
    expect(numericCell(7n)).toEqual({ value: 7, special: null });
    expect(numericCell(true)).toBeNull();
    expect(numericCell(false)).toBeNull();
    expect(numericCell(null)).toBeNull();
    expect(numericCell({ value: 1 })).toBeNull();
  });

  it('parses numeric strings in every decimal form, surrounding spaces allowed', () => {
    const numbers: [string, number][] = [
      ['12', 12],
      ['12.5', 12.5],
      ['3.', 3],
      ['.25', 0.25],
      ['.125', 0.125],
      ['+4', 4],
      ['-4.5', -4.5],
      ['1e5', 1e5],
      ['1E+10', 1e10],
      ['2.5e-12', 2.5e-12],
      ['  6.5\t', 6.5],
      ['1e400', Number.POSITIVE_INFINITY],
    ];
    for (const [text, n] of numbers) {
      const cell = numericCell(text);
      if (Number.isFinite(n)) expect(cell, text).toEqual({ value: n, special: null });
      else expect(cell, text).toEqual({ value: null, special: 'Infinity' });
    }
  });

  it('refuses strings that are not a whole number', () => {
    for (const text of [
      '',
      '   ',
      'x1',
      '1x',
      '1.2.3',
      '--1',
      '+-1',
      'e5',
      '1e',
      '1e+',
      '0x10',
      '.',
      '1 2',
    ]) {
      expect(numericCell(text), JSON.stringify(text)).toBeNull();
    }
  });
});
