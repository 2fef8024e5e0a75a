// The exact fast path of the native encoder threads (plain JavaScript: they start without the TypeScript
// loader). It does what Rust's encode does, but only the part whose result is ids: added tokens are split
// out first (leftmost-longest, like the AddedVocabulary), each remaining piece of text is pre-tokenized
// with the tokenizer's own regex in V8 (fast-plan.ts: rewritten with the Rust engine's character classes),
// and each pre-token's ids come from a cache. Only cache misses go to Rust (encodeBatch of the words,
// without special tokens); a word's ids are cached only when Rust's own pre-tokenizer keeps the word in
// one piece, otherwise every document holding it is encoded whole by Rust. BPE works on each pre-token
// alone, so the ids of a document are the template's prefix, the ids of its pieces in order, the suffix.

/**
 * Cache entries kept at most (~15 MB): the cache is cleared when a batch starts with it full, so memory
 * stays flat whatever the corpus.
 */
export const FAST_CACHE_ENTRIES = 1 << 18;

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** The regexes of a plan: added tokens (longest first: leftmost-longest), pre-tokens. */
export function compilePlan(plan) {
  const added = [...plan.added].sort((a, b) => b[0].length - a[0].length || (a[0] < b[0] ? -1 : 1));
  return {
    special: added.length === 0 ? null : new RegExp(added.map(([c]) => escapeRegExp(c)).join('|'), 'gu'),
    specialIds: new Map(added),
    pieces: new RegExp(plan.pattern, 'gu'),
    sticky: new RegExp(plan.pattern, 'yu'),
    prefix: plan.prefix,
    suffix: plan.suffix,
  };
}

/**
 * Calls `onSpecial(id)` for each added token and `onPiece(text)` for each pre-token of `text`, in order
 * (stops early when a callback returns false; returns false then). The encoder and the tests both split
 * through here.
 */
export function walkPieces(compiled, text, onSpecial, onPiece) {
  const { special, sticky, pieces } = compiled;
  // Rust pre-tokenizes each stretch between added tokens as a string of its own (lookaheads stop at its
  // end). Matches follow each other (the known patterns match every character); text between two matches
  // would be a piece of its own.
  const segment = (part) => {
    for (let at = 0; at < part.length; ) {
      sticky.lastIndex = at;
      let end;
      if (sticky.test(part)) end = sticky.lastIndex;
      else {
        pieces.lastIndex = at;
        end = pieces.exec(part)?.index ?? part.length;
      }
      if (!onPiece(part.slice(at, end))) return false;
      at = end;
    }
    return true;
  };
  let from = 0;
  if (special !== null) {
    special.lastIndex = 0;
    for (let m = special.exec(text); m !== null; m = special.exec(text)) {
      if (m.index > from && !segment(text.slice(from, m.index))) return false;
      if (!onSpecial(compiled.specialIds.get(m[0]))) return false;
      from = m.index + m[0].length;
    }
  }
  return from < text.length ? segment(from === 0 ? text : text.slice(from)) : true;
}

/** The pre-tokens of a text as the fast path sees them (added tokens as their content): for tests. */
const compiledPlans = new WeakMap();

export function fastPieces(plan, text) {
  let compiled = compiledPlans.get(plan);
  if (!compiled) {
    compiled = compilePlan(plan);
    compiledPlans.set(plan, compiled);
  }
  const out = [];
  const byId = new Map(plan.added.map(([c, id]) => [id, c]));
  walkPieces(
    compiled,
    text,
    (id) => out.push(byId.get(id)),
    (p) => out.push(p),
  );
  return out;
}

/** A growable Int32Array of ids (one per batch: a worker may have two batches in progress). */
class IdBuffer {
  constructor(capacity) {
    this.ids = new Int32Array(Math.max(1024, capacity));
    this.length = 0;
  }

  push(id) {
    if (this.length === this.ids.length) {
      const bigger = new Int32Array(this.ids.length * 2);
      bigger.set(this.ids);
      this.ids = bigger;
    }
    this.ids[this.length++] = id;
  }
}

/** Cache value of a pre-token Rust does not keep whole (documents holding it are encoded whole). */
const SPLIT_BY_RUST = -1;

