import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tokenizePlugin } from '../../ingest/tokenize/plugin.ts';
import { memoryOutput } from '../../src/output.ts';
import { REPO_ROOT, tempDir, tempWarehouse } from '../helpers.ts';

describe('tokenize demo step', () => {
  it('tokenizes examples/corpus into a self-ignoring data/processed/tokenized and registers it', async () => {
    const cwd = process.cwd();
    const dir = tempDir();
    const wh = await tempWarehouse();
    process.chdir(dir);
    try {
      const reports = await tokenizePlugin.demo!(wh, {
        examplesDir: join(REPO_ROOT, 'examples'),
        out: memoryOutput(),
      });
      expect(reports.map((r) => [r.kind, r.status, r.rows['tokenized_splits']])).toEqual([
        ['tokenize', 'ok', 5],
      ]);
      // Run again on unchanged inputs: the manifest keeps its bytes, so the registration is a no-op.
      const again = await tokenizePlugin.demo!(wh, {
        examplesDir: join(REPO_ROOT, 'examples'),
        out: memoryOutput(),
      });
      expect(again.map((r) => [r.kind, r.status])).toEqual([['tokenize', 'skipped']]);
    } finally {
      process.chdir(cwd);
    }
    const output = join(dir, 'data', 'processed', 'tokenized');
    expect(readFileSync(join(output, '.gitignore'), 'utf8')).toBe('*\n');
    expect(existsSync(join(output, 'manifest.json'))).toBe(true);
    const categories = await wh.all<{ category: string }>(
      `SELECT DISTINCT unnest(json_keys(stats->'by_category')) AS category FROM tokenized_splits ORDER BY 1`,
    );
    expect(categories.map((c) => c.category)).toEqual([
      'code',
      'factual_qa',
      'instruction_chat',
      'math_reasoning',
    ]);
    const rows = await wh.all<{ n: bigint; l: number }>(
      'SELECT count(*) AS n, min(len(input_ids)) AS l FROM tokenized_rows',
    );
    expect(Number(rows[0]!.n)).toBeGreaterThan(5);
    expect(Number(rows[0]!.l)).toBe(256);
  });
});
