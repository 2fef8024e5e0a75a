// A native (Rust `tokenizers`) encoder thread, in plain JavaScript so that it starts without the TypeScript
// loader (tsx costs each worker a few hundred ms of CPU at start). It speaks the protocol of encode-worker.ts:
// workerData is a WorkerInit; requests { seq, texts } get { seq, ids, lengths } (transferred) or
// { seq, error }; { ready: true } once the tokenizer is loaded.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { flatten } from './flatten.js';

const port = parentPort;
const { tokenizerJsonPath, special } = workerData;

const internal = (error) => ({
  message: `tokenizer worker failed: ${error instanceof Error ? error.message : String(error)}`,
  kind: 'internal',
});

try {
  const { Tokenizer } = createRequire(import.meta.url)('tokenizers');
  const tokenizer = Tokenizer.fromFile(tokenizerJsonPath);
  port.on('message', async (request) => {
    try {
      const encodings = await tokenizer.encodeBatch(request.texts);
      const { ids, lengths } = flatten(
        encodings.map((e) => e.getIds()),
        special.eosId,
        special.templateAddsEos,
      );
      port.postMessage({ seq: request.seq, ids, lengths }, [ids.buffer, lengths.buffer]);
    } catch (error) {
      port.postMessage({ seq: request.seq, error: internal(error) });
    }
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ seq: -1, error: internal(error) });
}
