/**
 * Lowering of pandas DataFrames and Series through their BlockManager (both pickled forms: REDUCE of
 * `_unpickle_block`s, and the legacy 0.14.1 state): blocks placed into columns, every placement range-checked.
 */

import { column, columns, ndarray } from './lower-arrays.ts';
import { asInt, type LowerContext } from './lower-context.ts';
import { indexLabels, indexOf } from './lower-index.ts';
import { type Column, Frame, SeriesValue } from './lowered.ts';
import { PyCall, PyDict, PyList, PyTuple, type PyValue, pyTypeName } from './values.ts';

/** Blocks and axes of a BlockManager in either pickled form (REDUCE, or the legacy 0.14.1 state). */
export function manager(
  ctx: LowerContext,
  mgr: PyValue,
): {
  axes: PyValue[];
  blocks: { values: PyValue; placement: PyValue | null }[];
} {
  if (!(mgr instanceof PyCall)) ctx.fail(`expected a BlockManager, got ${pyTypeName(mgr)}`);
  const name = mgr.fn.name;
  if (
    name !== 'pandas.core.internals.managers.BlockManager' &&
    name !== 'pandas.core.internals.managers.SingleBlockManager'
  ) {
    ctx.fail(`expected a BlockManager, got ${mgr.fn.written}`);
  }
  const state = mgr.state;
  if (state instanceof PyTuple && state.items.length === 4 && state.items[3] instanceof PyDict) {
    const legacy = state.items[3].get('0.14.1');
    if (legacy instanceof PyDict) {
      const axes = legacy.get('axes');
      const blocks = legacy.get('blocks');
      if (!(axes instanceof PyList) || !(blocks instanceof PyList))
        ctx.fail('BlockManager state without axes/blocks');
      return {
        axes: [...axes.items],
        blocks: blocks.items.map((b) => {
          if (!(b instanceof PyDict)) ctx.fail('block state must be a dict');
          return { values: b.get('values') ?? null, placement: b.get('mgr_locs') ?? null };
        }),
      };
    }
  }
  if (mgr.how === 'reduce' && mgr.args.length === 2) {
    const [blocksArg, axesArg] = mgr.args;
    const blockList =
      blocksArg instanceof PyTuple || blocksArg instanceof PyList ? blocksArg.items : [blocksArg!];
    const axes = axesArg instanceof PyList || axesArg instanceof PyTuple ? [...axesArg.items] : [axesArg!];
    return {
      axes,
      blocks: blockList.map((b) => {
        if (
          !(b instanceof PyCall) ||
          (b.fn.name !== 'pandas._libs.internals._unpickle_block' &&
            b.fn.name !== 'pandas.core.internals.blocks.new_block')
        ) {
          ctx.fail('BlockManager blocks must be _unpickle_block(values, placement, ndim)');
        }
        return { values: b.args[0] ?? null, placement: b.args[1] ?? null };
      }),
    };
  }
  ctx.fail(`${mgr.fn.written}: unrecognised pickled layout`);
}

export function placement(ctx: LowerContext, p: PyValue | null, count: number, ncols: number): number[] {
  let out: number[];
  if (p instanceof PyCall && p.fn.name === 'builtins.slice') {
    const start = p.args[0] === null || p.args[0] === undefined ? 0 : asInt(p.args[0]);
    const stop = p.args[1] === null || p.args[1] === undefined ? ncols : asInt(p.args[1]);
    const step = p.args[2] === null || p.args[2] === undefined ? 1 : asInt(p.args[2]);
    if (step <= 0) ctx.fail('block placement slice step must be positive');
    out = [];
    for (let i = start; i < stop && out.length <= ncols; i += step) out.push(i);
  } else {
    const arr = ndarray(ctx, p ?? undefined, 'block placement');
    if (arr.column.data.kind !== 'int') ctx.fail('block placement must be integers');
    out = Array.from(arr.column.data.values as ArrayLike<number | bigint>, Number);
  }
  if (out.length !== count) ctx.fail(`block placement covers ${out.length} columns, block has ${count}`);
  return out;
}

export function lowerFrame(ctx: LowerContext, call: PyCall): Frame {
  const state = call.state;
  if (!(state instanceof PyDict)) ctx.fail('DataFrame without state');
  const mgrValue = state.get('_mgr') ?? state.get('_data');
  if (mgrValue === undefined) ctx.fail('DataFrame state has no _mgr');
  return ctx.at('_mgr', () => {
    const { axes, blocks } = manager(ctx, mgrValue);
    if (axes.length !== 2) ctx.fail(`DataFrame manager has ${axes.length} axes, expected 2`);
    const columnsIndex = indexOf(ctx, axes[0], 'columns');
    const rowIndex = indexOf(ctx, axes[1], 'index');
    const ncols = columnsIndex.length;
    const slots = new Array<Column | undefined>(ncols);
    blocks.forEach((block, b) => {
      ctx.at(`blocks[${b}]`, () => {
        const cols = columns(ctx, block.values);
        const places = placement(ctx, block.placement, cols.length, ncols);
        cols.forEach((col, i) => {
          const at = places[i]!;
          if (at < 0 || at >= ncols) ctx.fail(`block placement ${at} outside the ${ncols} columns`);
          if (slots[at]) ctx.fail(`column ${at} is placed by two blocks`);
          if (col.length !== rowIndex.length) {
            ctx.fail(`column ${at} has ${col.length} rows, the index has ${rowIndex.length}`);
          }
          slots[at] = col;
        });
      });
    });
    // biome-ignore lint/complexity/useIndexOf: indexOf skips the holes of a sparse array, findIndex visits them
    const missing = slots.findIndex((s) => s === undefined);
    if (missing >= 0 || slots.length !== ncols) ctx.fail(`column ${missing} is not placed by any block`);
    return new Frame(indexLabels(columnsIndex), slots as Column[], rowIndex, rowIndex.length);
  });
}

export function lowerSeries(ctx: LowerContext, call: PyCall): SeriesValue {
  const state = call.state;
  if (!(state instanceof PyDict)) ctx.fail('Series without state');
  const mgrValue = state.get('_mgr') ?? state.get('_data');
  if (mgrValue === undefined) ctx.fail('Series state has no _mgr');
  const name = ctx.lower(state.get('_name') ?? state.get('name') ?? null);
  return ctx.at('_mgr', () => {
    const { axes, blocks } = manager(ctx, mgrValue);
    if (axes.length !== 1 || blocks.length !== 1) ctx.fail('Series manager must have one axis and one block');
    const index = indexOf(ctx, axes[0], 'index');
    const col = ctx.at('values', () => column(ctx, blocks[0]!.values, 'Series values'));
    if (col.length !== index.length) ctx.fail(`Series has ${col.length} values, its index ${index.length}`);
    return new SeriesValue(name, col, index);
  });
}
