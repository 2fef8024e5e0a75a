import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, migratedWarehouseFile, tempDir } from '../helpers.ts';

/** Quotes one argument for the POSIX shell `script -c` runs. */
const sh = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;

/**
 * The shell driven through a pseudo-terminal, as a person types into it: util-linux `script` gives the
 * child a real TTY (raw mode, Ctrl-C as a key, arrow keys), with no native npm module to build.
 */
describe.skipIf(process.platform !== 'linux')('mlduck shell at a terminal', () => {
  it('Ctrl-C clears input or interrupts a query, Up recalls a whole statement, every result prints, errors point, Ctrl-D leaves', async () => {
    const db = await migratedWarehouseFile();
    const history = join(tempDir(), 'history');
    const command = [process.execPath, BIN, '--db', db, 'shell'].map(sh).join(' ');
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      env: { ...process.env, MLDUCK_HISTORY: history, TERM: 'xterm', MLDUCK_DB: undefined },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    const waitFor = async (pattern: RegExp) => {
      const started = Date.now();
      while (!pattern.test(out)) {
        if (Date.now() - started > 30_000) throw new Error(`timed out waiting for ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const send = (keys: string) => child.stdin.write(keys);
    try {
      await waitFor(/mlduck> /);
      send('SELECT 1 AS a,\r');
      await waitFor(/\.\.\.> /);
      send('2 AS b;\r');
      await waitFor(/│ +1 │ +2 │[\s\S]*1 row/);

      // Ctrl-C in the middle of a line drops it (and does not leave the shell).
      out = '';
      send("SELECT 'half");
      await pause(300);
      send('\x03');
      await waitFor(/\^C[\s\S]*mlduck> /);
      expect(out).not.toMatch(/half'?\s*\r?\n.*Error/);

      // In a continuation line too: the half-typed statement is dropped, not run.
      out = '';
      send("SELECT 'half' AS half,\r");
      await waitFor(/\.\.\.> /);
      send('\x03');
      await waitFor(/\^C[\s\S]*mlduck> /);
      send('SELECT 3 AS three;\r');
      await waitFor(/three[\s\S]*1 row/);
      expect(out).not.toMatch(/│ half/);

      // Up recalls the two-line statement as one entry (the entry before the last one).
      send('\x1b[A');
      await pause(200);
      send('\x1b[A');
      await pause(300);
      send('\r');
      await waitFor(/│ +1 │ +2 │[\s\S]*1 row/);

      // Ctrl-C during a long query interrupts it; the shell stays.
      out = '';
      send('SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b;\r');
      await pause(1500);
      send('\x03');
      await waitFor(/Interrupted[\s\S]*mlduck> /);

      out = '';
      send('SELECT 1 AS first; SELECT 2 AS second;\r');
      await waitFor(/first[\s\S]*1 row[\s\S]*second[\s\S]*1 row/);

      out = '';
      send('SELECT\r  nope;\r');
      await waitFor(/LINE 2: +nope;\r\n +\^/);
      expect(out).toMatch(/Error: Binder Error: Referenced column "nope"/);

      send('\x04');
      expect(await exited).toBe(0);
    } finally {
      child.kill();
    }
    expect(readFileSync(history, 'utf8').split('\n').filter(Boolean)).toEqual([
      'SELECT 1 AS a,\\n2 AS b;',
      'SELECT 3 AS three;',
      'SELECT 1 AS a,\\n2 AS b;', // recalled and run again: appended, as bash and DuckDB do
      'SELECT sum(a.range * b.range) FROM range(300000) a, range(300000) b;',
      'SELECT 1 AS first; SELECT 2 AS second;',
      'SELECT\\n  nope;',
    ]);
  });
});
