import { describe, expect, it } from 'vitest';
import { MlduckError, oneLineDuckDBMessage } from '../../src/errors.ts';
import { formatResult, toJsonValue } from '../../src/format.ts';
import { recordedPath } from '../../src/paths.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import { numericCell, specialFromString, splitSpecial } from '../../src/values.ts';
import { resolveDbPath } from '../../src/warehouse.ts';

describe('the NaN/±Inf policy', () => {
  it('splits non-finite numbers into NULL plus a special marker', () => {
    expect(splitSpecial(1.5)).toEqual({ value: 1.5, special: null });
    expect(splitSpecial(Number.NaN)).toEqual({ value: null, special: 'NaN' });
    expect(splitSpecial(Number.POSITIVE_INFINITY)).toEqual({ value: null, special: 'Infinity' });
    expect(splitSpecial(Number.NEGATIVE_INFINITY)).toEqual({ value: null, special: '-Infinity' });
  });

  it('reads numbers from the spellings exports use, and nothing else', () => {
    expect(numericCell('nan')).toEqual({ value: null, special: 'NaN' });
    expect(numericCell(' -inf ')).toEqual({ value: null, special: '-Infinity' });
    expect(numericCell('1e-3')).toEqual({ value: 0.001, special: null });
    expect(numericCell('.5')).toEqual({ value: 0.5, special: null });
    expect(numericCell(12n)).toEqual({ value: 12, special: null });
    expect(numericCell('12abc')).toBeNull();
    expect(numericCell('')).toBeNull();
    expect(numericCell(true)).toBeNull();
    expect(numericCell(null)).toBeNull();
    expect(specialFromString('Infinity')).toBe('Infinity');
  });
});

describe('result formatting', () => {
  it('turns DuckDB JS values into JSON-safe data', () => {
    expect(toJsonValue(2n ** 70n)).toBe('1180591620717411303424');
    expect(toJsonValue(5n)).toBe(5);
    expect(toJsonValue(new Date('2024-01-02T03:04:05Z'))).toBe('2024-01-02T03:04:05.000Z');
    expect(toJsonValue({ a: [1n, Number.NaN] })).toEqual({ a: [1, 'NaN'] });
  });

  it('quotes CSV fields that need it', () => {
    const out = formatResult(
      {
        columns: ['a', 'b'],
        rows: [
          ['x,y', 'say "hi"'],
          [null, 'line\nbreak'],
        ],
      },
      'csv',
    );
    expect(out).toBe('a,b\n"x,y","say ""hi"""\n,"line\nbreak"');
  });

  it('shows NULL, truncates long cells and counts rows in tables', () => {
    const out = formatResult({ columns: ['v'], rows: [[null], ['x'.repeat(200)]] }, 'table', 40);
    expect(out).toMatch(/NULL/);
    expect(out).toMatch(/│ x{35}… │/);
    expect(out.split('\n').every((line) => line.length <= 40)).toBe(true);
    expect(out).toMatch(/\n2 rows$/);
  });
});

describe('errors', () => {
  it('print one line with the location and the hint', () => {
    expect(new MlduckError('bad value', { file: 'a.jsonl', line: 3, hint: 'fix it' }).toHumanLine()).toBe(
      'a.jsonl:3: bad value — fix it',
    );
    expect(new MlduckError('bad row', { file: 'x.parquet', row: 7 }).toHumanLine()).toBe(
      'x.parquet row 7: bad row',
    );
    expect(new MlduckError('bad opcode', { file: 'p.pkl', offset: 12 }).toHumanLine()).toBe(
      'p.pkl at byte 12: bad opcode',
    );
    expect(new MlduckError('locked', { kind: 'locked' }).exitCode).toBe(3);
  });

  it('fold DuckDB messages onto one line without the SQL echo', () => {
    const message =
      'Catalog Error: Table with name nope does not exist!\nDid you mean "x"?\n\nLINE 1: select * from nope\n                      ^';
    expect(oneLineDuckDBMessage(message)).toBe(
      'Catalog Error: Table with name nope does not exist! Did you mean "x"?',
    );
  });
});

describe('paths and SQL quoting', () => {
  it('records paths relative to the working directory when inside it', () => {
    expect(recordedPath('/data/project/examples/a.parquet', '/data/project')).toBe('examples/a.parquet');
    expect(recordedPath('/elsewhere/a.parquet', '/data/project')).toBe('/elsewhere/a.parquet');
  });

  it('resolves the warehouse from the flag, then MLDUCK_DB, then the default', () => {
    expect(resolveDbPath('x.duckdb', { MLDUCK_DB: 'y.duckdb' })).toBe('x.duckdb');
    expect(resolveDbPath(undefined, { MLDUCK_DB: 'y.duckdb' })).toBe('y.duckdb');
    expect(resolveDbPath(undefined, {})).toBe('warehouse.duckdb');
  });

  it('quotes identifiers and strings verbatim', () => {
    expect(sqlIdent('oe_eval_metrics/arc:mc.acc"x')).toBe('"oe_eval_metrics/arc:mc.acc""x"');
    expect(sqlString("it's")).toBe("'it''s'");
  });
});
