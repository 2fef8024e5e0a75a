// A native (Rust `tokenizers`) encoder thread, in plain JavaScript so that it starts without the TypeScript
// loader (tsx costs each worker a few hundred ms of CPU at start). It speaks the protocol of encode.ts
// (WorkerInit, WorkerRequest, WorkerResponse):
// workerData is a WorkerInit; requests { seq, texts, eosId, templateAddsEos } get { seq, ids, lengths }
// (transferred) or { seq, error }; { ready: true, lookup? } once the tokenizer is loaded. With
// workerData.lookup (token names), `lookup` answers what the main thread needs for the special ids — their
// ids, the ids of "a" (does the template end in EOS?) and the vocabulary size — so the main thread never
// loads a tokenizer of its own. With workerData.fastPlan (fast-plan.ts) it encodes by the exact fast path
// (fast-encode.js); a request's first `check` documents are then encoded again by Rust's whole encodeBatch,
// after the answer, and posted as { checked: seq, ids, lengths } for the main thread to compare (the
// parity gate).
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { FastEncoder } from './fast-encode.js';
import { flatten } from './flatten.js';

const port = parentPort;
const { tokenizerJsonPath, lookup, fastPlan } = workerData;

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
  // The fast path's plan lists the added tokens (from the same tokenizer.json); otherwise every id is read
  // (a 128k-entry object for Llama 3: a fifth of a second).
  const ids = fastPlan ? fastPlan.added.map(([, id]) => id) : Object.values(tokenizer.getVocab(true));
  for (const id of ids) if (id > highest) highest = id;
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
  const fast = fastPlan ? new FastEncoder(fastPlan, tokenizer) : null;
  const full = async (texts, eosId, templateAddsEos) => {
    const encodings = await tokenizer.encodeBatch(texts);
    const batch = flatten(
      encodings.map((e) => e.getIds()),
      eosId,
      templateAddsEos,
    );
    encodings.length = 0;
    return batch;
  };
  port.on('message', async (request) => {
    const { seq, texts, eosId, templateAddsEos, check } = request;
    try {
      const { ids, lengths } = fast
        ? await fast.encode(texts, eosId, templateAddsEos)
        : await full(texts, eosId, templateAddsEos);
      port.postMessage({ seq, ids, lengths }, [ids.buffer, lengths.buffer]);
    } catch (error) {
      port.postMessage({ seq, error: internal(error) });
    }
    // The parity gate, after the answer: Rust's whole encode of the first documents, which the main thread
    // compares with the fast path's ids.
    if (check > 0) {
      try {
        const expected = await full(texts.slice(0, check), eosId, templateAddsEos);
        port.postMessage({ checked: seq, ...expected }, [expected.ids.buffer, expected.lengths.buffer]);
      } catch (error) {
        port.postMessage({ checked: seq, error: internal(error) });
      }
    }
    collect(++batches % 8 === 0 ? undefined : { type: 'minor' });
  });
  port.postMessage({ ready: true, ...(lookup ? { lookup: await answer(tokenizer, lookup) } : {}) });
}

main().catch((error) => port.postMessage({ seq: -1, error: internal(error) }));
