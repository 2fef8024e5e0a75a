/**
 * A source written only against src/source.ts — detect and load, no plumbing — gets hashing, skip,
 * replace, rollback, `failed` rows, progress and the `mlduck ingest <kind>` command from the driver.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as runCliInProcess } from '../../src/cli.ts';
import { MlduckError } from '../../src/errors.ts';
import { TableWriter } from '../../src/load.ts';
import { ingestWith, type Source, type SourceProgress, sourcePlugin } from '../../src/source.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { migratedWarehouseFile, tempDir } from '../helpers.ts';

/** "tally" files: a first line `#tally`, then one integer per line. */
const tallySource: Source<{ lines: number }> = {
  kind: 'tally',
  description: 'tally files: #tally then one integer per line',
  pathsHelp: 'tally files or directories',
  walk: { accept: (name) => name.endsWith('.txt'), expected: '*.txt files' },
  async detect(input) {
    const text = readFileSync(input.absolutePath, 'utf8');
    return text.startsWith('#tally\n') ? { lines: text.split('\n').length } : null;
  },
  unrecognised: { message: 'not a tally file: expected #tally on the first line' },
  items: 'numbers',
  async load(ctx) {
    const writer = await TableWriter.open(ctx.conn, 'tally');
    const lines = readFileSync(ctx.absolutePath, 'utf8').split('\n').slice(1).filter(Boolean);
    for (const [i, line] of lines.entries()) {
      if (!/^-?\d+$/.test(line)) {
        throw new MlduckError(`expected an integer, found ${JSON.stringify(line)}`, {
          file: ctx.path,
          line: i + 2,
        });
      }
      writer.append([BigInt(ctx.ingestId), Number(line)]);
      ctx.progress(0, i + 1);
    }
    writer.close();
  },
  demoInputs: (examples) => [join(examples, 'tally')],
};

function schema(): { sqlDir: string; viewsDir: string; root: string } {
  const root = tempDir();
  const sqlDir = join(root, 'sql');
  mkdirSync(sqlDir);
  writeFileSync(
    join(sqlDir, '001_ingest_log.sql'),
    readFileSync(join(import.meta.dirname, '..', '..', 'sql', '001_ingest_log.sql'), 'utf8'),
  );
  writeFileSync(join(sqlDir, '002_tally.sql'), 'CREATE TABLE tally (ingest_id BIGINT NOT NULL, n INTEGER);');
  return { sqlDir, viewsDir: join(root, 'views'), root };
}

describe('the source contract', () => {
  it('gives a detect+load source hashing, skip, replace, rollback, failed rows and progress', async () => {
    const { sqlDir, viewsDir, root } = schema();
    const wh = await Warehouse.open(join(root, 'w.duckdb'), { sqlDir, viewsDir });
    const data = join(root, 'data');
    mkdirSync(data);
    writeFileSync(join(data, 'a.txt'), '#tally\n1\n2\n3\n');
    writeFileSync(join(data, 'notes.txt'), 'not a tally\n');
    const progress: SourceProgress[] = [];
    const skipped: string[] = [];
    const first = await ingestWith(wh, tallySource, [data], {
      onProgress: (p) => progress.push(p),
      onSkip: (path) => skipped.push(path),
    });
    expect(first.map((r) => [r.status, r.rows])).toEqual([['ok', { tally: 3 }]]);
    expect(skipped).toEqual([join(data, 'notes.txt')]);
    expect(progress.at(-1)).toMatchObject({ inputs: 1, inputsDone: 1, items: 3 });
    // The same bytes again: skipped. Changed bytes: replaced.
    expect((await ingestWith(wh, tallySource, [data]))[0]!.status).toBe('skipped');
    writeFileSync(join(data, 'a.txt'), '#tally\n10\n');
    const second = await ingestWith(wh, tallySource, [data]);
    expect(second[0]!.replaced).toEqual([first[0]!.ingestId]);
    expect(await wh.all('SELECT n FROM tally')).toEqual([{ n: 10 }]);
    // A bad line: nothing of it lands, the older version stays, a failed row says where.
    writeFileSync(join(data, 'a.txt'), '#tally\n7\nseven\n');
    const error = await ingestWith(wh, tallySource, [data]).catch((e: unknown) => e);
    expect((error as MlduckError).toHumanLine()).toMatch(/a\.txt:3: expected an integer, found "seven"/);
    expect(await wh.all('SELECT n FROM tally')).toEqual([{ n: 10 }]);
    expect(await wh.scalar("SELECT error FROM ingest_log WHERE status = 'failed'")).toMatch(/seven/);
    // A named file that is not this source's: an error, and a failed row too.
    const named = await ingestWith(wh, tallySource, [join(data, 'notes.txt')]).catch((e: unknown) => e);
    expect((named as MlduckError).message).toMatch(/not a tally file/);
    expect(Number(await wh.scalar("SELECT count(*) FROM ingest_log WHERE status = 'failed'"))).toBe(2);
    wh.close();
  });

  it('gives it the `mlduck ingest <kind>` command, with exit codes', async () => {
    const { root } = schema();
    const data = join(root, 'in.txt');
    writeFileSync(data, '#tally\n5\n');
    const db = await migratedWarehouseFile(join(root, 'cli.duckdb'));
    const plugins = [sourcePlugin(tallySource)];
    // The package's migrations plus a tally table: the command uses the package's sql/, so add the table.
    const wh = await Warehouse.open(db);
    await wh.run('CREATE TABLE tally (ingest_id BIGINT NOT NULL, n INTEGER)');
    wh.close();
    const stdout: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      stdout.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await runCliInProcess(['node', 'mlduck', '--db', db, 'ingest', 'tally', data], plugins)).toBe(0);
      expect(
        await runCliInProcess(['node', 'mlduck', '--db', db, 'ingest', 'tally', join(root, 'nope')], plugins),
      ).toBe(2);
    } finally {
      process.stdout.write = write;
    }
    expect(stdout.join('')).toMatch(/^ok\s+tally\s+.*in\.txt\s+\(tally 1\)/m);
  });
});