export class FastEncoder {
  /**
   * @param plan a FastPlan (fast-plan.ts)
   * @param tokenizer the Rust tokenizer (`tokenizers` binding)
   */
  constructor(plan, tokenizer, maxEntries = FAST_CACHE_ENTRIES) {
    this.compiled = compilePlan(plan);
    this.tokenizer = tokenizer;
    this.preTokenizer = tokenizer.getPreTokenizer();
    this.maxEntries = maxEntries;
    /**
     * pre-token → its id when it is one token (≥ 0), SPLIT_BY_RUST, or -2 - k for the ids `multi[k]`:
     * small integers only, so the map stays compact and its lookups monomorphic.
     */
    this.cache = new Map();
    this.multi = [];
    /** Documents encoded whole by Rust (a piece Rust would split differently), for tests and the docs. */
    this.wholeDocuments = 0;
  }

  /** Appends the ids of `text` to `out`; false when a piece is not cached (its text goes to `misses`). */
  emit(text, out, misses) {
    const { cache, multi, compiled } = this;
    let complete = true;
    for (const id of compiled.prefix) out.push(id);
    const finished = walkPieces(
      compiled,
      text,
      (id) => {
        out.push(id);
        return true;
      },
      (piece) => {
        const v = cache.get(piece);
        if (v >= 0) out.push(v);
        else if (v < SPLIT_BY_RUST) {
          const ids = multi[-2 - v];
          for (let k = 0; k < ids.length; k++) out.push(ids[k]);
        } else {
          complete = false;
          // Unknown: collect every miss of the document; known not cacheable: give up on it.
          if (v === SPLIT_BY_RUST || misses === null) return false;
          misses.add(piece);
        }
        return true;
      },
    );
    if (!finished || !complete) return false;
    for (const id of compiled.suffix) out.push(id);
    return true;
  }

  /** Asks Rust for the ids of the words, caching those Rust's pre-tokenizer keeps whole. */
  async learn(words) {
    const encodings = await this.tokenizer.encodeBatch(words, { addSpecialTokens: false });
    for (let i = 0; i < words.length; i++) {
      const word = words[i];
      const split = this.preTokenizer.preTokenizeString(word);
      const whole = split.length === 1 && split[0][1][0] === 0 && split[0][1][1] === codePoints(word);
      const ids = encodings[i].getIds();
      if (!whole) this.cache.set(word, SPLIT_BY_RUST);
      else if (ids.length === 1) this.cache.set(word, ids[0]);
      else {
        this.cache.set(word, -2 - this.multi.length);
        this.multi.push(Int32Array.from(ids));
      }
    }
  }

  /** The ids of each document (template included), flat, with EOS appended unless the template adds it. */
  async encode(texts, eosId, templateAddsEos) {
    if (this.cache.size >= this.maxEntries) {
      this.cache.clear();
      this.multi = [];
    }
    let chars = 0;
    for (const text of texts) chars += text.length;
    const out = new IdBuffer(chars >> 2);
    const starts = new Int32Array(texts.length);
    const ends = new Int32Array(texts.length);
    const deferred = [];
    const misses = new Set();
    const place = (i, start) => {
      starts[i] = start;
      ends[i] = out.length;
    };
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      const start = out.length;
      // A lone surrogate reaches Rust as U+FFFD: such a text goes to Rust whole.
      if (text.isWellFormed() && this.emit(text, out, misses)) place(i, start);
      else {
        out.length = start;
        deferred.push(i);
      }
    }
    if (misses.size > 0) await this.learn([...misses]);
    const whole = [];
    for (const i of deferred) {
      const start = out.length;
      if (texts[i].isWellFormed() && this.emit(texts[i], out, null)) place(i, start);
      else {
        out.length = start;
        whole.push(i);
      }
    }
    if (whole.length > 0) {
      this.wholeDocuments += whole.length;
      const encodings = await this.tokenizer.encodeBatch(whole.map((i) => texts[i]));
      whole.forEach((i, k) => {
        const start = out.length;
        for (const id of encodings[k].getIds()) out.push(id);
        place(i, start);
      });
    }
    // In input order, each document followed by EOS (unless the template ends with it).
    const extra = templateAddsEos ? 0 : 1;
    let total = 0;
    for (let i = 0; i < texts.length; i++) total += ends[i] - starts[i] + extra;
    const ids = new Int32Array(total);
    const lengths = new Int32Array(texts.length);
    let at = 0;
    for (let i = 0; i < texts.length; i++) {
      ids.set(out.ids.subarray(starts[i], ends[i]), at);
      at += ends[i] - starts[i];
      if (extra) ids[at++] = eosId;
      lengths[i] = ends[i] - starts[i] + extra;
    }
    return { ids, lengths };
  }
}

function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      n++;
      i++;
    }
  }
  return n;
}
