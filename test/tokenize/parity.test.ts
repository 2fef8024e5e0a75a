// The native backend's parity gate: a difference between the fast path's ids and Rust's whole encode (or,
// without the fast path, between the Rust and JS ids) of a document stops the run.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareBatches, createEncoder, NATIVE_PARITY_DOCUMENTS } from '../../ingest/tokenize/encode.ts';
import { fastPlan } from '../../ingest/tokenize/fast-plan.ts';
import {
  bundledLlama32TokenizerDir,
  loadNativeModule,
  resolveTokenizer,
} from '../../ingest/tokenize/tokenizer.ts';
import { MlduckError } from '../../src/errors.ts';
import { tempDir } from '../helpers.ts';

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
    'a native (fast path) run checks its first documents against Rust whole and resolves verified()',
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

  it.runIf(loadNativeModule() !== null)(
    'a tokenizer.json the fast path does not recognise is encoded whole by Rust, gated by tokenizers.js',
    async () => {
      const llama = bundledLlama32TokenizerDir()!;
      const dir = tempDir();
      // Llama 3 with an NFC normalizer: the same ids on this text, but a pipeline the fast path leaves alone.
      const text = readFileSync(join(llama, 'tokenizer.json'), 'utf8');
      expect(text).toContain('"normalizer": null');
      writeFileSync(
        join(dir, 'tokenizer.json'),
        text.replace('"normalizer": null', '"normalizer": {"type": "NFC"}'),
      );
      copyFileSync(join(llama, 'tokenizer_config.json'), join(dir, 'tokenizer_config.json'));
      const texts = ['Hello, world! ünïcode ✓', "it's we'll 1234567"];
      const whole = await createEncoder(resolveTokenizer(dir), { backend: 'native', workers: 1 });
      const fast = await createEncoder(resolveTokenizer(llama), { backend: 'native', workers: 1 });
      try {
        expect([whole.fastPath, fast.fastPath]).toEqual([false, true]);
        const [a, b] = await Promise.all([whole.encode(texts), fast.encode(texts)]);
        expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
        await expect(whole.verified()).resolves.toBeUndefined();
      } finally {
        await Promise.all([whole.close(), fast.close()]);
      }
    },
  );

  it.runIf(loadNativeModule() !== null)(
    'a fast path that disagrees with Rust stops the run (verified() rejects, naming the document)',
    async () => {
      const resolved = resolveTokenizer(bundledLlama32TokenizerDir()!);
      const planned = fastPlan(resolved.tokenizerJsonPath);
      if (!('plan' in planned)) throw new Error(planned.reason);
      // A wrong plan (another BOS): the documents of the gate then differ from Rust's own encode.
      const encoder = await createEncoder(resolved, {
        backend: 'native',
        workers: 1,
        plan: { ...planned.plan, prefix: [128001] },
      });
      try {
        const encoded = await encoder.encode(['a', 'b']);
        expect(Array.from(encoded.ids.subarray(0, 1))).toEqual([128001]);
        await expect(encoder.verified()).rejects.toThrow(
          /the fast path and Rust's whole encode disagree on document 1 of the run/,
        );
      } finally {
        await encoder.close();
      }
    },
  );

  it.runIf(loadNativeModule() !== null)(
    'special ids answered by a native worker (no tokenizer on the main thread) equal the JS ones, --eos-token included',
    async () => {
      const resolved = resolveTokenizer(bundledLlama32TokenizerDir()!);
      for (const eosToken of [undefined, '<|end_of_text|>']) {
        const options = eosToken === undefined ? {} : { eosToken };
        const native = await createEncoder(resolved, { backend: 'native', workers: 1, ...options });
        const js = await createEncoder(resolved, { backend: 'js', workers: 1, ...options });
        const pool = await createEncoder(resolved, { backend: 'js', workers: 2, ...options });
        try {
          expect(native.special).toEqual(js.special);
          expect(pool.special).toEqual(js.special);
          expect(js.special).toMatchObject({
            eosId: eosToken === undefined ? 128009 : 128001,
            bosId: 128000,
            vocabSize: 128256,
            templateAddsEos: false,
          });
        } finally {
          await Promise.all([native.close(), js.close(), pool.close()]);
        }
      }
      await expect(
        createEncoder(resolved, { backend: 'native', workers: 1, eosToken: '<|no such token|>' }),
      ).rejects.toThrow(/--eos-token <\|no such token\|> is not a token/);
    },
  );
});
