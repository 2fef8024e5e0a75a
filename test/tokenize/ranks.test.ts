// Issue 16.5: --rank/--world-size split the input across processes; `tokenize merge` joins their manifests.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../ingest/tokenize/manifest.ts';
import { inputsOfRank } from '../../ingest/tokenize/run.ts';
import { bundledLlama32TokenizerDir } from '../../ingest/tokenize/tokenizer.ts';
import { BIN, runCli, tempDir } from '../helpers.ts';

const LLAMA = bundledLlama32TokenizerDir()!;

/** Files of different sizes: `big` is large enough to be killed in the middle of. */
function corpus(dir: string): string {
  const input = join(dir, 'in');
  mkdirSync(join(input, 'nested'), { recursive: true });
  const write = (name: string, docs: number, words: number) => {
    let text = '';
    for (let i = 0; i < docs; i++) {
      text += `${JSON.stringify({ text: `${name} ${i}: ${'ducks pack tokens into shards. '.repeat(words + (i % 5))}` })}\n`;
    }
    writeFileSync(join(input, name), text);
  };
  write('big.jsonl', 20_000, 6);
  write('a.jsonl', 300, 3);
  write('b.jsonl', 200, 8);
  write('c.jsonl', 120, 2);
  write(join('nested', 'd.jsonl'), 90, 11);
  return input;
}

const common = ['--tokenizer', LLAMA, '--max-seq-length', '128', '--no-register', '--recursive'];

const rankArgs = (rank: number, extra: string[] = []) => [
  'tokenize',
  '--input',
  'in',
  '--output',
  'ranked',
  '--rank',
  String(rank),
  '--world-size',
  '3',
  '--workers',
  '1',
  ...common,
  ...extra,
];

function shardHashes(manifest: Manifest): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(manifest.splits).map(([split, e]) => [split, e.shard_files.map((s) => s.sha256)]),
  );
}

describe('tokenize across processes (--rank/--world-size, tokenize merge)', () => {
  it('assigns whole files, balanced by bytes, each to exactly one rank', () => {
    const sized = [
      { absolute: 'x', split: 'x', bytes: 100 },
      { absolute: 'y', split: 'y', bytes: 60 },
      { absolute: 'z', split: 'z', bytes: 50 },
      { absolute: 'w', split: 'w', bytes: 10 },
    ];
    const sizeOf = new Map(sized.map((f) => [f.split, f.bytes]));
    const ranks = [0, 1].map((r) =>
      inputsOfRank(sized, r, 2, (f) => sizeOf.get(f.split)!).map((f) => f.split),
    );
    // x → 0 (100); y → 1 (60); z → 1 (110); w → 0, the lighter one (110 vs 110 after: balanced).
    expect(ranks).toEqual([
      ['x', 'w'],
      ['y', 'z'],
    ]);
  });

  it('3 ranks as processes, one killed and resumed with --skip-existing, merge to the single-process output', async () => {
    const dir = tempDir();
    corpus(dir);
    const single = await runCli(['tokenize', '--input', 'in', '--output', 'single', ...common], { cwd: dir });
    expect(single.code).toBe(0);

    // Rank 0 gets big.jsonl (the largest file, alone): kill it while it tokenizes.
    const child = spawn(process.execPath, [BIN, ...rankArgs(0)], { cwd: dir, stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const started = () =>
      existsSync(join(dir, 'ranked')) &&
      readdirSync(join(dir, 'ranked')).some((n) => n.startsWith('.tokenize-tmp-'));
    while (!started()) await new Promise((r) => setTimeout(r, 10));
    child.kill('SIGKILL');
    await exited;
    const others = await Promise.all([1, 2].map((r) => runCli(rankArgs(r), { cwd: dir })));
    for (const r of others) expect(r.code).toBe(0);

    const partial = await runCli(['tokenize', 'merge', 'ranked', '--no-register'], { cwd: dir });
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/1 of 3 ranks did not finish: 0 \(/);
    expect(existsSync(join(dir, 'ranked', 'manifest.json'))).toBe(false);

    const resumed = await runCli(rankArgs(0, ['--skip-existing']), { cwd: dir });
    expect(resumed.code).toBe(0);
    // The other ranks resume as no-ops.
    const again = await runCli(rankArgs(1, ['--skip-existing']), { cwd: dir });
    expect(again.stdout).toMatch(/^skipped/m);
    expect(again.stdout).not.toMatch(/^written/m);

    const merged = await runCli(['tokenize', 'merge', 'ranked', '--no-register'], { cwd: dir });
    expect(merged.stderr).toBe('');
    expect(merged.code).toBe(0);
    const read = (name: string) =>
      JSON.parse(readFileSync(join(dir, name, 'manifest.json'), 'utf8')) as Manifest;
    const [one, many] = [read('single'), read('ranked')];
    expect(Object.keys(many.splits)).toEqual(['a', 'b', 'big', 'c', 'd']);
    expect(shardHashes(many)).toEqual(shardHashes(one));
    for (const split of Object.keys(one.splits)) {
      expect(many.splits[split]!.tokens).toBe(one.splits[split]!.tokens);
      expect(many.splits[split]!.fingerprint).toBe(one.splits[split]!.fingerprint);
    }
    expect(many.files_processed).toBe(5);
    expect(readdirSync(join(dir, 'ranked')).filter((n) => n.startsWith('.tokenize-tmp-'))).toEqual([]);
  }, 240_000);
});
