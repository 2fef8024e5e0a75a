export const TOKENIZE_MALLOC_ARENAS: string;
/** Input bytes from which `tokenize` runs with the arena limit. */
export const ARENA_LIMIT_FROM_BYTES: number;
/** Whether the `--input` of a command line holds at least `atLeast` bytes of `.jsonl`. */
export function inputAtLeast(argv: readonly string[], atLeast: number, cwd?: string): boolean;
/** Whether this invocation should run again in a child with the arena limit. */
export function wantsArenaLimit(
  argv?: readonly string[],
  env?: Record<string, string | undefined>,
  platform?: string,
): boolean;
/** Runs this command again in a child with MALLOC_ARENA_MAX set; resolves once it ended (exit code set). */
export function runWithArenaLimit(): Promise<void>;
/** In the child: behave as on SIGTERM (clean up, exit) as soon as the launcher is gone. */
export function followLauncher(): void;
