// numpy dtypes, arrays and scalars (ingest/pickle/numpy.ts), one rule per case, on VM values built by hand
// (test/pickle/lowering-helpers.ts) and on the exported decoders directly.
import { describe, expect, it } from 'vitest';
import { toCanonical } from '../../ingest/pickle/canonical.ts';
import type { Column } from '../../ingest/pickle/lowered.ts';
import {
  cellOf,
  columnFromBytes,
  DecodeBudget,
  type Dtype,
  elementCount,
  LowerError,
  lowerDtype,
  permuteData,
} from '../../ingest/pickle/numpy.ts';
import { PyDict, type PyValue } from '../../ingest/pickle/values.ts';
import {
  bytes,
  call,
  dtype,
  f64,
  global,
  i64,
  lowered,
  ndarray,
  objects,
  reconstruct,
  refusal,
  timeDtype,
  tuple,
} from './lowering-helpers.ts';

const dt = (code: string, order = '<', extra = {}) => lowerDtype(dtype(code, order, extra));
const budget = () => new DecodeBudget();
const cells = (col: Column) => Array.from({ length: col.length }, (_, i) => toCanonical(cellOf(col, i)));
const decode = (raw: ArrayLike<number>, code: string, n: number, order = '<') =>
  cells(columnFromBytes(Uint8Array.from(raw), dt(code, order), n, budget()));

