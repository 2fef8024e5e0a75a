/**
 * Lowering of array data into columns: numpy arrays (1-D → one column, 2-D blocks → one column per row), the
 * pandas extension arrays (masked Int/Float/boolean, DatetimeArray, TimedeltaArray, Categorical, StringArray)
 * and the pyarrow-backed ones (arrow.ts).
 */
import { arrowColumn } from './arrow.ts';
import type { LowerContext } from './lower-context.ts';
import { timeZone } from './lower-datetime.ts';
import { type Column, type ColumnData, IndexValue, NdArray } from './lowered.ts';
import { LowerError } from './numpy.ts';
import { PyCall, PyDict, PyGlobal, PyTuple, type PyValue, pyTypeName } from './values.ts';

/** numpy dtype of a masked array's `_data` → the pandas nullable dtype name. */
const MASKED_NAMES: Record<string, string> = {
  int8: 'Int8',
  int16: 'Int16',
  int32: 'Int32',
  int64: 'Int64',
  uint8: 'UInt8',
  uint16: 'UInt16',
  uint32: 'UInt32',
  uint64: 'UInt64',
  float32: 'Float32',
  float64: 'Float64',
  bool: 'boolean',
};

/** pandas arrays that wrap a pyarrow array (arrow.ts). */
const ARROW_BACKED = new Set([
  'pandas.core.arrays.arrow.array.ArrowExtensionArray',
  'pandas.core.arrays.string_arrow.ArrowStringArray',
  'pandas.core.arrays.string_arrow.ArrowStringArrayNumpySemantics',
]);

export function isArrayLike(v: PyValue): boolean {
  if (!(v instanceof PyCall)) return false;
  const n = v.fn.name;
  return (
    n === 'numpy._core.multiarray._reconstruct' ||
    n === 'numpy._core.numeric._frombuffer' ||
    n === 'pandas._libs.arrays.__pyx_unpickle_NDArrayBacked' ||
    n === 'pandas.core.arrays.integer.IntegerArray' ||
    n === 'pandas.core.arrays.floating.FloatingArray' ||
    n === 'pandas.core.arrays.boolean.BooleanArray' ||
    n === 'pandas.core.arrays.categorical.Categorical' ||
    n === 'pandas.core.arrays.string_.StringArray' ||
    n === 'pandas.core.arrays.datetimes.DatetimeArray' ||
    ARROW_BACKED.has(n)
  );
}

export function ndarray(ctx: LowerContext, v: PyValue | undefined, what: string): NdArray {
  const out = v === undefined ? null : ctx.lower(v);
  if (!(out instanceof NdArray))
    ctx.fail(`${what}: expected a numpy array, got ${v === undefined ? 'nothing' : pyTypeName(v)}`);
  return out;
}

/** An array-like value (1-D → one column, 2-D → one column per row of the block). */
export function columns(ctx: LowerContext, v: PyValue): Column[] {
  if (!(v instanceof PyCall)) ctx.fail(`expected an array, got ${pyTypeName(v)}`);
  const name = v.fn.name;
  if (name === 'numpy._core.multiarray._reconstruct' || name === 'numpy._core.numeric._frombuffer') {
    return splitRows(ndarray(ctx, v, 'block values'));
  }
  if (name === 'pandas._libs.arrays.__pyx_unpickle_NDArrayBacked') return ndarrayBacked(ctx, v);
  if (ARROW_BACKED.has(name)) return [arrowBacked(ctx, v)];
  if (
    name === 'pandas.core.arrays.integer.IntegerArray' ||
    name === 'pandas.core.arrays.floating.FloatingArray' ||
    name === 'pandas.core.arrays.boolean.BooleanArray'
  ) {
    return [masked(ctx, v)];
  }
  ctx.fail(`${v.fn.written} is not supported as array data`);
}

export function column(ctx: LowerContext, v: PyValue, what: string): Column {
  const cols = columns(ctx, v);
  if (cols.length !== 1) ctx.fail(`${what}: expected a 1-D array`);
  return cols[0]!;
}

/** `ArrowExtensionArray` / `ArrowStringArray`: state {_pa_array: pyarrow (chunked) array, _dtype}. */
export function arrowBacked(ctx: LowerContext, call: PyCall): Column {
  const state = call.state;
  if (!(state instanceof PyDict)) ctx.fail(`${call.fn.written} without state`);
  const array = state.get('_pa_array') ?? state.get('_data');
  if (call.fn.name === 'pandas.core.arrays.arrow.array.ArrowExtensionArray') {
    return arrowColumn(array, ctx.budget, call.offset);
  }
  // StringDtype(storage, na_value): pandas 3's default `str` has na_value NaN, `string` has pandas.NA;
  // pandas 2's `string[pyarrow_numpy]` (its own class) has NaN too but is named `string`
  const dtype = state.get('_dtype');
  const naValue = dtype instanceof PyCall ? dtype.args[1] : undefined;
  const numpySemantics = call.fn.name === 'pandas.core.arrays.string_arrow.ArrowStringArrayNumpySemantics';
  const nanValue = typeof naValue === 'number' && Number.isNaN(naValue);
  const col = arrowColumn(
    array,
    ctx.budget,
    call.offset,
    nanValue && !numpySemantics ? 'str' : 'string',
    nanValue || numpySemantics ? 'nan' : 'na',
  );
  if (col.data.kind !== 'object' || !col.data.strings)
    ctx.fail(`${call.fn.written}: the pyarrow array holds no strings`);
  return col;
}

