import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OpenOptions, Warehouse } from '../src/warehouse.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'mlduck.js');

const cleanups: (() => void)[] = [];

/** Runs `fn` after the current test (async work is started, not awaited). */
export function afterThisTest(fn: () => unknown): void {
  cleanups.push(() => void fn());
}

/** Removes what the test made (temp folders, open warehouses): run after each test by test/setup.ts. */
export function runCleanups(): void {
  for (const fn of cleanups.splice(0).reverse()) fn();
}

/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = 'mlduck-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TempWarehouseOptions extends OpenOptions {
  /**
   * Migrate a new empty file instead of copying the schema snapshot: for tests of the migrations
   * themselves. Custom `sqlDir`/`viewsDir` always get a fresh file.
   */
  fresh?: boolean;
}

/**
 * A new warehouse file in a temporary folder, closed and removed after the test. Unless `fresh`, it
 * starts as a copy of the schema snapshot (src/new-warehouse.ts, built by the global setup), as every new
 * warehouse does, because migrating a new file costs seconds (thousands of COMMENT ON statements) while a
 * copy costs milliseconds; opening the copy still runs `migrate()`, which finds nothing to do.
 */
export async function tempWarehouse(options: TempWarehouseOptions = {}): Promise<Warehouse> {
  const { fresh, ...openOptions } = options;
  const path = join(tempDir(), 'warehouse.duckdb');
  const wh = await Warehouse.open(path, fresh ? { ...openOptions, fromSnapshot: false } : openOptions);
  cleanups.push(() => wh.close());
  return wh;
}

/**
 * The path of a new, closed, already migrated warehouse file (by default in a temporary folder removed
 * after the test; an existing file at `path` is overwritten): for `runCli(['--db', path, …])`.
 */
export async function migratedWarehouseFile(path = join(tempDir(), 'warehouse.duckdb')): Promise<string> {
  snapshot ??= Warehouse.buildSchemaSnapshot();
  const built = await snapshot;
  if (!built) throw new Error('no schema snapshot: the package sources are missing');
  copyFileSync(built, path);
  return path;
}

let snapshot: Promise<string | null> | undefined;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mlduck ARGS` as a user would (a child process), with an optional stdin text. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: { ...process.env, MLDUCK_DB: undefined, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}