describe('numpy dtypes', () => {
  it('name every native numeric code as numpy does', () => {
    const names = ['b1', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'u8', 'f2', 'f4', 'f8', 'c8', 'c16'].map(
      (c) => dt(c).name,
    );
    expect(names).toEqual([
      'bool',
      'int8',
      'int16',
      'int32',
      'int64',
      'uint8',
      'uint16',
      'uint32',
      'uint64',
      'float16',
      'float32',
      'float64',
      'complex64',
      'complex128',
    ]);
    expect(dt('i4')).toEqual({ kind: 'i', itemsize: 4, littleEndian: true, unit: null, name: 'int32' });
  });

  it('keep the byte order in the name of a big-endian dtype, except for one-byte items', () => {
    expect(dt('i4', '>')).toMatchObject({ name: '>i4', littleEndian: false });
    expect(dt('f8', '>').name).toBe('>f8');
    expect(dt('i1', '>').name).toBe('int8');
    expect(dt('i4', '|').name).toBe('int32');
    // no state at all: native order
    expect(lowerDtype(call('numpy.dtype', ['i2', false, true])).name).toBe('int16');
  });

  it('count U in characters of four bytes, S and V in bytes, and take elsize for them from the state', () => {
    expect(dt('U3')).toMatchObject({ kind: 'U', itemsize: 12, name: '<U3' });
    expect(dt('U3', '>').name).toBe('>U3');
    expect(dt('S5')).toMatchObject({ itemsize: 5, name: '|S5' });
    // numpy pickles flexible dtypes with their size in the state (field 5)
    expect(dt('U', '<', { elsize: 8n })).toMatchObject({ itemsize: 8, name: '<U2' });
    expect(dt('S', '|', { elsize: 7n }).name).toBe('|S7');
    expect(dt('S2', '|', { elsize: 0n }).name).toBe('|S2');
    // only flexible kinds take it
    expect(dt('i4', '<', { elsize: 8n }).itemsize).toBe(4);
    expect(dt('O8', '|')).toMatchObject({ kind: 'O', itemsize: 8, name: 'object' });
    expect(dt('O', '|')).toMatchObject({ kind: 'O', itemsize: 8, name: 'object' });
  });

  it('read the unit of datetime64 / timedelta64 from the metadata', () => {
    expect(lowerDtype(timeDtype('M8', 'ns'))).toMatchObject({
      name: 'datetime64[ns]',
      itemsize: 8,
      unit: 'ns',
    });
    expect(lowerDtype(timeDtype('m8', 's'))).toMatchObject({ name: 'timedelta64[s]', unit: 's' });
    for (const unit of ['W', 'D', 'h', 'm', 'ms', 'us'])
      expect(lowerDtype(timeDtype('M8', unit)).unit).toBe(unit);
  });

  it('refuse what it cannot represent, by name', () => {
    const refuse = (c: ReturnType<typeof call>) => () => lowerDtype(c);
    expect(refuse(timeDtype('M8', 'ns', 2n))).toThrow("datetime64 unit '2ns' is not supported");
    expect(refuse(timeDtype('M8', 'ps'))).toThrow("datetime64 unit '1ps' is not supported");
    expect(() => dt('M8')).toThrow('datetime64/timedelta64 dtype without a unit (generic) is not supported');
    expect(() => dt('m8')).toThrow(/without a unit/);
    expect(() => dt('V8')).toThrow('void (V) numpy dtypes are not supported');
    expect(() => dt('f16')).toThrow("numpy dtype 'f16' is not supported");
    expect(() => dt('c4')).toThrow("numpy dtype 'c4' is not supported");
    expect(() => dt('q8')).toThrow("numpy dtype 'q8' is not supported");
    expect(() => dt('i8x')).toThrow("numpy dtype 'i8x' is not supported");
    expect(() => dt('<i8')).toThrow("numpy dtype '<i8' is not supported");
    // a datetime whose metadata has no (unit, count) tuple is generic
    const noUnit = call(
      'numpy.dtype',
      ['M8'],
      tuple(4n, '<', null, null, null, -1n, -1n, 0n, tuple(new PyDict())),
    );
    expect(() => lowerDtype(noUnit)).toThrow(/without a unit \(generic\)/);
    expect(() => lowerDtype(call('numpy.dtype', [3n]))).toThrow('numpy.dtype: expected a type code string');
    expect(() => lowerDtype(call('numpy.dtype', ['i8'], tuple('3', '<')))).toThrow(
      'dtype state: expected an int, got str',
    );
    expect(() => lowerDtype(call('numpy.dtype', ['i8'], tuple()))).toThrow(
      'dtype state: expected an int, got nothing',
    );
  });

  it('refuse structured and subarray dtypes (subarray, names or fields set)', () => {
    for (const at of [2, 3, 4]) {
      const state: PyValue[] = [3n, '|', null, null, null, 16n, 1n, 0n];
      state[at] = tuple('x');
      const c = call('numpy.dtype', ['V16', false, true], tuple(...state));
      expect(() => lowerDtype(c)).toThrow('structured or subarray numpy dtypes are not supported');
    }
    // an old version-2 state of 8 items is checked too
    const old = call('numpy.dtype', ['V16'], tuple(2n, '|', null, tuple('a'), null, 16n, 1n, 0n));
    expect(() => lowerDtype(old)).toThrow(/structured/);
  });
});

describe('numpy shapes', () => {
  it('multiply the dimensions, refusing negative, fractional and overflowing ones', () => {
    expect(elementCount([])).toBe(1);
    expect(elementCount([2, 3, 4])).toBe(24);
    expect(elementCount([0, 5])).toBe(0);
    expect(() => elementCount([2, -1])).toThrow('invalid array dimension -1');
    expect(() => elementCount([1.5])).toThrow('invalid array dimension 1.5');
    expect(() => elementCount([2 ** 30, 2 ** 30])).toThrow('array shape overflows');
    expect(elementCount([2 ** 26, 2 ** 26])).toBe(2 ** 52);
  });
});

