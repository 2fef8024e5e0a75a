import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { createEncoder } from '../../ingest/tokenize/encode.ts';
import type { Manifest } from '../../ingest/tokenize/manifest.ts';
import { tokenizeCorpus } from '../../ingest/tokenize/run.ts';
import { bundledLlama32TokenizerDir, resolveTokenizer } from '../../ingest/tokenize/tokenizer.ts';
import { MlduckError } from '../../src/errors.ts';
import { REPO_ROOT, tempDir } from '../helpers.ts';

const LLAMA = bundledLlama32TokenizerDir()!;
const CORPUS = join(REPO_ROOT, 'examples', 'corpus');
const BOS = 128000;
const EOS = 128009; // <|eot_id|>: the eos_token of the packaged Llama 3.2 tokenizer_config.json

interface ShardRow {
  input_ids: number[];
  attention_mask: number[];
  labels: number[];
  doc_lengths: number[];
}

async function readRows(splitDir: string): Promise<ShardRow[]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    const reader = await conn.runAndReadAll(
      `SELECT input_ids, attention_mask, labels, doc_lengths FROM read_parquet('${splitDir}/shard_*.parquet', filename = true) ORDER BY filename, file_row_number`.replace(
        'filename = true',
        'filename = true, file_row_number = true',
      ),
    );
    return reader.getRowObjectsJS() as unknown as ShardRow[];
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

function writeJsonl(path: string, records: unknown[]): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

function corpusTexts(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { text?: unknown })
    .map((r) => r.text)
    .filter((t): t is string => typeof t === 'string' && t.trim() !== '');
}

describe('tokenize: concat packing on the example corpus', () => {
  it('writes rows of exactly L with masks/labels as specified, and decodes back to the input texts in order', async () => {
    const out = tempDir();
    const L = 64;
    const result = await tokenizeCorpus({
      input: CORPUS,
      output: out,
      recursive: true,
      tokenizer: LLAMA,
      maxSeqLength: L,
      workers: 1,
    });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(Object.keys(manifest.splits).sort()).toEqual([
      'chat_mini',
      'code_mini',
      'gsm_mini',
      'qa_mini',
      'ultrachat_mini',
    ]);
    expect(manifest.labels).toBe('unshifted');
    expect(manifest.max_seq_length).toBe(L);
    expect(manifest.eos_id).toBe(EOS);
    expect(manifest.pad_id).toBe(EOS);
    const encoder = await createEncoder(resolveTokenizer(LLAMA), { backend: 'js', workers: 1 });
    try {
      for (const [split, file] of [
        ['code_mini', 'code/code_mini.jsonl'],
        ['chat_mini', 'instruction_chat/chat_mini.jsonl'],
        ['gsm_mini', 'math_reasoning/gsm_mini.jsonl'],
      ] as const) {
        const rows = await readRows(join(out, split));
        const entry = manifest.splits[split]!;
        expect(rows).toHaveLength(entry.sequences);
        let real: number[] = [];
        let padTotal = 0;
        for (const [i, row] of rows.entries()) {
          expect(row.input_ids).toHaveLength(L);
          expect(row.attention_mask).toHaveLength(L);
          expect(row.labels).toHaveLength(L);
          const n = row.attention_mask.filter((m) => m === 1).length;
          // Real tokens first, then padding; only the last row may be padded.
          expect(row.attention_mask).toEqual([...Array(n).fill(1), ...Array(L - n).fill(0)]);
          if (i < rows.length - 1) expect(n).toBe(L);
          expect(row.labels).toEqual(row.input_ids.map((id, j) => (row.attention_mask[j] === 1 ? id : -100)));
          expect(row.input_ids.slice(n).every((id) => id === EOS)).toBe(true);
          expect(row.doc_lengths.reduce((a, b) => a + b, 0)).toBe(n);
          real = real.concat(row.input_ids.slice(0, n));
          padTotal += L - n;
        }
        expect(real.length).toBe(entry.tokens);
        expect(padTotal).toBe(entry.pad_tokens);
        // Split at EOS: each piece is BOS + the document's tokens.
        const docs: number[][] = [];
        let current: number[] = [];
        for (const id of real) {
          if (id === EOS) {
            docs.push(current);
            current = [];
          } else current.push(id);
        }
        expect(current).toEqual([]);
        const expected = corpusTexts(join(CORPUS, file));
        expect(docs).toHaveLength(expected.length);
        for (const [k, ids] of docs.entries()) {
          expect(ids[0]).toBe(BOS);
          expect(encoder.decode(ids.slice(1))).toBe(expected[k]);
        }
      }
    } finally {
      await encoder.close();
    }
    const stats = JSON.parse(readFileSync(join(out, 'chat_mini', 'chat_mini_stats.json'), 'utf8'));
    expect(stats.skipped.empty_text).toBe(1);
    expect(stats.documents).toBe(7);
    expect(stats.by_category).toEqual({ instruction_chat: { documents: 7, tokens: stats.tokens } });
    const qa = result.splits.find((s) => s.split === 'qa_mini')!;
    expect(qa.stats!.skipped.missing_text_field).toBe(1);
  });
});

