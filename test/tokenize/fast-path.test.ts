// The native backend's exact fast path (ingest/tokenize/fast-encode.js): its V8 pre-tokenizer must split
// every text exactly as Rust's own pre-tokenizer does, and its ids must equal Rust's encode. Proven here
// over every Unicode code point (each in runs of its class, most also between letters, digits, spaces,
// newlines and apostrophes), every short string over an alphabet of the characters the pattern treats
// specially, the example corpora and a seeded sweep of hostile strings.

import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FastEncoder, fastPieces } from '../../ingest/tokenize/fast-encode.js';
import {
  type FastPlan,
  planFromJson,
  tokenizerJsonHead,
  translatePattern,
} from '../../ingest/tokenize/fast-plan.ts';
import { LETTER, NUMBER, ONIG_TOKENIZERS_VERSION, SPACE } from '../../ingest/tokenize/onig-unicode.ts';
import { bundledLlama32TokenizerDir, loadNativeModule } from '../../ingest/tokenize/tokenizer.ts';
import { mulberry32 } from '../../scripts/tools/prng.ts';
import { REPO_ROOT } from '../helpers.ts';

interface RustTokenizer {
  encodeBatch(texts: string[], options?: { addSpecialTokens?: boolean }): Promise<{ getIds(): number[] }[]>;
  getPreTokenizer(): { preTokenizeString(text: string): [string, [number, number]][] } | null;
}

const native = loadNativeModule();
const LLAMA_JSON = join(bundledLlama32TokenizerDir()!, 'tokenizer.json');
const llamaText = readFileSync(LLAMA_JSON, 'utf8');
const llamaHead = tokenizerJsonHead(llamaText);

function llamaPlan(): FastPlan {
  const result = planFromJson(llamaHead);
  if (!('plan' in result)) throw new Error(result.reason);
  return result.plan;
}

