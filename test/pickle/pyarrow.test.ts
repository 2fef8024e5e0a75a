/**
 * pyarrow-backed pandas 3 (and 2.2) data (issue 20): fixtures written by real pandas 3.0.6 (and 2.2.3) + numpy 2.4.6 + pyarrow
 * (scripts/pickle/generate_pyarrow_fixtures.py); every cell compared with what pandas loads (expected.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toCanonical } from '../../ingest/pickle/canonical.ts';
import { PickleError, readPickle } from '../../ingest/pickle/index.ts';
import { REPO_ROOT } from '../helpers.ts';

const ROOT = join(REPO_ROOT, 'test', 'fixtures', 'pickle', 'pyarrow');
type Expected = { value?: unknown; error?: string; producer?: string };
/** pandas 3 fixtures at the root, pandas 2.2 ones (same frames, pandas 2 layouts) under pandas2/. */
const expected: Record<string, Expected> = {};
for (const dir of ['', 'pandas2/']) {
  const set = JSON.parse(readFileSync(join(ROOT, dir, 'expected.json'), 'utf8')) as Record<string, Expected>;
  for (const [name, value] of Object.entries(set)) expected[`${dir}${name}`] = value;
}
const names = Object.keys(expected);

describe('pyarrow-backed pickles decode to the values pandas loads', () => {
  const decodable = names.filter((n) => expected[n]!.value !== undefined);
  it('covers frames, series, pyarrow tables and the showntell structures from pandas 3 + pyarrow', () => {
    expect(decodable.length).toBeGreaterThan(30);
    expect(expected['df_default_str.p5.pkl']!.producer).toMatch(/^pandas 3\.0\.6, numpy 2\.4\.6, pyarrow /);
    expect(expected['pandas2/df_string_pyarrow_numpy.p5.pkl']!.producer).toMatch(/^pandas 2\.2\.3, /);
    for (const n of ['pa_table.p4.pkl', 'pa_record_batch.p5.pkl', 'modernized_run_data.p4.pkl'])
      expect(decodable).toContain(n);
  });
  it.each(decodable)('%s', (name) => {
    const value = readPickle(readFileSync(join(ROOT, name)));
    expect(JSON.parse(JSON.stringify(toCanonical(value)))).toEqual(expected[name]!.value);
  });
});

describe('hostile pyarrow pickles are refused with the byte offset of the array', () => {
  const hostile = names.filter((n) => n.startsWith('hostile/'));
  it('has the attack set', () => expect(hostile.length).toBeGreaterThanOrEqual(15));
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
    expect((error as PickleError).pickleOffset).toBeGreaterThan(0);
    expect((error as PickleError).pickleOffset).toBeLessThan(data.length);
  });
});

describe('apache-arrow is loaded only for pyarrow data', () => {
  it('a CLI start and a numpy pickle do not load it; a pyarrow pickle does; its TimeUnit values are ours', async () => {
    const { spawnSync } = await import('node:child_process');
    // a fresh process: vitest's own process may have loaded apache-arrow for the tests above
    const script = `
      import { readFileSync } from 'node:fs';
      import { arrowLoaded } from './ingest/pickle/arrow-lib.ts';
      import { readPickle } from './ingest/pickle/index.ts';
      await import('./main.ts');
      readPickle(readFileSync('test/fixtures/pickle/real/df_mixed.p5.pkl'));
      const before = arrowLoaded();
      readPickle(readFileSync('test/fixtures/pickle/pyarrow/df_times_pyarrow.p5.pkl'));
      const { arrow } = await import('./ingest/pickle/arrow-lib.ts');
      const { UNITS } = await import('./ingest/pickle/arrow-types.ts');
      const units = [arrow.TimeUnit.SECOND, arrow.TimeUnit.MILLISECOND, arrow.TimeUnit.MICROSECOND, arrow.TimeUnit.NANOSECOND];
      console.log(JSON.stringify({ before, after: arrowLoaded(), units, ours: [UNITS.s, UNITS.ms, UNITS.us, UNITS.ns] }));
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { before: boolean; after: boolean; units: number[]; ours: number[] };
    expect(out.before).toBe(false);
    expect(out.after).toBe(true);
    expect(out.ours).toEqual(out.units);
  });
});