describe('numpy raw bytes into columns', () => {
  it('decode integers of every width and sign, swapping big-endian ones', () => {
    expect(decode([0xff, 0x01], 'i1', 2)).toEqual([-1, 1]);
    expect(decode([0xff, 0x01], 'u1', 2)).toEqual([255, 1]);
    expect(decode([0xfe, 0xff, 0x02, 0x01], 'i2', 2)).toEqual([-2, 258]);
    expect(decode([0xfe, 0xff], 'u2', 1)).toEqual([65534]);
    expect(decode([0xff, 0xfe], 'i2', 1, '>')).toEqual([-2]);
    expect(decode([0xfe, 0xff, 0xff, 0xff], 'i4', 1)).toEqual([-2]);
    expect(decode([0xfe, 0xff, 0xff, 0xff], 'u4', 1)).toEqual([4294967294]);
    expect(decode([0, 0, 1, 2], 'i4', 1, '>')).toEqual([258]);
    expect(decode(i64(-3n, 2n ** 40n), 'i8', 2)).toEqual([-3, 2 ** 40]);
    expect(decode(i64(-1n), 'u8', 1)).toEqual([{ $int: '18446744073709551615' }]);
    expect(decode([0, 0, 0, 0, 0, 0, 1, 0], 'i8', 1, '>')).toEqual([256]);
  });

  it('decode floats of 2, 4 and 8 bytes (float16 subnormals, infinities and NaN included)', () => {
    const half = (...bits: number[]) => bits.flatMap((b) => [b & 0xff, b >> 8]);
    expect(
      decode(half(0x3c00, 0xc000, 0x3555, 0x0001, 0x8001, 0x7c00, 0xfc00, 0x7e00, 0x0000), 'f2', 9),
    ).toEqual([
      1,
      -2,
      0.333251953125,
      2 ** -24,
      -(2 ** -24),
      { $float: 'inf' },
      { $float: '-inf' },
      { $float: 'nan' },
      0,
    ]);
    expect(decode([0x3c, 0x00], 'f2', 1, '>')).toEqual([1]);
    const f4 = Buffer.alloc(4);
    f4.writeFloatLE(0.5);
    expect(decode(f4, 'f4', 1)).toEqual([0.5]);
    f4.writeFloatBE(-0.25);
    expect(decode(f4, 'f4', 1, '>')).toEqual([-0.25]);
    expect(decode(f64(1.5, -0.1), 'f8', 2)).toEqual([1.5, -0.1]);
    const be = Buffer.alloc(8);
    be.writeDoubleBE(3.25);
    expect(decode(be, 'f8', 1, '>')).toEqual([3.25]);
  });

  it('decode complex numbers as (re, im), swapping each half of a big-endian one on its own', () => {
    const c8 = Buffer.alloc(8);
    c8.writeFloatLE(1.5);
    c8.writeFloatLE(-2, 4);
    expect(decode(c8, 'c8', 1)).toEqual([{ $complex: [1.5, -2] }]);
    expect(decode(f64(0.5, 4), 'c16', 1)).toEqual([{ $complex: [0.5, 4] }]);
    const be = Buffer.alloc(16);
    be.writeDoubleBE(0.5);
    be.writeDoubleBE(4, 8);
    expect(decode(be, 'c16', 1, '>')).toEqual([{ $complex: [0.5, 4] }]);
  });

  it('decode bools, datetime64 (NaT as INT64_MIN) and timedelta64 with their unit', () => {
    expect(decode([1, 0, 2], 'b1', 3)).toEqual([true, false, true]);
    const nat = -(2n ** 63n);
    const times = columnFromBytes(
      Uint8Array.from(i64(5, nat)),
      lowerDtype(timeDtype('M8', 'ms')),
      2,
      budget(),
    );
    expect(cells(times)).toEqual([{ $datetime64: '5', unit: 'ms' }, { $nat: null }]);
    expect(times.data).toMatchObject({ kind: 'datetime', unit: 'ms', tz: null });
    const spans = columnFromBytes(
      Uint8Array.from(i64(-7, nat)),
      lowerDtype(timeDtype('m8', 'us')),
      2,
      budget(),
    );
    expect(cells(spans)).toEqual([{ $timedelta64: '-7', unit: 'us' }, { $nat: null }]);
  });

  it('decode UTF-32 strings up to the first NUL, in either byte order', () => {
    const le = Buffer.alloc(24);
    le.writeUInt32LE(0x61, 0);
    le.writeUInt32LE(0x62, 4);
    le.writeUInt32LE(0x1f600, 12); // second item: one astral character, then NUL padding
    expect(decode(le, 'U3', 2)).toEqual(['ab', '😀']);
    const be = Buffer.alloc(8);
    be.writeUInt32BE(0x78, 0);
    be.writeUInt32BE(0x79, 4);
    expect(decode(be, 'U2', 1, '>')).toEqual(['xy']);
    const col = columnFromBytes(Uint8Array.from(le), dt('U3'), 2, budget());
    expect(col.data).toMatchObject({ kind: 'object', strings: true });
  });

  it('refuse a UTF-32 code point beyond U+10FFFF, naming it and the element', () => {
    const bad = Buffer.alloc(8);
    bad.writeUInt32LE(0x61, 0);
    bad.writeUInt32LE(0x110000, 4);
    expect(() => columnFromBytes(Uint8Array.from(bad), dt('U1'), 2, budget())).toThrow(
      "numpy 'U' string 1: code point 1114112 (0x110000) is beyond U+10FFFF, not a character",
    );
  });

  it('decode fixed-width bytes without their trailing NULs, keeping the inner ones', () => {
    expect(decode([0x61, 0, 0x62, 0, 0x63, 0x64, 0x65, 0, 0, 0, 0, 0], 'S4', 3)).toEqual([
      { $bytes: '610062' },
      { $bytes: '636465' },
      { $bytes: '' },
    ]);
    const col = columnFromBytes(Uint8Array.from([0x61, 0, 0x62, 0x63]), dt('S2'), 2, budget());
    expect(col).toEqual({
      dtype: '|S2',
      data: { kind: 'object', values: [Uint8Array.from([0x61]), Uint8Array.from([0x62, 0x63])] },
      length: 2,
    });
  });

  it('refuse a buffer whose size is not elements × itemsize, zero-size items and object dtypes', () => {
    expect(() => decode([1, 2, 3], 'i2', 2)).toThrow(
      'numpy array: buffer size 3 does not match array size 2 × 2 bytes',
    );
    expect(() => decode([1, 2, 3, 4, 5], 'i2', 2)).toThrow(/buffer size 5/);
    expect(() => columnFromBytes(new Uint8Array(0), dt('S0'), 5, budget())).toThrow(
      'numpy dtype |S0 has itemsize 0: arrays of it are refused',
    );
    expect(() => columnFromBytes(new Uint8Array(8), dt('O8', '|'), 1, budget())).toThrow(
      'object arrays are pickled as lists, not bytes',
    );
    const unknownKind: Dtype = { kind: 'x', itemsize: 1, littleEndian: true, unit: null, name: 'x' };
    expect(() => columnFromBytes(new Uint8Array(1), unknownKind, 1, budget())).toThrow(
      "numpy dtype kind 'x' is not supported",
    );
  });
});

