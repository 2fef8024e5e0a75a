// Plain JavaScript so the encoder threads, which start without the TypeScript loader, share it with
// tokenizer.ts. Types: vocab.d.ts.

/**
 * A tokenizer's vocabulary size from its parsed tokenizer.json: max(model vocabulary entries, highest
 * added-token id + 1).
 * @param {Record<string, unknown>} json
 * @returns {number}
 */
export function jsonVocabSize(json) {
  const model = /** @type {{ vocab?: Record<string, number> | unknown[] } | undefined} */ (json.model);
  const baseVocab = model?.vocab ? Object.keys(model.vocab).length : 0;
  const added = Array.isArray(json.added_tokens) ? json.added_tokens : [];
  return Math.max(baseVocab, ...added.map((t) => t.id + 1));
}
