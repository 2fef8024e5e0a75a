// The shard writer thread, in plain JavaScript so that it starts without the TypeScript loader. It owns a
// DuckDB whose `COPY (SELECT * FROM mlduck_rows()) TO 'shard.parquet.tmp' (FORMAT parquet, …)` streams:
// `mlduck_rows()` is a table function that hands DuckDB one chunk of packed rows per call, taken from the
// main thread as it sends them. DuckDB writes each row group as soon as it is full, so no shard is ever
// held whole in memory, and the Parquet encoding runs here while the main thread packs the next rows.
//
// The table function is called on this thread and must return its chunk synchronously, so this thread
// waits for the main thread's messages with receiveMessageOnPort + Atomics.wait (it has nothing else to
// do). Protocol (workerData: { port, signal, tempDirectory }): on `port`, { kind: 'open', tmpPath,
// finalPath, rowGroupSize } starts a shard, { kind: 'rows', … } is one chunk (flat columns, transferred),
// { kind: 'close', abort } ends the shard, { kind: 'exit' } ends the thread; after each message the main
// thread bumps `signal[0]`. Back on parentPort: { ready }, { consumed } per chunk taken, { bytes } once a
// shard is renamed to its final name, then { sha256 }; { error } on failure.

import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { DuckDBInstance, DuckDBTableFunction, INTEGER, LIST } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

const { port, signal, tempDirectory } = workerData;
const out = parentPort;
const COLUMNS = ['input_ids', 'attention_mask', 'labels', 'doc_lengths'];

/** The next message from the main thread, waiting for it when none is queued. */
function next() {
  for (;;) {
    const seen = Atomics.load(signal, 0);
    const received = receiveMessageOnPort(port);
    if (received) return received.message;
    // The timeout only bounds a missed wake-up; the main thread notifies after every message.
    Atomics.wait(signal, 0, seen, 200);
  }
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

function fail(error) {
  out.postMessage({ error: { message: error instanceof Error ? error.message : String(error) } });
}

function sha256File(path) {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Fills DuckDB's output chunk with one chunk of rows: one memcpy per list column and per offsets array. */
function fill(output, rows) {
  const columns = [
    [rows.ids, rows.fixedEntries],
    [rows.mask, rows.fixedEntries],
    [rows.labels, rows.fixedEntries],
    [rows.docs, rows.docEntries],
  ];
  columns.forEach(([values, entries], c) => {
    const vector = duckdb.data_chunk_get_vector(output.chunk, c);
    duckdb.list_vector_reserve(vector, values.length);
    duckdb.list_vector_set_size(vector, values.length);
    if (values.byteLength > 0) {
      duckdb.copy_data_to_vector(
        duckdb.list_vector_get_child(vector),
        0,
        values.buffer,
        values.byteOffset,
        values.byteLength,
      );
    }
    duckdb.copy_data_to_vector(vector, 0, entries.buffer, entries.byteOffset, entries.byteLength);
  });
  output.rowCount = rows.n;
}

async function main() {
  const instance = await DuckDBInstance.create(':memory:', {
    temp_directory: tempDirectory,
    // One thread: the encoders need the cores, and a single writer keeps row groups in arrival order.
    threads: '1',
    memory_limit: process.env.MLDUCK_TOKENIZE_MEMORY ?? '256MB',
    preserve_insertion_order: 'true',
  });
  const conn = await instance.connect();
  let consumed = 0;
  /** Set when a shard ends: `close` (or `exit`) was read inside the scan. */
  let closing = null;
  const listInt = LIST(INTEGER);
  conn.registerTableFunction(
    DuckDBTableFunction.create({
      name: 'mlduck_rows',
      bindFunction: (bind) => {
        for (const name of COLUMNS) bind.addResultColumn(name, listInt);
      },
      initFunction: () => {},
      mainFunction: (_info, output) => {
        if (closing) {
          output.rowCount = 0;
          return;
        }
        const m = next();
        if (m.kind !== 'rows') {
          closing = m;
          output.rowCount = 0;
          return;
        }
        fill(output, m);
        out.postMessage({ consumed: ++consumed });
      },
    }),
  );
  out.postMessage({ ready: true });
  let failed = false;
  for (;;) {
    const m = next();
    if (m.kind === 'exit') break;
    if (m.kind === 'rows') {
      // Rows of a shard whose COPY failed: acknowledged so the main thread never waits on them.
      out.postMessage({ consumed: ++consumed });
      continue;
    }
    if (m.kind !== 'open' || failed) continue;
    closing = null;
    try {
      await conn.run(
        `COPY (SELECT * FROM mlduck_rows()) TO ${sqlString(m.tmpPath)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${m.rowGroupSize})`,
      );
      // A COPY that failed early leaves the rest of the shard's rows and its close to the loop above.
      if (closing === null) continue;
      if (closing.abort || closing.kind === 'exit') {
        rmSync(m.tmpPath, { force: true });
        if (closing.kind === 'exit') break;
        continue;
      }
      const fd = openSync(m.tmpPath, 'r');
      fsyncSync(fd);
      closeSync(fd);
      renameSync(m.tmpPath, m.finalPath);
      out.postMessage({ bytes: statSync(m.finalPath).size });
      out.postMessage({ sha256: sha256File(m.finalPath) });
    } catch (error) {
      failed = true;
      try {
        rmSync(m.tmpPath, { force: true });
      } catch {
        // not a file (something else is in the way): left as it is
      }
      fail(error);
    }
  }
  conn.closeSync();
  instance.closeSync();
}

main().catch(fail);
