// `mlduck tokenize` runs Rust, DuckDB and V8 threads, and glibc gives each thread that allocates its own
// malloc arena, which keeps memory freed but not returned: ~150 MB of a 600 MB tokenize run. glibc reads
// MALLOC_ARENA_MAX only when a process starts, so for `tokenize` of at least 32 MB of input on Linux the
// launcher runs the command in a child with MALLOC_ARENA_MAX=1 (unless the variable is set already: set
// it, e.g. to 8, to keep glibc's default) and passes its exit code or signal on. Smaller inputs peak
// lower anyway, and there the second process start and the one shared arena would cost a tenth of the
// run. The child ends when the launcher goes, even by SIGKILL (its IPC channel closes), so no tokenizer
// is ever left running on its own.
// Plain JavaScript: bin/mlduck.js reads it before any loader is registered.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const TOKENIZE_MALLOC_ARENAS = '1';
const CHILD_MARK = 'MLDUCK_ARENA_CHILD';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Input bytes from which `tokenize` runs with the arena limit. */
export const ARENA_LIMIT_FROM_BYTES = 32e6;

/**
 * Whether the `--input` of a command line holds at least `atLeast` bytes of `.jsonl` (files under a
 * folder, nested ones too: an overestimate without --recursive is harmless). Anything unreadable: false
 * (the command itself reports it).
 */
export function inputAtLeast(argv, atLeast, cwd = process.cwd()) {
  const at = argv.findIndex((a) => a === '--input' || a.startsWith('--input='));
  const value = at < 0 ? undefined : argv[at].startsWith('--input=') ? argv[at].slice(8) : argv[at + 1];
  if (!value) return false;
  let total = 0;
  const visit = (path, depth) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat || total >= atLeast) return;
    if (stat.isFile()) total += path.endsWith('.jsonl') || depth === 0 ? stat.size : 0;
    else if (stat.isDirectory() && depth < 8) {
      for (const name of readdirSync(path)) visit(join(path, name), depth + 1);
    }
  };
  try {
    visit(resolve(cwd, value), 0);
  } catch {
    return false;
  }
  return total >= atLeast;
}

/** Whether this invocation should run again in a child with the arena limit. */
export function wantsArenaLimit(argv = process.argv, env = process.env, platform = process.platform) {
  return (
    platform === 'linux' &&
    env.MALLOC_ARENA_MAX === undefined &&
    env[CHILD_MARK] === undefined &&
    argv.slice(2).includes('tokenize') &&
    inputAtLeast(argv, ARENA_LIMIT_FROM_BYTES)
  );
}

/** Runs this command again in a child with MALLOC_ARENA_MAX set; resolves once it ended (exit code set). */
export function runWithArenaLimit() {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, MALLOC_ARENA_MAX: TOKENIZE_MALLOC_ARENAS, [CHILD_MARK]: '1' },
    });
    // A signal for the launcher is the child's: it cleans up, then the launcher dies of the same signal.
    const forward = (signal) => child.kill(signal);
    for (const s of SIGNALS) process.on(s, forward);
    child.on('error', (error) => {
      process.stderr.write(`mlduck: cannot start the tokenize process: ${error.message}\n`);
      process.exitCode = 4;
    });
    child.on('close', (code, signal) => {
      for (const s of SIGNALS) process.off(s, forward);
      if (signal) process.kill(process.pid, signal);
      else process.exitCode = code ?? 4;
      resolve();
    });
  });
}

/** In the child: behave as on SIGTERM (clean up, exit) as soon as the launcher is gone. */
export function followLauncher() {
  if (process.env[CHILD_MARK] === undefined || !process.channel) return;
  process.channel.unref();
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
