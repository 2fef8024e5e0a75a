// Layouts of numpy 2.x / pandas 2.x–3.x that pandas 1.5 cannot write, built here opcode by opcode from
// reference/pickle-format.md §2 (constructed, not produced by those libraries).
import { describe, expect, it } from 'vitest';
import { toCanonical } from '../../ingest/pickle/canonical.ts';
import { PickleError, readPickle } from '../../ingest/pickle/index.ts';
import { sbu } from './pickle-bytes.ts';

const enc = (s: string) => Buffer.from(s, 'latin1');
const g = (module: string, name: string) => Buffer.concat([sbu(module), sbu(name), enc('\x93')]);
const int = (n: number) => (n >= 0 && n < 256 ? Buffer.from([0x4b, n]) : Buffer.concat([enc('J'), int32(n)]));
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
};
const bytearray8 = (data: Buffer) => {
  const h = Buffer.alloc(9);
  h[0] = 0x96;
  h.writeBigUInt64LE(BigInt(data.length), 1);
  return Buffer.concat([h, data]);
};
/** numpy.dtype(code, False, True) + BUILD((3, order, None, None, None, -1, -1, flags)). */
const dtype = (code: string, order = '<', flags = 0) =>
  Buffer.concat([
    g('numpy', 'dtype'),
    sbu(code),
    enc('\x89\x88\x87R('),
    int(3),
    sbu(order),
    enc('NNN'),
    int(-1),
    int(-1),
    int(flags),
    enc('tb'),
  ]);
const pickle = (...parts: Buffer[]) => new Uint8Array(Buffer.concat([enc('\x80\x05'), ...parts, enc('.')]));

describe('numpy 2 / pandas 2–3 layouts', () => {
  it("numpy ≥ 2.3 _frombuffer with order 'K' and axis_order", () => {
    const data = Buffer.alloc(48);
    for (let i = 0; i < 6; i++) data.writeBigInt64LE(BigInt(i), i * 8);
    // frombuffer(buf).reshape((2, 3), 'C').transpose((1, 0)) → [[0, 3], [1, 4], [2, 5]]
    const p = pickle(
      g('numpy._core.numeric', '_frombuffer'),
      enc('('),
      bytearray8(data),
      dtype('i8'),
      int(2),
      int(3),
      enc('\x86'),
      sbu('K'),
      int(1),
      int(0),
      enc('\x86tR'),
    );
    expect(toCanonical(readPickle(p))).toEqual({
      $ndarray: { dtype: 'int64', shape: [3, 2], data: [0, 3, 1, 4, 2, 5] },
    });
    const bad = pickle(
      g('numpy._core.numeric', '_frombuffer'),
      enc('('),
      bytearray8(data),
      dtype('i8'),
      int(2),
      int(3),
      enc('\x86'),
      sbu('K'),
      int(0),
      int(0),
      enc('\x86tR'),
    );
    expect(() => readPickle(bad)).toThrow(/axis_order is not a permutation/);
  });

  it('pandas 3 zoneinfo time zones through the one allowed getattr pattern', () => {
    const zone = Buffer.concat([
      g('builtins', 'getattr'),
      g('zoneinfo', 'ZoneInfo'),
      sbu('_unpickle'),
      enc('\x86R'),
      sbu('US/Eastern'),
      int(1),
      enc('\x86R'),
    ]);
    const ts = pickle(
      g('pandas._libs.tslibs.timestamps', '_unpickle_timestamp'),
      enc('('),
      int(1_000_000),
      enc('N'),
      zone,
      int(8), // reso 8 = milliseconds (pandas 2 non-nanosecond Timestamp)
      enc('tR'),
    );
    expect(toCanonical(readPickle(ts))).toEqual({ $timestamp: '1000000000000', tz: 'US/Eastern' });
    const other = pickle(g('builtins', 'getattr'), g('zoneinfo', 'ZoneInfo'), sbu('__init__'), enc('\x86R'));
    expect(() => readPickle(other)).toThrow(/getattr is only allowed/);
  });

  it('pandas ≥ 2.3 StringDtype REDUCE and the pandas 3 two-item StringArray state', () => {
    const objects = Buffer.concat([
      g('numpy._core.multiarray', '_reconstruct'),
      g('numpy', 'ndarray'),
      int(0),
      enc('\x85'),
      Buffer.from([0x43, 1, 0x62]),
      enc('\x87R('),
      int(1),
      int(3),
      enc('\x85'),
      dtype('O8', '|', 63),
      enc('\x89]('),
      sbu('a'),
      enc('G'),
      Buffer.from([0x7f, 0xf8, 0, 0, 0, 0, 0, 0]), // NaN: pandas 3 string NA
      sbu('c'),
      enc('etb'),
    ]);
    const stringDtype = Buffer.concat([
      g('pandas', 'StringDtype'),
      sbu('python'),
      enc('G'),
      Buffer.from([0x7f, 0xf8, 0, 0, 0, 0, 0, 0]),
      enc('\x86R'),
    ]);
    const p = pickle(
      g('pandas._libs.arrays', '__pyx_unpickle_NDArrayBacked'),
      g('pandas.arrays', 'StringArray'),
      int(82904607),
      enc('N\x87R'),
      stringDtype,
      objects,
      enc('\x86b'),
    );
    expect(toCanonical(readPickle(p))).toEqual({
      $ndarray: { dtype: 'string', shape: [3], data: ['a', { $float: 'nan' }, 'c'] },
    });
  });

  it('refuses pyarrow objects outside the allowlist and sparse pandas data by name', () => {
    const arrow = pickle(g('pyarrow.lib', 'Table'));
    expect(() => readPickle(arrow)).toThrow(/this pyarrow object is not supported/);
    const sparse = pickle(g('pandas.core.arrays.sparse.array', 'SparseArray'));
    expect(() => readPickle(sparse)).toThrow(PickleError);
    expect(() => readPickle(sparse)).toThrow(/sparse data is not supported/);
  });
});