describe('tokenize: determinism, bfd, shards, skip/resume', () => {
  function syntheticCorpus(dir: string): string {
    const input = join(dir, 'in');
    const records = Array.from({ length: 300 }, (_, i) => ({
      text: `Record ${i}. ${'The duck packs tokens into Parquet. '.repeat(1 + ((i * 7) % 23))}`,
      category: i % 2 ? 'code' : 'factual_qa',
      source: 'synthetic',
    }));
    writeJsonl(join(input, 'synthetic.jsonl'), records);
    return input;
  }

  it('gives byte-identical shards across runs and worker counts', async () => {
    const dir = tempDir();
    const input = syntheticCorpus(dir);
    const run = async (workers: number, packing: 'concat' | 'bfd') => {
      const out = join(dir, `out-${workers}-${packing}`);
      const r = await tokenizeCorpus({
        input,
        output: out,
        tokenizer: LLAMA,
        maxSeqLength: 128,
        workers,
        packing,
      });
      return r.manifest.splits['synthetic']!.shard_files.map((s) => s.sha256);
    };
    const one = await run(1, 'concat');
    expect(await run(2, 'concat')).toEqual(one);
    expect(await run(1, 'concat')).toEqual(one);
    expect(await run(2, 'bfd')).toEqual(await run(1, 'bfd'));
  });

  it('bfd never splits a document shorter than max_seq_length', async () => {
    const dir = tempDir();
    const input = syntheticCorpus(dir);
    const out = join(dir, 'out');
    const L = 96;
    await tokenizeCorpus({
      input,
      output: out,
      tokenizer: LLAMA,
      maxSeqLength: L,
      workers: 1,
      packing: 'bfd',
    });
    const rows = await readRows(join(out, 'synthetic'));
    let documentsStarted = 0;
    let longDocuments = 0;
    for (const row of rows) {
      let at = 0;
      for (const len of row.doc_lengths) {
        const piece = row.input_ids.slice(at, at + len);
        at += len;
        if (piece[0] === BOS) {
          documentsStarted++;
          // A document that starts in this piece and does not end in it was longer than L: its first
          // piece fills a whole row. Shorter documents are never cut.
          if (piece.at(-1) !== EOS) {
            expect(len).toBe(L);
            longDocuments++;
          }
        }
      }
      expect(row.labels.filter((l) => l === -100)).toHaveLength(L - at);
    }
    expect(documentsStarted).toBe(300);
    const stats = JSON.parse(readFileSync(join(out, 'synthetic', 'synthetic_stats.json'), 'utf8'));
    expect(stats.truncated).toBeGreaterThan(0);
    expect(stats.truncated).toBe(longDocuments);
  });

  it('rolls shards by --shard-size and records them in the manifest', async () => {
    const dir = tempDir();
    const input = syntheticCorpus(dir);
    const out = join(dir, 'out');
    const r = await tokenizeCorpus({
      input,
      output: out,
      tokenizer: LLAMA,
      maxSeqLength: 64,
      workers: 1,
      shardSizeGb: 20e-6,
    });
    const entry = r.manifest.splits['synthetic']!;
    expect(entry.shards).toBeGreaterThan(2);
    expect(entry.shard_files.map((s) => s.file)).toEqual(
      Array.from({ length: entry.shards }, (_, i) => `shard_${String(i).padStart(4, '0')}.parquet`),
    );
    expect(entry.shard_files.reduce((a, s) => a + s.rows, 0)).toBe(entry.sequences);
    expect((await readRows(join(out, 'synthetic'))).length).toBe(entry.sequences);
  });

  it('--skip-existing skips up-to-date splits and redoes changed or damaged ones; --force redoes all', async () => {
    const dir = tempDir();
    const input = syntheticCorpus(dir);
    writeJsonl(join(input, 'other.jsonl'), [{ text: 'a second split' }]);
    const out = join(dir, 'out');
    const base = { input, output: out, tokenizer: LLAMA, maxSeqLength: 64, workers: 1, skipExisting: true };
    const status = async (extra: object = {}) =>
      Object.fromEntries(
        (await tokenizeCorpus({ ...base, ...extra })).splits.map((s) => [s.split, s.status]),
      );
    expect(await status()).toEqual({ other: 'written', synthetic: 'written' });
    expect(await status()).toEqual({ other: 'skipped', synthetic: 'skipped' });
    writeJsonl(join(input, 'other.jsonl'), [{ text: 'a changed second split' }]);
    expect(await status()).toEqual({ other: 'written', synthetic: 'skipped' });
    rmSync(join(out, 'synthetic', 'shard_0000.parquet'));
    expect(await status()).toEqual({ other: 'skipped', synthetic: 'written' });
    expect(await status({ maxSeqLength: 32 })).toEqual({ other: 'written', synthetic: 'written' });
    expect(await status({ maxSeqLength: 32, force: true })).toEqual({
      other: 'written',
      synthetic: 'written',
    });
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(Object.keys(manifest.splits)).toEqual(['other', 'synthetic']);
  });

  it('a run that fails mid-split leaves no complete-looking shard and no manifest entry for it', async () => {
    const dir = tempDir();
    const input = syntheticCorpus(dir);
    const out = join(dir, 'out');
    const base = { input, output: out, tokenizer: LLAMA, maxSeqLength: 64, workers: 1, shardSizeGb: 20e-6 };
    await tokenizeCorpus({ ...base, skipExisting: true });
    const file = join(input, 'synthetic.jsonl');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, `${good}{"text": broken\n`);
    const error = await tokenizeCorpus({ ...base, skipExisting: true }).catch((e) => e);
    expect(error).toBeInstanceOf(MlduckError);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.splits['synthetic']).toBeUndefined();
    // That a failed shard write leaves no final-named file is tested where a write can fail: shard-writer.test.ts.
    writeFileSync(file, good);
    const redo = await tokenizeCorpus({ ...base, skipExisting: true });
    expect(redo.splits.map((s) => s.status)).toEqual(['written']);
  });

  it('keeps the splits of other inputs in the manifest (merge) and drops ones made with other settings', async () => {
    const dir = tempDir();
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    writeJsonl(join(a, 'alpha.jsonl'), [{ text: 'alpha text' }]);
    writeJsonl(join(b, 'beta.jsonl'), [{ text: 'beta text' }]);
    const out = join(dir, 'out');
    await tokenizeCorpus({ input: a, output: out, tokenizer: LLAMA, maxSeqLength: 32, workers: 1 });
    const merged = await tokenizeCorpus({
      input: b,
      output: out,
      tokenizer: LLAMA,
      maxSeqLength: 32,
      workers: 1,
    });
    expect(Object.keys(merged.manifest.splits)).toEqual(['alpha', 'beta']);
    const other = await tokenizeCorpus({
      input: b,
      output: out,
      tokenizer: LLAMA,
      maxSeqLength: 16,
      workers: 1,
    });
    expect(Object.keys(other.manifest.splits)).toEqual(['beta']);
    expect(other.dropped).toEqual(['alpha']);
  });
});

