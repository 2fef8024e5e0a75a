/**
 * Packing documents (already tokenized, EOS included) into rows of exactly `maxSeqLength` tokens.
 * Pure: no I/O. A row carries its real tokens first, then padding; `docLengths` are the lengths of the
 * document pieces in the row (their sum is the number of real tokens), so trainers can keep attention
 * within documents.
 */

export type PackingStrategy = 'concat' | 'bfd';
export const PACKING_STRATEGIES: readonly PackingStrategy[] = ['concat', 'bfd'];

export interface PackedRow {
  /** Exactly maxSeqLength ids: `realLength` real tokens, then pad ids. */
  readonly ids: Int32Array;
  readonly realLength: number;
  readonly docLengths: readonly number[];
}

export interface PackerCounters {
  /** Documents whose tokens landed in more than one row. */
  documentsSplit: number;
  rows: number;
  realTokens: number;
  padTokens: number;
}

export interface Packer {
  /** Adds one document's ids (a view is fine: they are copied); emits the rows that became complete. */
  add(ids: Int32Array, emit: (row: PackedRow) => void): void;
  /** Flushes what is left (the last rows, padded). */
  finish(emit: (row: PackedRow) => void): void;
  readonly counters: PackerCounters;
}

function newCounters(): PackerCounters {
  return { documentsSplit: 0, rows: 0, realTokens: 0, padTokens: 0 };
}

/**
 * `concat`: documents concatenated in order and cut into rows of exactly L; only the very last row is
 * partial, padded with the pad id.
 */
export class ConcatPacker implements Packer {
  readonly counters = newCounters();
  private row: Int32Array;
  private fill = 0;
  private docLengths: number[] = [];

  constructor(
    private readonly maxSeqLength: number,
    private readonly padId: number,
  ) {
    this.row = new Int32Array(maxSeqLength);
  }

  add(ids: Int32Array, emit: (row: PackedRow) => void): void {
    let at = 0;
    let pieces = 0;
    while (at < ids.length) {
      const take = Math.min(this.maxSeqLength - this.fill, ids.length - at);
      this.row.set(ids.subarray(at, at + take), this.fill);
      this.fill += take;
      at += take;
      this.docLengths.push(take);
      pieces++;
      if (this.fill === this.maxSeqLength) this.flushRow(emit);
    }
    if (pieces > 1) this.counters.documentsSplit++;
  }

  private flushRow(emit: (row: PackedRow) => void): void {
    const realLength = this.fill;
    this.row.fill(this.padId, realLength);
    this.counters.rows++;
    this.counters.realTokens += realLength;
    this.counters.padTokens += this.maxSeqLength - realLength;
    emit({ ids: this.row, realLength, docLengths: this.docLengths });
    this.row = new Int32Array(this.maxSeqLength);
    this.fill = 0;
    this.docLengths = [];
  }

  finish(emit: (row: PackedRow) => void): void {
    if (this.fill > 0) this.flushRow(emit);
  }
}

/**
 * Finds, among bins keyed by remaining capacity 0…L, the smallest capacity ≥ n that has a bin: a
 * segment tree of counts, so best-fit is O(log L) per piece (TRL's bfd uses the same structure).
 */
class CapacityIndex {
  private readonly size: number;
  private readonly tree: Int32Array;
  private readonly bins: number[][];

  constructor(maxCapacity: number) {
    let size = 1;
    while (size < maxCapacity + 1) size <<= 1;
    this.size = size;
    this.tree = new Int32Array(2 * size);
    this.bins = Array.from({ length: maxCapacity + 1 }, () => []);
  }

  insert(capacity: number, bin: number): void {
    this.bins[capacity]!.push(bin);
    for (let i = capacity + this.size; i >= 1; i >>= 1) this.tree[i]!++;
  }

  /** Removes and returns the bin with the smallest capacity ≥ n (the earliest such bin), or null. */
  takeBestFit(n: number): { bin: number; capacity: number } | null {
    const capacity = this.firstAtLeast(n);
    if (capacity < 0) return null;
    const list = this.bins[capacity]!;
    const bin = list.shift()!;
    for (let i = capacity + this.size; i >= 1; i >>= 1) this.tree[i]!--;
    return { bin, capacity };
  }

