import { describe, expect, it } from 'vitest';
import { toCanonical } from '../../ingest/pickle/canonical.ts';
import { LDict, LTuple, PickleError, readPickle } from '../../ingest/pickle/index.ts';
import type { PyList } from '../../ingest/pickle/values.ts';
import { loadPickle } from '../../ingest/pickle/vm.ts';
import { bytes, sbu } from './pickle-bytes.ts';

const errorOf = (data: Uint8Array, limits = {}): PickleError => {
  try {
    readPickle(data, limits);
  } catch (e) {
    if (e instanceof PickleError) return e;
    throw e;
  }
  throw new Error('expected the pickle to be refused');
};

describe('restricted pickle VM', () => {
  it('reads exact big and negative ints (LONG1/LONG4), unlike pickleparser', () => {
    // -2**40 as LONG1, 2**63 as LONG1, -(2**31)-1 as LONG1
    expect(readPickle(bytes('\x80\x02\x8a\x06', [0, 0, 0, 0, 0, 0xff], '.'))).toBe(-(2n ** 40n));
    expect(readPickle(bytes('\x80\x02\x8a\x09', [0, 0, 0, 0, 0, 0, 0, 0x80, 0], '.'))).toBe(2n ** 63n);
    expect(readPickle(bytes('\x80\x02\x8a\x05', [0xff, 0xff, 0xff, 0x7f, 0xff], '.'))).toBe(
      -(2n ** 31n) - 1n,
    );
    expect(readPickle(bytes('\x80\x02\x8b', [2, 0, 0, 0], [0, 0x80], '.'))).toBe(-32768n);
    expect(readPickle(bytes('I12345678901234567890\n.'))).toBe(12345678901234567890n);
    expect(readPickle(bytes('L-99L\n.'))).toBe(-99n);
  });

  it('reads protocol-0 text opcodes', () => {
    expect(readPickle(bytes('(lp0\nI1\naF2.5\naVa\\u00e9b\np1\na(I00\nI01\ntp2\na.'))).toEqual([
      1n,
      2.5,
      'aéb',
      new LTuple([false, true]),
    ]);
    expect(readPickle(bytes('Fnan\n.'))).toBeNaN();
  });

  it('keeps __proto__ and constructor as plain keys (no prototype pollution)', () => {
    const data = bytes(
      '\x80\x04}(',
      sbu('__proto__'),
      '}',
      sbu('polluted'),
      'K\x01s',
      sbu('constructor'),
      'K\x02u.',
    );
    const value = readPickle(data) as LDict;
    expect(value).toBeInstanceOf(LDict);
    expect(value.entries.map(([k]) => k)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const json = toCanonical(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
    expect(json['polluted']).toBeUndefined();
  });

  it('preserves tuple and int dict keys instead of stringifying them', () => {
    const data = bytes('\x80\x04}(K\x01K\x02\x86', sbu('t'), 'K\x03', sbu('i'), 'u.');
    const value = readPickle(data) as LDict;
    expect(value.entries[0]![0]).toEqual(new LTuple([1n, 2n]));
    expect(value.entries[1]![0]).toBe(3n);
  });

  it('builds a self-containing list in the VM but refuses to lower the cycle', () => {
    const data = bytes('\x80\x02]q\x00h\x00a.');
    const raw = loadPickle(data) as PyList;
    expect(raw.items[0]).toBe(raw);
    expect(errorOf(data).message).toMatch(/\$\[0\]: cycle/);
  });

  it('refuses globals outside the allowlist at the opcode that names them', () => {
    const e = errorOf(bytes('\x80\x04', sbu('os'), sbu('system'), '\x93.'));
    expect(e.message).toBe('global not allowed: os.system');
    expect(e.pickleOffset).toBe(2 + 4 + 8);
    expect(e.location.offset).toBe(14);
    expect(e.kind).toBe('input');
    // allowlisted modules do not open their other names
    expect(errorOf(bytes('\x80\x04', sbu('numpy'), sbu('load'), '\x93.')).message).toContain('numpy.load');
    expect(errorOf(bytes('cposix\nsystem\n.')).message).toContain('posix.system');
  });

  it('refuses calls and builds the allowlist does not permit', () => {
    // numpy.ndarray may only be an argument of _reconstruct, never called
    expect(errorOf(bytes('\x80\x04', sbu('numpy'), sbu('ndarray'), '\x93)R.')).message).toContain(
      'may not be called',
    );
    // a function may not be instantiated with NEWOBJ
    expect(errorOf(bytes('\x80\x04', sbu('_codecs'), sbu('encode'), '\x93)\x81.')).message).toContain(
      'may not be instantiated',
    );
    // BUILD twice on the same object
    const df = bytes('\x80\x04', sbu('pandas'), sbu('DataFrame'), '\x93)\x81}b}b.');
    expect(errorOf(df).message).toContain('BUILD applied twice');
  });

  it('enforces the memo, mark, stack, integer and allocation limits', () => {
    expect(errorOf(bytes('\x80\x02N\x94N\x94N\x94.'), { maxMemo: 2 }).message).toContain('memo larger than');
    expect(errorOf(bytes('\x80\x02(((.'), { maxMarks: 2 }).message).toContain('MARKs');
    expect(errorOf(bytes('\x80\x02NNNN.'), { maxStack: 3 }).message).toContain('stack deeper');
    expect(errorOf(bytes('\x80\x02\x8a\x09', new Uint8Array(9), '.'), { maxIntBytes: 8 }).message).toContain(
      'integer size limit',
    );
    expect(
      errorOf(bytes('\x80\x03B', [16, 0, 0, 0], new Uint8Array(16), '.'), { maxAllocation: 8 }).message,
    ).toContain('allocation limit');
    expect(errorOf(bytes(`I${'9'.repeat(5000)}\n.`)).message).toContain('more digits');
  });

  it('refuses deep nesting and shared-reference bombs during lowering', () => {
    expect(
      errorOf(bytes('\x80\x02', ']'.repeat(50), 'a'.repeat(49), '.'), { maxDepth: 10 }).message,
    ).toContain('nesting deeper than the limit of 10');
    let laughs = '\x80\x02]q\x00';
    for (let i = 0; i < 30; i++)
      laughs += `h${String.fromCharCode(i)}h${String.fromCharCode(i)}\x86q${String.fromCharCode(i + 1)}`;
    expect(errorOf(bytes(laughs, '.'), { maxExpanded: 1_000_000 }).message).toContain('expanded size');
    // the same bomb hidden in the cells of an object numpy array
    const objectArray = bytes(
      laughs,
      '\x80\x04',
      sbu('numpy.core.multiarray'),
      sbu('_reconstruct'),
      '\x93',
      sbu('numpy'),
      sbu('ndarray'),
      '\x93K\x00\x85C\x01b\x87R(K\x01K\x02\x85',
      sbu('numpy'),
      sbu('dtype'),
      '\x93',
      sbu('O8'),
      '\x89\x88\x87R(K\x03',
      sbu('|'),
      'NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?tb\x89](h\x1eh\x1ee',
      'tb.',
    );
    expect(errorOf(objectArray, { maxExpanded: 1_000_000 }).message).toContain('expanded size');
  });

  // CPython Lib/test/pickletester.py: test_bad_stack, test_bad_mark, test_truncated_data, negative lengths
  it.each([
    ['.', 'stack underflow'],
    ['0', 'could not find MARK'],
    ['1', 'could not find MARK'],
    ['2.', 'stack underflow'],
    ['N(2.', 'stack underflow'],
    ['R', 'stack underflow'],
    [')R', 'stack underflow'],
    ['a', 'stack underflow'],
    ['Na', 'stack underflow'],
    ['b', 'stack underflow'],
    ['Nb', 'stack underflow'],
    ['d', 'could not find MARK'],
    ['e', 'could not find MARK'],
    ['(e', 'stack underflow'],
    ['s', 'stack underflow'],
    ['Ns', 'stack underflow'],
    ['NNs', 'stack underflow'],
    ['t', 'could not find MARK'],
    ['u', 'could not find MARK'],
    ['(u', 'stack underflow'],
    ['\x85', 'stack underflow'],
    ['\x86', 'stack underflow'],
    ['N\x86', 'stack underflow'],
    ['\x87', 'stack underflow'],
    ['NN\x87', 'stack underflow'],
    ['\x90', 'could not find MARK'],
    ['\x91', 'could not find MARK'],
    ['\x93', 'stack underflow'],
    ['q\x00', 'stack underflow'],
    ['r\x00\x00\x00\x00', 'stack underflow'],
    ['\x94', 'stack underflow'],
    ['(N\x94', 'no STOP'],
    ['(]N(a', 'stack underflow'],
    ['h\x00', 'memo value not found'],
    ['j\x00\x00\x00\x00', 'memo value not found'],
    ['g0\n', 'memo value not found'],
    ['X\xff\xff\xff\xff', 'declared length'],
    ['B\xff\xff\xff\xff', 'declared length'],
    ['\x8b\xff\xff\xff\xff', 'negative byte count'],
    ['J\x00\x00', 'truncated'],
    ['K', 'truncated'],
    ['G\x00\x00\x00', 'truncated'],
    ['\x8c\x05abc', 'declared length'],
    ['I12', 'truncated'],
    ['Iabc\n.', 'invalid literal'],
    ['Fx\n.', 'invalid literal'],
    ['p-1\n', 'negative PUT'],
  ])('malformed %j → %s', (body, message) => {
    const e = errorOf(bytes('\x80\x04', body));
    expect(e.message).toContain(message);
  });

  it('reads sets, frozensets, OrderedDicts and bytes of every protocol', () => {
    const v = readPickle(bytes('\x80\x04\x8f(K\x01K\x02\x90.'));
    expect(toCanonical(v)).toEqual({ $set: [1, 2] });
    expect(toCanonical(readPickle(bytes('\x80\x05\x96', [2, 0, 0, 0, 0, 0, 0, 0], 'ab\x98.')))).toEqual({
      $bytes: '6162',
    });
  });
});
