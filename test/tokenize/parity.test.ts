// The native backend's parity gate: a difference between the Rust and JS ids of a document stops the run.
import { describe, expect, it } from 'vitest';
import { compareBatches, createEncoder, NATIVE_PARITY_DOCUMENTS } from '../../ingest/tokenize/encode.ts';
import {
  bundledLlama32TokenizerDir,
  loadNativeModule,
  resolveTokenizer,
} from '../../ingest/tokenize/tokenizer.ts';
import { MlduckError } from '../../src/errors.ts';

const batch = (docs: number[][]) => ({
  ids: Int32Array.from(docs.flat()),
  lengths: Int32Array.from(docs.map((d) => d.length)),
});

describe('parity gate', () => {
  it('passes equal batches and names the first document that differs', () => {
    expect(() => compareBatches(batch([[1, 2], [3]]), batch([[1, 2], [3]]), 2, 0)).not.toThrow();
    const error = (() => {
      try {
        compareBatches(
          batch([
            [1, 2],
            [3, 4],
          ]),
          batch([
            [1, 2],
            [3, 5],
          ]),
          2,
          10,
        );
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).message).toContain('disagree on document 12 of the run');
    expect(() => compareBatches(batch([[1, 2], [3]]), batch([[1], [2, 3]]), 2, 0)).toThrow(/document 1 /);
  });

  it.runIf(loadNativeModule() !== null)(
    'a native run checks its first documents on a JS worker and resolves verified()',
    async () => {
      const encoder = await createEncoder(resolveTokenizer(bundledLlama32TokenizerDir()!), {
        backend: 'native',
        workers: 2,
      });
      try {
        const texts = Array.from({ length: NATIVE_PARITY_DOCUMENTS + 3 }, (_, i) => `document ${i} ✓ 🦆`);
        const encoded = await encoder.encode(texts);
        expect(encoded.lengths).toHaveLength(texts.length);
        await expect(encoder.verified()).resolves.toBeUndefined();
        expect(encoder.backend).toBe('native');
      } finally {
        await encoder.close();
      }
    },
  );
});
