import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { readCatalog } from '../catalog.ts';
import { errorMessage } from '../errors.ts';
import { formatResult, RESULT_FORMATS, type ResultFormat } from '../format.ts';
import type { Warehouse } from '../warehouse.ts';
import { runQuery } from './query.ts';

export interface ShellOptions {
  input: Readable;
  output: Writable;
  /** Interactive prompt with line editing and history (a TTY). */
  terminal: boolean;
  /** Where history is kept; none when undefined. */
  historyFile?: string;
  format?: ResultFormat;
}

const HELP = `Enter SQL ending with ';' (statements may span lines). Helpers:
  .tables             tables and views with row counts
  .schema [NAME]      columns of NAME with types and descriptions (all relations without NAME)
  .mode FORMAT        output format: ${RESULT_FORMATS.join(', ')}
  .timer on|off       print how long each statement took
  .help               this text
  .quit               leave (also Ctrl-D)`;

export function defaultHistoryFile(env: NodeJS.ProcessEnv = process.env): string {
  return env['MLDUCK_HISTORY'] ?? join(homedir(), '.mlduck_history');
}

function loadHistory(file: string | undefined): string[] {
  if (!file || !existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 1000);
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
export async function runShell(wh: Warehouse, options: ShellOptions): Promise<number> {
  const print = (text: string) => options.output.write(text.endsWith('\n') ? text : `${text}\n`);
  let format: ResultFormat = options.format ?? 'table';
  let timer = false;
  let failures = 0;
  const rl = createInterface({
    input: options.input,
    output: options.terminal ? options.output : undefined,
    terminal: options.terminal,
    history: loadHistory(options.historyFile),
    historySize: 1000,
  });
  const prompt = (continuation: boolean) => {
    if (!options.terminal) return;
    rl.setPrompt(continuation ? '   ...> ' : 'mlduck> ');
    rl.prompt();
  };
  const remember = (entry: string) => {
    if (options.historyFile && options.terminal)
      appendFileSync(options.historyFile, `${entry.replaceAll('\n', ' ')}\n`);
  };

  const dotCommand = async (line: string): Promise<boolean> => {
    const [command, ...args] = line.trim().split(/\s+/);
    switch (command) {
      case '.quit':
      case '.exit':
        return false;
      case '.help':
        print(HELP);
        break;
      case '.tables': {
        const catalog = await readCatalog(wh);
        print(
          formatResult(
            { columns: ['name', 'kind', 'rows'], rows: catalog.map((r) => [r.name, r.kind, r.rows ?? '']) },
            format,
          ),
        );
        break;
      }
      case '.schema':
      case '.describe': {
        const catalog = await readCatalog(wh);
        const name = args[0];
        if (!name) {
          print(
            formatResult(
              {
                columns: ['name', 'kind', 'columns', 'description'],
                rows: catalog.map((r) => [r.name, r.kind, r.columns.length, r.comment ?? '']),
              },
              format,
            ),
          );
          break;
        }
        const relation = catalog.find((r) => r.name === name);
        if (!relation) {
          print(`Error: no table or view named ${name} (try .tables)`);
          failures++;
          break;
        }
        if (relation.comment) print(`${relation.name}: ${relation.comment}`);
        print(
          formatResult(
            {
              columns: ['column', 'type', 'nullable', 'description'],
              rows: relation.columns.map((c) => [c.name, c.type, c.nullable, c.comment ?? '']),
            },
            format,
          ),
        );
        break;
      }
      case '.mode': {
        const wanted = args[0] as ResultFormat | undefined;
        if (wanted && RESULT_FORMATS.includes(wanted)) format = wanted;
        else {
          print(`Error: .mode takes one of ${RESULT_FORMATS.join(', ')}`);
          failures++;
        }
        break;
      }
      case '.timer':
        timer = args[0] === 'on';
        break;
      default:
        print(`Error: unknown command ${command} (try .help)`);
        failures++;
    }
    return true;
  };

  let buffer = '';
  prompt(false);
  for await (const line of lineQueue(rl)) {
    if (buffer === '' && line.trim().startsWith('.')) {
      remember(line.trim());
      if (!(await dotCommand(line))) {
        rl.close();
        return failures;
      }
      prompt(false);
      continue;
    }
    buffer += `${line}\n`;
    if (!buffer.trim().endsWith(';')) {
      prompt(buffer.trim() !== '');
      if (buffer.trim() === '') buffer = '';
      continue;
    }
    const sql = buffer;
    buffer = '';
    remember(sql.trim());
    const started = performance.now();
    try {
      print(formatResult(await runQuery(wh, sql), format));
    } catch (error) {
      print(`Error: ${errorMessage(error)}`);
      failures++;
    }
    if (timer) print(`Run time: ${((performance.now() - started) / 1000).toFixed(3)} s`);
    prompt(false);
  }
  if (buffer.trim() !== '') {
    try {
      print(formatResult(await runQuery(wh, buffer), format));
    } catch (error) {
      print(`Error: ${errorMessage(error)}`);
      failures++;
    }
  }
  rl.close();
  return failures;
}