export function masked(ctx: LowerContext, call: PyCall): Column {
  const state = call.state;
  if (!(state instanceof PyDict)) ctx.fail(`${call.fn.written} without state`);
  const data = ctx.at('_data', () => ndarray(ctx, state.get('_data'), '_data'));
  const mask = ctx.at('_mask', () => ndarray(ctx, state.get('_mask'), '_mask'));
  if (mask.column.data.kind !== 'bool' || mask.column.length !== data.column.length) {
    ctx.fail('masked array: _mask must be a bool array of the same length');
  }
  const dtype = MASKED_NAMES[data.dtype];
  const d = data.column.data;
  if (!dtype || (d.kind !== 'int' && d.kind !== 'float' && d.kind !== 'bool')) {
    ctx.fail(`masked array of ${data.dtype} is not supported`);
  }
  return { dtype, data: { ...d, mask: mask.column.data.values } as ColumnData, length: data.column.length };
}

export function ndarrayBacked(ctx: LowerContext, call: PyCall): Column[] {
  const cls = call.args[0];
  if (!(cls instanceof PyGlobal)) ctx.fail('NDArrayBacked: expected a class');
  let state = call.state;
  if (state instanceof PyTuple && state.items.length === 1 && state.items[0] instanceof PyDict)
    state = state.items[0];
  let dtypeValue: PyValue | undefined;
  let arrayValue: PyValue | undefined;
  if (state instanceof PyTuple) {
    for (const item of state.items) {
      if (item instanceof PyCall && isArrayLike(item)) arrayValue = item;
      else if (item instanceof PyCall) dtypeValue = item;
    }
  } else if (state instanceof PyDict) {
    arrayValue = state.get('_ndarray') ?? state.get('_data');
    dtypeValue = state.get('_dtype');
  }
  if (arrayValue === undefined || dtypeValue === undefined)
    ctx.fail(`${cls.written}: state without dtype and data`);
  const arr = ctx.at('_ndarray', () => ndarray(ctx, arrayValue, `${cls.written} data`));
  const cols = splitRows(arr);
  const dtype = dtypeValue as PyCall;
  switch (cls.name) {
    case 'pandas.core.arrays.datetimes.DatetimeArray': {
      let tz: string | null = null;
      let unit = cols[0]?.data.kind === 'datetime' ? cols[0].data.unit : 'ns';
      if (dtype.fn.name === 'pandas.core.dtypes.dtypes.DatetimeTZDtype') {
        const s = dtype.state;
        if (!(s instanceof PyDict)) ctx.fail('DatetimeTZDtype without state');
        tz = timeZone(s.get('tz') ?? null).name;
        const u = s.get('unit');
        if (typeof u === 'string' && (u === 's' || u === 'ms' || u === 'us' || u === 'ns')) unit = u;
      }
      return cols.map((c) => {
        if (c.data.kind !== 'datetime') ctx.fail('DatetimeArray data must be datetime64');
        return {
          dtype: tz ? `datetime64[${unit}, ${tz}]` : `datetime64[${unit}]`,
          data: { ...c.data, tz },
          length: c.length,
        };
      });
    }
    case 'pandas.core.arrays.timedeltas.TimedeltaArray':
      return cols;
    case 'pandas.core.arrays.categorical.Categorical': {
      const s = dtype.state;
      if (dtype.fn.name !== 'pandas.core.dtypes.dtypes.CategoricalDtype' || !(s instanceof PyDict)) {
        ctx.fail('Categorical needs a CategoricalDtype');
      }
      const categories = ctx.at('categories', () => ctx.lower(s.get('categories') ?? null));
      if (!(categories instanceof IndexValue) || categories.levels?.length !== 1) {
        ctx.fail('Categorical categories must be a flat Index');
      }
      const cats = categories.levels[0]!;
      return cols.map((c) => {
        if (c.data.kind !== 'int') ctx.fail('Categorical codes must be integers');
        const codes = Int32Array.from(c.data.values as ArrayLike<number>, Number);
        for (const code of codes)
          if (code < -1 || code >= cats.length) ctx.fail(`categorical code ${code} out of range`);
        return {
          dtype: 'category',
          data: { kind: 'category', codes, categories: cats, ordered: s.get('ordered') === true },
          length: c.length,
        };
      });
    }
    case 'pandas.core.arrays.string_.StringArray':
      return cols.map((c) => ({
        dtype: 'string',
        data: { ...c.data, strings: true } as ColumnData,
        length: c.length,
      }));
  }
  ctx.fail(`${cls.written} is not supported`);
}

/** Splits a C-order 2-D array (k × n) into k columns; a 1-D array is one column. */
export function splitRows(arr: NdArray): Column[] {
  if (arr.shape.length === 1) return [arr.column];
  if (arr.shape.length !== 2)
    throw new LowerError(`arrays of ${arr.shape.length} dimensions cannot be columns`);
  const [k, n] = arr.shape as [number, number];
  const out: Column[] = [];
  for (let i = 0; i < k; i++) out.push(sliceColumn(arr.column, i * n, (i + 1) * n));
  return out;
}

/** Rows [start, end) of a column (a view where the data allows). */
export function sliceColumn(col: Column, start: number, end: number): Column {
  const d = col.data;
  let data: ColumnData;
  switch (d.kind) {
    case 'complex':
      data = { ...d, values: d.values.subarray(start * 2, end * 2) };
      break;
    case 'object':
      data = { ...d, values: d.values.slice(start, end) };
      break;
    case 'category':
      data = { ...d, codes: d.codes.subarray(start, end) };
      break;
    default: {
      const values = d.values.subarray(start, end);
      const mask = 'mask' in d && d.mask ? d.mask.subarray(start, end) : undefined;
      data = { ...d, values, ...(mask ? { mask } : {}) } as ColumnData;
    }
  }
  return { dtype: col.dtype, data, length: end - start };
}
