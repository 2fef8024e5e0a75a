// Decides whether a tokenizer.json can use the exact fast path (ingest/tokenize/fast-encode.js) and, when
// it can, compiles what the encoder threads need: the tokenizer's own pre-tokenizing regex rewritten for
// V8 with the Rust engine's character classes (onig-unicode.ts), the added tokens to split out first, and
// the ids the template puts around each document. Anything not recognised here keeps the full Rust path.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { FOLD_E, FOLD_L, FOLD_RV, FOLD_STMD, LETTER, NUMBER, SPACE } from './onig-unicode.ts';

/** What an encoder thread needs to run the fast path (plain data: it travels in workerData). */
export interface FastPlan {
  /** Source of the `gu` regex whose matches are the pre-tokens (Split with behaviour Isolated). */
  readonly pattern: string;
  /** Added tokens (content, id), split out of the text before pre-tokenizing, like the AddedVocabulary. */
  readonly added: readonly (readonly [string, number])[];
  /** Ids the post-processor template puts before / after every document (BOS for Llama 3). */
  readonly prefix: readonly number[];
  readonly suffix: readonly number[];
}

export type FastPlanResult = { plan: FastPlan } | { reason: string };

/**
 * Split patterns the fast path knows, each proven equal to the Rust split over every code point by
 * test/tokenize/fast-path.test.ts. Llama 3 (the tiktoken cl100k pattern).
 */
const KNOWN_PATTERNS = new Set([
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
]);

const CONTRACTIONS = "(?i:'s|'t|'re|'ve|'m|'ll|'d)";

/**
 * Rewrites an Oniguruma pattern for V8 (`u` flag) with the Rust engine's own classes: \p{L}, \p{N}, \s
 * and \S become explicit code-point classes, the case-insensitive contractions explicit alternatives.
 * Only the constructs of KNOWN_PATTERNS are handled; anything else throws.
 */
export function translatePattern(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; ) {
    if (!inClass && pattern.startsWith(CONTRACTIONS, i)) {
      out += `'(?:[${FOLD_STMD}]|[${FOLD_RV}][${FOLD_E}]|[${FOLD_L}][${FOLD_L}])`;
      i += CONTRACTIONS.length;
      continue;
    }
    const c = pattern[i]!;
    if (c === '\\') {
      const seq = pattern.startsWith('\\p{', i)
        ? pattern.slice(i, pattern.indexOf('}', i) + 1)
        : pattern.slice(i, i + 2);
      const inside: Record<string, string> = {
        '\\p{L}': LETTER,
        '\\p{N}': NUMBER,
        '\\s': SPACE,
        '\\r': '\\r',
        '\\n': '\\n',
      };
      if (seq === '\\S' && !inClass) out += `[^${SPACE}]`;
      else if (inside[seq] === undefined) throw new Error(`unsupported escape ${seq}`);
      else out += inClass || seq === '\\r' || seq === '\\n' ? inside[seq] : `[${inside[seq]}]`;
      i += seq.length;
      continue;
    }
    if (c === '[') {
      if (inClass) throw new Error('nested character class');
      inClass = true;
    } else if (c === ']') inClass = false;
    else if (c === '(' && !pattern.startsWith('(?!', i) && !pattern.startsWith('(?:', i)) {
      throw new Error('unsupported group');
    } else if (!/^[ '^?+*|(){},0-9!:]$/.test(c)) throw new Error(`unsupported character ${c}`);
    out += c;
    i++;
  }
  return out;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const HEAD_KEYS = ['truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor'];

/**
 * The parts of a tokenizer.json the plan needs, without parsing the vocabulary and merges (tens of MB)
 * when the file has the layout `tokenizers` writes (the model last, its vocab after its settings);
 * otherwise the whole file (or null with `whole` false: `text` is then only the start of the file).
 */
export function tokenizerJsonHead(text: string): Json;
export function tokenizerJsonHead(text: string, whole: false): Json | null;
export function tokenizerJsonHead(text: string, whole = true): Json | null {
  const model = /"model"\s*:/.exec(text);
  const vocab = model ? /"vocab"\s*:/g : null;
  if (model && vocab) {
    vocab.lastIndex = model.index;
    const found = vocab.exec(text);
    try {
      const head = JSON.parse(`${text.slice(0, model.index).replace(/,\s*$/, '')}}`) as Json;
      const settings = found
        ? (JSON.parse(`{${text.slice(model.index, found.index).replace(/,\s*$/, '')}}}`) as Json)
        : null;
      // The model last (everything the plan reads is before it) and its settings before its vocab.
      const complete = HEAD_KEYS.every((key) => key in head);
      if (complete && settings && isObject(settings['model']) && 'dropout' in settings['model']) {
        return { ...head, model: settings['model'] };
      }
    } catch {
      // another layout: parse it all
    }
  }
  return whole ? (JSON.parse(text) as Json) : null;
}

function templateIds(processor: Json): { prefix: number[]; suffix: number[] } | string {
  const single = processor['single'];
  const specials = processor['special_tokens'];
  if (!Array.isArray(single) || !isObject(specials))
    return 'a TemplateProcessing without single/special_tokens';
  const prefix: number[] = [];
  const suffix: number[] = [];
  let sequences = 0;
  for (const item of single) {
    if (isObject(item) && isObject(item['Sequence']) && item['Sequence']['id'] === 'A') sequences++;
    else if (isObject(item) && isObject(item['SpecialToken'])) {
      const special = specials[String(item['SpecialToken']['id'])];
      const ids = isObject(special) ? special['ids'] : undefined;
      if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id)))
        return 'a template token without ids';
      (sequences === 0 ? prefix : suffix).push(...(ids as number[]));
    } else return 'a template item it does not know';
  }
  return sequences === 1 ? { prefix, suffix } : 'a template without exactly one sequence';
}

