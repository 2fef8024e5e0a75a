import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledLlama32TokenizerDir } from '../../ingest/tokenize/tokenizer.ts';
import { migratedWarehouseFile, REPO_ROOT, runCli, tempDir } from '../helpers.ts';

describe('paths that travel', () => {
  it('tokenized_rows and tokenized_shards resolve from any working folder, and after moving warehouse and data together', async () => {
    const project = tempDir();
    const db = await migratedWarehouseFile(join(project, 'w.duckdb'));
    const input = join(REPO_ROOT, 'examples', 'corpus', 'code', 'code_mini.jsonl');
    const tokenize = await runCli(
      [
        '--db',
        'w.duckdb',
        'tokenize',
        '--input',
        input,
        '--output',
        'data/tokenized',
        '--tokenizer',
        bundledLlama32TokenizerDir()!,
        '--max-seq-length',
        '128',
        '--workers',
        '1',
      ],
      { cwd: project },
    );
    expect(tokenize.code).toBe(0);

    const sql =
      'SELECT (SELECT count(*) FROM tokenized_rows) AS n, (SELECT sum("rows") FROM tokenized_shards) AS m';
    const here = await runCli(['--db', db, 'query', '-f', 'csv', sql], { cwd: project });
    expect(here.stderr).toBe('');
    const [, counts] = here.stdout.trim().split('\n');
    const [n, m] = counts!.split(',').map(Number);
    expect(n).toBeGreaterThan(0);
    expect(n).toBe(m);

    // Elsewhere: another working folder, and the whole folder moved.
    const elsewhere = await runCli(['--db', db, 'query', '-f', 'csv', sql], { cwd: tempDir() });
    expect(elsewhere.stderr).toBe('');
    expect(elsewhere.stdout).toBe(here.stdout);
    const moved = join(tempDir(), 'moved');
    cpSync(project, moved, { recursive: true });
    const fromMoved = await runCli(['--db', join(moved, 'w.duckdb'), 'query', '-f', 'csv', sql], {
      cwd: REPO_ROOT,
    });
    expect(fromMoved.stderr).toBe('');
    expect(fromMoved.stdout).toBe(here.stdout);
  }, 180_000); // tokenizes, then three queries: spawned CLIs

  it('a warehouse whose shards stayed behind still documents itself: codegen and inventory describe the view', async () => {
    const alone = tempDir();
    const db = join(alone, 'w.duckdb');
    cpSync(join(REPO_ROOT, 'warehouse.duckdb.example'), db);
    const query = await runCli(['--db', db, 'query', 'SELECT count(*) FROM tokenized_rows'], { cwd: alone });
    expect(query.code).toBe(2);
    expect(query.stderr).toMatch(/No files found that match the pattern "data\/processed\/tokenized\//);
    const codegen = await runCli(['--db', db, 'codegen', '--out', join(alone, 'schema.ts')], { cwd: alone });
    expect(codegen.code, codegen.stderr).toBe(0);
    // The same types as where the shards are: the committed schema is generated from the demo warehouse.
    expect(readFileSync(join(alone, 'schema.ts'), 'utf8')).toBe(
      readFileSync(join(REPO_ROOT, 'src', 'db', 'schema.ts'), 'utf8'),
    );
    const inventory = await runCli(['--db', db, 'inventory', '--out', join(alone, 'inv.md')], { cwd: alone });
    expect(inventory.code, inventory.stderr).toBe(0);
    const md = readFileSync(join(alone, 'inv.md'), 'utf8');
    expect(md).toMatch(
      /### tokenized_rows[\s\S]*?- rows: unknown, the view cannot be read here \(IO Error: No files found/,
    );
  });
});
