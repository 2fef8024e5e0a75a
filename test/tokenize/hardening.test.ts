// Issue 14 (items 5 and 7) for tokenize: worker failures, temp folders, invalid UTF-8, link loops, malformed
// tokenizers, the warehouse lock and --verify. Each case failed on the main branch before the fix.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledLlama32TokenizerDir } from '../../ingest/tokenize/tokenizer.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { BIN, migratedWarehouseFile, runCli, tempDir } from '../helpers.ts';

const LLAMA = bundledLlama32TokenizerDir()!;

/** `count` small documents, one per line. */
function documents(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++)
    text += `${JSON.stringify({ text: `Document ${i}: the duck reads lines.` })}\n`;
  return text;
}

function tempFolders(out: string): string[] {
  return existsSync(out) ? readdirSync(out).filter((n) => n.startsWith('.tokenize-tmp-')) : [];
}

const tokenize = (dir: string, input: string, out: string, extra: string[] = []) =>
  runCli(['tokenize', '--input', input, '--output', out, '--tokenizer', LLAMA, '--no-register', ...extra], {
    cwd: dir,
  });

describe('tokenize workers fail like the main thread', () => {
  it('a bad JSON line behind batches in flight on worker threads: one line, exit 2, no temp folder', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'c.jsonl'), `${documents(3000)}{bad json\n`);
    const run = await tokenize(dir, 'in', 'out', ['--workers', '2']);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(/c\.jsonl:3001: invalid JSON/)]);
    expect(run.code).toBe(2);
    expect(tempFolders(join(dir, 'out'))).toEqual([]);
  });

  it('invalid UTF-8 is an error naming the file, the line and the byte offset', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    const good = Buffer.from(documents(3));
    // Line 4: {"text": "ab<0xff>"} — the bad byte is 12 bytes into the line.
    const bad = Buffer.concat([Buffer.from('{"text": "ab'), Buffer.from([0xff]), Buffer.from('"}\n')]);
    writeFileSync(join(dir, 'in', 'latin.jsonl'), Buffer.concat([good, bad]));
    const run = await tokenize(dir, 'in', 'out', ['--workers', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`latin.jsonl:4: invalid UTF-8 at byte ${good.length + 12} of the file`);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(tempFolders(join(dir, 'out'))).toEqual([]);
  });

  it('removes the temp folder of a killed run (dead pid) on the next run, and keeps a live one', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'a.jsonl'), documents(5));
    // A pid that cannot be alive (above Linux's pid_max), and ours (alive: the test runner).
    for (const pid of [4_194_999, process.pid]) {
      mkdirSync(join(dir, 'out', `.tokenize-tmp-${pid}`), { recursive: true });
      writeFileSync(join(dir, 'out', `.tokenize-tmp-${pid}`, 'spill.tmp'), 'x');
    }
    // Linux: a live pid now held by another process than the one that made the folder (pids are reused) —
    // the start time in its host file tells; with the runner's own start time it is the runner's.
    const linux = process.platform === 'linux';
    if (linux) {
      const stat = readFileSync('/proc/self/stat', 'utf8');
      const startTime = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
      for (const [suffix, started] of [
        ['0a', '1'],
        ['0b', startTime],
      ] as const) {
        const folder = join(dir, 'out', `.tokenize-tmp-${process.pid}-${suffix}`);
        mkdirSync(folder);
        writeFileSync(join(folder, 'host'), `${hostname()}\n${started}\n`);
      }
    }
    const run = await tokenize(dir, 'in', 'out', ['--workers', '1']);
    expect(run.code).toBe(0);
    expect(tempFolders(join(dir, 'out')).sort()).toEqual(
      [`.tokenize-tmp-${process.pid}`, ...(linux ? [`.tokenize-tmp-${process.pid}-0b`] : [])].sort(),
    );
  });

  it('SIGTERM during a run removes its temp folder', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'big.jsonl'), documents(200_000));
    const child = spawn(
      process.execPath,
      [BIN, 'tokenize', '--input', 'in', '--output', 'out', '--tokenizer', LLAMA, '--no-register'],
      { cwd: dir, stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
    while (tempFolders(join(dir, 'out')).length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(tempFolders(join(dir, 'out'))).toEqual([]);
  }, 60_000);

  it.runIf(process.platform === 'linux')(
    'tokenize of ≥ 32 MB runs in a child with MALLOC_ARENA_MAX=1, which ends (removing its temp folder) when the launcher is SIGKILLed',
    async () => {
      const dir = tempDir();
      mkdirSync(join(dir, 'in'));
      const line = `${JSON.stringify({ text: 'the duck reads lines. '.repeat(10) })}\n`;
      writeFileSync(join(dir, 'in', 'big.jsonl'), line.repeat(Math.ceil(33e6 / line.length)));
      const env = { ...process.env };
      delete env['MALLOC_ARENA_MAX'];
      const launcher = spawn(
        process.execPath,
        [BIN, 'tokenize', '--input', 'in', '--output', 'out', '--tokenizer', LLAMA, '--no-register'],
        { cwd: dir, stdio: 'ignore', env },
      );
      const exited = new Promise<void>((resolve) => launcher.on('exit', () => resolve()));
      while (tempFolders(join(dir, 'out')).length === 0) await new Promise((r) => setTimeout(r, 20));
      // The temp folder is named by the process that tokenizes: the launcher's child.
      const pid = Number(/^\.tokenize-tmp-(\d+)-/.exec(tempFolders(join(dir, 'out'))[0]!)?.[1]);
      expect(pid).not.toBe(launcher.pid);
      expect(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')).toContain('MALLOC_ARENA_MAX=1');
      launcher.kill('SIGKILL');
      await exited;
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (let waited = 0; alive() && waited < 10_000; waited += 20)
        await new Promise((r) => setTimeout(r, 20));
      expect(alive()).toBe(false);
      expect(tempFolders(join(dir, 'out'))).toEqual([]);
      // It stopped, not finished: no manifest.
      expect(existsSync(join(dir, 'out', 'manifest.json'))).toBe(false);
    },
    60_000,
  );
});

