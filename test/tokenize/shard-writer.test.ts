import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import type { PackedRow } from '../../ingest/tokenize/packer.ts';
import { ShardSink, ShardWriter, shardFileName } from '../../ingest/tokenize/shard-writer.ts';
import { tempDir } from '../helpers.ts';

const L = 4;
/** Row k: ids k*10+1…, `real` of them, then pad 0. */
function row(k: number, real = L): PackedRow {
  const ids = new Int32Array(L);
  for (let i = 0; i < real; i++) ids[i] = k * 10 + i + 1;
  return { ids, realLength: real, docLengths: [real] };
}

let staging: ShardSink | null = null;
afterEach(async () => {
  await staging?.close();
  staging = null;
});

async function writer(dir: string, rowsPerShard: number): Promise<ShardWriter> {
  staging = await ShardSink.open(tempDir());
  // The first size guess is 8 bytes per token (ids + labels as int32).
  return new ShardWriter(staging, dir, L, rowsPerShard * 8 * L);
}

async function readShard(path: string): Promise<{ input_ids: number[]; labels: number[] }[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const reader = await conn.runAndReadAll(`SELECT input_ids, labels FROM read_parquet('${path}')`);
  const rows = reader.getRowObjectsJson() as unknown as { input_ids: number[]; labels: number[] }[];
  conn.closeSync();
  db.closeSync();
  return rows;
}

describe('shard writer', () => {
  it('rolls to a new shard at the size limit, every shard complete under its final name', async () => {
    const dir = tempDir();
    const w = await writer(dir, 2);
    for (let k = 0; k < 5; k++) await w.append(row(k, k === 4 ? 2 : L));
    const shards = await w.finish();
    // The first shard follows the first size guess; later ones the bytes per row measured on it.
    expect(shards[0]).toMatchObject({ file: 'shard_0000.parquet', rows: 2, tokens: 8, pad_tokens: 0 });
    expect(shards.map((s) => s.file)).toEqual(shards.map((_, i) => shardFileName(i)));
    expect(shards.reduce((n, s) => n + s.rows, 0)).toBe(5);
    expect(shards.reduce((n, s) => n + s.pad_tokens, 0)).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(shards.map((s) => s.file));
    const last = shards.at(-1)!;
    expect((await readShard(join(dir, last.file))).at(-1)).toEqual({
      input_ids: [41, 42, 0, 0],
      labels: [41, 42, -100, -100],
    });
  });

  it('a shard whose write fails leaves no file under the final name: shards are written as .tmp, then renamed', async () => {
    const dir = tempDir();
    const w = await writer(dir, 2);
    // Writing the second shard's temp file fails (a folder is in the way): the first shard stays complete.
    mkdirSync(join(dir, `${shardFileName(1)}.tmp`));
    await w.append(row(0));
    await w.append(row(1));
    await w.append(row(2));
    await expect(w.finish()).rejects.toThrow(/shard_0001\.parquet\.tmp/);
    expect(readdirSync(dir).sort()).toEqual(['shard_0000.parquet', 'shard_0001.parquet.tmp']);
    expect(existsSync(join(dir, shardFileName(1)))).toBe(false);
    expect(await readShard(join(dir, shardFileName(0)))).toHaveLength(2);
  });
});
