#!/usr/bin/env node
// Runs the compiled CLI (dist/cli/, see cli-build.js) while it is current, else the TypeScript directly
// through tsx, so a fresh clone needs no build step and an edited source is never run stale. `tokenize`
// runs in a child process with fewer malloc arenas (arena-limit.js).
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { followLauncher, runWithArenaLimit, wantsArenaLimit } from './arena-limit.js';
import { currentCliBuild } from './cli-build.js';

if (wantsArenaLimit()) await runWithArenaLimit();
else {
  followLauncher();
  const compiled = currentCliBuild(dirname(dirname(fileURLToPath(import.meta.url))));
  let entry = compiled && pathToFileURL(compiled).href;
  if (!entry) {
    const { register } = await import('tsx/esm/api');
    register();
    entry = '../main.ts';
  }
  const { main } = await import(entry);
  process.exitCode = await main(process.argv);
}
