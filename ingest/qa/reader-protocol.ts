/**
 * The messages between the QA ingest (main thread, which owns the DuckDB connection) and its reading
 * thread (which streams the tarball or directory and parses the predictions). Types only.
 */
import type { ErrorKind, ErrorLocation } from '../../src/errors.ts';
import type { QuestionBatch } from './batch.ts';
import type { TaskFileRef } from './layout.ts';

export interface ReadRequest {
  unit: 'tarball' | 'checkpoint';
  absolutePath: string;
  /** How the unit is named in errors and qa_tasks.source (a path relative to the working directory). */
  source: string;
  batchQuestions: number;
}

export interface SerializedError {
  name: string;
  message: string;
  stack: string | undefined;
  /** Set for an MlduckError. */
  mlduck?: { kind: ErrorKind; location: ErrorLocation; hint: string | undefined };
}

export type ReaderMessage =
  | { type: 'metrics'; ref: TaskFileRef; source: string; text: string }
  | { type: 'file'; file: number; ref: TaskFileRef; source: string }
  | { type: 'batch'; batch: QuestionBatch }
  | { type: 'file-end'; file: number; taskHash: string | null; modelHash: string | null; questions: number }
  | { type: 'ignored'; source: string }
  /** Bytes of the unit's file(s) read and questions parsed so far (a few times a second). */
  | { type: 'progress'; bytes: number; questions: number }
  | { type: 'done' }
  | { type: 'error'; error: SerializedError };

/** Read a unit; or: the main thread has written one batch. */
export type MainMessage = { type: 'read'; request: ReadRequest } | { type: 'ack' };
