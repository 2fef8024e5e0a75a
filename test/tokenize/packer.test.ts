import { describe, expect, it } from 'vitest';
import { BfdPacker, ConcatPacker, type PackedRow } from '../../ingest/tokenize/packer.ts';

const PAD = 0;
/** A document of n tokens whose ids say which document they belong to (doc k → ids 1000k+1…). */
function doc(k: number, n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => 1000 * k + i + 1);
}

function pack(packer: ConcatPacker | BfdPacker, docs: Int32Array[]): PackedRow[] {
  const rows: PackedRow[] = [];
  for (const d of docs) packer.add(d, (r) => rows.push(r));
  packer.finish((r) => rows.push(r));
  return rows;
}

describe('concat packing', () => {
  it('concatenates in order, cuts rows of exactly L and pads only the last row', () => {
    const docs = [doc(1, 5), doc(2, 7), doc(3, 3), doc(4, 9)];
    const packer = new ConcatPacker(8, PAD);
    const rows = pack(packer, docs);
    expect(rows.map((r) => r.ids.length)).toEqual([8, 8, 8]);
    const flat = rows.flatMap((r) => Array.from(r.ids.subarray(0, r.realLength)));
    expect(flat).toEqual(docs.flatMap((d) => Array.from(d)));
    expect(rows.map((r) => r.docLengths)).toEqual([[5, 3], [4, 3, 1], [8]]);
  });

  it('records document pieces per row, summing to the real tokens', () => {
    const rows = pack(new ConcatPacker(8, PAD), [doc(1, 5), doc(2, 7), doc(3, 2)]);
    expect(rows.map((r) => r.docLengths)).toEqual([
      [5, 3],
      [4, 2],
    ]);
    expect(rows[1]!.realLength).toBe(6);
    expect(Array.from(rows[1]!.ids.subarray(6))).toEqual([PAD, PAD]);
  });

  it('counts split documents, real and pad tokens', () => {
    const packer = new ConcatPacker(4, PAD);
    pack(packer, [doc(1, 3), doc(2, 6)]);
    expect(packer.counters).toEqual({ documentsSplit: 1, rows: 3, realTokens: 9, padTokens: 3 });
  });
});

describe('bfd packing', () => {
  it('never splits a document shorter than L and packs best-fit-decreasing', () => {
    const L = 10;
    const lengths = [6, 3, 4, 7, 2, 5, 1, 8];
    const docs = lengths.map((n, k) => doc(k + 1, n));
    const rows = pack(new BfdPacker(L, PAD), docs);
    // Every document appears whole, contiguous, in exactly one row.
    for (const [k, d] of docs.entries()) {
      const holders = rows.filter((r) => Array.from(r.ids.subarray(0, r.realLength)).includes(d[0]!));
      expect(holders, `document ${k}`).toHaveLength(1);
      const ids = Array.from(holders[0]!.ids);
      const start = ids.indexOf(d[0]!);
      expect(ids.slice(start, start + d.length)).toEqual(Array.from(d));
    }
    // 36 tokens in rows of 10: BFD reaches the minimum of 4 rows here.
    expect(rows).toHaveLength(4);
    for (const r of rows) {
      expect(r.docLengths.reduce((a, b) => a + b, 0)).toBe(r.realLength);
      expect(r.ids).toHaveLength(L);
    }
  });

  it('splits a document longer than L into full rows plus a packed remainder', () => {
    const packer = new BfdPacker(4, PAD);
    const rows = pack(packer, [doc(1, 9), doc(2, 3)]);
    expect(packer.counters.documentsSplit).toBe(1);
    // The 1-token remainder joins the 3-token document: the best fit.
    expect(rows.map((r) => r.docLengths)).toEqual([[4], [4], [3, 1]]);
    expect(rows.map((r) => r.realLength)).toEqual([4, 4, 4]);
  });
});
