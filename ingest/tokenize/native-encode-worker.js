// A native (Rust `tokenizers`) encoder thread, in plain JavaScript so that it starts without the TypeScript
// loader (tsx costs each worker a few hundred ms of CPU at start). It speaks the protocol of encode-worker.ts:
// workerData is a WorkerInit; requests { seq, texts } get { seq, ids, lengths } (transferred) or
// { seq, error }; { ready: true } once the tokenizer is loaded.
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const port = parentPort;
const { tokenizerJsonPath, special } = workerData;

/** Document ids in one flat Int32Array (+ EOS unless the template added it): `flatten` of encode.ts. */
function flatten(docs) {
  const extra = special.templateAddsEos ? 0 : 1;
  let total = 0;
  for (const d of docs) total += d.length + extra;
  const ids = new Int32Array(total);
  const lengths = new Int32Array(docs.length);
  let at = 0;
  for (let i = 0; i < docs.length; i++) {
    const d = docs[i];
    ids.set(d, at);
    at += d.length;
    if (!special.templateAddsEos) ids[at++] = special.eosId;
    lengths[i] = d.length + extra;
  }
  return { ids, lengths };
}

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
      const { ids, lengths } = flatten(encodings.map((e) => e.getIds()));
      port.postMessage({ seq: request.seq, ids, lengths }, [ids.buffer, lengths.buffer]);
    } catch (error) {
      port.postMessage({ seq: request.seq, error: internal(error) });
    }
  });
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ seq: -1, error: internal(error) });
}
