// A native (Rust `tokenizers`) encoder thread, in plain JavaScript so that it starts without the TypeScript
// loader (tsx costs each worker a few hundred ms of CPU at start). It speaks the protocol of encode-worker.ts:
// workerData is a WorkerInit; requests { seq, texts, eosId, templateAddsEos } get { seq, ids, lengths }
// (transferred) or { seq, error }; { ready: true, lookup? } once the tokenizer is loaded. With
// workerData.lookup (token names), `lookup` answers what the main thread needs for the special ids — their
// ids, the ids of "a" (does the template end in EOS?) and the vocabulary size — so the main thread never
// loads a tokenizer of its own.
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { flatten } from './flatten.js';

const port = parentPort;
const { tokenizerJsonPath, lookup } = workerData;

// Each Rust Encoding keeps its tokens, offsets and masks (tens of bytes per token) in Rust memory that V8
// does not see, so V8 would not collect the Encoding wrappers soon and the memory grew with the corpus.
// A young-generation collection after every batch (and a full one every 8th) frees them; this thread's
// heap is small, so each takes a few ms at most.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc');
let batches = 0;

const internal = (error) => ({
  message: `tokenizer worker failed: ${error instanceof Error ? error.message : String(error)}`,
  kind: 'internal',
});

/** Answers for the special ids; the vocabulary size as jsonVocabSize counts it (entries, added ids). */
async function answer(tokenizer, names) {
  let highest = -1;
  for (const id of Object.values(tokenizer.getVocab(true))) if (id > highest) highest = id;
  return {
    ids: names.map((name) => tokenizer.tokenToId(name) ?? null),
    probe: (await tokenizer.encode('a')).getIds(),
    vocabSize: Math.max(tokenizer.getVocabSize(false), highest + 1),
  };
}

async function main() {
  let tokenizer;
  try {
    const { Tokenizer } = createRequire(import.meta.url)('tokenizers');
    tokenizer = Tokenizer.fromFile(tokenizerJsonPath);
  } catch (error) {
    // The file cannot be built into a tokenizer: bad input, named (as malformedTokenizer does).
    port.postMessage({
      seq: -1,
      error: {
        message: `not a usable tokenizer.json: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        kind: 'input',
        file: tokenizerJsonPath,
        hint: 'point --tokenizer at a Hugging Face tokenizer.json (with its model, vocab and merges)',
      },
    });
    return;
  }
  port.on('message', async (request) => {
    try {
      const encodings = await tokenizer.encodeBatch(request.texts);
      const { ids, lengths } = flatten(
        encodings.map((e) => e.getIds()),
        request.eosId,
        request.templateAddsEos,
      );
      port.postMessage({ seq: request.seq, ids, lengths }, [ids.buffer, lengths.buffer]);
      encodings.length = 0;
      collect(++batches % 8 === 0 ? undefined : { type: 'minor' });
    } catch (error) {
      port.postMessage({ seq: request.seq, error: internal(error) });
    }
  });
  port.postMessage({ ready: true, ...(lookup ? { lookup: await answer(tokenizer, lookup) } : {}) });
}

main().catch((error) => port.postMessage({ seq: -1, error: internal(error) }));
