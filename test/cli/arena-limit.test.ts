// bin/arena-limit.js: which invocations run in a child with MALLOC_ARENA_MAX set (the end-to-end case,
// the child ending with its launcher, is in test/tokenize/hardening.test.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARENA_LIMIT_FROM_BYTES, inputAtLeast, wantsArenaLimit } from '../../bin/arena-limit.js';
import { tempDir } from '../helpers.ts';

describe('arena limit of the launcher', () => {
  it('only tokenize, on Linux, without MALLOC_ARENA_MAX, with at least 32 MB of JSONL input', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'in', 'nested'), { recursive: true });
    writeFileSync(join(dir, 'in', 'a.jsonl'), Buffer.alloc(20e6));
    writeFileSync(join(dir, 'in', 'notes.txt'), Buffer.alloc(20e6));
    const argv = (...args: string[]) => ['node', 'mlduck', 'tokenize', ...args];
    expect(inputAtLeast(argv('--input', join(dir, 'in')), ARENA_LIMIT_FROM_BYTES)).toBe(false);
    writeFileSync(join(dir, 'in', 'nested', 'b.jsonl'), Buffer.alloc(13e6));
    expect(inputAtLeast(argv('--input', join(dir, 'in')), ARENA_LIMIT_FROM_BYTES)).toBe(true);
    expect(inputAtLeast(argv(`--input=${join(dir, 'in')}`), ARENA_LIMIT_FROM_BYTES)).toBe(true);
    expect(inputAtLeast(argv('--input', join(dir, 'missing')), 1)).toBe(false);
    expect(inputAtLeast(argv(), 1)).toBe(false);
    const big = argv('--input', join(dir, 'in'));
    expect(wantsArenaLimit(big, {}, 'linux')).toBe(true);
    expect(wantsArenaLimit(big, { MALLOC_ARENA_MAX: '8' }, 'linux')).toBe(false);
    expect(wantsArenaLimit(big, {}, 'darwin')).toBe(false);
    expect(wantsArenaLimit(['node', 'mlduck', 'query', '--input', join(dir, 'in')], {}, 'linux')).toBe(false);
  });
});
