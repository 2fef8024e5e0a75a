import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB and spawned CLIs are CPU-heavy; two cores is the target machine.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // Test files share their fork's modules instead of each booting vitest, DuckDB's bindings and the
    // helpers again (0.57× the CPU on the 44 quickest files; about 0.9× the whole suite's). Nothing a test
    // leaves behind is global: temp folders and warehouses are per test (test/setup.ts cleans them), and a
    // test that changes the working folder restores it.
    isolate: false,
  },
});