/** The fast-path plan of a parsed tokenizer.json (head), or why it keeps the full Rust path. */
export function planFromJson(json: Json): FastPlanResult {
  const no = (reason: string) => ({ reason });
  if (json['truncation'] != null || json['padding'] != null) return no('it sets truncation or padding');
  if (json['normalizer'] != null) return no('it has a normalizer');
  const model = json['model'];
  if (!isObject(model) || model['type'] !== 'BPE' || model['dropout'] != null)
    return no('its model is not a BPE without dropout');
  const pre = json['pre_tokenizer'];
  const steps = isObject(pre) && pre['type'] === 'Sequence' ? pre['pretokenizers'] : null;
  const [splitStep, byteLevel] = Array.isArray(steps) ? (steps as unknown[]) : [];
  const regex =
    isObject(splitStep) && isObject(splitStep['pattern']) ? splitStep['pattern']['Regex'] : undefined;
  if (
    !Array.isArray(steps) ||
    steps.length !== 2 ||
    !isObject(splitStep) ||
    splitStep['type'] !== 'Split' ||
    splitStep['behavior'] !== 'Isolated' ||
    splitStep['invert'] !== false ||
    typeof regex !== 'string' ||
    !isObject(byteLevel) ||
    byteLevel['type'] !== 'ByteLevel' ||
    byteLevel['add_prefix_space'] !== false ||
    byteLevel['use_regex'] !== false
  ) {
    return no('its pre-tokenizer is not Split(regex) + ByteLevel');
  }
  if (!KNOWN_PATTERNS.has(regex)) return no('its split pattern is not one the fast path was proven on');
  const added: [string, number][] = [];
  for (const token of Array.isArray(json['added_tokens']) ? json['added_tokens'] : []) {
    if (
      !isObject(token) ||
      typeof token['content'] !== 'string' ||
      token['content'] === '' ||
      !Number.isInteger(token['id']) ||
      token['single_word'] !== false ||
      token['lstrip'] !== false ||
      token['rstrip'] !== false ||
      token['normalized'] !== false
    ) {
      return no('an added token strips, matches single words or is normalized');
    }
    added.push([token['content'], token['id'] as number]);
  }
  let ids: { prefix: number[]; suffix: number[] } | string = { prefix: [], suffix: [] };
  const post = json['post_processor'];
  const processors =
    isObject(post) && post['type'] === 'Sequence' ? post['processors'] : post == null ? [] : [post];
  let templates = 0;
  for (const processor of Array.isArray(processors) ? (processors as unknown[]) : [null]) {
    if (isObject(processor) && processor['type'] === 'ByteLevel') continue; // offsets only
    if (isObject(processor) && processor['type'] === 'TemplateProcessing' && templates++ === 0) {
      ids = templateIds(processor);
    } else return no('its post-processor is not a template');
  }
  if (typeof ids === 'string') return no(`its post-processor has ${ids}`);
  return { plan: { pattern: translatePattern(regex), added, ...ids } };
}

/** The first `bytes` of a file as text (a cut UTF-8 character at the end is harmless: only keys before it are read). */
function fileStart(path: string, bytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

/** The fast-path plan of a tokenizer.json file, or why it keeps the full Rust path. */
export function fastPlan(tokenizerJsonPath: string): FastPlanResult {
  try {
    // The settings are in the first tens of kB (Llama 3: 55 kB) when the vocabulary comes last.
    const start = fileStart(tokenizerJsonPath, 1 << 20);
    const head = /"model"\s*:[\s\S]*"vocab"\s*:/.test(start) ? tokenizerJsonHead(start, false) : null;
    return planFromJson(head ?? tokenizerJsonHead(readFileSync(tokenizerJsonPath, 'utf8')));
  } catch {
    return { reason: 'it could not be read as JSON' };
  }
}
