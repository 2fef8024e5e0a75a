import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers.ts';

const EXAMPLE = join(REPO_ROOT, 'examples', 'library');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Runs a program without blocking the test worker (vitest talks to it meanwhile). */
function run(
  file: string,
  args: readonly string[],
  cwd: string,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error && typeof error.code === 'number' ? error.code : error ? 1 : 0;
      resolve({ status: code, stdout, stderr });
    });
  });
}

const TSC = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');

/** dist/ as `npm ci` (prepare) builds it; rebuilt (incrementally) when src/ changed since. */
async function ensureBuilt(): Promise<void> {
  const stamp = join(REPO_ROOT, 'dist', '.tsbuildinfo');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(join(REPO_ROOT, 'src'))) return;
  const build = await run(process.execPath, [TSC, '-p', 'tsconfig.build.json'], REPO_ROOT);
  if (build.status !== 0) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
  // An incremental build with nothing to do leaves the stamp as it was: mark dist/ current.
  if (existsSync(stamp)) utimesSync(stamp, new Date(), new Date());
}

/**
 * A copy of examples/library with mlduck installed by path (`npm install <repo>`, which links it). npm
 * costs seconds, so the installed copy is kept in the OS temp folder, keyed by the example's files and
 * this checkout's path; the link always shows the current dist/.
 */
async function installedExample(): Promise<string> {
  const hash = createHash('sha256').update(REPO_ROOT);
  for (const name of readdirSync(EXAMPLE).sort()) hash.update(name).update(readFileSync(join(EXAMPLE, name)));
  const dir = join(tmpdir(), `mlduck-library-example-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(join(dir, 'node_modules', 'mlduck', 'package.json'))) return dir;
  const building = `${dir}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  cpSync(EXAMPLE, building, { recursive: true });
  const npm = await run(
    'npm',
    ['install', REPO_ROOT, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'],
    building,
  );
  if (npm.status !== 0) throw new Error(`npm install failed: ${npm.stderr}`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(building, dir);
  return dir;
}

describe('mlduck as a library', () => {
  it('a project outside the repo installs it by path, typechecks, and runs a typed Kysely query in plain node', async () => {
    await ensureBuilt();
    const project = await installedExample();

    // Types reach the script: a misspelled column fails the typecheck, the example passes it.
    const script = readFileSync(join(project, 'script.mjs'), 'utf8');
    writeFileSync(
      join(project, 'wrong.mjs'),
      script.replace("select(['params', 'data'])", "select(['paramz', 'data'])"),
    );
    writeFileSync(
      join(project, 'tsconfig.check.json'),
      JSON.stringify({ extends: './tsconfig.json', files: ['script.mjs', 'questions.mjs', 'wrong.mjs'] }),
    );
    const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.check.json'], project);
    const errors = tsc.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((l) => l.startsWith('wrong.mjs'))).toBe(true);
    expect(tsc.stdout).toMatch(/paramz/);

    const ran = await run(
      process.execPath,
      ['script.mjs', join(REPO_ROOT, 'warehouse.duckdb.example')],
      project,
    );
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    const lines = ran.stdout.trim().split('\n');
    expect(lines.slice(0, 3).every((l) => /^\d+M\t\S+\t\d+\.\d\d$/.test(l))).toBe(true);
    expect(lines).toContain('wandb runs: 6');
    expect(lines.some((l) => /^qa instances: [1-9]\d*$/.test(l))).toBe(true);

    // The ten questions of docs/querying.md, in Kysely: each runs and finds rows in the demo warehouse.
    const questions = await run(
      process.execPath,
      ['questions.mjs', join(REPO_ROOT, 'warehouse.duckdb.example')],
      project,
    );
    expect(questions.stderr).toBe('');
    const answers = questions.stdout.trim().split('\n');
    expect(answers).toHaveLength(10);
    expect(answers.every((l) => /^\w+: [1-9]\d* rows$/.test(l))).toBe(true);
  }, 300_000); // a first run builds dist/ and runs npm install; later runs reuse both
});
