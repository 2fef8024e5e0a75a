import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLUGINS } from '../../main.ts';
import { buildProgram } from '../../src/cli.ts';
import { migratedWarehouseFile, REPO_ROOT, runCli } from '../helpers.ts';

/**
 * Every command that only reads, with arguments that make it succeed on a warehouse holding the datasets
 * registry of examples/data; `out` is a
 * folder for what the command writes besides the warehouse (charts, exports, generated files).
 */
const READERS: { command: string; args: (out: string) => string[]; input?: string }[] = [
  { command: 'status', args: () => ['status'] },
  { command: 'query', args: () => ['query', '-f', 'csv', 'SELECT count(*) AS n FROM ingest_log'] },
  { command: 'shell', args: () => ['shell'], input: 'SELECT count(*) AS n FROM ingest_log;\n' },
  { command: 'datasets list', args: () => ['datasets', 'list', '-f', 'csv'] },
  { command: 'datasets show', args: () => ['datasets', 'show', 'train'] },
  { command: 'datasets mix', args: () => ['datasets', 'mix', '-f', 'csv'] },
  { command: 'codegen', args: (out) => ['codegen', '--out', join(out, 'schema.ts')] },
  { command: 'inventory', args: (out) => ['inventory', '--out', join(out, 'inventory.md')] },
  { command: 'export', args: (out) => ['export', join(out, 'export')] },
  {
    command: 'plot',
    args: (out) => [
      'plot',
      'sql',
      '--sql',
      'SELECT stage AS x, count(*) AS y FROM datasets GROUP BY stage',
      '--x',
      'x',
      '--y',
      'y',
      '--out',
      join(out, 'chart.svg'),
    ],
  },
  { command: 'report', args: (out) => ['report', '--out', join(out, 'report.html')] },
];

/** Commands that write to the warehouse (or fetch, or build one), so not held to the readers' rules. */
const WRITERS = [
  'demo',
  'ingest',
  'tokenize',
  'datasets scan',
  'datasets manifest',
  'datasets convert',
  'pull',
  'import',
];

/**
 * A temporary folder removed after the whole file: the helpers' `tempDir` is removed after each test, which
 * fits neither a `beforeAll` warehouse nor concurrent tests.
 */
const folders: string[] = [];
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mlduck-readers-'));
  folders.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('commands that only read', () => {
  it('are every command of `mlduck --help` that is not a writer', () => {
    const { program } = buildProgram(PLUGINS);
    const names: string[] = [];
    for (const command of program.commands) {
      // A group whose subcommands differ (datasets) is listed by subcommand; others by name.
      const subs = command.name() === 'datasets' ? command.commands : [];
      if (subs.length === 0) names.push(command.name());
      for (const sub of subs) names.push(`${command.name()} ${sub.name()}`);
    }
    expect(names.sort()).toEqual([...READERS.map((r) => r.command), ...WRITERS].sort());
  });

  describe('while another process holds the warehouse read-only (so no writer could open it)', () => {
    let db: string;
    let holder: ChildProcess;
    let before: string;
    beforeAll(async () => {
      db = await migratedWarehouseFile(join(folder(), 'warehouse.duckdb'));
      const scan = await runCli(['--db', db, 'datasets', 'scan', 'examples/data']);
      expect(scan.code, scan.stderr).toBe(0);
      before = sha256(db);
      holder = spawn(
        process.execPath,
        [join(REPO_ROOT, 'test/fixtures/core/hold-lock.mjs'), db, 'read-only'],
        { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on('data', (d: Buffer) => {
          if (d.toString().includes('ready')) resolve();
        });
        holder.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
      });
    });
    afterAll(() => {
      holder.stdin?.end();
    });

    it.each(READERS)('$command runs, and leaves the warehouse file as it was', async (reader) => {
      const out = folder();
      const run = await runCli(['--db', db, ...reader.args(out)], { input: reader.input ?? '' });
      // A writer would get exit 3 (locked) here: the holder's shared lock refuses DuckDB's write lock.
      expect(run.stderr).not.toMatch(/locked/);
      expect(run.code, run.stderr).toBe(0);
      expect(sha256(db)).toBe(before);
      expect(existsSync(`${db}.wal`)).toBe(false);
    });

    it('a writer is refused meanwhile (the holder does hold the lock)', async () => {
      const ingest = await runCli(['--db', db, 'ingest', 'wandb', join(REPO_ROOT, 'examples/wandb/v3')]);
      expect(ingest.code).toBe(3);
    });
  });

  it.concurrent.each(READERS)(
    '$command with a --db that does not exist exits 2 and creates no file',
    async (reader) => {
      const dir = folder();
      const out = folder();
      const db = join(dir, 'typo.duckdb');
      const run = await runCli(['--db', db, ...reader.args(out)], { input: reader.input ?? '' });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `mlduck: warehouse ${db} does not exist — build one with \`mlduck demo\` or \`mlduck ingest …\` first, or pass another --db\n`,
      );
      expect(readdirSync(dir)).toEqual([]);
      expect(readdirSync(out)).toEqual([]);
    },
    120_000,
  );
});
