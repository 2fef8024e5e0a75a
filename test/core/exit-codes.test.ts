import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { asMlduckError, EXIT_CODES, MlduckError, oneLineDuckDBMessage } from '../../src/errors.ts';
import type { MlduckPlugin } from '../../src/plugin.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import { migratedWarehouseFile } from '../helpers.ts';

/** A plugin whose `fail` command throws what it is given: the CLI's error mapping, without a warehouse. */
function throwing(thrown: () => unknown): MlduckPlugin {
  return {
    name: 'throwing',
    registerCommands(program) {
      program.command('fail').action(() => {
        throw thrown();
      });
    },
  };
}

/** Runs the CLI in this process (Stryker's mutants are only active here) and captures standard error. */
async function run(argv: string[], plugins: MlduckPlugin[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  const code = await runCli(['node', 'mlduck', ...argv], plugins);
  vi.restoreAllMocks();
  return { code, stderr: lines.join('') };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('exit codes (README: 0 ok, 1 usage, 2 bad input, 3 locked, 4 internal)', () => {
  it('are the README numbers', () => {
    expect(EXIT_CODES).toEqual({ ok: 0, usage: 1, input: 2, locked: 3, internal: 4 });
  });

  it('4 for anything thrown that is not an MlduckError, with one line naming it internal', async () => {
    const { code, stderr } = await run(['fail'], [throwing(() => new TypeError('x is undefined'))]);
    expect(code).toBe(4);
    expect(stderr).toBe('mlduck: internal error: x is undefined\n');
  });

  it('4 for a thrown non-Error value too', async () => {
    const { code, stderr } = await run(['fail'], [throwing(() => 'a string')]);
    expect(code).toBe(4);
    expect(stderr).toBe('mlduck: internal error: a string\n');
  });

  it('4 for an MlduckError of kind internal (a lower layer wrapped by asMlduckError)', async () => {
    const wrapped = () => asMlduckError(new RangeError('offset out of range'), { file: 'a.pkl', offset: 12 });
    const { code, stderr } = await run(['fail'], [throwing(wrapped)]);
    expect(code).toBe(4);
    expect(stderr).toBe('mlduck: a.pkl at byte 12: offset out of range\n');
  });

  it('the kind of an MlduckError otherwise: 2 bad input (the default), 3 locked, 1 usage', async () => {
    const cases: [MlduckError, number][] = [
      [new MlduckError('bad row', { file: 'f.csv', row: 3 }), 2],
      [new MlduckError('busy', { kind: 'locked' }), 3],
      [new MlduckError('no such thing', { kind: 'usage' }), 1],
    ];
    for (const [error, expected] of cases) {
      const { code, stderr } = await run(['fail'], [throwing(() => error)]);
      expect(code, error.message).toBe(expected);
      expect(stderr).toBe(`mlduck: ${error.toHumanLine()}\n`);
    }
  });

  it('a stack trace only with --verbose', async () => {
    const quiet = await run(['fail'], [throwing(() => new Error('boom'))]);
    expect(quiet.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    const verbose = await run(['--verbose', 'fail'], [throwing(() => new Error('boom'))]);
    expect(verbose.code).toBe(4);
    expect(verbose.stderr).toMatch(/^mlduck: internal error: boom\nError: boom\n\s+at /);
    const input = await run(['--verbose', 'fail'], [throwing(() => new MlduckError('bad', { line: 2 }))]);
    expect(input.code).toBe(2);
    expect(input.stderr).toMatch(/^mlduck: line 2: bad\nMlduckError: bad\n\s+at /);
  });

  it('0 on success, 1 for an unknown command or option', async () => {
    const ok = {
      name: 'ok',
      registerCommands: (p) => void p.command('fine').action(() => {}),
    } as MlduckPlugin;
    expect((await run(['fine'], [ok])).code).toBe(0);
    expect((await run(['nope'], [ok])).code).toBe(1);
    expect((await run(['fine', '--nope'], [ok])).code).toBe(1);
  });
});

describe('one human line', () => {
  it('names file and line, row or byte offset, then the hint', () => {
    expect(new MlduckError('m', { file: 'f', line: 3 }).toHumanLine()).toBe('f:3: m');
    expect(new MlduckError('m', { line: 3 }).toHumanLine()).toBe('line 3: m');
    expect(new MlduckError('m', { file: 'f', row: 0 }).toHumanLine()).toBe('f row 0: m');
    expect(new MlduckError('m', { row: 5 }).toHumanLine()).toBe('row 5: m');
    expect(new MlduckError('m', { file: 'f', offset: 9 }).toHumanLine()).toBe('f at byte 9: m');
    expect(new MlduckError('m', { offset: 9 }).toHumanLine()).toBe('at byte 9: m');
    expect(new MlduckError('m', { file: 'f', line: 1, row: 2 }).toHumanLine()).toBe('f:1: m');
    expect(new MlduckError('m', { hint: 'do this' }).toHumanLine()).toBe('m — do this');
    expect(new MlduckError('m').toHumanLine()).toBe('m');
  });

  it('keeps an MlduckError as it is and wraps anything else as internal, keeping the cause', () => {
    const input = new MlduckError('bad');
    expect(asMlduckError(input, { file: 'x' })).toBe(input);
    const cause = new Error('low');
    const wrapped = asMlduckError(cause, { file: 'x', line: 4 });
    expect(wrapped.kind).toBe('internal');
    expect(wrapped.exitCode).toBe(4);
    expect(wrapped.cause).toBe(cause);
    expect(wrapped.location).toStrictEqual({ file: 'x', line: 4 });
    expect(new MlduckError('m', { row: 0, offset: 3 }).location).toStrictEqual({ row: 0, offset: 3 });
    expect(new MlduckError('m', { file: 'f' }).location).toStrictEqual({ file: 'f' });
    expect(asMlduckError('text').message).toBe('text');
    expect(new MlduckError('m').kind).toBe('input');
    expect('cause' in new MlduckError('m', {})).toBe(false);
    expect(new MlduckError('m').name).toBe('MlduckError');
  });
});

describe('DuckDB messages in one line', () => {
  it('drop the echoed SQL and the caret, keep the rest joined', () => {
    const message =
      'Parser Error: syntax error at or near "FORM"\n\nLINE 1: SELECT 1 FORM t\n                 ^\n  more detail  ';
    expect(oneLineDuckDBMessage(message)).toBe('Parser Error: syntax error at or near "FORM" more detail');
  });

  it('drop only whole echo and caret lines: multi-digit LINE numbers, several carets', () => {
    const message =
      'Binder Error: x\nLINE 12: SELECT x\n      ^^^\nsee LINE 1: kept\n^ marks kept\nends with ^';
    expect(oneLineDuckDBMessage(message)).toBe('Binder Error: x see LINE 1: kept ^ marks kept ends with ^');
  });
});

describe('runCli', () => {
  it('exits 0 for --version and --help (commander exits with code 0)', async () => {
    const writes = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await runCli(['node', 'mlduck', '--version'], [])).toBe(0);
      expect(await runCli(['node', 'mlduck', '--help'], [])).toBe(0);
    } finally {
      writes.mockRestore();
    }
  });

  it('closes the warehouses a command opened, also when the command fails', async () => {
    const db = await migratedWarehouseFile();
    let opened: Warehouse | undefined;
    const plugin: MlduckPlugin = {
      name: 'opens',
      registerCommands(program, ctx) {
        program.command('open').action(async () => {
          opened = await ctx.openWarehouse({ readOnly: true });
          throw new MlduckError('after opening');
        });
      },
    };
    const { code } = await run(['--db', db, 'open'], [plugin]);
    expect(code).toBe(2);
    expect(opened).toBeDefined();
    await expect(opened!.all('SELECT 1')).rejects.toThrow();
  });
});
