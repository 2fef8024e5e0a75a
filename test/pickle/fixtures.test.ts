import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  it('never ran the os.system payload', () => {
    expect(existsSync(join(tmpdir(), 'mlduck-pwned'))).toBe(false);
    expect(existsSync('/tmp/mlduck-pwned')).toBe(false);
  });
  it('a sparse LONG_BINPUT index does not allocate a huge memo', () => {
    const before = process.memoryUsage().rss;
    expect(readPickle(readFileSync(join(ROOT, 'hostile/memo_bomb_long_binput.pkl')))).toEqual([]);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });
});