describe('tokenize: smaller hardening', () => {
  it('a link loop under --recursive is a clear input error; a link back up the tree is walked once', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'in', 'sub', 'a.jsonl'), documents(3));
    symlinkSync('..', join(dir, 'in', 'sub', 'up'));
    const walked = await tokenize(dir, 'in', 'out', ['--recursive', '--workers', '1']);
    expect(walked.code).toBe(0);
    expect(walked.stdout).toMatch(/written\s+a\s+3 docs/);
    expect(walked.stdout.match(/^written/gm)).toHaveLength(1);

    symlinkSync('loop.jsonl', join(dir, 'in', 'loop.jsonl'));
    const loop = await tokenize(dir, 'in', 'out2', ['--recursive', '--workers', '1']);
    expect(loop.code).toBe(2);
    expect(loop.stderr).toMatch(/loop\.jsonl: symbolic link loop/);
  });

  it('a valid-JSON but malformed tokenizer.json is an input error naming the file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    mkdirSync(join(dir, 'tok'));
    writeFileSync(join(dir, 'in', 'a.jsonl'), documents(3));
    writeFileSync(join(dir, 'tok', 'tokenizer.json'), '{"model": 5}\n');
    for (const workers of ['1', '2']) {
      const run = await runCli(
        [
          'tokenize',
          '--input',
          'in',
          '--output',
          'out',
          '--tokenizer',
          'tok',
          '--no-register',
          '--workers',
          workers,
        ],
        { cwd: dir },
      );
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(join('tok', 'tokenizer.json'));
      expect(run.stderr).toContain('not a usable tokenizer.json');
    }
  });

  it('a locked warehouse exits 3 before any tokenizing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'a.jsonl'), documents(3));
    const db = await migratedWarehouseFile(join(dir, 'w.duckdb'));
    const holder = await Warehouse.open(db);
    try {
      const run = await runCli(
        ['--db', db, 'tokenize', '--input', 'in', '--output', 'out', '--tokenizer', LLAMA, '--workers', '1'],
        { cwd: dir },
      );
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('locked');
      expect(existsSync(join(dir, 'out'))).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('--skip-existing --verify redoes a split whose shard was altered without changing its size', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in'));
    writeFileSync(join(dir, 'in', 'a.jsonl'), documents(50));
    const opts = ['--workers', '1', '--skip-existing', '--max-seq-length', '64'];
    expect((await tokenize(dir, 'in', 'out', opts)).code).toBe(0);
    const shard = join(dir, 'out', 'a', 'shard_0000.parquet');
    const original = readFileSync(shard);
    const fd = openSync(shard, 'r+');
    writeSync(fd, Buffer.from([original[100]! ^ 0xff]), 0, 1, 100);
    closeSync(fd);
    const trusting = await tokenize(dir, 'in', 'out', opts);
    expect(trusting.stdout).toMatch(/skipped\s+a/);
    const verified = await tokenize(dir, 'in', 'out', [...opts, '--verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/written\s+a/);
    expect(readFileSync(shard).equals(original)).toBe(true);
  });
});