describe('the decode budget', () => {
  it('charges elements and bytes across arrays, and refuses the first charge past either limit', () => {
    const b = new DecodeBudget({ maxElements: 5, maxDecodedBytes: 1000 });
    b.charge(3, 0);
    b.charge(2, 0);
    expect(() => b.charge(1, 0)).toThrow(LowerError);
    expect(() => new DecodeBudget({ maxElements: 5, maxDecodedBytes: 1000 }).charge(6, 0)).toThrow(
      'arrays hold more than the limit of 5 elements (raise maxElements / MLDUCK_PICKLE_MAX_ELEMENTS if the data is real)',
    );
    const c = new DecodeBudget({ maxElements: 100, maxDecodedBytes: 10 });
    c.charge(1, 6);
    c.charge(1, 4);
    expect(() => c.charge(0, 1)).toThrow(
      'arrays decode to more than the limit of 10 bytes (raise maxDecodedBytes / MLDUCK_PICKLE_MAX_DECODED_BYTES if the data is real)',
    );
  });

  it('counts at least 8 bytes a number and 32 bytes plus the item a string or bytes element', () => {
    const fits = (code: string, n: number, bytesLimit: number) => {
      const d = dt(code);
      const b = new DecodeBudget({ maxElements: 100, maxDecodedBytes: bytesLimit });
      try {
        columnFromBytes(new Uint8Array(n * d.itemsize), d, n, b);
        return true;
      } catch {
        return false;
      }
    };
    expect([fits('i1', 3, 24), fits('i1', 3, 23)]).toEqual([true, false]); // max(1, 8) × 3
    expect([fits('c16', 2, 32), fits('c16', 2, 31)]).toEqual([true, false]); // 16 × 2
    expect([fits('S3', 2, 70), fits('S3', 2, 69)]).toEqual([true, false]); // (32 + 3) × 2
    expect([fits('U1', 2, 72), fits('U1', 2, 71)]).toEqual([true, false]); // (32 + 4) × 2
  });

  it('charges object arrays 32 bytes an element before lowering them', () => {
    const arr = objects([2], ['a', 'b']);
    expect(lowered(arr, { maxDecodedBytes: 64 })).toEqual({
      $ndarray: { dtype: 'object', shape: [2], data: ['a', 'b'] },
    });
    expect(refusal(objects([2], ['a', 'b']), { maxDecodedBytes: 63 }).message).toMatch(
      /more than the limit of 63 bytes/,
    );
    expect(refusal(objects([3], ['a', 'b', 'c']), { maxElements: 2 }).message).toMatch(/limit of 2 elements/);
  });
});

