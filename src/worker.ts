import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * The one way mlduck starts a worker thread on a TypeScript entry. Workers do not inherit the loader the
 * main thread runs under (tsx under the CLI, Vite under vitest), so a tiny bootstrap registers tsx inside
 * the worker first, then imports the entry. (Plain JavaScript entries need none of it: `new Worker(url)`.)
 * Run from the compiled CLI (bin/cli-build.js), the entry's `.ts` is not there but its compiled `.js`
 * sibling is, and that starts as it is.
 */
export function startTsWorker(entry: URL, workerData?: unknown): Worker {
  const compiled = new URL(entry.href.replace(/\.ts$/, '.js'));
  if (
    compiled.href !== entry.href &&
    !existsSync(fileURLToPath(entry)) &&
    existsSync(fileURLToPath(compiled))
  )
    return new Worker(compiled, { workerData });
  // tsx's ESM API entry, found through its package.json (import.meta.resolve is missing under vitest).
  const api = pathToFileURL(
    join(
      dirname(createRequire(import.meta.url).resolve('tsx/package.json')),
      'dist',
      'esm',
      'api',
      'index.mjs',
    ),
  ).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(code, { eval: true, workerData });
}
