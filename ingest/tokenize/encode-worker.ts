// A tokenizers.js worker thread: loads its own tokenizer, then encodes batches of texts into flat
// Int32Arrays (transferred, not copied) until terminated. The native backend's worker is
// native-encode-worker.js.
import { parentPort, workerData } from 'node:worker_threads';
import {
  type EncodedBatch,
  flatten,
  toWorkerError,
  type WorkerInit,
  type WorkerRequest,
  type WorkerResponse,
} from './encode.ts';
import { loadJsTokenizer, readTokenizerFiles } from './tokenizer.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const { eosId, templateAddsEos } = init.special;
const resolved = {
  name: init.tokenizerJsonPath,
  tokenizerJsonPath: init.tokenizerJsonPath,
  configPath: init.configPath,
  sha256: '',
};

function jsEncoder(): (texts: string[]) => Promise<EncodedBatch> {
  const tokenizer = loadJsTokenizer(readTokenizerFiles(resolved));
  return async (texts) =>
    flatten(
      texts.map((t) => tokenizer.encode(t).ids),
      eosId,
      templateAddsEos,
    );
}

try {
  const encode = jsEncoder();
  port.on('message', async (request: WorkerRequest) => {
    try {
      const batch = await encode(request.texts);
      const response: WorkerResponse = { seq: request.seq, ids: batch.ids, lengths: batch.lengths };
      port.postMessage(response, [batch.ids.buffer as ArrayBuffer, batch.lengths.buffer as ArrayBuffer]);
    } catch (error) {
      port.postMessage({ seq: request.seq, error: toWorkerError(error) } satisfies WorkerResponse);
    }
  });
  port.postMessage({ ready: true } satisfies WorkerResponse);
} catch (error) {
  port.postMessage({ seq: -1, error: toWorkerError(error) } satisfies WorkerResponse);
}