describe('numpy arrays (_reconstruct + BUILD)', () => {
  it('reorder a Fortran-order array into C order, in 2 and 3 dimensions', () => {
    // [[0, 1, 2], [3, 4, 5]] stored column-major: 0 3 1 4 2 5
    expect(lowered(ndarray(dtype('i8'), [2, 3], i64(0, 3, 1, 4, 2, 5), true))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2, 3], data: [0, 1, 2, 3, 4, 5] },
    });
    // True may be pickled as the int 1
    expect(lowered(ndarray(dtype('i8'), [2, 2], i64(0, 2, 1, 3), 1n))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2, 2], data: [0, 1, 2, 3] },
    });
    // shape (2, 2, 2), element [i][j][k] = 4i + 2j + k, stored with i fastest
    const fortran3 = [0, 4, 2, 6, 1, 5, 3, 7];
    expect(lowered(ndarray(dtype('i8'), [2, 2, 2], i64(...fortran3), true))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2, 2, 2], data: [0, 1, 2, 3, 4, 5, 6, 7] },
    });
    // a 1-D Fortran array and an empty 2-D one are already in order
    expect(lowered(ndarray(dtype('i8'), [3], i64(7, 8, 9), true))).toEqual({
      $ndarray: { dtype: 'int64', shape: [3], data: [7, 8, 9] },
    });
    expect(lowered(ndarray(dtype('i8'), [0, 3], [], true))).toEqual({
      $ndarray: { dtype: 'int64', shape: [0, 3], data: [] },
    });
  });

  it('reorder Fortran object and float arrays the same way', () => {
    expect(lowered(objects([2, 2], ['a', 'c', 'b', 'd'], true))).toEqual({
      $ndarray: { dtype: 'object', shape: [2, 2], data: ['a', 'b', 'c', 'd'] },
    });
    expect(lowered(ndarray(dtype('f8'), [2, 2], f64(0.5, 2.5, 1.5, 3.5), true))).toEqual({
      $ndarray: { dtype: 'float64', shape: [2, 2], data: [0.5, 1.5, 2.5, 3.5] },
    });
  });

  it('accept the 4-item state (no version) and refuse others', () => {
    const four = reconstruct(tuple(tuple(1n), dtype('i8'), false, bytes(i64(9))));
    expect(lowered(four)).toEqual({ $ndarray: { dtype: 'int64', shape: [1], data: [9] } });
    expect(refusal(reconstruct(tuple(1n, tuple(1n), dtype('i8')))).message).toBe(
      '$: numpy array state has 3 items, expected 4 or 5',
    );
    expect(refusal(reconstruct(undefined)).message).toBe('$: numpy array without state');
    const badShape = reconstruct(tuple(1n, bytes([1]), dtype('i8'), false, bytes(i64(9))));
    expect(refusal(badShape).message).toBe('$: numpy array: shape must be a tuple');
  });

  it('refuse an object array whose list does not match the shape, and raw data that is not bytes', () => {
    expect(refusal(objects([3], ['a', 'b'])).message).toBe(
      '$: numpy array: 2 elements do not match array size 3',
    );
    const notList = reconstruct(tuple(1n, tuple(1n), dtype('O8', '|'), false, bytes(i64(1))));
    expect(refusal(notList).message).toBe('$: object numpy array: expected a list of elements');
    const notBytes = reconstruct(tuple(1n, tuple(1n), dtype('i8'), false, 'x'));
    expect(refusal(notBytes).message).toBe('$: numpy array data must be bytes, got str');
  });

  it('lower each element of an object array at its own path', () => {
    expect(refusal(objects([2], ['a', global('os.system')])).message).toBe(
      '$[1]: global os.system cannot be used as data',
    );
  });
});

