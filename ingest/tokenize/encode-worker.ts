// A tokenizer worker thread: loads its own tokenizers.js instance, then encodes batches of texts into
// flat Int32Arrays (transferred, not copied) until terminated.
import { parentPort, workerData } from 'node:worker_threads';
import {
  flatten,
  toWorkerError,
  type WorkerInit,
  type WorkerRequest,
  type WorkerResponse,
} from './encode.ts';
import { loadJsTokenizer, readTokenizerFiles, specialIds } from './tokenizer.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
try {
  const files = readTokenizerFiles({
    name: init.tokenizerJsonPath,
    tokenizerJsonPath: init.tokenizerJsonPath,
    configPath: init.configPath,
    sha256: '',
  });
  const tokenizer = loadJsTokenizer(files);
  const special = specialIds(tokenizer, files, init.eosToken);
  port.on('message', (request: WorkerRequest) => {
    try {
      const batch = flatten(
        request.texts.map((t) => tokenizer.encode(t).ids),
        special.eosId,
        special.templateAddsEos,
      );
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
