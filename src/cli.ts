import { Command, CommanderError, Option } from 'commander';
import { buildDemo } from './commands/demo.ts';
import { runSql, withWriteHint } from './commands/query.ts';
import { defaultHistoryFile, runShell } from './commands/shell.ts';
import { parseRecent, statusRecordsSql, statusReport } from './commands/status.ts';
import { EXIT_CODES, MlduckError, oneLineDuckDBMessage } from './errors.ts';
import { QUERY_FORMATS, type QueryFormat, RESULT_FORMATS, type ResultFormat } from './format.ts';
import { consoleOutput, type Output, stdoutSink } from './output.ts';
import type { CliContext, MlduckPlugin } from './plugin.ts';
import { DEFAULT_MAX_ROWS, renderResult } from './render.ts';
import { printable } from './sanitize.ts';
import { MLDUCK_VERSION } from './version.ts';
import {
  openExistingForWrite,
  openReadOnly,
  openWaitingForLock,
  resolveDbPath,
  type Warehouse,
} from './warehouse.ts';

interface GlobalOptions {
  db?: string;
  readOnly?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

/** `--max-rows N|all`. */
function parseMaxRows(value: string): number {
  if (value === 'all') return Number.POSITIVE_INFINITY;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new MlduckError(`--max-rows takes a positive number or 'all', not '${value}'`, { kind: 'usage' });
  }
  return Number(value);
}

/** `--wait[=SECONDS]`: no value waits a day, i.e. until the lock goes. */
function parseWait(value: string | boolean | undefined): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return 24 * 3600;
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new MlduckError(`--wait takes seconds (--wait=SECONDS), not '${value}'`, { kind: 'usage' });
  }
  return Number(value);
}

/** With unknown options allowed (so SQL may start with `--`), an argument that only looks like an option is one. */
function assertNotAnOption(sql: string | undefined): void {
  if (sql !== undefined && /^--?[A-Za-z][\w-]*(=\S*)?$/.test(sql)) {
    throw new MlduckError(`unknown option '${sql}'`, { kind: 'usage', hint: 'run with --help for usage' });
  }
}

