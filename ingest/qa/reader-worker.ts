/**
 * The reading thread of a QA ingest: for each unit asked for (tarball or checkpoint directory), streams
 * it, parses and checks its predictions and posts them to the main thread as column batches, at most
 * MAX_IN_FLIGHT batches ahead of what the main thread has written (memory stays bounded whatever the
 * input size). Units are read one after the other.
 */
import { parentPort } from 'node:worker_threads';
import { MlduckError } from '../../src/errors.ts';
import type { QuestionBatch } from './batch.ts';
import { readPredictions } from './predictions.ts';
import type { MainMessage, ReaderMessage, ReadRequest, SerializedError } from './reader-protocol.ts';
import { readCheckpointDir, readTarball, type TaskFileHandler } from './sources.ts';

const MAX_IN_FLIGHT = 4;
/** Least time between two progress messages. */
const PROGRESS_MS = 200;

function serialize(error: unknown): SerializedError {
  if (error instanceof MlduckError) {
    return {
      name: error.name,
      message: error.message,
      stack: error.stack,
      mlduck: { kind: error.kind, location: error.location, hint: error.hint },
    };
  }
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error), stack: undefined };
}

function serve(port: NonNullable<typeof parentPort>): void {
  const post = (message: ReaderMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  let inFlight = 0;
  let wake: (() => void) | null = null;
  const sendBatch = async (batch: QuestionBatch, transfer: ArrayBuffer[]) => {
    while (inFlight >= MAX_IN_FLIGHT) await new Promise<void>((resolve) => (wake = resolve));
    inFlight++;
    post({ type: 'batch', batch }, transfer);
  };

  const read = async (request: ReadRequest) => {
    let files = 0;
    const progress = { bytes: 0, questions: 0, posted: 0 };
    const onBytes = (bytes: number) => {
      progress.bytes += bytes;
      const now = performance.now();
      if (now - progress.posted < PROGRESS_MS) return;
      progress.posted = now;
      post({ type: 'progress', bytes: progress.bytes, questions: progress.questions });
    };
    const handler: TaskFileHandler = {
      async metrics(ref, source, text) {
        post({ type: 'metrics', ref, source, text });
      },
      async predictions(ref, source, bytes) {
        const file = files++;
        post({ type: 'file', file, ref, source });
        const summary = await readPredictions(
          file,
          source,
          bytes,
          request.batchQuestions,
          (batch, transfer) => {
            progress.questions += batch.questions;
            return sendBatch(batch, transfer);
          },
        );
        post({ type: 'file-end', file, ...summary });
      },
      ignored(source) {
        post({ type: 'ignored', source });
      },
    };
    try {
      if (request.unit === 'tarball')
        await readTarball(request.absolutePath, request.source, handler, onBytes);
      else {
        const source = (name: string) => `${request.source}/${name}`;
        await readCheckpointDir(request.absolutePath, source, handler, onBytes);
      }
      post({ type: 'progress', bytes: progress.bytes, questions: progress.questions });
      post({ type: 'done' });
    } catch (error) {
      post({ type: 'error', error: serialize(error) });
    }
  };

  port.on('message', (message: MainMessage) => {
    if (message.type === 'read') {
      void read(message.request);
      return;
    }
    inFlight--;
    wake?.();
    wake = null;
  });
}

if (parentPort) serve(parentPort);
