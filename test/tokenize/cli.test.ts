import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEncoder } from '../../ingest/tokenize/encode.ts';
import { tokenizeCorpus } from '../../ingest/tokenize/run.ts';
import {
  bundledLlama32TokenizerDir,
  loadNativeModule,
  resolveTokenizer,
} from '../../ingest/tokenize/tokenizer.ts';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

const LLAMA = bundledLlama32TokenizerDir()!;
const CORPUS = join(REPO_ROOT, 'examples', 'corpus');

describe('mlduck tokenize (CLI)', () => {
  it('tokenizes, writes the manifest, registers tokenized_splits and the queryable views', async () => {
    const dir = tempDir();
    const db = await migratedWarehouseFile(join(dir, 'w.duckdb'));
    const out = join(dir, 'out');
    const args = ['--db', db, 'tokenize', '--input', CORPUS, '--recursive', '--output', out];
    const opts = ['--tokenizer', LLAMA, '--max-seq-length', '128', '--workers', '2', '--shard-size', '0.5'];
    const run = await runCli([...args, ...opts], { cwd: dir });
    expect(run.stderr).toContain('registered in');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/written\s+chat_mini\s+7 docs/);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      max_seq_length: 128,
      shard_size_gb: 0.5,
      files_processed: 5,
      labels: 'unshifted',
    });

    const q = await runCli(
      [
        '--db',
        db,
        'query',
        '--format',
        'json',
        'SELECT split, sequences, tokens, shards FROM tokenized_splits ORDER BY split',
      ],
      { cwd: dir },
    );
    expect(q.code).toBe(0);
    const rows = JSON.parse(q.stdout) as {
      split: string;
      sequences: number;
      tokens: number;
      shards: number;
    }[];
    expect(rows.map((r) => r.split)).toEqual([
      'chat_mini',
      'code_mini',
      'gsm_mini',
      'qa_mini',
      'ultrachat_mini',
    ]);
    for (const r of rows) {
      expect(Number(r.sequences)).toBe(manifest.splits[r.split].sequences);
      expect(Number(r.tokens)).toBe(manifest.splits[r.split].tokens);
    }
    const v = await runCli(
      [
        '--db',
        db,
        'query',
        '--format',
        'json',
        `SELECT (SELECT count(*) FROM tokenized_rows) AS n_rows,
                (SELECT sum(list_sum(attention_mask)) FROM tokenized_rows) AS real_tokens,
                (SELECT sum("rows") FROM tokenized_shards) AS shard_rows`,
      ],
      { cwd: dir },
    );
    expect(v.code).toBe(0);
    const [counts] = JSON.parse(v.stdout) as { n_rows: number; real_tokens: number; shard_rows: number }[];
    const totalSequences = rows.reduce((a, r) => a + Number(r.sequences), 0);
    expect(Number(counts!.n_rows)).toBe(totalSequences);
    expect(Number(counts!.shard_rows)).toBe(totalSequences);
    expect(Number(counts!.real_tokens)).toBe(rows.reduce((a, r) => a + Number(r.tokens), 0));

    const again = await runCli([...args, ...opts, '--skip-existing'], { cwd: dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/skipped\s+chat_mini/);
  }, 120_000);

  it('exits 1 naming where it looked when the tokenizer is not in the local cache', async () => {
    const dir = tempDir();
    const run = await runCli(
      [
        '--db',
        join(dir, 'w.duckdb'),
        'tokenize',
        '--input',
        CORPUS,
        '--recursive',
        '--output',
        join(dir, 'out'),
      ],
      { cwd: dir, env: { HF_HOME: join(dir, 'hf'), HF_HUB_CACHE: '', XDG_CACHE_HOME: join(dir, 'xdg') } },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('tokenizer meta-llama/Llama-3.2-1B not found');
    expect(run.stderr).toContain(join(dir, 'hf', 'hub', 'models--meta-llama--Llama-3.2-1B'));
    expect(existsSync(join(dir, 'out', 'manifest.json'))).toBe(false);
  });

  it('exits 2 on invalid JSON with file:line, and 1 on usage errors', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'broken.jsonl'), '{"text": "ok"}\n\n{"text": "unterminated\n');
    const base = [
      '--db',
      join(dir, 'w.duckdb'),
      'tokenize',
      '--output',
      join(dir, 'out'),
      '--tokenizer',
      LLAMA,
    ];
    const bad = await runCli([...base, '--input', join(dir, 'in'), '--workers', '1'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/broken\.jsonl:3: invalid JSON/);
    // The warehouse is made when the output is registered: a run that fails leaves none behind.
    expect(existsSync(join(dir, 'w.duckdb'))).toBe(false);
    // A warehouse that could not be made is found before any tokenizing.
    const nowhere = await runCli(
      ['--db', join(dir, 'no-such-folder', 'w.duckdb'), ...base.slice(2), '--input', join(dir, 'in')],
      { cwd: dir },
    );
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr).toMatch(/cannot open warehouse .*no-such-folder.*does not exist/);
    expect(nowhere.stderr).not.toMatch(/invalid JSON/);
    const usage = await runCli([...base, '--input', join(dir, 'in'), '--max-seq-length', 'lots'], {
      cwd: dir,
    });
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('--max-seq-length expects an integer');
    const empty = await runCli([...base, '--input', join(dir, 'nothing-here')], { cwd: dir });
    expect(empty.code).toBe(1);
  });
});

describe('backends', () => {
  const native = loadNativeModule();
  it.runIf(native !== null)(
    'the native (Rust) backend gives the same ids and shards as tokenizers.js',
    async () => {
      const texts = [
        'Hello, world! ünïcode ✓ 数学 — “quotes”',
        'def f(x):\n    return x ** 2\n\n\ttabs and   spaces',
        '1234567 numbers 3.14159 and emoji 🦆🦆',
        "it's we'll they'd I'M",
      ];
      const resolved = resolveTokenizer(LLAMA);
      const js = await createEncoder(resolved, { backend: 'js', workers: 1 });
      const rust = await createEncoder(resolved, { backend: 'native', workers: 2 });
      try {
        const a = await js.encode(texts);
        const b = await rust.encode(texts);
        expect(Array.from(b.lengths)).toEqual(Array.from(a.lengths));
        expect(Array.from(b.ids)).toEqual(Array.from(a.ids));
      } finally {
        await js.close();
        await rust.close();
      }
      const dir = tempDir();
      const run = async (backend: 'js' | 'native') =>
        (
          await tokenizeCorpus({
            input: CORPUS,
            output: join(dir, backend),
            recursive: true,
            tokenizer: LLAMA,
            maxSeqLength: 64,
            workers: 1,
            backend,
          })
        ).splits.map((s) => s.entry.shard_files.map((f) => f.sha256));
      expect(await run('native')).toEqual(await run('js'));
    },
  );
});
