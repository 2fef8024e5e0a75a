// A tokenizers.js encoder thread (the JS backend's pool, and the native backend's parity gate), in plain
// JavaScript so that it starts without the TypeScript loader. Same protocol as native-encode-worker.js:
// workerData is a WorkerInit; requests { seq, texts, eosId, templateAddsEos } get { seq, ids, lengths }
// (transferred) or { seq, error }; { ready: true, lookup? } once the tokenizer is built.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Tokenizer } from '@huggingface/tokenizers';
import { flatten } from './flatten.js';
import { jsonVocabSize } from './vocab.js';

const port = parentPort;
const { tokenizerJsonPath, configPath, lookup } = workerData;
const messageOf = (error) => (error instanceof Error ? error.message : String(error));

/** Errors as tokenizer.ts words them: bad input naming the file. */
class InputError extends Error {
  constructor(message, file, hint) {
    super(message);
    this.file = file;
    this.hint = hint;
  }
}

function parse(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(`not a valid JSON tokenizer file: ${messageOf(error)}`, path);
  }
}

function workerError(error) {
  if (error instanceof InputError) {
    return {
      message: error.message,
      kind: 'input',
      file: error.file,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  return { message: `tokenizer worker failed: ${messageOf(error)}`, kind: 'internal' };
}

try {
  const json = parse(tokenizerJsonPath);
  const config = configPath ? parse(configPath) : {};
  let tokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
  } catch (error) {
    throw new InputError(
      `not a usable tokenizer.json: ${messageOf(error)}`,
      tokenizerJsonPath,
      'point --tokenizer at a Hugging Face tokenizer.json (with its model, vocab and merges)',
    );
  }
  port.on('message', (request) => {
    try {
      const { ids, lengths } = flatten(
        request.texts.map((t) => tokenizer.encode(t).ids),
        request.eosId,
        request.templateAddsEos,
      );
      port.postMessage({ seq: request.seq, ids, lengths }, [ids.buffer, lengths.buffer]);
    } catch (error) {
      port.postMessage({ seq: request.seq, error: workerError(error) });
    }
  });
  const answer = lookup
    ? {
        ids: lookup.map((name) => tokenizer.token_to_id(name) ?? null),
        probe: tokenizer.encode('a').ids,
        vocabSize: jsonVocabSize(json),
      }
    : null;
  port.postMessage({ ready: true, ...(answer ? { lookup: answer } : {}) });
} catch (error) {
  port.postMessage({ seq: -1, error: workerError(error) });
}
