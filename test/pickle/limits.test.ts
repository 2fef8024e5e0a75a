/** Issue 14: decode limits independent of buffer sizes, escaped names, link loops named as such. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PickleError, readPickle } from '../../ingest/pickle/index.ts';
import { limitsFromEnv } from '../../ingest/pickle/load.ts';
import { NdArray } from '../../ingest/pickle/lowered.ts';
import { printable } from '../../src/sanitize.ts';
import { runCli, tempDir } from '../helpers.ts';
import { bytes } from './pickle-bytes.ts';

const u16 = (n: number) => [n & 0xff, n >> 8];
const binunicode = (s: string) => bytes('X', [s.length, 0, 0, 0], s);

/** numpy.ndarray of dtype `code` and shape rows × cols whose data is `data` (a protocol-3 `_reconstruct`). */
function ndarrayPickle(code: string, rows: number, cols: number, data: Uint8Array): Uint8Array {
  return bytes(
    '\x80\x03cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85C\x01b\x87R(K\x01',
    'M',
    u16(rows),
    'M',
    u16(cols),
    '\x86cnumpy\ndtype\n',
    binunicode(code),
    'K\x00K\x01\x87R(K\x03',
    binunicode('|'),
    'NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89',
    'C',
    [data.length],
    data,
    'tb.',
  );
}

function refusal(data: Uint8Array, limits = {}): PickleError {
  try {
    readPickle(data, limits);
  } catch (error) {
    if (error instanceof PickleError) return error;
    throw error;
  }
  throw new Error('expected the pickle to be refused');
}

describe('pickle decode limits (issue 14 item 3)', () => {
  it('refuses the 133-byte S0 array of shape 10000×10000 instead of allocating 10^8 values', () => {
    const data = ndarrayPickle('S0', 10000, 10000, new Uint8Array(0));
    expect(data.length).toBeLessThan(200);
    const error = refusal(data);
    expect(error.message).toMatch(/itemsize 0/);
    expect(error.pickleOffset).toBeGreaterThan(0);
  });

  it('CLI: the S0 bomb exits 2 with a one-line error and a failed ingest_log row', async () => {
    const dir = tempDir();
    const file = join(dir, 'bomb.pkl');
    writeFileSync(file, ndarrayPickle('S0', 10000, 10000, new Uint8Array(0)));
    const db = join(dir, 'w.duckdb');
    const r = await runCli(['--db', db, 'ingest', 'pickle', file]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bomb\.pkl at byte \d+: .*itemsize 0/);
    const log = await runCli([
      '--db',
      db,
      'query',
      "SELECT status FROM ingest_log WHERE kind = 'pickle'",
      '--format',
      'csv',
    ]);
    expect(log.stdout.trim().split('\n')).toEqual(['status', 'failed']);
  });

  it('refuses itemsize 0 for U0 too, even for a small shape', () => {
    expect(refusal(ndarrayPickle('U0', 3, 1000, new Uint8Array(0))).message).toMatch(/itemsize 0/);
  });

  it('still reads a real array within the limits', () => {
    const out = readPickle(ndarrayPickle('S2', 2, 2, Buffer.from('abcdefgh')));
    expect(out).toBeInstanceOf(NdArray);
    expect((out as NdArray).shape).toEqual([2, 2]);
  });

  it('bounds the element count independently of the bytes (overridable)', () => {
    const data = ndarrayPickle('i1', 10, 20, new Uint8Array(200));
    expect(refusal(data, { maxElements: 100 }).message).toMatch(/more than the limit of 100 elements/);
    expect(readPickle(data, { maxElements: 200 })).toBeInstanceOf(NdArray);
  });

  it('bounds the decoded size, counted per element, across all arrays of the pickle', () => {
    // 200 one-byte strings: 200 raw bytes, but 200 JS values of 33 accounted bytes each
    const data = ndarrayPickle('S1', 10, 20, new Uint8Array(200).fill(97));
    expect(refusal(data, { maxDecodedBytes: 200 * 33 - 1 }).message).toMatch(/decode to more than the limit/);
    expect(readPickle(data, { maxDecodedBytes: 200 * 33 })).toBeInstanceOf(NdArray);
  });

  it('takes overrides from MLDUCK_PICKLE_MAX_ELEMENTS / _MAX_DECODED_BYTES and refuses junk', () => {
    expect(
      limitsFromEnv({ MLDUCK_PICKLE_MAX_ELEMENTS: '5', MLDUCK_PICKLE_MAX_DECODED_BYTES: '4096' }),
    ).toEqual({ maxElements: 5, maxDecodedBytes: 4096 });
    expect(limitsFromEnv({})).toEqual({});
    expect(() => limitsFromEnv({ MLDUCK_PICKLE_MAX_ELEMENTS: '1e9' })).toThrow(/positive integer/);
    expect(() => limitsFromEnv({ MLDUCK_PICKLE_MAX_ELEMENTS: '-1' })).toThrow(/positive integer/);
  });
});

