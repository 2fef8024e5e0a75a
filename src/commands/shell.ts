import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { readCatalog } from '../catalog.ts';
import { errorMessage, oneLineDuckDBMessage } from '../errors.ts';
import { formatResult, RESULT_FORMATS, type ResultFormat } from '../format.ts';
import { ResultSink } from '../output.ts';
import { DEFAULT_MAX_ROWS, renderResult } from '../render.ts';
import { sqlIdent, sqlString } from '../sql.ts';
import type { Warehouse } from '../warehouse.ts';
import { isBlankSql, needsWrite, runSql, sqlErrorText } from './query.ts';

export interface ShellOptions {
  input: Readable;
  output: Writable;
  /** Interactive prompt with line editing and history (a TTY). */
  terminal: boolean;
  /** Where history is kept; none when undefined. */
  historyFile?: string;
  format?: ResultFormat;
  /** Table format: rows shown at most (default 40). */
  maxRows?: number;
}

/**
 * The warehouse the shell works on: held open for the whole session (`shell --write`), or opened for each
 * statement and closed after it (read-only), so an idle shell holds no lock and never blocks an ingest.
 */
export type ShellWarehouse = { warehouse: Warehouse } | { open: () => Promise<Warehouse> };

const HELP = `Enter SQL ending with ';' (statements may span lines). Helpers:
  .tables             tables and views with row counts
  .schema [NAME]      columns of NAME with types and descriptions (all relations without NAME)
  .mode FORMAT        output format: ${RESULT_FORMATS.join(', ')}
  .maxrows N|all      table format: rows shown at most
  .timer on|off       print how long each statement took
  .help               this text
  .quit               leave (also Ctrl-D)
Ctrl-C interrupts a running statement, or clears the input.`;

const HISTORY_SIZE = 1000;

/** A session value (setting or variable) and how it reads back. */
interface SessionValue {
  name: string;
  value: string | null;
  type?: string;
}

/**
 * What a read-only shell carries from one input's warehouse to the next. It opens the warehouse per input
 * (so an idle shell holds no lock), which would lose `SET` settings and `SET VARIABLE`s: those are read back
 * after each input (settings that differ from a fresh open) and set again on the next open. Temporary
 * tables, views, sequences and macros hold data or definitions of the session: they last for their input
 * only, and the shell says so (`shell --write` keeps the warehouse open, and them with it).
 */
class ReadOnlySession {
  private defaults: Map<string, string | null> | undefined;
  private settings: SessionValue[] = [];
  private variables: SessionValue[] = [];

  /** Sets the settings and variables of the inputs before on a freshly opened warehouse. */
  async restore(wh: Warehouse, warn: (text: string) => Promise<void>): Promise<void> {
    this.defaults ??= new Map((await readSettings(wh)).map((s) => [s.name, s.value]));
    for (const list of [this.settings, this.variables]) {
      for (const item of [...list]) {
        const sql =
          item.type === undefined
            ? `SET ${sqlIdent(item.name)} = ${item.value === null ? 'NULL' : sqlString(item.value)}`
            : `SET VARIABLE ${sqlIdent(item.name)} = ${item.value === null ? 'NULL' : `CAST(${sqlString(item.value)} AS ${item.type})`}`;
        try {
          await wh.run(sql);
        } catch (error) {
          list.splice(list.indexOf(item), 1);
          await warn(
            `Note: ${item.name} could not be set again and is dropped: ${oneLineDuckDBMessage(errorMessage(error))}`,
          );
        }
      }
    }
  }

  /** Reads back what the input set; returns the temporary objects it made, which end with it. */
  async capture(wh: Warehouse): Promise<string[]> {
    const defaults = this.defaults ?? new Map();
    this.settings = (await readSettings(wh)).filter((s) => s.value !== defaults.get(s.name));
    this.variables = await wh.all<{ name: string; value: string | null; type: string }>(
      'SELECT name, value, type FROM duckdb_variables() ORDER BY name',
    );
    const temporary = await wh.all<{ kind: string; name: string }>(`
      SELECT 'table' AS kind, table_name AS name FROM duckdb_tables() WHERE temporary
      UNION ALL SELECT 'view', view_name FROM duckdb_views() WHERE temporary AND NOT internal
      UNION ALL SELECT 'sequence', sequence_name FROM duckdb_sequences() WHERE temporary
      UNION ALL SELECT 'macro', function_name FROM duckdb_functions() WHERE database_name = 'temp' AND NOT internal
      ORDER BY 1, 2`);
    return temporary.map((t) => `${t.kind} ${t.name}`);
  }
}