/** Binary Arrow IPC is for a pipe or a file, never a terminal. */
function assertArrowNotToTerminal(format: QueryFormat): void {
  if (format === 'arrow' && process.stdout.isTTY) {
    throw new MlduckError('--format arrow writes binary Arrow IPC: redirect it to a file or a pipe', {
      kind: 'usage',
    });
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Builds the commander program. Commands parse, call and print; the logic lives elsewhere. */
export function buildProgram(
  plugins: readonly MlduckPlugin[],
  outFactory: (quiet: boolean) => Output = consoleOutput,
): { program: Command; closeAll: () => void } {
  const program = new Command('mlduck');
  const opened: Warehouse[] = [];
  const globals = () => program.opts<GlobalOptions>();
  const out = new Proxy({} as Output, {
    get: (_target, key) => outFactory(globals().quiet ?? false)[key as keyof Output],
  });
  const ctx: CliContext = {
    get dbPath() {
      return resolveDbPath(globals().db);
    },
    out,
    // One instance per process: a second request reuses the open warehouse (a writable one serves readers).
    openWarehouse: async (options = {}) => {
      const readOnly = options.readOnly ?? globals().readOnly ?? false;
      const current = opened.at(-1);
      if (current && (readOnly || !current.readOnly)) return current;
      if (current) opened.pop()?.close();
      const path = resolveDbPath(globals().db);
      const waitSeconds = parseWait(ingest.opts<{ wait?: string | boolean }>().wait);
      const wh = readOnly
        ? await openReadOnly(path)
        : await openWaitingForLock(path, waitSeconds ?? 0, (error) =>
            out.info(`waiting up to ${waitSeconds} s: ${error.message}`),
          );
      opened.push(wh);
      return wh;
    },
  };
  /** query and shell: read-only unless --write; either way the warehouse must exist. */
  const openForQuery = async (write: boolean): Promise<Warehouse> => {
    if (write && globals().readOnly) {
      throw new MlduckError('--write and --read-only contradict each other', { kind: 'usage' });
    }
    const path = resolveDbPath(globals().db);
    const wh = write ? await openExistingForWrite(path) : await openReadOnly(path);
    opened.push(wh);
    return wh;
  };

  program
    .description('A DuckDB warehouse for machine-learning experiment data')
    .version(MLDUCK_VERSION)
    .option('--db <path>', 'warehouse file (default: $MLDUCK_DB or ./warehouse.duckdb)')
    .option('--read-only', 'open the warehouse for queries only (shares the file with other readers)')
    .option('-q, --quiet', 'no progress or informational messages')
    .option('--verbose', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('status')
    .description('tables with row counts, views, and the last ingests')
    .option('--recent <n>', 'how many recent ingests to show', '10')
    .addOption(
      new Option(
        '-f, --format <format>',
        'output format: table (the report), or one record per table, view and ingest',
      )
        .choices(QUERY_FORMATS)
        .default('table'),
    )
    .action(async (opts: { recent: string; format: QueryFormat }) => {
      const recent = parseRecent(opts.recent);
      const sink = stdoutSink();
      assertArrowNotToTerminal(opts.format);
      const wh = await ctx.openWarehouse({ readOnly: true });
      if (opts.format === 'table') {
        out.data(await statusReport(wh, { recent, width: sink.width }));
        return;
      }
      // As data, through the query renderer: the same formats and value spellings as `mlduck query`.
      const result = await wh.conn.stream(await statusRecordsSql(wh, { recent }));
      await renderResult(result, sink, { format: opts.format });
    });

  program
    .command('query')
    .description(
      "run SQL read-only (--write to change data); the table format prints each statement's result, the others the last statement's",
    )
    .argument('[sql]', "the SQL (it may start with '--'); '-' or none reads it from standard input")
    .addOption(new Option('-f, --format <format>', 'output format').choices(QUERY_FORMATS).default('table'))
    .option(
      '--max-rows <n|all>',
      `table format: show at most this many rows, first and last (default ${DEFAULT_MAX_ROWS})`,
    )
    .option('--write', 'open the warehouse for writing, for statements that change data')
    .allowUnknownOption()
    .action(
      async (
        sqlArg: string | undefined,
        opts: { format: QueryFormat; maxRows?: string; write?: boolean },
      ) => {
        assertNotAnOption(sqlArg);
        const maxRows = opts.maxRows === undefined ? DEFAULT_MAX_ROWS : parseMaxRows(opts.maxRows);
        const sink = stdoutSink();
        assertArrowNotToTerminal(opts.format);
        const sql = sqlArg === undefined || sqlArg === '-' ? await readStdin() : sqlArg;
        const wh = await openForQuery(opts.write ?? false);
        let printed = false;
        await runSql(wh, sql, async ({ index, count, result }) => {
          if (opts.format !== 'table' && index !== count - 1) return;
          if (printed && opts.format === 'table') await sink.write('\n');
          await renderResult(result, sink, { format: opts.format, maxRows });
          printed = true;
        }).catch((error: unknown) => {
          throw withWriteHint(
            error,
            globals().readOnly
              ? 'run it without --read-only, with `query --write`'
              : 'run it with `mlduck query --write`',
          );
        });
      },
    );

  program
    .command('shell')
    .description(
      'interactive SQL prompt (read-only unless --write) with history, multi-line statements and .tables/.schema helpers',
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(RESULT_FORMATS).default('table'))
    .option('--max-rows <n|all>', `table format: show at most this many rows (default ${DEFAULT_MAX_ROWS})`)
    .option(
      '--write',
      'hold the warehouse open for writing (otherwise it is opened per statement, read-only)',
    )
    .action(async (opts: { format: ResultFormat; maxRows?: string; write?: boolean }) => {
      const maxRows = opts.maxRows === undefined ? DEFAULT_MAX_ROWS : parseMaxRows(opts.maxRows);
      const write = opts.write ?? false;
      // Read-only, the warehouse is opened per statement: an idle shell holds no lock, so ingests proceed.
      const path = resolveDbPath(globals().db);
      const first = await openForQuery(write);
      if (!write) opened.pop()?.close();
      const terminal = process.stdin.isTTY === true;
      if (terminal) {
        out.info(
          `mlduck ${MLDUCK_VERSION} — ${path}${write ? ' (read-write)' : ''}. Type .help for help, Ctrl-D to leave.`,
        );
      }
      const failures = await runShell(write ? { warehouse: first } : { open: () => openReadOnly(path) }, {
        input: process.stdin,
        output: process.stdout,
        terminal,
        historyFile: defaultHistoryFile(),
        format: opts.format,
        maxRows,
      });
      if (!terminal && failures > 0) {
        throw new MlduckError(`${failures} statement${failures === 1 ? '' : 's'} failed`, { kind: 'input' });
      }
    });

  program
    .command('demo')
    .description('build the warehouse from the bundled examples/ and print what is in it')
    .option('--fresh', 'delete the warehouse first')
    .action(async (opts: { fresh?: boolean }) => {
      const { wh } = await buildDemo({ dbPath: ctx.dbPath, plugins, out, fresh: opts.fresh ?? false });
      opened.push(wh);
      out.data(await statusReport(wh));
    });

  const ingest = program
    .command('ingest')
    .description('load files of one source kind into the warehouse')
    .option(
      '--wait [seconds]',
      'wait for another process holding the warehouse (--wait=SECONDS; none: until it is free)',
    );
  for (const plugin of plugins) {
    plugin.registerIngest?.(ingest, ctx);
    plugin.registerCommands?.(program, ctx);
  }

  const closeAll = () => {
    for (const wh of opened.splice(0)) wh.close();
  };
  return { program, closeAll };
}

/** Runs the CLI and returns the exit code; prints one human line per error (stack with --verbose). */
export async function runCli(argv: readonly string[], plugins: readonly MlduckPlugin[]): Promise<number> {
  const { program, closeAll } = buildProgram(plugins);
  const verbose = argv.includes('--verbose');
  // Every subcommand reports its own usage errors through the same path.
  const applyExitOverride = (cmd: Command) => {
    cmd.exitOverride();
    for (const sub of cmd.commands) applyExitOverride(sub);
  };
  applyExitOverride(program);
  try {
    await program.parseAsync([...argv]);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message (or the help/version text).
      return error.exitCode === 0 ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    if (error instanceof MlduckError) {
      process.stderr.write(`mlduck: ${error.toHumanLine()}\n`);
      if (verbose && error.stack) process.stderr.write(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`mlduck: internal error: ${printable(oneLineDuckDBMessage(message))}\n`);
    if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return EXIT_CODES.internal;
  } finally {
    closeAll();
  }
}