describe('fast path: which tokenizer.json it takes', () => {
  it('recognises Llama 3 (BOS prefix, 256 special tokens) and reads only the head of the file', () => {
    const plan = llamaPlan();
    expect(plan.prefix).toEqual([128000]);
    expect(plan.suffix).toEqual([]);
    expect(plan.added).toHaveLength(256);
    expect(plan.added).toContainEqual(['<|eot_id|>', 128009]);
    const full = JSON.parse(llamaText) as Record<string, unknown>;
    const { vocab: _v, merges: _m, ...settings } = full['model'] as Record<string, unknown>;
    expect(llamaHead['model']).toEqual(settings);
    for (const key of ['added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'truncation']) {
      expect(llamaHead[key]).toEqual(full[key]);
    }
    // Another key order: the whole file is parsed instead.
    const { model: _model, ...rest } = full;
    const model = { type: 'BPE', vocab: { a: 0 }, merges: [], dropout: null };
    expect(tokenizerJsonHead(JSON.stringify({ model, ...rest }))).toEqual({ model, ...rest });
    expect(tokenizerJsonHead(JSON.stringify({ ...rest, model }))).toEqual({ ...rest, model });
  });

  it('leaves anything else to the full Rust path, saying why', () => {
    const variant = (change: (j: Record<string, unknown>) => void): string => {
      const j = structuredClone(llamaHead);
      change(j);
      const result = planFromJson(j);
      return 'reason' in result ? result.reason : 'recognised';
    };
    expect(variant(() => {})).toBe('recognised');
    expect(variant((j) => (j['normalizer'] = { type: 'NFC' }))).toMatch(/normalizer/);
    expect(variant((j) => (j['truncation'] = { max_length: 10 }))).toMatch(/truncation/);
    expect(variant((j) => ((j['model'] as Record<string, unknown>)['dropout'] = 0.1))).toMatch(/dropout/);
    expect(variant((j) => ((j['model'] as Record<string, unknown>)['type'] = 'Unigram'))).toMatch(/BPE/);
    expect(variant((j) => ((j['added_tokens'] as Record<string, unknown>[])[5]!['lstrip'] = true))).toMatch(
      /added token/,
    );
    expect(
      variant((j) => {
        const pre = j['pre_tokenizer'] as { pretokenizers: { pattern: { Regex: string } }[] };
        pre.pretokenizers[0]!.pattern.Regex = '\\p{L}+|\\p{N}';
      }),
    ).toMatch(/pattern/);
    expect(variant((j) => (j['pre_tokenizer'] = { type: 'ByteLevel', add_prefix_space: true }))).toMatch(
      /pre-tokenizer/,
    );
    expect(variant((j) => (j['post_processor'] = { type: 'BertProcessing' }))).toMatch(/post-processor/);
    expect(() => translatePattern('\\w+')).toThrow(/unsupported escape/);
    expect(() => translatePattern('(?<x>a)')).toThrow(/unsupported/);
    expect(() => translatePattern('a.b')).toThrow(/unsupported character/);
  });
});

describe.runIf(native !== null)('fast path: V8 split = Rust preTokenizeString', () => {
  const require = createRequire(import.meta.url);
  const { Tokenizer } = require('tokenizers') as { Tokenizer: { fromFile(p: string): RustTokenizer } };
  const rust = Tokenizer.fromFile(LLAMA_JSON);
  const preTokenizer = rust.getPreTokenizer()!;
  const plan = llamaPlan();

  /** Rust's pieces of `text` as substrings (its offsets count code points). */
  function rustPieces(text: string): string[] {
    const points = Array.from(text);
    return preTokenizer.preTokenizeString(text).map(([, [a, b]]) => points.slice(a, b).join(''));
  }

  /** Compares the split of many texts in one Rust call; on a difference, names the first text that differs. */
  function expectSameSplit(texts: string[]): void {
    const joined = texts.join('');
    const got = fastPieces(plan, joined);
    const want = rustPieces(joined);
    if (got.length === want.length && got.every((p, i) => p === want[i])) return;
    for (const text of texts) expect([text, fastPieces(plan, text)]).toEqual([text, rustPieces(text)]);
    expect(got).toEqual(want); // differs only across the joins
  }

  it('the generated tables are those of the installed tokenizers package', () => {
    expect(ONIG_TOKENIZERS_VERSION).toBe((require('tokenizers/package.json') as { version: string }).version);
  });

  const inClass = (source: string) => new RegExp(`^[${source}]$`, 'u');
  const letter = inClass(LETTER);
  const number = inClass(NUMBER);
  const space = inClass(SPACE);
  const unassigned = /^[\p{Cn}\p{Co}]$/u;
  const classes: Record<'letter' | 'number' | 'space' | 'other', string[]> = {
    letter: [],
    number: [],
    space: [],
    other: [],
  };
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    const k = letter.test(c) ? 'letter' : number.test(c) ? 'number' : space.test(c) ? 'space' : 'other';
    classes[k].push(c);
  }
  const chunks = (cs: string[], size: number): string[][] =>
    Array.from({ length: Math.ceil(cs.length / size) }, (_, i) => cs.slice(i * size, (i + 1) * size));

  it('every code point, in runs of its own class (a code point Rust classes otherwise breaks its run)', () => {
    expect(classes.letter.length + classes.number.length + classes.space.length + classes.other.length).toBe(
      0x110000 - 0x800,
    );
    for (const [name, cs] of Object.entries(classes)) {
      for (const run of chunks(cs, 1 << 16)) {
        // Apostrophes and line breaks join their neighbours differently: the runs of "other" skip them here
        // (the contexts below take them).
        const text = run.filter((c) => name !== 'other' || c !== "'").join('');
        expect(fastPieces(plan, text)).toEqual(rustPieces(text));
      }
    }
  });

  it('code points between letters, digits, spaces, newlines and apostrophes (unassigned and private-use ones sampled)', () => {
    const rand = mulberry32(16);
    const selected = [
      ...classes.letter.filter((c) => c.codePointAt(0)! < 0x20000 || rand() < 1 / 64),
      ...classes.number,
      ...classes.space,
      ...classes.other.filter((c) => !unassigned.test(c) || rand() < 1 / 256),
    ];
    for (const neighbour of ['a', '1', ' ', '\n', "'", '-']) {
      for (const part of chunks(selected, 1 << 14)) {
        expectSameSplit([part.map((c) => neighbour + c).join('') + neighbour]);
      }
    }
  });

  it('every string of up to 4 characters over the characters the pattern treats specially', () => {
    // Letters and their case-insensitive contraction look-alikes (ſ is s), digits of three scripts, every
    // kind of space and line break, punctuation, an astral letter, digit and emoji.
    const alphabet = [..."'sStTLlReEvVmMdDſK", 'a', '1', '٣', '𝟗', ' ', '\t', '\r', '\n', '\u0085', '\u00a0'];
    alphabet.push('\u2028', '\u3000', '-', '.', '𐐀', '🦆', '\u0301');
    const texts: string[] = [];
    const extend = (prefix: string, n: number) => {
      if (prefix !== '') texts.push(prefix);
      if (n === 0) return;
      for (const c of alphabet) extend(prefix + c, n - 1);
    };
    extend('', 3);
    // Four characters over the ones that interact most (contractions, line breaks, space runs).
    const core = ["'", 's', 'L', 'e', ' ', '\r', '\n', '1', 'a', '-'];
    for (const a of core)
      for (const b of core) for (const c of core) for (const d of core) texts.push(a + b + c + d);
    // Each string alone: where it starts and ends matters.
    for (const text of texts) {
      const got = fastPieces(plan, text);
      const want = rustPieces(text);
      if (got.length !== want.length || got.some((p, i) => p !== want[i])) {
        expect([text, got]).toEqual([text, want]);
      }
    }
  });

  it('digit runs of 1 to 7, whitespace runs, CRLF and contractions in every case', () => {
    const texts: string[] = [];
    for (const digit of ['7', '٣', '५', '７', '𝟗', '²', 'Ⅻ']) {
      for (let n = 1; n <= 7; n++)
        texts.push(`x${digit.repeat(n)}y`, `${digit.repeat(n)}`, ` ${digit.repeat(n)}.`);
    }
    for (const run of [
      ' ',
      '  ',
      '\t ',
      ' \t\n',
      '\r\n',
      '\r\n\r\n',
      ' \r\n ',
      '\n\n\n',
      '\u00a0 \u3000',
      '\u0085\n',
    ]) {
      texts.push(`a${run}b`, `${run}b`, `a${run}`, `a.${run}`, `a${run}\n`, `${run}`);
    }
    for (const word of [
      "'s",
      "'S",
      "'ſ",
      "'t",
      "'T",
      "'re",
      "'RE",
      "'rE",
      "'Re",
      "'ve",
      "'VE",
      "'m",
      "'M",
      "'ll",
      "'LL",
      "'lL",
      "'d",
      "'D",
    ]) {
      texts.push(`IT${word}`, `it${word} x`, `x ${word}`, `${word}`, `${word}s`, `1${word}`);
    }
    texts.push('a😀b 😀😀 x', '𐐀𐐁 𐐂1', '🦆🦆🦆 ducks', 'e\u0301 é');
    for (const text of texts) expect([text, fastPieces(plan, text)]).toEqual([text, rustPieces(text)]);
  });

  it('the example corpora and a seeded sweep of hostile strings: same pieces, same ids', async () => {
    const corpus: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name.endsWith('.jsonl')) {
          for (const line of readFileSync(join(dir, entry.name), 'utf8').split('\n')) {
            const text = line.trim() === '' ? null : (JSON.parse(line) as { text?: unknown }).text;
            if (typeof text === 'string') corpus.push(text);
          }
        }
      }
    };
    walk(join(REPO_ROOT, 'examples', 'corpus'));
    expect(corpus.length).toBeGreaterThan(20);
    const rand = mulberry32(42);
    const pool = [
      ..."abcXYZ'sStLlEeſ019٣ \t\r\n.,-_()<>|?!",
      '\u00a0',
      '\u0085',
      '\u2028',
      '\u3000',
      'é',
      'e\u0301',
      '数',
      '学',
      '𐐀',
      '𝟗',
      '🦆',
      '\u{1f468}\u{200d}\u{1f4bb}',
      '<|eot_id|>',
      '<|begin_of_text|>',
      '<|reserved_special_token_7|>',
      '<|',
      '|>',
      '<|eot_id',
      "'LL",
      "'Re",
      '\r\n',
    ];
    const hostile = Array.from({ length: 3000 }, () =>
      Array.from({ length: 1 + Math.floor(rand() * 30) }, () => pool[Math.floor(rand() * pool.length)]).join(
        '',
      ),
    );
    const special = /<\|(?:eot_id|begin_of_text|reserved_special_token_7)\|>/;
    for (const text of [...corpus, ...hostile]) {
      if (special.test(text)) continue; // added tokens are split out before the pre-tokenizer: ids below
      const got = fastPieces(plan, text);
      const want = rustPieces(text);
      if (got.length !== want.length || got.some((p, i) => p !== want[i]))
        expect([text, got]).toEqual([text, want]);
    }
    const texts = [...corpus, ...hostile, '', 'lone \ud800 surrogate', 'x<|eot_id|>y'];
    const encoder = new FastEncoder(plan, rust, 64); // a tiny cache: cleared between the batches
    for (let i = 0; i < texts.length; i += 500) {
      const batch = texts.slice(i, i + 500);
      const fast = await encoder.encode(batch, 128009, false);
      const whole = await rust.encodeBatch(batch);
      expect(Array.from(fast.lengths)).toEqual(whole.map((e) => e.getIds().length + 1));
      expect(Array.from(fast.ids)).toEqual(whole.flatMap((e) => [...e.getIds(), 128009]));
      expect(encoder.cache.size).toBeLessThanOrEqual(64 + 500 * 31);
    }
    expect(encoder.wholeDocuments).toBe(1); // the lone surrogate (Rust sees U+FFFD)
  });
});
