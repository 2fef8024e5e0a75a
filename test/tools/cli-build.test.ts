// The compiled CLI (bin/cli-build.js) runs only while it is current, and compiles a tree of TypeScript
// modules file by file into plain ESM that runs without tsx, plus one bundle of the entry in which every
// module still sees its own location.
import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCli, cliSourceFiles, currentCliBuild } from '../../bin/cli-build.js';
import { tempDir } from '../helpers.ts';

/** A package with the CLI's layout: main.ts importing src/ (TS) and a plain-JS worker beside ingest/. */
function miniPackage(): string {
  const root = tempDir();
  for (const dir of ['src', 'ingest/x', 'plot', 'pull']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  writeFileSync(
    join(root, 'main.ts'),
    "import { greet } from './src/greet.ts';\nimport { twice } from './ingest/x/twice.js';\n" +
      "export { beside } from './ingest/x/beside.ts';\n" +
      'export const main = (who: string): string => twice(greet(who));\n',
  );
  // What a module finds beside itself (as the worker files are found).
  writeFileSync(
    join(root, 'ingest', 'x', 'beside.ts'),
    'export const beside = (name: string): string => new URL(name, import.meta.url).pathname;\n',
  );
  writeFileSync(
    join(root, 'src', 'greet.ts'),
    "export function greet(who: string): string { return 'hi ' + who; }\n",
  );
  writeFileSync(join(root, 'src', 'types.d.ts'), 'export type Never = never;\n');
  writeFileSync(join(root, 'ingest', 'x', 'twice.js'), "export const twice = (s) => s + ' ' + s;\n");
  return root;
}

describe('the compiled CLI', () => {
  it('compiles every source file to runnable ESM, with relative .ts imports rewritten', async () => {
    const root = miniPackage();
    expect(
      cliSourceFiles(root)
        .map((f) => f.slice(root.length + 1))
        .sort(),
    ).toEqual(['ingest/x/beside.ts', 'ingest/x/twice.js', 'main.ts', 'src/greet.ts']);
    const entry = await buildCli(root);
    expect(entry).toBe(join(root, 'dist', 'cli', 'mlduck.js'));
    for (const module of [entry, join(root, 'dist', 'cli', 'main.js')]) {
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import(${JSON.stringify(module)}).then((m) => console.log(m.main('you') + '|' + m.beside('w.js')))`,
        ],
        { encoding: 'utf8' },
      );
      // The bundle and the file-by-file tree alike: a module's neighbours are its compiled twin's.
      expect(out).toBe(`hi you hi you|${join(root, 'dist', 'cli', 'ingest', 'x', 'w.js')}\n`);
    }
  });

  it('is current only until a source file changes, then again after a build', async () => {
    const root = miniPackage();
    expect(currentCliBuild(root)).toBeNull(); // never built
    await buildCli(root);
    expect(currentCliBuild(root)).toBe(join(root, 'dist', 'cli', 'mlduck.js'));
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'src', 'greet.ts'), later, later);
    expect(currentCliBuild(root)).toBeNull(); // an edited source runs from source, never stale
    utimesSync(join(root, 'src', 'greet.ts'), new Date(), new Date());
    writeFileSync(join(root, 'plot', 'new.ts'), 'export {};\n');
    utimesSync(join(root, 'plot', 'new.ts'), later, later);
    expect(currentCliBuild(root)).toBeNull(); // a new source file too
    utimesSync(join(root, 'plot', 'new.ts'), new Date(), new Date());
    await buildCli(root);
    expect(currentCliBuild(root)).not.toBeNull();
  });
});
