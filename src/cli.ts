import { Command, CommanderError, Option } from 'commander';
import { buildDemo } from './commands/demo.ts';
import { runQuery } from './commands/query.ts';
import { defaultHistoryFile, runShell } from './commands/shell.ts';
import { statusReport } from './commands/status.ts';
import { EXIT_CODES, MlduckError, oneLineDuckDBMessage } from './errors.ts';
import { formatResult, RESULT_FORMATS, type ResultFormat } from './format.ts';
import { consoleOutput, type Output } from './output.ts';
import type { CliContext, MlduckPlugin } from './plugin.ts';
import { printable } from './sanitize.ts';
import { MLDUCK_VERSION } from './version.ts';
import { resolveDbPath, Warehouse } from './warehouse.ts';

interface GlobalOptions {
  db?: string;
  readOnly?: boolean;
  quiet?: boolean;
  verbose?: boolean;
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
      const wh = await Warehouse.open(resolveDbPath(globals().db), { readOnly });
      opened.push(wh);
      return wh;
    },
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
    .action(async (opts: { recent: string }) => {
      const wh = await ctx.openWarehouse({ readOnly: true });
      out.data(await statusReport(wh, { recent: Number(opts.recent) }));
    });

  program
    .command('query')
    .description('run SQL and print the result of the last statement')
    .argument('[sql]', "the SQL; '-' or none reads it from standard input")
    .addOption(new Option('-f, --format <format>', 'output format').choices(RESULT_FORMATS).default('table'))
    .action(async (sqlArg: string | undefined, opts: { format: ResultFormat }) => {
      const sql = sqlArg === undefined || sqlArg === '-' ? await readStdin() : sqlArg;
      const wh = await ctx.openWarehouse();
      out.data(formatResult(await runQuery(wh, sql), opts.format));
    });

  program
    .command('shell')
    .description('interactive SQL prompt with history, multi-line statements and .tables/.schema helpers')
    .addOption(new Option('-f, --format <format>', 'output format').choices(RESULT_FORMATS).default('table'))
    .action(async (opts: { format: ResultFormat }) => {
      const wh = await ctx.openWarehouse();
      const terminal = process.stdin.isTTY === true;
      if (terminal) out.info(`mlduck ${MLDUCK_VERSION} — ${wh.path}. Type .help for help.`);
      const failures = await runShell(wh, {
        input: process.stdin,
        output: process.stdout,
        terminal,
        historyFile: defaultHistoryFile(),
        format: opts.format,
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

  const ingest = program.command('ingest').description('load files of one source kind into the warehouse');
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
