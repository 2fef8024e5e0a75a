/**
 * `npm run mutate [--force] [--report] [module…]`: StrykerJS over the modules of stryker/modules.json, one module per run (each
 * with its own incremental file, so a re-run only tests the mutants whose code or tests changed), at
 * low priority, then the mutation score per module. Not part of CI (.ci/run): a cold run takes hours
 * on two shared cores. See docs/testing.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import MUTATION_MODULES from '../../stryker/modules.json' with { type: 'json' };

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface MutantResult {
  status: string;
  location: { start: { line: number } };
}

/** A module's `mutate` entries: a file, or `file:first-last` for a range of lines. */
interface MutateScope {
  file: string;
  first: number;
  last: number;
}

function parseScope(entry: string): MutateScope {
  const m = /^(.*):(\d+)-(\d+)$/.exec(entry);
  return m
    ? { file: m[1]!, first: Number(m[2]), last: Number(m[3]) }
    : { file: entry, first: 1, last: Infinity };
}
interface IncrementalReport {
  files: Record<string, { mutants: MutantResult[] }>;
}

export interface ModuleScore {
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  ignored: number;
  /** killed ÷ (killed + survived), timeouts counted as killed, no-coverage as survived; null without mutants. */
  score: number | null;
}

/**
 * The score of one module from its incremental report (the mutation-testing-report schema), counting only
 * the mutants inside the module's `mutate` entries (an incremental file keeps results from wider runs).
 */
export function moduleScore(report: IncrementalReport, mutate: readonly string[]): ModuleScore {
  const counts = { killed: 0, survived: 0, timeout: 0, noCoverage: 0, ignored: 0 };
  const scopes = mutate.map(parseScope);
  for (const [name, file] of Object.entries(report.files)) {
    const inFile = scopes.filter((s) => s.file === name);
    for (const { status, location } of file.mutants) {
      const line = location.start.line;
      if (!inFile.some((s) => line >= s.first && line <= s.last)) continue;
      if (status === 'Killed') counts.killed++;
      else if (status === 'Survived') counts.survived++;
      else if (status === 'Timeout') counts.timeout++;
      else if (status === 'NoCoverage') counts.noCoverage++;
      else counts.ignored++; // Ignored, CompileError, RuntimeError: not test outcomes.
    }
  }
  const detected = counts.killed + counts.timeout;
  const undetected = counts.survived + counts.noCoverage;
  return { ...counts, score: detected + undetected === 0 ? null : detected / (detected + undetected) };
}

function incrementalFile(module: string): string {
  return join(ROOT, 'stryker', 'incremental', `${module}.json`);
}

/**
 * The incremental files are committed: the folder this machine ran in is not theirs to record, nor the
 * temporary folders of the tests, which the reasons a mutant was killed quote (`…/mlduck-test-Xy12/w.duckdb
 * does not exist`).
 */
function forgetMachinePath(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const kept = text
    .replace(/"projectRoot": "[^"]*"/, '"projectRoot": "."')
    .split(ROOT)
    .join('')
    .split(`${tmpdir()}${sep}`)
    .join(`<tmp>${sep}`);
  if (kept !== text) writeFileSync(file, kept);
}

function main(args: string[]): number {
  const known = Object.keys(MUTATION_MODULES);
  const reportOnly = args.includes('--report');
  // --force: test every mutant again (incremental reuse cannot see that a new test kills an old survivor).
  const strykerFlags = args.filter((a) => a === '--force');
  const chosen = args.filter((a) => !a.startsWith('--'));
  const unknown = chosen.filter((m) => !known.includes(m));
  if (unknown.length > 0) {
    process.stderr.write(`mutate: unknown module ${unknown.join(', ')}: one of ${known.join(', ')}\n`);
    return 1;
  }
  const modules = chosen.length > 0 ? chosen : known;
  let status = 0;
  if (!reportOnly) {
    for (const module of modules) {
      process.stdout.write(`\n== mutate ${module}\n`);
      const run = spawnSync(
        'nice',
        ['-n', '10', join(ROOT, 'node_modules', '.bin', 'stryker'), 'run', ...strykerFlags],
        {
          cwd: ROOT,
          stdio: 'inherit',
          env: { ...process.env, MLDUCK_MUTATE_MODULE: module },
        },
      );
      if (run.status !== 0) status = run.status ?? 4;
      forgetMachinePath(incrementalFile(module));
    }
  }
  process.stdout.write('\nmodule            killed  timeout  survived  no-cov  score\n');
  for (const module of modules) {
    const file = incrementalFile(module);
    if (!existsSync(file)) {
      process.stdout.write(`${module.padEnd(16)}  (not run yet)\n`);
      continue;
    }
    const { mutate } = MUTATION_MODULES[module as keyof typeof MUTATION_MODULES];
    const s = moduleScore(JSON.parse(readFileSync(file, 'utf8')) as IncrementalReport, mutate);
    const score = s.score === null ? '—' : `${(100 * s.score).toFixed(1)}%`;
    process.stdout.write(
      `${module.padEnd(16)}  ${String(s.killed).padStart(6)}  ${String(s.timeout).padStart(7)}  ${String(s.survived).padStart(8)}  ${String(s.noCoverage).padStart(6)}  ${score.padStart(6)}\n`,
    );
  }
  return status;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
