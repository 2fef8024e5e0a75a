/** Packs per-document id arrays into one flat batch, appending EOS unless the template already did. */
export function flatten(
  docs: ArrayLike<number>[],
  eosId: number,
  templateAddsEos: boolean,
): { ids: Int32Array; lengths: Int32Array };
