// The compiled CLI: the TypeScript of main.ts, src/, ingest/, plot/ and pull/ as plain JavaScript in
// dist/cli/ (same layout), so a command does not pay tsx's start-up (about a quarter of a second of CPU
// per command, more than a read-only `mlduck status` spends on its own work), plus dist/cli/mlduck.js:
// main.ts bundled with its packages into one file, because loading ~350 modules one by one (@duckdb/node-api
// alone is 188 files) cost a spawned command more CPU than loading one file (measured: `--version` 0.27 →
// 0.14 CPU-s, `status` 0.36 → 0.26). Worker threads start from the file-by-file tree.
//
// bin/mlduck.js runs dist/cli/ only while it is current: built after the newest source file changed.
// After an edit it runs the sources through tsx until the next build (`npm run build`, `npm ci`, or
// `npm test`, whose global setup rebuilds a stale one), so a stale build is never what runs.
//
// Plain JavaScript (not TypeScript): bin/mlduck.js reads it before any loader is registered.
import { readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What the CLI is made of, relative to the package root. */
const CLI_SOURCES = ['main.ts', 'src', 'ingest', 'plot', 'pull'];

const OUT_DIR = join('dist', 'cli');
/** The bundled entry, in OUT_DIR. */
const BUNDLE = 'mlduck.js';
/**
 * Packages left out of the bundle: native addons (found at run time beside their package) and the build and
 * TypeScript tools, which the CLI only resolves when it runs from source.
 */
const UNBUNDLED_PACKAGES = ['@duckdb/node-bindings*', '@resvg/resvg-js', 'tokenizers', 'esbuild', 'tsx'];
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
 * The compiled entry (dist/cli/mlduck.js, the bundle) when it is current — its build started after every source file
 * was last modified — else null (no build, or a source changed since).
 */
export function currentCliBuild(root) {
  const stamp = statSync(join(root, OUT_DIR, STAMP), { throwIfNoEntry: false });
  if (!stamp) return null;
  for (const file of cliSourceFiles(root)) {
    if (statSync(file).mtimeMs > stamp.mtimeMs) return null;
  }
  return join(root, OUT_DIR, BUNDLE);
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
  await build({
    absWorkingDir: root,
    entryPoints: ['main.ts'],
    outfile: join(OUT_DIR, BUNDLE),
    bundle: true,
    external: UNBUNDLED_PACKAGES,
    plugins: [ownLocationPlugin(root)],
    // Whitespace and syntax only (names stay, so stack traces read): 3.9 → 2.7 MB, less to parse at start.
    minifyWhitespace: true,
    minifySyntax: true,
    // Bundled CommonJS packages call require() (node: modules, the unbundled packages).
    banner: {
      js: "import { createRequire as mlduckCreateRequire } from 'node:module';\nconst require = mlduckCreateRequire(import.meta.url);",
    },
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
  const stamp = join(root, OUT_DIR, STAMP);
  writeFileSync(stamp, `${started.toISOString()}\n`);
  // The build's start, not its end: a source edited while it ran is newer than the stamp.
  utimesSync(stamp, started, started);
  return join(root, OUT_DIR, BUNDLE);
}

/**
 * In the bundle every module shares the bundle's `import.meta.url`; this gives each of the package's own
 * modules the URL of its file-by-file compiled twin instead (dist/cli/<same path>.js), so what a module finds
 * beside itself (a worker file, a package through createRequire, the package root) is what it finds when it
 * runs from the tree or from source.
 */
function ownLocationPlugin(root) {
  return {
    name: 'own-import-meta-url',
    setup(builder) {
      builder.onLoad({ filter: /\.(ts|js|mjs)$/ }, (args) => {
        const path = relative(root, args.path);
        if (path.startsWith('..') || path.split(sep).includes('node_modules')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const twin = `./${path
          .split(sep)
          .join('/')
          .replace(/\.ts$/, '.js')
          .replace(/\.mts$/, '.mjs')}`;
        return {
          contents: source.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(twin)}, import.meta.url).href`,
          ),
          loader: args.path.endsWith('.ts') ? 'ts' : 'js',
        };
      });
    },
  };
}

// `node bin/cli-build.js`: build now (npm run build, npm ci's prepare), then the schema snapshot new
// warehouses start from (src/new-warehouse.ts), with the code just built.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const entry = await buildCli(dirname(dirname(fileURLToPath(import.meta.url))));
  const { Warehouse } = await import(pathToFileURL(join(dirname(entry), 'src', 'warehouse.js')).href);
  await Warehouse.buildSchemaSnapshot();
}
