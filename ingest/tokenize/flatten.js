// Plain JavaScript so the native encoder threads (native-encode-worker.js), which start without the
// TypeScript loader, share it with encode.ts. Types: flatten.d.ts.

/**
 * Packs per-document id arrays into one flat batch, appending EOS unless the template already did.
 * @param {ArrayLike<number>[]} docs
 * @param {number} eosId
 * @param {boolean} templateAddsEos
 * @returns {{ ids: Int32Array, lengths: Int32Array }}
 */
export function flatten(docs, eosId, templateAddsEos) {
  const extra = templateAddsEos ? 0 : 1;
  let total = 0;
  for (const d of docs) total += d.length + extra;
  const ids = new Int32Array(total);
  const lengths = new Int32Array(docs.length);
  let at = 0;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i];
    ids.set(d, at);
    at += d.length;
    if (!templateAddsEos) ids[at++] = eosId;
    lengths[i] = d.length + extra;
  }
  return { ids, lengths };
}
