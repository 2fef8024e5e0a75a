/** max(model vocabulary entries, highest added-token id + 1), from a parsed tokenizer.json. */
export declare function jsonVocabSize(json: Record<string, unknown>): number;
