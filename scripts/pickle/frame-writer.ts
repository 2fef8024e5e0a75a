/**
 * Writes a pandas DataFrame pickle (protocol 5, the `df.to_pickle` default) byte for byte in the layout
 * pandas 1.5 / numpy 1.x produce (pickle-format.md §2.2, §2.4): NEWOBJ DataFrame + BUILD state with a
 * REDUCE BlockManager of `_unpickle_block`s; numeric blocks as `_frombuffer(BYTEARRAY8, dtype, shape, 'C')`,
 * the string column as an object `_reconstruct` array whose list is APPENDS-batched by 1,000 with every
 * string memoized. Used by bench/pickle.bench.ts to build a ~40 MB input without Python; the generator
 * check (`--check`) is confirmed by loading the output with real pandas at development time.
 */

class Out {
  private chunks: Buffer[] = [];
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(1 << 20, n));
    this.pos = 0;
  }
  raw(bytes: Uint8Array | string): this {
    const b = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    if (b.length < 256) this.raw(new Uint8Array([0x8c, b.length]));
    else {
      const h = Buffer.alloc(5);
      h[0] = 0x58;
      h.writeUInt32LE(b.length, 1);
      this.raw(h);
    }
    return this.raw(b).memoize();
  }
  memoize(): this {
    return this.raw('\x94');
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(new Uint8Array([0x4b, n]));
    const h = Buffer.alloc(5);
    h[0] = 0x4a;
    h.writeInt32LE(n, 1);
    return this.raw(h);
  }
  global(module: string, name: string): this {
    return this.str(module).str(name).raw('\x93').memoize();
  }
  bytearray8(data: Uint8Array): this {
    const h = Buffer.alloc(9);
    h[0] = 0x96;
    h.writeBigUInt64LE(BigInt(data.length), 1);
    return this.raw(h).raw(data).memoize();
  }
  done(): Buffer {
    this.chunks.push(this.buf.subarray(0, this.pos));
    return Buffer.concat(this.chunks);
  }
}

function dtype(out: Out, code: string, byteorder: string, flags: number): void {
  out.global('numpy', 'dtype').str(code).raw('\x89\x88\x87').memoize().raw('R').memoize();
  out.raw('(').int(3).str(byteorder).raw('NNN').int(-1).int(-1).int(flags).raw('t').memoize().raw('b');
}

function objectArray(out: Out, items: readonly string[], shape: number[]): void {
  out.global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray');
  out
    .int(0)
    .raw('\x85')
    .memoize()
    .raw(new Uint8Array([0x43, 1, 0x62]))
    .memoize()
    .raw('\x87')
    .memoize()
    .raw('R')
    .memoize();
  out.raw('(').int(1);
  for (const d of shape) out.int(d);
  out.raw(shape.length === 1 ? '\x85' : '\x86').memoize();
  dtype(out, 'O8', '|', 63);
  out.raw('\x89]').memoize();
  for (let i = 0; i < items.length; i += 1000) {
    out.raw('(');
    for (const s of items.slice(i, i + 1000)) out.str(s);
    out.raw('e');
  }
  out.raw('t').memoize().raw('b');
}

export interface NumericBlock {
  /** numpy type code: f8 or i8. */
  code: 'f8' | 'i8';
  /** One array per column, all of the frame's length. */
  columns: (Float64Array | BigInt64Array)[];
}

/** Pickles DataFrame({names...}) whose columns are numeric blocks then one string column. */
export function writeFramePickle(
  names: readonly string[],
  blocks: readonly NumericBlock[],
  strings: readonly string[] | null,
  rows: number,
): Buffer {
  const out = new Out();
  out.raw('\x80\x05');
  out
    .global('pandas.core.frame', 'DataFrame')
    .raw(')')
    .memoize()
    .raw('\x81')
    .memoize()
    .raw('}')
    .memoize()
    .raw('(');
  out.str('_mgr').global('pandas.core.internals.managers', 'BlockManager').raw('(');
  let placement = 0;
  for (const block of blocks) {
    const k = block.columns.length;
    const data = new Uint8Array(k * rows * 8);
    block.columns.forEach((c, i) => {
      data.set(new Uint8Array(c.buffer, c.byteOffset, rows * 8), i * rows * 8);
    });
    out.global('pandas._libs.internals', '_unpickle_block');
    out.global('numpy.core.numeric', '_frombuffer').raw('(').bytearray8(data);
    dtype(out, block.code, '<', 0);
    out.int(k).int(rows).raw('\x86').memoize().str('C').raw('t').memoize().raw('R').memoize();
    out
      .global('builtins', 'slice')
      .int(placement)
      .int(placement + k)
      .int(1)
      .raw('\x87')
      .memoize()
      .raw('R')
      .memoize();
    out.int(2).raw('\x87').memoize().raw('R').memoize();
    placement += k;
  }
  if (strings) {
    out.global('pandas._libs.internals', '_unpickle_block');
    objectArray(out, strings, [1, rows]);
    out
      .global('builtins', 'slice')
      .int(placement)
      .int(placement + 1)
      .int(1)
      .raw('\x87')
      .memoize()
      .raw('R')
      .memoize();
    out.int(2).raw('\x87').memoize().raw('R').memoize();
  }
  out.raw('t').memoize().raw(']').memoize().raw('(');
  out
    .global('pandas.core.indexes.base', '_new_Index')
    .global('pandas.core.indexes.base', 'Index')
    .raw('}')
    .memoize();
  out.raw('(').str('data');
  objectArray(out, names, [names.length]);
  out.str('name').raw('Nu\x86').memoize().raw('R').memoize();
  out
    .global('pandas.core.indexes.base', '_new_Index')
    .global('pandas.core.indexes.range', 'RangeIndex')
    .raw('}')
    .memoize();
  out
    .raw('(')
    .str('name')
    .raw('N')
    .str('start')
    .int(0)
    .str('stop')
    .int(rows)
    .str('step')
    .int(1)
    .raw('u\x86')
    .memoize();
  out.raw('R').memoize().raw('e\x86').memoize().raw('R').memoize();
  out.str('_typ').str('dataframe').str('_metadata').raw(']').memoize().str('attrs').raw('}').memoize();
  out.str('_flags').raw('}').memoize().str('allows_duplicate_labels').raw('\x88su').raw('b.');
  return out.done();
}

/** A frame of `rows` rows: 4 float64 + 1 int64 columns, plus a string column when `withStrings`. */
export function benchFrame(rows: number, withStrings: boolean): Buffer {
  const floats = Array.from({ length: 4 }, (_, c) =>
    Float64Array.from({ length: rows }, (_, i) => i * 0.5 + c),
  );
  const ints = [BigInt64Array.from({ length: rows }, (_, i) => BigInt(i))];
  const names = ['a', 'b', 'c', 'd', 'step'];
  const strings = withStrings ? Array.from({ length: rows }, (_, i) => `run-${i.toString(36)}`) : null;
  if (strings) names.push('run_id');
  return writeFramePickle(
    names,
    [
      { code: 'f8', columns: floats },
      { code: 'i8', columns: ints },
    ],
    strings,
    rows,
  );
}

if (process.argv[1]?.endsWith('frame-writer.ts') && process.argv[2]) {
  // development check: `tsx scripts/pickle/frame-writer.ts out.pkl` then pd.read_pickle(out.pkl)
  const { writeFileSync } = await import('node:fs');
  writeFileSync(process.argv[2], benchFrame(2500, true));
}
