// `mlduck tokenize` runs Rust, DuckDB and V8 threads, and glibc gives each thread that allocates its own
// malloc arena, which keeps memory freed but not returned: ~150 MB of a 600 MB tokenize run. glibc reads
// MALLOC_ARENA_MAX only when a process starts, so for `tokenize` on Linux the launcher runs the command
// in a child with MALLOC_ARENA_MAX=1 (unless the variable is set already: set it, e.g. to 8, to keep
// glibc's default) and passes its exit code or signal on. The child ends when the launcher goes, even by
// SIGKILL (its IPC channel closes), so no tokenizer is ever left running on its own.
// Plain JavaScript: bin/mlduck.js reads it before any loader is registered.
import { spawn } from 'node:child_process';

export const TOKENIZE_MALLOC_ARENAS = '1';
const CHILD_MARK = 'MLDUCK_ARENA_CHILD';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Whether this invocation should run again in a child with the arena limit. */
export function wantsArenaLimit(argv = process.argv, env = process.env, platform = process.platform) {
  return (
    platform === 'linux' &&
    env.MALLOC_ARENA_MAX === undefined &&
    env[CHILD_MARK] === undefined &&
    argv.slice(2).includes('tokenize')
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
