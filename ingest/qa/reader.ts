/**
 * Runs the reading of one QA unit on a worker thread (reader-worker.ts) and hands what it posts to the
 * main thread's callbacks, which write to DuckDB. Reading and parsing (gunzip, tar, JSON) then run beside
 * the appends instead of between them.
 */
import type { Worker } from 'node:worker_threads';
import { MlduckError } from '../../src/errors.ts';
import { startTsWorker } from '../../src/worker.ts';
import type { QuestionBatch } from './batch.ts';
import type { TaskFileRef } from './layout.ts';
import type { PredictionsSummary } from './predictions.ts';
import type { MainMessage, ReaderMessage, ReadRequest, SerializedError } from './reader-protocol.ts';

export interface ReaderCallbacks {
  metrics(ref: TaskFileRef, source: string, text: string): void;
  file(file: number, ref: TaskFileRef, source: string): void;
  batch(batch: QuestionBatch): void;
  fileEnd(file: number, summary: PredictionsSummary): void;
  ignored(source: string): void;
  /** Bytes of the unit read and questions parsed so far. */
  progress?(bytes: number, questions: number): void;
}

function revive(error: SerializedError): Error {
  if (error.mlduck) {
    const { kind, location, hint } = error.mlduck;
    return new MlduckError(error.message, { kind, ...location, ...(hint === undefined ? {} : { hint }) });
  }
  const revived = new Error(error.message);
  revived.name = error.name;
  if (error.stack) revived.stack = error.stack;
  return revived;
}

/**
 * A reading thread, kept for the units of one `ingest qa` call (starting one costs ~0.2 s). After a
 * failure the thread may be mid-read, so it is stopped and the next read starts a new one.
 */
export class UnitReader {
  private worker: Worker | null = null;

  /** Reads the unit; resolves when all of it went through the callbacks, rejects at the first error. */
  read(request: ReadRequest, callbacks: ReaderCallbacks): Promise<void> {
    this.worker ??= startTsWorker(new URL('./reader-worker.ts', import.meta.url));
    const worker = this.worker;
    const ack: MainMessage = { type: 'ack' };
    return new Promise<void>((resolve, reject) => {
      const stop = () => {
        worker.removeAllListeners('message');
        worker.removeAllListeners('error');
        worker.removeAllListeners('exit');
      };
      const fail = (error: unknown) => {
        stop();
        this.worker = null;
        void worker.terminate().finally(() => reject(error));
      };
      worker.on('message', (message: ReaderMessage) => {
        try {
          switch (message.type) {
            case 'metrics':
              callbacks.metrics(message.ref, message.source, message.text);
              break;
            case 'file':
              callbacks.file(message.file, message.ref, message.source);
              break;
            case 'batch':
              callbacks.batch(message.batch);
              worker.postMessage(ack);
              break;
            case 'file-end':
              callbacks.fileEnd(message.file, message);
              break;
            case 'ignored':
              callbacks.ignored(message.source);
              break;
            case 'progress':
              callbacks.progress?.(message.bytes, message.questions);
              break;
            case 'done':
              stop();
              resolve();
              break;
            case 'error':
              fail(revive(message.error));
              break;
          }
        } catch (error) {
          fail(error);
        }
      });
      worker.on('error', fail);
      worker.on('exit', (code) => fail(new Error(`the QA reading thread stopped early (exit code ${code})`)));
      const read: MainMessage = { type: 'read', request };
      worker.postMessage(read);
    });
  }

  /** Stops the reading thread. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}
