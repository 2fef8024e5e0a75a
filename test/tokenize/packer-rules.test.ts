import { describe, expect, it } from 'vitest';
import { BfdPacker, ConcatPacker, createPacker, type PackedRow } from '../../ingest/tokenize/packer.ts';

const PAD = -1;
/** A document of n tokens whose ids say which document they belong to (doc k → ids 1000k+1…). */
function doc(k: number, n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => 1000 * k + i + 1);
}
/** The documents of a row as `k:length` pieces, in row order. */
function pieces(row: PackedRow): string[] {
  const out: string[] = [];
  let at = 0;
  for (const n of row.docLengths) {
    out.push(`${Math.floor((row.ids[at]! - 1) / 1000)}:${n}`);
    at += n;
  }
  return out;
}

describe('a document of exactly L tokens', () => {
  it('is one full row of its own and not split, by either packer', () => {
    for (const packer of [new BfdPacker(8, PAD), new ConcatPacker(8, PAD)]) {
      const rows: PackedRow[] = [];
      packer.add(doc(1, 8), (r) => rows.push(r));
      // Emitted at once: a full row needs no packing decision.
      expect(rows.map(pieces)).toEqual([['1:8']]);
      packer.finish((r) => rows.push(r));
      expect(rows).toHaveLength(1);
      expect(Array.from(rows[0]!.ids)).toEqual(Array.from(doc(1, 8)));
      expect(packer.counters).toEqual({ documentsSplit: 0, rows: 1, realTokens: 8, padTokens: 0 });
    }
  });

  it('one token longer is split, into a full row and a one-token remainder', () => {
    const packer = new BfdPacker(8, PAD);
    const rows: PackedRow[] = [];
    packer.add(doc(1, 9), (r) => rows.push(r));
    packer.finish((r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([['1:8'], ['1:1']]);
    expect(packer.counters).toEqual({ documentsSplit: 1, rows: 2, realTokens: 9, padTokens: 7 });
    expect(Array.from(rows[1]!.ids)).toEqual([1009, PAD, PAD, PAD, PAD, PAD, PAD, PAD]);
  });

  it('several multiples of L make full rows only', () => {
    const packer = new BfdPacker(4, PAD);
    const rows: PackedRow[] = [];
    packer.add(doc(1, 12), (r) => rows.push(r));
    packer.finish((r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([['1:4'], ['1:4'], ['1:4']]);
    expect(packer.counters.documentsSplit).toBe(1);
  });
});

describe('best-fit-decreasing', () => {
  it('puts each piece, longest first, into the fullest bin it fits, ties in input order', () => {
    // Sorted: 8(d8) 7(d4) 6(d1) 5(d6) 4(d3) 3(d2) 2(d5) 1(d7). The 4 takes the bin with room 4 (the 6's),
    // the 3 the bin with room 3 (the 7's), the 2 the 8's, the 1 the only room left (the 5's).
    const lengths = [6, 3, 4, 7, 2, 5, 1, 8];
    const rows: PackedRow[] = [];
    const packer = new BfdPacker(10, PAD);
    for (const [k, n] of lengths.entries()) packer.add(doc(k + 1, n), (r) => rows.push(r));
    expect(rows).toEqual([]);
    packer.finish((r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([
      ['8:8', '5:2'],
      ['4:7', '2:3'],
      ['1:6', '3:4'],
      ['6:5', '7:1'],
    ]);
    expect(rows.map((r) => r.realLength)).toEqual([10, 10, 10, 6]);
    expect(Array.from(rows[3]!.ids.subarray(6))).toEqual([PAD, PAD, PAD, PAD]);
  });

  it('breaks ties between equal pieces and equal bins by order', () => {
    const rows: PackedRow[] = [];
    const packer = new BfdPacker(6, PAD);
    for (const [k, n] of [3, 3, 3, 3, 2].entries()) packer.add(doc(k + 1, n), (r) => rows.push(r));
    packer.finish((r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([['1:3', '2:3'], ['3:3', '4:3'], ['5:2']]);
  });

  it('prefers the exact fit over an earlier roomier bin', () => {
    const rows: PackedRow[] = [];
    const packer = new BfdPacker(10, PAD);
    for (const [k, n] of [5, 7, 3].entries()) packer.add(doc(k + 1, n), (r) => rows.push(r));
    packer.finish((r) => rows.push(r));
    // 7 opens bin 0 (room 3), 5 opens bin 1 (room 5); the 3 fits bin 0 exactly.
    expect(rows.map(pieces)).toEqual([['2:7', '3:3'], ['1:5']]);
  });
});

describe('bfd windows', () => {
  it('pack as soon as the pending tokens reach the window, never holding back more', () => {
    const L = 8;
    const window = 16;
    const packer = new BfdPacker(L, PAD, window);
    const docs = Array.from({ length: 120 }, (_, k) => doc(k + 1, 1 + ((k * 37) % 11)));
    let added = 0;
    let emitted = 0;
    let maxPending = 0;
    const rows: PackedRow[] = [];
    for (const d of docs) {
      packer.add(d, (r) => {
        rows.push(r);
        emitted += r.realLength;
      });
      added += d.length;
      maxPending = Math.max(maxPending, added - emitted);
      expect(added - emitted).toBeLessThan(window);
    }
    expect(maxPending).toBeGreaterThan(window / 2);
    packer.finish((r) => {
      rows.push(r);
      emitted += r.realLength;
    });
    expect(emitted).toBe(added);
    // No row mixes documents of two windows (a window ends when its pending remainders reach 16 tokens).
    const windowOf = new Map<number, number>();
    let pending = 0;
    let w = 0;
    for (const [k, d] of docs.entries()) {
      windowOf.set(k + 1, w);
      pending += d.length % L === 0 && d.length > 0 ? 0 : d.length % L;
      if (pending >= window) {
        w++;
        pending = 0;
      }
    }
    for (const r of rows) {
      const ws = new Set(pieces(r).map((p) => windowOf.get(Number(p.split(':')[0]))));
      expect(ws.size, pieces(r).join(' ')).toBe(1);
    }
  });

  it('flush exactly at the window size', () => {
    const rows: PackedRow[] = [];
    const packer = new BfdPacker(8, PAD, 8);
    packer.add(doc(1, 4), (r) => rows.push(r));
    expect(rows).toEqual([]);
    packer.add(doc(2, 4), (r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([['1:4', '2:4']]);
  });
});

describe('bfd edge cases', () => {
  it('a bin with room for all but one token is found again (L not a power of two)', () => {
    // L = 9: a 1-token piece leaves room 8, the largest room there is; the next 1-token piece must find it.
    const rows: PackedRow[] = [];
    const packer = new BfdPacker(9, PAD);
    for (const k of [1, 2]) packer.add(doc(k, 1), (r) => rows.push(r));
    packer.finish((r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([['1:1', '2:1']]);
  });

  it('only the remainder of a split document counts toward the window', () => {
    // L = 8, window 16: a 9-token document leaves 1 pending token, not 9 + 8.
    const rows: PackedRow[] = [];
    const packer = new BfdPacker(8, PAD, 16);
    packer.add(doc(1, 9), (r) => rows.push(r));
    packer.add(doc(2, 7), (r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([['1:8']]);
    packer.finish((r) => rows.push(r));
    expect(rows.map(pieces)).toEqual([['1:8'], ['2:7', '1:1']]);
  });

  it('keeps the input order among many equal pieces', () => {
    const rows: PackedRow[] = [];
    const packer = new BfdPacker(6, PAD);
    for (let k = 1; k <= 100; k++) packer.add(doc(k, 3), (r) => rows.push(r));
    packer.finish((r) => rows.push(r));
    expect(rows.map(pieces)).toEqual(
      Array.from({ length: 50 }, (_, i) => [`${2 * i + 1}:3`, `${2 * i + 2}:3`]),
    );
  });

  it('the default window is 256 rows, and at least 2^20 tokens', () => {
    // L = 8192: the window is 2^21 tokens, so 1.5M tokens of short documents stay pending until finish.
    const big = new BfdPacker(8192, PAD);
    let emitted = 0;
    for (let k = 0; k < 200; k++) big.add(new Int32Array(7500).fill(k + 1), () => emitted++);
    expect(emitted).toBe(0);
    // L = 8: 256 rows would be 2048 tokens, but the window is 2^20.
    const small = createPacker('bfd', 8, PAD);
    for (let k = 0; k < 1000; k++) small.add(doc(k, 7), () => emitted++);
    expect(emitted).toBe(0);
    const wide = new BfdPacker(8192, PAD);
    for (let k = 0; k < 300; k++) wide.add(new Int32Array(7500).fill(k + 1), () => emitted++);
    expect(emitted).toBeGreaterThan(0);
  });
});

describe('createPacker', () => {
  it('builds the strategy asked for', () => {
    expect(createPacker('bfd', 8, PAD)).toBeInstanceOf(BfdPacker);
    expect(createPacker('concat', 8, PAD)).toBeInstanceOf(ConcatPacker);
  });
});
