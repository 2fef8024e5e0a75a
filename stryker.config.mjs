// @ts-check
import { readFileSync } from 'node:fs';

/**
 * StrykerJS mutation testing (`npm run mutate`, see docs/testing.md). One run mutates one module of
 * stryker/modules.json, chosen by MLDUCK_MUTATE_MODULE (scripts/tools/mutate.ts sets it), and keeps its own
 * incremental file: Stryker rewrites the incremental file with only the files it mutated, so modules
 * sharing one file would erase each other's results.
 */

/**
 * Where the logic lives: module name → the files mutated (`mutate`) and the test files run against them
 * (`tests`): the module's own unit tests, not every test that imports it, because the integration tests
 * (DuckDB ingests, spawned CLIs) cost seconds per mutant and a spawned CLI never sees the active mutant.
 * The score is therefore a lower bound: what the module's dedicated tests kill on their own.
 */
const MUTATION_MODULES = JSON.parse(readFileSync(new URL('./stryker/modules.json', import.meta.url), 'utf8'));

const module = process.env.MLDUCK_MUTATE_MODULE ?? 'values';
const spec = MUTATION_MODULES[module];
if (!spec)
  throw new Error(`unknown mutation module ${module}: one of ${Object.keys(MUTATION_MODULES).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  // Within the module's test files, perTest coverage runs each mutant only against the tests that reached it.
  vitest: { configFile: 'vitest.config.ts' },
  coverageAnalysis: 'perTest',
  // Two cores shared with other people: one test process at a time.
  concurrency: 1,
  mutate: spec.mutate,
  testFiles: spec.tests,
  // Static mutants (module-level code: the run-name pattern table, the NaN spellings) are not activated
  // reliably by the vitest runner here: a hand-made `'+nan': ''` fails test/core/nan-policy.test.ts, yet
  // Stryker reported that mutant as surviving it. They would also need every test file reloaded per mutant.
  // So they are left out (reported as Ignored, outside the score); MLDUCK_MUTATE_STATIC=1 includes them.
  // A module may skip mutator kinds that only make noise there (pickle-vm: the text of its error messages).
  mutator: { excludedMutations: spec.excludedMutations ?? [] },
  ignoreStatic: process.env.MLDUCK_MUTATE_STATIC !== '1',
  incremental: true,
  incrementalFile: `stryker/incremental/${module}.json`,
  reporters: ['clear-text', 'progress-append-only', 'html'],
  htmlReporter: { fileName: `reports/mutation/${module}.html` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // The sandbox copy needs the sources, tests, fixtures and examples, not scratch or generated output.
  ignorePatterns: [
    '/bench/out',
    '/tmp',
    '/.venv',
    '/reports',
    '/stryker/incremental',
    '*.duckdb',
    '*.duckdb.wal',
  ],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  timeoutMS: 20_000,
  // A mutant that hangs the process is a timeout (counted as killed), not a stuck run.
  dryRunTimeoutMinutes: 30,
};

export default config;