function readSettings(wh: Warehouse): Promise<SessionValue[]> {
  return wh.all<{ name: string; value: string | null }>(
    'SELECT name, value FROM duckdb_settings() ORDER BY name',
  );
}

export function defaultHistoryFile(env: NodeJS.ProcessEnv = process.env): string {
  return env['MLDUCK_HISTORY'] ?? join(homedir(), '.mlduck_history');
}

/** History entries, newest first. The file holds one entry per line, newlines inside escaped as `\n`. */
function loadHistory(file: string | undefined): string[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replaceAll('\\n', '\n'))
    .reverse()
    .slice(0, HISTORY_SIZE);
}

/**
 * Lines of a readline interface, none lost: readline's own async iterator drops lines that arrive after
 * the input closed while the loop body was still awaiting.
 */
async function* lineQueue(rl: Interface): AsyncGenerator<string> {
  const lines: string[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  rl.on('line', (line) => {
    lines.push(line);
    wake?.();
  });
  rl.on('close', () => {
    closed = true;
    wake?.();
  });
  while (true) {
    const line = lines.shift();
    if (line !== undefined) {
      yield line;
      continue;
    }
    if (closed) return;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
    wake = undefined;
  }
}

/** An interactive SQL prompt on the warehouse, for users without the DuckDB CLI. Returns the number of failed statements. */
export async function runShell(source: ShellWarehouse, options: ShellOptions): Promise<number> {
  const sink = new ResultSink(options.output);
  const print = (text: string) => sink.write(text.endsWith('\n') ? text : `${text}\n`);
  let format: ResultFormat = options.format ?? 'table';
  let maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  let timer = false;
  let failures = 0;
  // Readline keeps no history itself (historySize 0): a multi-line statement becomes one entry, added here.
  const rl = createInterface({
    input: options.input,
    output: options.terminal ? options.output : undefined,
    terminal: options.terminal,
    historySize: 0,
  });
  const history = (rl as unknown as { history: string[] }).history;
  history.push(...loadHistory(options.historyFile));
  const prompt = (continuation: boolean) => {
    if (!options.terminal) return;
    rl.setPrompt(continuation ? '   ...> ' : 'mlduck> ');
    rl.prompt();
  };
  const remember = (entry: string) => {
    if (!options.terminal || entry === '' || history[0] === entry) return;
    history.unshift(entry);
    if (history.length > HISTORY_SIZE) history.length = HISTORY_SIZE;
    if (options.historyFile) appendFileSync(options.historyFile, `${entry.replaceAll('\n', '\\n')}\n`);
  };

  /** The connection of the statement running now, to interrupt on Ctrl-C. */
  let running: Warehouse | undefined;
  const session = 'warehouse' in source ? undefined : new ReadOnlySession();
  const withWarehouse = async <T>(fn: (wh: Warehouse) => Promise<T>): Promise<T> => {
    if ('warehouse' in source) {
      running = source.warehouse;
      try {
        return await fn(source.warehouse);
      } finally {
        running = undefined;
      }
    }
    const wh = await source.open();
    let temporary: string[] = [];
    try {
      await session?.restore(wh, print);
      running = wh;
      try {
        return await fn(wh);
      } finally {
        running = undefined;
        // Reading the session back must not hide the statement's own error.
        temporary = (await session?.capture(wh).catch(() => [])) ?? [];
      }
    } finally {
      wh.close();
      if (temporary.length > 0) {
        await print(
          `Note: temporary ${temporary.join(', ')} ended with this input: the read-only shell opens the warehouse for each input, so that an idle shell never blocks an ingest; \`mlduck shell --write\` keeps temporary objects for the session`,
        );
      }
    }
  };

  let buffer = '';
  let statementLines: string[] = [];
  const interrupt = () => {
    if (running) {
      running.conn.interrupt();
      return;
    }
    // At the prompt, Ctrl-C drops what was typed (the current line and any unfinished statement).
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    buffer = '';
    statementLines = [];
    options.output.write('^C\n');
    prompt(false);
  };
  rl.on('SIGINT', interrupt);
  // Piped input: a SIGINT to the process (kill -INT) interrupts the running statement.
  const onProcessSigint = () => running?.conn.interrupt();
  if (!options.terminal) process.on('SIGINT', onProcessSigint);

  const dotCommand = async (line: string): Promise<boolean> => {
    const [command, ...args] = line.trim().split(/\s+/);
    switch (command) {
      case '.quit':
      case '.exit':
        return false;
      case '.help':
        await print(HELP);
        break;
      case '.tables': {
        const catalog = await withWarehouse((wh) => readCatalog(wh));
        await print(
          formatResult(
            { columns: ['name', 'kind', 'rows'], rows: catalog.map((r) => [r.name, r.kind, r.rows ?? '']) },
            format,
            sink.width,
          ),
        );
        break;
      }
      case '.schema':
      case '.describe': {
        const catalog = await withWarehouse((wh) => readCatalog(wh));
        const name = args[0];
        if (!name) {
          await print(
            formatResult(
              {
                columns: ['name', 'kind', 'columns', 'description'],
                rows: catalog.map((r) => [r.name, r.kind, r.columns.length, r.comment ?? '']),
              },
              format,
              sink.width,
            ),
          );
          break;
        }
        const relation = catalog.find((r) => r.name === name);
        if (!relation) {
          await print(`Error: no table or view named ${name} (try .tables)`);
          failures++;
          break;
        }
        if (relation.comment) await print(`${relation.name}: ${relation.comment}`);
        await print(
          formatResult(
            {
              columns: ['column', 'type', 'nullable', 'description'],
              rows: relation.columns.map((c) => [c.name, c.type, c.nullable, c.comment ?? '']),
            },
            format,
            sink.width,
          ),
        );
        break;
      }
      case '.mode': {
        const wanted = args[0] as ResultFormat | undefined;
        if (wanted && RESULT_FORMATS.includes(wanted)) format = wanted;
        else {
          await print(`Error: .mode takes one of ${RESULT_FORMATS.join(', ')}`);
          failures++;
        }
        break;
      }
      case '.maxrows': {
        const wanted = args[0] ?? '';
        if (wanted === 'all') maxRows = Number.POSITIVE_INFINITY;
        else if (/^\d+$/.test(wanted) && Number(wanted) > 0) maxRows = Number(wanted);
        else {
          await print('Error: .maxrows takes a positive number or all');
          failures++;
        }
        break;
      }
      case '.timer':
        timer = args[0] === 'on';
        break;
      default:
        await print(`Error: unknown command ${command} (try .help)`);
        failures++;
    }
    return true;
  };

  const runStatements = async (sql: string) => {
    const started = performance.now();
    try {
      let printed = false;
      await withWarehouse((wh) =>
        runSql(wh, sql, async ({ result }) => {
          if (printed && format === 'table') await sink.write('\n');
          await renderResult(result, sink, { format, maxRows });
          printed = true;
        }),
      );
    } catch (error) {
      const text = sqlErrorText(error);
      await print(/INTERRUPT/i.test(text) ? 'Interrupted' : `Error: ${text}`);
      if (session && needsWrite(error)) {
        await print('The shell is read-only: start it with `mlduck shell --write` to change data.');
      }
      failures++;
    }
    if (timer) await print(`Run time: ${((performance.now() - started) / 1000).toFixed(3)} s`);
  };

  try {
    prompt(false);
    for await (const line of lineQueue(rl)) {
      if (sink.closed) break;
      if (buffer === '' && line.trim().startsWith('.')) {
        remember(line.trim());
        if (!(await dotCommand(line))) return failures;
        prompt(false);
        continue;
      }
      buffer += `${line}\n`;
      statementLines.push(line);
      if (isBlankSql(buffer) && !buffer.includes(';')) {
        // Nothing but blank lines or comments so far: not a statement yet.
        if (buffer.trim() === '') {
          buffer = '';
          statementLines = [];
        }
        prompt(buffer !== '');
        continue;
      }
      if (!buffer.trim().endsWith(';')) {
        prompt(true);
        continue;
      }
      const sql = buffer;
      remember(statementLines.join('\n').trim());
      buffer = '';
      statementLines = [];
      if (!isBlankSql(sql)) await runStatements(sql);
      prompt(false);
    }
    // Piped input may end without a final ';'; at a terminal, Ctrl-D leaves without running half a statement.
    if (!options.terminal && !isBlankSql(buffer)) await runStatements(buffer);
    else if (options.terminal) options.output.write('\n');
    return failures;
  } catch (error) {
    await print(`Error: ${errorMessage(error)}`);
    return failures + 1;
  } finally {
    process.off('SIGINT', onProcessSigint);
    rl.close();
  }
}