describe('malformed pickles found by mutation are refused as pickles', () => {
  it('a dict inside a tuple used as a dict key is a PickleError with its offset, not a TypeError', () => {
    // {({},): 1}: EMPTY_DICT, EMPTY_DICT TUPLE1, 1, SETITEM
    const error = refusal(bytes('\x80\x02}}\x85K\x01s.'));
    expect(error.message).toContain("unhashable type: 'dict'");
    expect(error.pickleOffset).toBe(7);
  });
});

describe('names from a pickle are escaped before they reach a terminal (issue 14 item 7)', () => {
  it('printable escapes C0, C1 and DEL, and nothing else', () => {
    expect(printable('a\x1b[31mb\x07\x7f\x9b\n\t\\é✓')).toBe('a\\x1b[31mb\\x07\\x7f\\x9b\\x0a\\x09\\é✓');
  });

  const hostileGlobal = bytes('\x80\x02cos\x1b]0;owned\x07\x1b[2J\nsystem\n.');

  it('a refused global with terminal escapes is reported escaped', () => {
    const error = refusal(hostileGlobal);
    expect(error.message).toBe('global not allowed: os\\x1b]0;owned\\x07\\x1b[2J.system');
  });

  it('CLI: neither stderr nor stdout carries a control character', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'evil.pkl'), hostileGlobal);
    const r = await runCli(['--db', join(dir, 'w.duckdb'), 'ingest', 'pickle', join(dir, 'evil.pkl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('global not allowed: os\\x1b]0;owned');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });

  it('CLI: a column label with terminal escapes is escaped in the warning that quotes it', async () => {
    const dir = tempDir();
    const key = '\x1b]0;owned\x07col';
    // [{key: 1}, {key: 'a'}]: a list of dicts whose one column mixes int and str → a warning naming the column
    const pickle = bytes('\x80\x02](}', binunicode(key), 'K\x01s}', binunicode(key), binunicode('a'), 'se.');
    writeFileSync(join(dir, 'records.pkl'), pickle);
    const r = await runCli(['--db', join(dir, 'w.duckdb'), 'ingest', 'pickle', join(dir, 'records.pkl')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('\\x1b]0;owned\\x07col mixes');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});

describe('a pickle link loop is named as a loop (issue 14 item 7)', () => {
  it('CLI: a looping link, given directly or found in a directory, says so and exits 2', async () => {
    const dir = tempDir();
    const pickles = join(dir, 'pickles');
    mkdirSync(pickles);
    symlinkSync('b.pkl', join(pickles, 'a.pkl'));
    symlinkSync('a.pkl', join(pickles, 'b.pkl'));
    const db = join(dir, 'w.duckdb');
    for (const target of [join(pickles, 'a.pkl'), pickles]) {
      const r = await runCli(['--db', db, 'ingest', 'pickle', target]);
      expect(r.stderr).toContain('a.pkl: symbolic link loop');
      expect(r.stderr).not.toContain('no such file');
      expect(r.code).toBe(2);
    }
  });
});
