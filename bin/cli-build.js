// The compiled CLI: the TypeScript of main.ts, src/, ingest/, plot/ and pull/ as plain JavaScript in
// dist/cli/ (same layout), so a command does not pay tsx's start-up (about a quarter of a second of CPU
// per command, more than a read-only `mlduck status` spends on its own work).
//
// bin/mlduck.js runs dist/cli/ only while it is current: built after the newest source file changed.
// After an edit it runs the sources through tsx until the next build (`npm run build`, `npm ci`, or
// `npm test`, whose global setup rebuilds a stale one), so a stale build is never what runs.
//
// Plain JavaScript (not TypeScript): bin/mlduck.js reads it before any loader is registered.
import { readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the CLI is made of, relative to the package root. */
const CLI_SOURCES = ['main.ts', 'src', 'ingest', 'plot', 'pull'];

const OUT_DIR = join('dist', 'cli');
/** Written last by a build, with the build's start as its modification time. */
const STAMP = '.built';
const SOURCE_FILE = /\.(ts|js|mjs)$/;

/** Every source file of the CLI (TypeScript, and the JavaScript workers beside it), absolute. */
export function cliSourceFiles(root) {
  const files = [];
  const visit = (path) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    } else if (SOURCE_FILE.test(path) && !path.endsWith('.d.ts')) {
      files.push(path);
    }
  };
  for (const source of CLI_SOURCES) visit(join(root, source));
  return files;
}

/**
 * The compiled entry (dist/cli/main.js) when it is current — its build started after every source file
 * was last modified — else null (no build, or a source changed since).
 */
export function currentCliBuild(root) {
  const stamp = statSync(join(root, OUT_DIR, STAMP), { throwIfNoEntry: false });
  if (!stamp) return null;
  for (const file of cliSourceFiles(root)) {
    if (statSync(file).mtimeMs > stamp.mtimeMs) return null;
  }
  return join(root, OUT_DIR, 'main.js');
}

/**
 * Compiles the CLI's sources file by file with esbuild (what tsx runs them through, so the code that runs
 * is the same), rewriting relative `.ts` imports to `.js`. Returns the compiled entry.
 */
export async function buildCli(root) {
  const started = new Date();
  const { build } = await import('esbuild');
  // From scratch: a compiled file whose source was deleted must not linger to be imported.
  rmSync(join(root, OUT_DIR), { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: cliSourceFiles(root).map((file) => relative(root, file)),
    outdir: OUT_DIR,
    outbase: '.',
    // Each file on its own: every import stays an import (packages and relative files alike).
    bundle: true,
    packages: 'external',
    plugins: [
      {
        name: 'relative-imports-stay-imports',
        setup(builder) {
          builder.onResolve({ filter: /^\.\.?\// }, (args) =>
            args.kind === 'entry-point'
              ? undefined
              : { path: args.path.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs'), external: true },
          );
        },
      },
    ],
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.js' },
    logLevel: 'error',
  });
  const stamp = join(root, OUT_DIR, STAMP);
  writeFileSync(stamp, `${started.toISOString()}\n`);
  // The build's start, not its end: a source edited while it ran is newer than the stamp.
  utimesSync(stamp, started, started);
  return join(root, OUT_DIR, 'main.js');
}

// `node bin/cli-build.js`: build now (npm run build, npm ci's prepare), then the schema snapshot new
// warehouses start from (src/new-warehouse.ts), with the code just built.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entry = await buildCli(dirname(dirname(fileURLToPath(import.meta.url))));
  const { Warehouse } = await import(pathToFileURL(join(dirname(entry), 'src', 'warehouse.js')).href);
  await Warehouse.buildSchemaSnapshot();
}