  private firstAtLeast(n: number): number {
    // Walk the tree: the leftmost non-empty leaf in [n, size).
    const search = (node: number, lo: number, hi: number): number => {
      if (hi < n || this.tree[node] === 0) return -1;
      if (lo === hi) return lo;
      const mid = (lo + hi) >> 1;
      const left = search(2 * node, lo, mid);
      return left >= 0 ? left : search(2 * node + 1, mid + 1, hi);
    };
    return search(1, 0, this.size - 1);
  }
}

/**
 * `bfd`: best-fit-decreasing packing of whole documents. Documents longer than L are split into full
 * rows of L plus a remainder piece; shorter documents are never split. To keep memory flat the packing
 * runs over consecutive windows of documents (`windowTokens` tokens each), deterministically: pieces
 * sorted by length (longest first, ties in input order), each put in the fullest bin it fits, bins
 * emitted in the order they were opened, pieces within a bin in the order they were placed.
 */
export class BfdPacker implements Packer {
  readonly counters = newCounters();
  private pieces: Int32Array[] = [];
  private pendingTokens = 0;

  constructor(
    private readonly maxSeqLength: number,
    private readonly padId: number,
    private readonly windowTokens: number = Math.max(maxSeqLength * 256, 1 << 20),
  ) {}

  add(ids: Int32Array, emit: (row: PackedRow) => void): void {
    const L = this.maxSeqLength;
    if (ids.length > L) this.counters.documentsSplit++;
    let at = 0;
    while (ids.length - at >= L) {
      // A full piece is a row on its own: no packing decision to make.
      this.emitRow([ids.slice(at, at + L)], emit);
      at += L;
    }
    if (at < ids.length) {
      this.pieces.push(ids.slice(at));
      this.pendingTokens += ids.length - at;
    }
    if (this.pendingTokens >= this.windowTokens) this.packWindow(emit);
  }

  finish(emit: (row: PackedRow) => void): void {
    this.packWindow(emit);
  }

  private packWindow(emit: (row: PackedRow) => void): void {
    if (this.pieces.length === 0) return;
    const L = this.maxSeqLength;
    const order = this.pieces.map((_, i) => i);
    order.sort((a, b) => this.pieces[b]!.length - this.pieces[a]!.length || a - b);
    const bins: number[][] = [];
    const index = new CapacityIndex(L);
    for (const p of order) {
      const n = this.pieces[p]!.length;
      const fit = index.takeBestFit(n);
      if (fit) {
        bins[fit.bin]!.push(p);
        index.insert(fit.capacity - n, fit.bin);
      } else {
        bins.push([p]);
        index.insert(L - n, bins.length - 1);
      }
    }
    for (const bin of bins)
      this.emitRow(
        bin.map((p) => this.pieces[p]!),
        emit,
      );
    this.pieces = [];
    this.pendingTokens = 0;
  }

  private emitRow(pieces: Int32Array[], emit: (row: PackedRow) => void): void {
    const row = new Int32Array(this.maxSeqLength);
    let fill = 0;
    const docLengths: number[] = [];
    for (const piece of pieces) {
      row.set(piece, fill);
      fill += piece.length;
      docLengths.push(piece.length);
    }
    row.fill(this.padId, fill);
    this.counters.rows++;
    this.counters.realTokens += fill;
    this.counters.padTokens += this.maxSeqLength - fill;
    emit({ ids: row, realLength: fill, docLengths });
  }
}

export function createPacker(strategy: PackingStrategy, maxSeqLength: number, padId: number): Packer {
  return strategy === 'bfd' ? new BfdPacker(maxSeqLength, padId) : new ConcatPacker(maxSeqLength, padId);
}

/** The label of a position the loss ignores (padding), as Hugging Face trainers expect. */
export const IGNORE_INDEX = -100;
