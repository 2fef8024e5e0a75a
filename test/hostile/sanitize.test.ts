import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deepArray, deepObject } from '../../scripts/make-hostile.ts';
import { MlduckError } from '../../src/errors.ts';
import { formatResult } from '../../src/format.ts';
import { MAX_JSON_DEPTH, tooDeepInFile, tooDeepInText, valueTooDeep } from '../../src/json-depth.ts';
import { printable } from '../../src/sanitize.ts';
import { tempDir } from '../helpers.ts';

describe('printable: names from input on a terminal', () => {
  it('escapes C0, DEL and C1 controls as \\xNN and bidi controls as \\u{…}; keeps other text', () => {
    expect(printable('a\u001b[31mb\u0007c\r\nd\u007fe\u009bf')).toBe(
      'a\\x1b[31mb\\x07c\\x0d\\x0ad\\x7fe\\x9bf',
    );
    expect(printable('abc\u202ecba')).toBe('abc\\u{202e}cba');
    expect(printable('naïve 数据 ✓ tab-free')).toBe('naïve 数据 ✓ tab-free');
  });

  it('MlduckError.toHumanLine escapes the file and the message, and folds DuckDB lines into one', () => {
    const error = new MlduckError('bad "\u001b]0;x\u0007"\nLINE 1: SELECT 1\n        ^', {
      file: 'a\u001b[2J.jsonl',
      line: 3,
    });
    expect(error.toHumanLine()).toBe('a\\x1b[2J.jsonl:3: bad "\\x1b]0;x\\x07"');
  });

  it('query tables (a terminal format) escape names and values; CSV and JSON stay data', () => {
    const result = { columns: ['n\u001b[1m'], rows: [['run\u001b]0;t\u0007']] };
    const table = formatResult(result, 'table');
    expect(table).toContain('n\\x1b[1m');
    expect(table).toContain('run\\x1b]0;t\\x07');
    expect(table).not.toContain('\u001b');
    expect(JSON.parse(formatResult(result, 'json'))).toEqual([{ 'n\u001b[1m': 'run\u001b]0;t\u0007' }]);
  });
});

describe('JSON depth cap', () => {
  it('counts nesting outside strings only', () => {
    expect(tooDeepInText(deepObject(MAX_JSON_DEPTH))).toBeNull();
    expect(tooDeepInText(deepObject(MAX_JSON_DEPTH + 1))).toEqual({ line: 1, depth: MAX_JSON_DEPTH + 1 });
    expect(tooDeepInText(JSON.stringify({ s: '['.repeat(5000) }))).toBeNull();
    expect(tooDeepInText(JSON.stringify({ s: '\\"['.repeat(5000) }))).toBeNull();
    expect(tooDeepInText(`{\n"a":\n${deepArray(600)}}`, 500)?.line).toBe(3);
  });

  it('finds the line of a JSONL file, each line its own document, within the lines asked for', () => {
    const file = join(tempDir(), 'x.jsonl');
    writeFileSync(file, `${deepArray(400)}\n${deepArray(400)}\n{"a":1}\n${deepObject(700)}\n`);
    expect(tooDeepInFile(file)).toEqual({ line: 4, depth: 501 });
    expect(tooDeepInFile(file, { maxLines: 3 })).toBeNull();
    // One document over several lines (a .json file): the depth carries across line breaks.
    const json = join(tempDir(), 'x.json');
    writeFileSync(json, `${'['.repeat(300)}\n${'['.repeat(300)}${']'.repeat(600)}`);
    expect(tooDeepInFile(json, { perLine: false })).toEqual({ line: 2, depth: 501 });
    expect(tooDeepInFile(json, { perLine: true })).toBeNull();
  });

  it('walks parsed values without recursion', () => {
    expect(valueTooDeep(JSON.parse(deepArray(100_000)))).toBe(true);
    expect(valueTooDeep({ a: [1, { b: 2 }] })).toBe(false);
  });
});
