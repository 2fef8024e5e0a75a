import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCanonical } from '../../ingest/pickle/canonical.ts';
import { PickleError, readPickle } from '../../ingest/pickle/index.ts';
import { REPO_ROOT } from '../helpers.ts';

/** Fixtures written by scripts/pickle/generate_fixtures.py (real pandas 1.5 / numpy 1.24, see expected.json). */
const ROOT = join(REPO_ROOT, 'test', 'fixtures', 'pickle');
type Expected = { value?: unknown; error?: string; loads?: boolean; constructed?: boolean };
const expected = JSON.parse(readFileSync(join(ROOT, 'expected.json'), 'utf8')) as Record<string, Expected>;
const names = Object.keys(expected);

describe('pickle fixtures decode to the values real pandas loads', () => {
  const decodable = names.filter((n) => expected[n]!.value !== undefined);
  it('covers real and constructed fixtures across protocols 2–5', () => {
    expect(decodable.filter((n) => n.startsWith('real/')).length).toBeGreaterThan(70);
    for (const p of [2, 3, 4, 5]) expect(decodable.some((n) => n.endsWith(`.p${p}.pkl`))).toBe(true);
    expect(decodable.filter((n) => expected[n]!.constructed).length).toBeGreaterThan(20);
  });
  it.each(decodable)('%s', (name) => {
    const value = readPickle(readFileSync(join(ROOT, name)));
    expect(JSON.parse(JSON.stringify(toCanonical(value)))).toEqual(expected[name]!.value);
  });
});

describe('hostile pickles are refused with a clear error and no side effect', () => {
  const hostile = names.filter((n) => n.startsWith('hostile/') && expected[n]!.error);
  it.each(hostile)('%s', (name) => {
    const data = readFileSync(join(ROOT, name));
    let error: unknown;
    try {
      readPickle(data);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PickleError);
    expect((error as PickleError).message).toContain(expected[name]!.error);
    expect((error as PickleError).pickleOffset).toBeGreaterThanOrEqual(0);
    expect((error as PickleError).pickleOffset).toBeLessThanOrEqual(data.length);
  });
  it('refuse os.system at the opcode that names it, before the REDUCE that would call it is read', () => {
    // os_system.pkl: GLOBAL 'os system' at 0 … REDUCE at 47; os_system_p4.pkl: STACK_GLOBAL at 14 … REDUCE at 22.
    for (const [name, globalAt, reduceAt] of [
      ['hostile/os_system.pkl', 0, 47],
      ['hostile/os_system_p4.pkl', 14, 22],
    ] as const) {
      const data = readFileSync(join(ROOT, name));
      expect(data[globalAt], name).toBe(globalAt === 0 ? 0x63 : 0x93);
      expect(data[reduceAt], name).toBe(0x52);
      const error = (() => {
        try {
          readPickle(data);
        } catch (e) {
          return e;
        }
      })();
      expect(error, name).toBeInstanceOf(PickleError);
      expect((error as PickleError).pickleOffset, name).toBe(globalAt);
    }
  });
  it('a sparse LONG_BINPUT index does not allocate a huge memo', () => {
    const before = process.memoryUsage().rss;
    expect(readPickle(readFileSync(join(ROOT, 'hostile/memo_bomb_long_binput.pkl')))).toEqual([]);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });
});