describe('numpy arrays (_frombuffer, protocol 5)', () => {
  const frombuffer = (data: number[], shape: number[], order?: unknown, axes?: unknown) =>
    call('numpy._core.numeric._frombuffer', [
      bytes(data),
      dtype('i8'),
      tuple(...shape.map(BigInt)),
      ...(order === undefined ? [] : [order as string]),
      ...(axes === undefined ? [] : [axes as never]),
    ]);

  it("read C order by default and 'F' order column-major", () => {
    expect(lowered(frombuffer(i64(0, 1, 2, 3, 4, 5), [2, 3]))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2, 3], data: [0, 1, 2, 3, 4, 5] },
    });
    expect(lowered(frombuffer(i64(0, 1, 2, 3, 4, 5), [2, 3], 'C'))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2, 3], data: [0, 1, 2, 3, 4, 5] },
    });
    expect(lowered(frombuffer(i64(0, 3, 1, 4, 2, 5), [2, 3], 'F'))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2, 3], data: [0, 1, 2, 3, 4, 5] },
    });
    expect(lowered(frombuffer(i64(4, 5), [2], 'F'))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2], data: [4, 5] },
    });
  });

  it("read 'K' order through axis_order (a tuple or list), and refuse it without one", () => {
    // reshape((2, 3)).transpose((1, 0))
    expect(lowered(frombuffer(i64(0, 1, 2, 3, 4, 5), [2, 3], 'K', tuple(1n, 0n)))).toEqual({
      $ndarray: { dtype: 'int64', shape: [3, 2], data: [0, 3, 1, 4, 2, 5] },
    });
    // identity permutation: unchanged
    expect(lowered(frombuffer(i64(0, 1, 2, 3, 4, 5), [2, 3], 'K', tuple(0n, 1n)))).toEqual({
      $ndarray: { dtype: 'int64', shape: [2, 3], data: [0, 1, 2, 3, 4, 5] },
    });
    // (2, 1, 3) transposed by (2, 0, 1) → shape (3, 2, 1); element [k][i][0] = 3i + k
    expect(lowered(frombuffer(i64(0, 1, 2, 3, 4, 5), [2, 1, 3], 'K', tuple(2n, 0n, 1n)))).toEqual({
      $ndarray: { dtype: 'int64', shape: [3, 2, 1], data: [0, 3, 1, 4, 2, 5] },
    });
    expect(refusal(frombuffer(i64(0, 1), [2], 'K')).message).toBe("$: _frombuffer 'K' needs axis_order");
    expect(refusal(frombuffer(i64(0, 1), [2], 'K', tuple(0n, 1n))).message).toBe(
      '$: _frombuffer axis_order is not a permutation of the axes',
    );
    expect(refusal(frombuffer(i64(0, 1), [1, 2], 'K', tuple(1n, 1n))).message).toMatch(/not a permutation/);
    expect(refusal(frombuffer(i64(0, 1), [2], 'A')).message).toBe("$: _frombuffer: unknown order 'A'");
    const noBuffer = call('numpy._core.numeric._frombuffer', ['x', dtype('i8'), tuple(1n)]);
    expect(refusal(noBuffer).message).toBe('$: _frombuffer: expected a buffer');
  });
});

