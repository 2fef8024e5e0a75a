import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenizeCorpus } from '../../ingest/tokenize/run.ts';
import { bundledLlama32TokenizerDir } from '../../ingest/tokenize/tokenizer.ts';
import { MlduckError } from '../../src/errors.ts';
import { migratedWarehouseFile, runCli, tempDir } from '../helpers.ts';

const LLAMA = bundledLlama32TokenizerDir()!;

/** A folder holding a corpus and a precious file the user keeps beside it. */
function corpusWith(fileName: string): { dir: string; corpus: string } {
  const dir = tempDir();
  const corpus = join(dir, 'corpus');
  mkdirSync(corpus);
  writeFileSync(join(dir, 'precious.txt'), 'keep me\n');
  writeFileSync(join(corpus, 'keep.txt'), 'keep me too\n');
  writeFileSync(join(corpus, fileName), `${JSON.stringify({ text: 'hello world' })}\n`);
  return { dir, corpus };
}

describe('tokenize never writes or deletes outside its output (hostile file names)', () => {
  for (const name of ['..jsonl', '...jsonl']) {
    it(`an input named ${name} with --force and output = input is refused; nothing is deleted`, async () => {
      const { dir, corpus } = corpusWith(name);
      const db = await migratedWarehouseFile(join(dir, 'w.duckdb'));
      const run = await runCli(
        ['--db', db, 'tokenize', '--input', corpus, '--output', corpus, '--force', '--tokenizer', LLAMA],
        { cwd: dir },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(name);
      expect(run.stderr).toMatch(/split name/);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(join(corpus, name))).toBe(true);
      expect(existsSync(join(corpus, 'keep.txt'))).toBe(true);
      expect(existsSync(join(dir, 'precious.txt'))).toBe(true);
    });
  }

  it('without --force, no shard is written outside the output folder', async () => {
    const { dir, corpus } = corpusWith('...jsonl');
    const out = join(dir, 'out');
    const error = await tokenizeCorpus({ input: corpus, output: out, tokenizer: LLAMA, workers: 1 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MlduckError);
    expect((error as MlduckError).kind).toBe('input');
    expect(readdirSync(dir).sort()).toEqual(['corpus', 'precious.txt']);
  });

  it('--force clears only what mlduck wrote in a split folder', async () => {
    const { dir, corpus } = corpusWith('train.jsonl');
    const out = join(dir, 'out');
    mkdirSync(join(out, 'train'), { recursive: true });
    writeFileSync(join(out, 'train', 'notes.md'), 'my notes\n');
    writeFileSync(join(out, 'train', 'other_stats.json'), '{}\n');
    await tokenizeCorpus({
      input: corpus,
      output: out,
      tokenizer: LLAMA,
      workers: 1,
      maxSeqLength: 16,
      force: true,
    });
    expect(readdirSync(join(out, 'train')).sort()).toEqual([
      'notes.md',
      'other_stats.json',
      'shard_0000.parquet',
      'train_stats.json',
    ]);
  });

  it('a split folder that is a link leading outside the output is refused', async () => {
    const { dir, corpus } = corpusWith('train.jsonl');
    const out = join(dir, 'out');
    mkdirSync(out);
    const { symlinkSync } = await import('node:fs');
    symlinkSync(dir, join(out, 'train'));
    const error = await tokenizeCorpus({
      input: corpus,
      output: out,
      tokenizer: LLAMA,
      workers: 1,
      force: true,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlduckError);
    expect(String((error as Error).message)).toMatch(/outside/);
    expect(existsSync(join(dir, 'precious.txt'))).toBe(true);
  });
});

describe('confine: the rule for input-derived path segments', async () => {
  const { pathSegmentProblem, confinedPath } = await import('../../src/confine.ts');
  it('refuses every name that is not one plain segment', () => {
    for (const bad of [
      '',
      '.',
      '..',
      'a/b',
      'a\\b',
      'x\u001b[31m',
      'nul\u0000',
      'del\u007f',
      'c1\u009b',
      'x'.repeat(256),
    ]) {
      expect(pathSegmentProblem(bad), JSON.stringify(bad)).not.toBeNull();
    }
    for (const good of ['train', '...x', 'a b', 'naïve', '-dash', '.hidden']) {
      expect(pathSegmentProblem(good), good).toBeNull();
    }
  });
  it('joins inside the root and refuses what escapes it', () => {
    const root = tempDir();
    expect(confinedPath(root, ['a', 'b'], 'x')).toBe(join(root, 'a', 'b'));
    expect(() => confinedPath(root, ['..'], 'x')).toThrow(MlduckError);
  });
});
