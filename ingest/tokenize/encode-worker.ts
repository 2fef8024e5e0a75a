// A tokenizers.js worker thread: loads its own tokenizer, then encodes batches of texts into flat
// Int32Arrays (transferred, not copied) until terminated. The native backend's worker is
// native-encode-worker.js (same protocol, including the special-id lookup in the ready message).
import { parentPort, workerData } from 'node:worker_threads';
import {
  flatten,
  toWorkerError,
  type WorkerInit,
  type WorkerRequest,
  type WorkerResponse,
} from './encode.ts';
import {
  jsonVocabSize,
  jsTokenLookup,
  loadJsTokenizer,
  malformedTokenizer,
  readTokenizerFiles,
} from './tokenizer.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const resolved = {
  name: init.tokenizerJsonPath,
  tokenizerJsonPath: init.tokenizerJsonPath,
  configPath: init.configPath,
  sha256: '',
};

try {
  const files = readTokenizerFiles(resolved);
  let tokenizer: ReturnType<typeof loadJsTokenizer>;
  try {
    tokenizer = loadJsTokenizer(files);
  } catch (error) {
    throw malformedTokenizer(init.tokenizerJsonPath, error);
  }
  port.on('message', async (request: WorkerRequest) => {
    try {
      const batch = flatten(
        request.texts.map((t) => tokenizer.encode(t).ids),
        request.eosId,
        request.templateAddsEos,
      );
      const response: WorkerResponse = { seq: request.seq, ids: batch.ids, lengths: batch.lengths };
      port.postMessage(response, [batch.ids.buffer as ArrayBuffer, batch.lengths.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ seq: request.seq, error: toWorkerError(error) } satisfies WorkerResponse);
    }
  });
  let lookup: WorkerResponse | null = null;
  if (init.lookup) {
    const found = jsTokenLookup(tokenizer, jsonVocabSize(files.json));
    lookup = {
      ready: true,
      lookup: {
        ids: init.lookup.map((name) => found.tokenToId(name)),
        probe: [...found.probe],
        vocabSize: found.vocabSize,
      },
    };
  }
  port.postMessage(lookup ?? ({ ready: true } satisfies WorkerResponse));
} catch (error) {
  port.postMessage({ seq: -1, error: toWorkerError(error) } satisfies WorkerResponse);
}
