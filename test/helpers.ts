import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { type OpenOptions, Warehouse } from '../src/warehouse.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'mlduck.js');

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0).reverse()) fn();
});

/** A fresh temporary folder, removed after the test. */
export function tempDir(prefix = 'mlduck-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TempWarehouseOptions extends OpenOptions {
  /**
   * Migrate a new empty file instead of copying the migrated template: for tests of the migrations
   * themselves. Custom `sqlDir`/`viewsDir` and `readOnly` always get a fresh file.
   */
  fresh?: boolean;
}

/**
 * A new warehouse file in a temporary folder, closed and removed after the test. Unless `fresh`, it is a
 * copy of a migrated template (a DuckDB file copied while closed is a valid database), because migrating
 * a new file costs seconds (thousands of COMMENT ON statements) while a copy costs milliseconds; opening
 * the copy still runs `migrate()`, which finds nothing to do.
 */
export async function tempWarehouse(options: TempWarehouseOptions = {}): Promise<Warehouse> {
  const { fresh, ...openOptions } = options;
  const path = join(tempDir(), 'warehouse.duckdb');
  const usesTemplate = !fresh && !options.readOnly && !options.sqlDir && !options.viewsDir;
  if (usesTemplate) copyFileSync(await migratedTemplate(), path);
  const wh = await Warehouse.open(path, openOptions);
  cleanups.push(() => wh.close());
  return wh;
}

/**
 * The path of a new, closed, already migrated warehouse file (by default in a temporary folder removed
 * after the test; an existing file at `path` is overwritten): for `runCli(['--db', path, …])`, whose child process then skips the seconds of migrating.
 */
export async function migratedWarehouseFile(path = join(tempDir(), 'warehouse.duckdb')): Promise<string> {
  copyFileSync(await migratedTemplate(), path);
  return path;
}

let template: Promise<string> | undefined;

/**
 * The path of a closed warehouse migrated with the package's sql/ and views/, shared by every test process
 * of every run through the OS temp folder. Its name hashes everything that decides its content (migrations,
 * views, the warehouse code, the DuckDB version), so a changed migration builds a new one; it is built
 * under a private name and renamed into place, so concurrent builders never expose a half-written file.
 */
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const path = join(tmpdir(), `mlduck-test-template-${templateKey()}.duckdb`);
    if (existsSync(path)) return path;
    const building = `${path}.${process.pid}.building`;
    rmSync(building, { force: true });
    const wh = await Warehouse.open(building);
    // Everything in the one file: a copy of it alone must be the whole database.
    await wh.run('CHECKPOINT');
    wh.close();
    if (existsSync(`${building}.wal`)) throw new Error(`template ${building} kept a write-ahead log`);
    renameSync(building, path);
    return path;
  })();
  return template;
}

function templateKey(): string {
  const hash = createHash('sha256');
  for (const dir of ['sql', 'views']) {
    const full = join(REPO_ROOT, dir);
    for (const name of readdirSync(full).sort())
      hash.update(`${dir}/${name}\0`).update(readFileSync(join(full, name)));
  }
  hash.update(readFileSync(join(REPO_ROOT, 'src', 'warehouse.ts')));
  hash.update(readFileSync(join(REPO_ROOT, 'src', 'migrations.ts')));
  hash.update(readFileSync(join(REPO_ROOT, 'node_modules', '@duckdb', 'node-api', 'package.json')));
  return hash.digest('hex').slice(0, 16);
}

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
