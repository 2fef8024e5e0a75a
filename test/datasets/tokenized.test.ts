import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanDatasets } from '../../ingest/datasets/scan.ts';
import { sha256File } from '../../src/hash.ts';
import { tempDir, tempWarehouse } from '../helpers.ts';

describe('tokenized outputs (mlduck tokenize manifest with shard_files)', () => {
  it('registers shards with tokens and category, and reports drift of a rewritten shard', async () => {
    const wh = await tempWarehouse();
    const root = join(tempDir(), 'data');
    const split = join(root, 'processed', 'tokenized', 'chat');
    mkdirSync(split, { recursive: true });
    const shard = join(split, 'shard_0000.parquet');
    await wh.run(
      `COPY (SELECT [i::INTEGER, 2] AS input_ids, [1, 1] AS attention_mask, [i::INTEGER, 2] AS labels FROM range(3) t(i)) TO '${shard}' (FORMAT parquet)`,
    );
    const sha = await sha256File(shard);
    const manifest = (rows: number, sha256: string) => ({
      tokenizer: 'tok',
      max_seq_length: 2,
      splits: {
        chat: {
          path: 'somewhere/else/chat',
          shards: 1,
          sequences: rows,
          samples: 3,
          tokens: 6,
          shard_files: [{ file: 'shard_0000.parquet', rows, tokens: 6, sha256 }],
          stats_file: 'chat_stats.json',
        },
      },
    });
    writeFileSync(join(root, 'processed', 'tokenized', 'manifest.json'), JSON.stringify(manifest(3, sha)));
    writeFileSync(
      join(split, 'chat_stats.json'),
      JSON.stringify({
        documents: 3,
        tokens: 6,
        by_category: { instruction_chat: { documents: 3, tokens: 6 } },
      }),
    );
    const ok = await scanDatasets(wh, root);
    expect(ok.summary.drift).toEqual([]);
    const row = await wh.all<{
      layout: string;
      stage: string;
      purpose: string;
      category: string;
      tokens: bigint;
      manifest_status: string;
    }>('SELECT layout, stage, purpose, category, tokens, manifest_status FROM datasets');
    expect(row).toEqual([
      {
        layout: 'tokenized',
        stage: 'processed',
        purpose: 'chat',
        category: 'instruction_chat',
        tokens: 6n,
        manifest_status: 'ok',
      },
    ]);
    expect(await wh.all('SELECT category, basis, documents, tokens FROM datasets_category_stats')).toEqual([
      { category: 'instruction_chat', basis: 'tokenized', documents: 3n, tokens: 6n },
    ]);

    writeFileSync(
      join(root, 'processed', 'tokenized', 'manifest.json'),
      JSON.stringify(manifest(4, 'f'.repeat(64))),
    );
    const drift = await scanDatasets(wh, root);
    expect(drift.summary.drift).toHaveLength(1);
    const detail = JSON.parse((await wh.scalar<string>('SELECT drift FROM datasets'))!);
    expect(detail).toEqual({
      rows: { manifest: 4, file: 3 },
      sha256: { manifest: 'f'.repeat(64), file: sha },
    });
  });
});
