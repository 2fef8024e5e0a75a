import type { FastPlan } from './fast-plan.ts';

export const FAST_CACHE_ENTRIES: number;

/** The pre-tokens of a text as the fast path sees them (added tokens as their content). */
export function fastPieces(plan: FastPlan, text: string): string[];

/** What the fast path needs of the Rust tokenizer (the `tokenizers` binding). */
export interface FastRustTokenizer {
  encodeBatch(texts: string[], options?: { addSpecialTokens?: boolean }): Promise<{ getIds(): number[] }[]>;
  getPreTokenizer(): { preTokenizeString(text: string): [string, [number, number]][] } | null;
}

export class FastEncoder {
  constructor(plan: FastPlan, tokenizer: FastRustTokenizer, maxEntries?: number);
  /** pre-token → its id, or a code for several ids / not cacheable (its size is what tests look at). */
  readonly cache: Map<string, number>;
  /** Documents encoded whole by Rust (a piece Rust would split differently, or a lone surrogate). */
  readonly wholeDocuments: number;
  encode(
    texts: string[],
    eosId: number,
    templateAddsEos: boolean,
  ): Promise<{ ids: Int32Array; lengths: Int32Array }>;
}