describe('numpy scalars', () => {
  const scalar = (d: unknown, raw?: unknown) =>
    call('numpy._core.multiarray.scalar', raw === undefined ? [d as never] : [d as never, raw as never]);
  it('decode the raw bytes of one element, or lower the object of an object scalar', () => {
    expect(lowered(scalar(dtype('i8'), bytes(i64(-4))))).toBe(-4);
    expect(lowered(scalar(dtype('f8'), bytes(f64(0.25))))).toBe(0.25);
    expect(lowered(scalar(dtype('b1', '|'), bytes([1])))).toBe(true);
    expect(lowered(scalar(dtype('O8', '|'), tuple('a', 1n)))).toEqual({ $tuple: ['a', 1] });
    expect(lowered(scalar(dtype('O8', '|')))).toBe(null);
    expect(refusal(scalar(dtype('i8'), 'x')).message).toBe('$: numpy scalar: expected raw bytes');
    expect(refusal(scalar('i8', bytes(i64(1)))).message).toBe('$: expected a numpy dtype, got str');
    // another call with a type code as its first argument is not a dtype
    expect(refusal(scalar(call('builtins.str', ['i8']), bytes(i64(1)))).message).toBe(
      '$: expected a numpy dtype, got builtins.str(…)',
    );
  });
});

describe('permuting and reading cells of every column kind', () => {
  const order = Int32Array.from([2, 0, 1]);
  const col = (data: Column['data']): Column => ({ dtype: 'x', data, length: 3 });
  const permuted = (data: Column['data']) => cells(col(permuteData(data, order)));

  it('move every kind of value, keeping the typed-array type and the extra fields', () => {
    expect(permuted({ kind: 'float', values: Float32Array.from([0.5, 1.5, 2.5]) })).toEqual([2.5, 0.5, 1.5]);
    const ints = permuteData({ kind: 'int', values: Int16Array.from([1, 2, 3]) }, order);
    expect(ints.kind === 'int' && ints.values).toBeInstanceOf(Int16Array);
    expect(cells(col(ints))).toEqual([3, 1, 2]);
    expect(permuted({ kind: 'bool', values: Uint8Array.from([1, 0, 0]) })).toEqual([false, true, false]);
    expect(
      permuted({ kind: 'datetime', values: BigInt64Array.from([1n, 2n, 3n]), unit: 's', tz: null }),
    ).toEqual([
      { $datetime64: '3', unit: 's' },
      { $datetime64: '1', unit: 's' },
      { $datetime64: '2', unit: 's' },
    ]);
    expect(permuted({ kind: 'timedelta', values: BigInt64Array.from([1n, 2n, 3n]), unit: 'D' })).toEqual([
      { $timedelta64: '3', unit: 'D' },
      { $timedelta64: '1', unit: 'D' },
      { $timedelta64: '2', unit: 'D' },
    ]);
    expect(permuted({ kind: 'complex', values: Float64Array.from([1, 2, 3, 4, 5, 6]) })).toEqual([
      { $complex: [5, 6] },
      { $complex: [1, 2] },
      { $complex: [3, 4] },
    ]);
    expect(permuted({ kind: 'object', values: ['a', 'b', 'c'], strings: true })).toEqual(['c', 'a', 'b']);
    const categories: Column = { dtype: 'object', data: { kind: 'object', values: ['x', 'y'] }, length: 2 };
    expect(
      permuted({ kind: 'category', codes: Int32Array.from([0, 1, -1]), categories, ordered: false }),
    ).toEqual([{ $float: 'nan' }, 'x', 'y']);
  });

  it('read a masked cell as NA whatever its value', () => {
    const masked = col({ kind: 'int', values: Int8Array.from([1, 2, 3]), mask: Uint8Array.from([0, 1, 0]) });
    expect(cells(masked)).toEqual([1, { $na: null }, 3]);
    expect(cellOf(masked, 0)).toBe(1n);
  });
});