describe('tokenize: inputs and tokenizer resolution', () => {
  it('rejects two inputs with the same split name, naming both', async () => {
    const dir = tempDir();
    writeJsonl(join(dir, 'in', 'x', 'same.jsonl'), [{ text: 'one' }]);
    writeJsonl(join(dir, 'in', 'y', 'same.jsonl'), [{ text: 'two' }]);
    const error = await tokenizeCorpus({
      input: join(dir, 'in'),
      output: join(dir, 'out'),
      recursive: true,
      tokenizer: LLAMA,
      workers: 1,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect(error.message).toMatch(/same split "same".*x\/same\.jsonl.*y\/same\.jsonl/);
  });

  it('reports invalid JSON with the file and line', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'bad.jsonl'), '{"text": "fine"}\n{"text": oops}\n');
    const error = await tokenizeCorpus({
      input: join(dir, 'in'),
      output: join(dir, 'out'),
      tokenizer: LLAMA,
      workers: 1,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect(error.toHumanLine()).toMatch(/bad\.jsonl:2: invalid JSON/);
    expect(existsSync(join(dir, 'out', 'manifest.json'))).toBe(false);
  });

  it('finds a Hub id in the local Hugging Face cache, and says where it looked when it cannot', () => {
    const home = tempDir();
    const snapshot = join(home, 'hub', 'models--meta-llama--Llama-3.2-1B', 'snapshots', 'abc123');
    mkdirSync(snapshot, { recursive: true });
    writeFileSync(join(snapshot, 'tokenizer.json'), readFileSync(join(LLAMA, 'tokenizer.json')));
    writeFileSync(join(snapshot, 'tokenizer_config.json'), '{}');
    mkdirSync(join(home, 'hub', 'models--meta-llama--Llama-3.2-1B', 'refs'));
    writeFileSync(join(home, 'hub', 'models--meta-llama--Llama-3.2-1B', 'refs', 'main'), 'abc123');
    const env = { HF_HOME: home, XDG_CACHE_HOME: join(home, 'xdg') };
    const found = resolveTokenizer('meta-llama/Llama-3.2-1B', { env, cwd: home });
    expect(found.tokenizerJsonPath).toBe(join(snapshot, 'tokenizer.json'));
    expect(found.configPath).toBe(join(snapshot, 'tokenizer_config.json'));
    expect(found.sha256).toMatch(/^[0-9a-f]{64}$/);
    let error: unknown;
    try {
      resolveTokenizer('meta-llama/Llama-3.1-8B', { env, cwd: home });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).message).toContain(join(home, 'hub', 'models--meta-llama--Llama-3.1-8B'));
    expect((error as MlduckError).kind).toBe('usage');
  });
});
