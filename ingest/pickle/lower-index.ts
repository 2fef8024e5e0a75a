/** Lowering of pandas indexes: RangeIndex, MultiIndex (levels and codes) and flat indexes of any array data. */

import { column, ndarray } from './lower-arrays.ts';
import { asBigint, type LowerContext } from './lower-context.ts';
import { type Column, IndexValue, type Lowered, LTuple, type RangeSpec, rangeLength } from './lowered.ts';
import { cellOf } from './numpy.ts';
import { type PyCall, PyDict, PyGlobal, PyList, PyTuple, type PyValue } from './values.ts';

export function lowerIndex(ctx: LowerContext, call: PyCall): IndexValue {
  const [cls, d] = call.args;
  if (!(cls instanceof PyGlobal) || !(d instanceof PyDict)) ctx.fail('_new_Index(cls, dict) expected');
  const name = ctx.lower(d.get('name') ?? null);
  switch (cls.name) {
    case 'pandas.core.indexes.range.RangeIndex': {
      const r: RangeSpec = {
        start: asBigint(d.get('start') ?? 0n),
        stop: asBigint(d.get('stop') ?? 0n),
        step: asBigint(d.get('step') ?? 1n),
      };
      if (r.step === 0n) ctx.fail('RangeIndex step must not be zero');
      return new IndexValue([name], null, r, rangeLength(r));
    }
    case 'pandas.core.indexes.multi.MultiIndex': {
      const levels = d.get('levels');
      const codes = d.get('codes') ?? d.get('labels');
      const names = d.get('names');
      if (
        !(levels instanceof PyList || levels instanceof PyTuple) ||
        !(codes instanceof PyList || codes instanceof PyTuple)
      ) {
        ctx.fail('MultiIndex needs levels and codes');
      }
      if (levels.items.length !== codes.items.length)
        ctx.fail('MultiIndex levels and codes differ in number');
      const cols = levels.items.map((lv, i) => {
        const level = ctx.at(`levels[${i}]`, () => ctx.lower(lv));
        if (!(level instanceof IndexValue) || level.levels?.length !== 1)
          ctx.fail('MultiIndex level must be a flat Index');
        const lc = level.levels[0]!;
        const code = ctx.at(`codes[${i}]`, () => ndarray(ctx, codes.items[i], 'MultiIndex codes'));
        if (code.column.data.kind !== 'int') ctx.fail('MultiIndex codes must be integers');
        const c32 = Int32Array.from(code.column.data.values as ArrayLike<number>, Number);
        for (const c of c32) if (c < -1 || c >= lc.length) ctx.fail(`MultiIndex code ${c} out of range`);
        return {
          dtype: lc.dtype,
          data: { kind: 'category', codes: c32, categories: lc, ordered: false },
          length: c32.length,
        } as Column;
      });
      const length = cols[0]?.length ?? 0;
      if (cols.some((c) => c.length !== length)) ctx.fail('MultiIndex codes differ in length');
      const nameList =
        names instanceof PyList || names instanceof PyTuple
          ? names.items.map((n) => ctx.lower(n))
          : cols.map(() => null);
      return new IndexValue(nameList, cols, null, length);
    }
    default: {
      const data = d.get('data');
      if (data === undefined) ctx.fail(`${cls.written} without data`);
      const col = ctx.at('data', () => column(ctx, data, cls.written));
      return new IndexValue([name], [col], null, col.length);
    }
  }
}

export function indexOf(ctx: LowerContext, v: PyValue | undefined, what: string): IndexValue {
  const out = v === undefined ? null : ctx.at(what, () => ctx.lower(v));
  if (!(out instanceof IndexValue)) ctx.fail(`${what}: expected a pandas Index`);
  return out;
}

/** The RangeIndex pandas gives a Series or frame made from Arrow data. */
export function defaultIndex(length: number): IndexValue {
  return new IndexValue([null], null, { start: 0n, stop: BigInt(length), step: 1n }, length);
}

/** The labels of an index, one per position (tuples for a MultiIndex). */
export function indexLabels(index: IndexValue): Lowered[] {
  const out: Lowered[] = new Array(index.length);
  if (index.range) {
    for (let i = 0; i < index.length; i++) out[i] = index.range.start + BigInt(i) * index.range.step;
    return out;
  }
  const levels = index.levels ?? [];
  for (let i = 0; i < index.length; i++) {
    out[i] = levels.length === 1 ? cellOf(levels[0]!, i) : new LTuple(levels.map((l) => cellOf(l, i)));
  }
  return out;
}
