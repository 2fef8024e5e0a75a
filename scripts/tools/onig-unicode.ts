// Generates ingest/tokenize/onig-unicode.ts: the character classes of the Rust `tokenizers` regex engine
// (Oniguruma, with its own Unicode tables) as explicit code-point ranges, asked of the installed Rust
// package itself, code point by code point. The fast path (ingest/tokenize/fast-plan.ts) builds its V8
// regex from these ranges instead of V8's `\p{L}`/`\p{N}`/`\s`, whose Unicode version (Node's ICU) is
// newer than Oniguruma's: a letter assigned in Unicode 16 is a letter to V8 and not to Rust. Run again
// after upgrading `tokenizers` (test/tokenize/fast-path.test.ts fails until the tables match it):
//   node --import tsx scripts/tools/onig-unicode.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundledLlama32TokenizerDir } from '../../ingest/tokenize/tokenizer.ts';
import { PACKAGE_ROOT } from '../../src/version.ts';

interface PreTokenizer {
  preTokenizeString(text: string): [string, [number, number]][];
}
interface NativeTokenizer {
  getPreTokenizer(): PreTokenizer | null;
}

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers') as { Tokenizer: { fromString(json: string): NativeTokenizer } };
const llama = JSON.parse(readFileSync(join(bundledLlama32TokenizerDir()!, 'tokenizer.json'), 'utf8')) as {
  pre_tokenizer: { pretokenizers: unknown[] };
};
// Llama 3's Split alone (its ByteLevel step only maps bytes; the pieces and their offsets are the same).
const split = Tokenizer.fromString(
  JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: llama.pre_tokenizer.pretokenizers[0],
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab: {}, unk_token: '[UNK]' },
  }),
).getPreTokenizer()!;

const CODE_POINTS: number[] = [];
for (let cp = 0; cp <= 0x10ffff; cp++) if (cp < 0xd800 || cp > 0xdfff) CODE_POINTS.push(cp);

/**
 * For each code point c, builds `probe(c)` (code points), joins many probes into one string, and reports
 * whether Rust puts a piece boundary at offset `at` of each probe.
 */
function boundaryAt(
  cps: number[],
  probe: (c: number) => number[],
  at: number,
  chunk = 1 << 16,
): Map<number, boolean> {
  const result = new Map<number, boolean>();
  for (let i = 0; i < cps.length; i += chunk) {
    const part = cps.slice(i, i + chunk);
    const points: number[] = [];
    const positions: number[] = [];
    for (const c of part) {
      positions.push(points.length + at);
      points.push(...probe(c));
    }
    const text = points.map((p) => String.fromCodePoint(p)).join('');
    const starts = new Set(split.preTokenizeString(text).map(([, [start]]) => start));
    for (const [k, c] of part.entries()) result.set(c, starts.has(positions[k]!));
  }
  return result;
}

const ch = (s: string) => s.codePointAt(0)!;
const [a, one, dash, apostrophe, x, e, r, l] = ['a', '1', '-', "'", 'x', 'e', 'r', 'l'].map(ch) as [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

// "a c": no boundary between them ⇔ c is a letter (\p{L}+ runs on). "-1c": none between 1 and c ⇔ c is a
// number (\p{N}{1,3}). "-c": none ⇔ c is a letter or neither letter, number nor space (both join "-").
const notLetter = boundaryAt(CODE_POINTS, (c) => [a, c], 1);
const notNumber = boundaryAt(CODE_POINTS, (c) => [dash, one, c], 2);
const notOther = boundaryAt(CODE_POINTS, (c) => [dash, c], 1);
const letters = CODE_POINTS.filter((c) => !notLetter.get(c));
const numbers = CODE_POINTS.filter((c) => !notNumber.get(c));
// \r and \n join "-" ([\r\n]* after punctuation) but are spaces to \s.
const spaces = CODE_POINTS.filter(
  (c) => notLetter.get(c) && notNumber.get(c) && (notOther.get(c) || c === 0x0a || c === 0x0d),
);

// The case-insensitive contractions (?i:'s|'t|'re|'ve|'m|'ll|'d), over letters: "'cx" splits before x
// ⇔ c is one of s t m d in any case; "'cex" ⇔ c is r or v; "'rcx" ⇔ c is e; "'lcx" ⇔ c is l.
const single = boundaryAt(letters, (c) => [apostrophe, c, x], 2);
const beforeE = boundaryAt(letters, (c) => [apostrophe, c, e, x], 3);
const eLike = boundaryAt(letters, (c) => [apostrophe, r, c, x], 3);
const lLike = boundaryAt(letters, (c) => [apostrophe, l, c, x], 3);
const singleLetters = letters.filter((c) => single.get(c));
const rvLetters = letters.filter((c) => beforeE.get(c) && !single.get(c));
const eLetters = letters.filter((c) => eLike.get(c));
const lLetters = letters.filter((c) => lLike.get(c));

/** A sorted code-point list as the inside of a `u`-flag character class: ranges of \u{…} escapes. */
function classSource(cps: number[]): string {
  const hex = (c: number) => `\\u{${c.toString(16)}}`;
  let out = '';
  for (let i = 0; i < cps.length; ) {
    let j = i;
    while (j + 1 < cps.length && cps[j + 1] === cps[j]! + 1) j++;
    out +=
      i === j ? hex(cps[i]!) : j === i + 1 ? hex(cps[i]!) + hex(cps[j]!) : `${hex(cps[i]!)}-${hex(cps[j]!)}`;
    i = j + 1;
  }
  return out;
}

const version = (require('tokenizers/package.json') as { version: string }).version;
const file = join(PACKAGE_ROOT, 'ingest', 'tokenize', 'onig-unicode.ts');
writeFileSync(
  file,
  `// Generated by scripts/tools/onig-unicode.ts from the Rust \`tokenizers\` ${version} package: the character
// classes of its regex engine (Oniguruma) as the inside of \`u\`-flag character classes. Do not edit.

/** The \`tokenizers\` version these tables were read from. */
export const ONIG_TOKENIZERS_VERSION = '${version}';
/** \\p{L} (${letters.length} code points). */
export const LETTER = '${classSource(letters)}';
/** \\p{N} (${numbers.length} code points). */
export const NUMBER = '${classSource(numbers)}';
/** \\s (${spaces.length} code points). */
export const SPACE = '${classSource(spaces)}';
/** Letters matching s, t, m or d case-insensitively. */
export const FOLD_STMD = '${classSource(singleLetters)}';
/** Letters matching r or v case-insensitively. */
export const FOLD_RV = '${classSource(rvLetters)}';
/** Letters matching e case-insensitively. */
export const FOLD_E = '${classSource(eLetters)}';
/** Letters matching l case-insensitively. */
export const FOLD_L = '${classSource(lLetters)}';
`,
);
console.log(
  `wrote ${file}: ${letters.length} letters, ${numbers.length} numbers, ${spaces.length} spaces; contractions ${[singleLetters, rvLetters, eLetters, lLetters].map((s) => s.map((c) => String.fromCodePoint(c)).join('')).join(' ')}`,
);