describe('the walker', async () => {
  const { walkInputs } = await import('../../src/walk.ts');
  it('expands folders in code-point order, visits each once, and names what is missing or empty', async () => {
    const { symlinkSync } = await import('node:fs');
    const root = tempDir();
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    for (const name of ['Z.txt', 'a.txt', 'b/c.txt']) writeFileSync(join(root, 'a', name), 'x');
    writeFileSync(join(root, 'a', 'skip.md'), 'x');
    symlinkSync('..', join(root, 'a', 'b', 'up'));
    const options = { accept: (n: string) => n.endsWith('.txt'), expected: '*.txt files' };
    const walked = walkInputs([join(root, 'a'), join(root, 'a', 'b')], options).map((w) => w.path);
    expect(walked).toEqual([
      join(root, 'a', 'Z.txt'),
      join(root, 'a', 'a.txt'),
      join(root, 'a', 'b', 'c.txt'),
    ]);
    mkdirSync(join(root, 'empty'));
    expect(() => walkInputs([join(root, 'empty')], options)).toThrow(/no \*\.txt files in this directory/);
    expect(() => walkInputs([join(root, 'nope')], options)).toThrow(/no such file or directory/);
    symlinkSync('loop.txt', join(root, 'a', 'loop.txt'));
    expect(() => walkInputs([join(root, 'a')], options)).toThrow(/symbolic link loop/);
  });

  it('walks a whole tree for a scan: skips by name, stays off folder links, reports what it cannot read', async () => {
    const { chmodSync, symlinkSync } = await import('node:fs');
    const root = tempDir();
    const outside = tempDir();
    writeFileSync(join(outside, 'far.txt'), 'x');
    mkdirSync(join(root, '.hidden'));
    writeFileSync(join(root, '.hidden', 'h.txt'), 'x');
    writeFileSync(join(root, '.dot.txt'), 'x');
    writeFileSync(join(root, 'kept.txt'), 'x');
    symlinkSync(outside, join(root, 'elsewhere'));
    symlinkSync(join(outside, 'far.txt'), join(root, 'linked.txt'));
    symlinkSync('gone.txt', join(root, 'dangling.txt'));
    mkdirSync(join(root, 'locked'));
    writeFileSync(join(root, 'locked', 'l.txt'), 'x');
    chmodSync(join(root, 'locked'), 0o000);
    const unreadable: string[] = [];
    try {
      const walked = walkInputs([root], {
        accept: () => true,
        skip: (name) => name.startsWith('.'),
        followDirectoryLinks: false,
        allowEmpty: true,
        expected: 'files',
        onUnreadable: (path) => unreadable.push(path),
      }).map((w) => w.path);
      const root0 = process.getuid?.() === 0; // root lists any folder
      expect(walked).toEqual([
        join(root, 'kept.txt'),
        join(root, 'linked.txt'),
        ...(root0 ? [join(root, 'locked', 'l.txt')] : []),
      ]);
      expect(unreadable).toEqual([join(root, 'dangling.txt'), ...(root0 ? [] : [join(root, 'locked')])]);
    } finally {
      chmodSync(join(root, 'locked'), 0o755);
    }
    const empty = tempDir();
    expect(walkInputs([empty], { accept: () => true, expected: 'files', allowEmpty: true })).toEqual([]);
  });
});
