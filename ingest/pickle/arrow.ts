/**
 * pyarrow-backed pandas data (pandas ≥ 2 `ArrowExtensionArray` / `ArrowStringArray`, and pickled pyarrow
 * arrays, tables and record batches), read as data. A pickled Arrow array is
 * `pyarrow.lib._restore_array((type, length, null_count, offset, [buffers], [children], dictionary))`: Arrow's
 * columnar layout. Every field is checked against the type before a buffer is touched — lengths, offsets,
 * null counts, buffer sizes, value offsets (monotonic, inside their data), dictionary indices, UTF-8, nesting
 * depth — then the buffers are rebased to offset 0, handed to `apache-arrow` (`makeData`), and the vectors become
 * columns with the types and NaN/NULL semantics of their numpy-backed twins.
 * Types: arrow-types.ts; the checks: arrow-layout.ts; here: checked arrays → apache-arrow Data → columns.
 */
import type { Data, DataType, Dictionary, Field, FixedSizeList, Int, Null, Timestamp } from 'apache-arrow';
import { type Checked, check, indexValues } from './arrow-layout.ts';
import { arrow } from './arrow-lib.ts';
import { arrowType, fail, items, pyarrowTypeName, schemaNames, UNIT_NAMES } from './arrow-types.ts';
import { type Column, type ColumnData, LDict, type Lowered, NAT } from './lowered.ts';
import { type DecodeBudget, LowerError } from './numpy.ts';
import { PyCall, type PyValue, pyTypeName } from './values.ts';

export { ArrowLayoutError } from './arrow-types.ts';

// ── checked arrays → apache-arrow Data → columns ───────────────────────────

function toData(c: Checked): Data {
  const common = {
    type: c.type as never,
    length: c.length,
    nullCount: c.nullCount,
    ...(c.validity ? { nullBitmap: c.validity } : {}),
  };
  switch (c.type.typeId) {
    case arrow.Type.Null:
      return arrow.makeData({ type: c.type as Null, length: c.length });
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary:
      return arrow.makeData({ ...common, valueOffsets: c.offsets as never, data: c.values! } as never);
    case arrow.Type.List:
    case arrow.Type.LargeList:
      return arrow.makeData({
        ...common,
        valueOffsets: c.offsets as never,
        child: toData(c.children[0]!),
      } as never);
    case arrow.Type.FixedSizeList:
      return arrow.makeData({ ...common, child: toData(c.children[0]!) } as never);
    case arrow.Type.Struct:
      return arrow.makeData({ ...common, children: c.children.map(toData) } as never);
    case arrow.Type.Dictionary:
      return arrow.makeData({
        ...common,
        data: c.values!,
        dictionary: arrow.makeVector(toData(c.dictionary!)),
      } as never);
    default:
      return arrow.makeData({ ...common, data: c.values! } as never);
  }
}

function maskOf(c: Checked): Uint8Array | undefined {
  if (c.type.typeId === arrow.Type.Null) return new Uint8Array(c.length).fill(1);
  if (!c.validity || c.nullCount === 0) return undefined;
  const mask = new Uint8Array(c.length);
  for (let i = 0; i < c.length; i++) mask[i] = ((c.validity[i >> 3]! >> (i & 7)) & 1) ^ 1;
  return mask;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function dateIso(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Column data of a checked array; `nullAs` is what a missing string becomes (NaN for pandas' `str` dtype). */
function columnData(c: Checked, nullAs: 'na' | 'nan' = 'na'): ColumnData {
  const mask = maskOf(c);
  const withMask = <T extends object>(d: T): T => (mask ? { ...d, mask } : d);
  const b = c.values?.buffer;
  switch (c.type.typeId) {
    case arrow.Type.Null:
      return { kind: 'object', values: new Array<Lowered>(c.length).fill(null), mask: mask! };
    case arrow.Type.Bool: {
      const values = new Uint8Array(c.length);
      for (let i = 0; i < c.length; i++) values[i] = (c.values![i >> 3]! >> (i & 7)) & 1;
      return withMask({ kind: 'bool' as const, values });
    }
    case arrow.Type.Int:
      return withMask({ kind: 'int' as const, values: indexValues(c.values!, c.type as Int) as never });
    case arrow.Type.Float: {
      if (c.type instanceof arrow.Float16) {
        const vector = arrow.makeVector(toData({ ...c, validity: null, nullCount: 0 }));
        return withMask({
          kind: 'float' as const,
          values: Float64Array.from({ length: c.length }, (_, i) => vector.get(i) as number),
        });
      }
      return withMask({
        kind: 'float' as const,
        values: c.type instanceof arrow.Float32 ? new Float32Array(b!) : new Float64Array(b!),
      });
    }
    case arrow.Type.Date: {
      const values =
        c.type instanceof arrow.DateDay
          ? Array.from(new Int32Array(b!), (d) => d * 86_400_000)
          : Array.from(new BigInt64Array(b!), Number);
      return withMask({
        kind: 'object' as const,
        values: values.map((ms): Lowered => ({ $: 'date', iso: dateIso(ms) })),
      });
    }
    case arrow.Type.Timestamp:
    case arrow.Type.Duration: {
      const values = new BigInt64Array(b!);
      if (mask) for (let i = 0; i < c.length; i++) if (mask[i]) values[i] = NAT;
      const unit = UNIT_NAMES[(c.type as Timestamp).unit]!;
      if (c.type.typeId === arrow.Type.Duration)
        return withMask({ kind: 'timedelta' as const, values, unit });
      return withMask({
        kind: 'datetime' as const,
        values,
        unit,
        tz: (c.type as Timestamp).timezone ?? null,
      });
    }
    case arrow.Type.Utf8:
    case arrow.Type.LargeUtf8:
    case arrow.Type.Binary:
    case arrow.Type.LargeBinary: {
      const vector = arrow.makeVector(toData(c));
      const strings = c.type.typeId === arrow.Type.Utf8 || c.type.typeId === arrow.Type.LargeUtf8;
      const values = new Array<Lowered>(c.length);
      for (let i = 0; i < c.length; i++) {
        if (mask?.[i]) values[i] = nullAs === 'nan' ? Number.NaN : null;
        else values[i] = strings ? (vector.get(i) as string) : (vector.get(i) as Uint8Array).slice();
      }
      if (nullAs === 'nan') return { kind: 'object', values, strings };
      return withMask({ kind: 'object' as const, values, ...(strings ? { strings: true } : {}) });
    }
    case arrow.Type.List:
    case arrow.Type.LargeList:
    case arrow.Type.FixedSizeList: {
      const child = plainCells(c.children[0]!);
      const values = new Array<Lowered>(c.length);
      const size = c.type.typeId === arrow.Type.FixedSizeList ? (c.type as FixedSizeList).listSize : 0;
      for (let i = 0; i < c.length; i++) {
        if (mask?.[i]) values[i] = null;
        else if (size) values[i] = child.slice(i * size, (i + 1) * size);
        else values[i] = child.slice(Number(c.offsets![i]!), Number(c.offsets![i + 1]!));
      }
      return withMask({ kind: 'object' as const, values });
    }
    case arrow.Type.Struct: {
      const fields = c.children.map(plainCells);
      const names = c.type.children.map((f: Field) => f.name);
      const values = new Array<Lowered>(c.length);
      for (let i = 0; i < c.length; i++)
        values[i] = mask?.[i] ? null : new LDict(names.map((nm: string, f: number) => [nm, fields[f]![i]!]));
      return withMask({ kind: 'object' as const, values });
    }
    case arrow.Type.Dictionary: {
      const indices = indexValues(c.values!, (c.type as Dictionary).indices);
      const codes = Int32Array.from({ length: c.length }, (_, i) => (mask?.[i] ? -1 : Number(indices[i]!)));
      const dict = c.dictionary!;
      const categories: Column = {
        dtype: pyarrowTypeName(dict.type),
        data: columnData(dict),
        length: dict.length,
      };
      return withMask({
        kind: 'category' as const,
        codes,
        categories,
        ordered: (c.type as Dictionary).isOrdered,
      });
    }
  }
  throw new LowerError(`pyarrow ${pyarrowTypeName(c.type)} arrays are not supported`);
}

/** Cells as Python values inside a list or struct: missing values are None, times are Timestamps. */
function plainCells(c: Checked): Lowered[] {
  const d = columnData(c);
  const mask = 'mask' in d ? d.mask : undefined;
  const out = new Array<Lowered>(c.length);
  for (let i = 0; i < c.length; i++) {
    if (mask?.[i]) {
      out[i] = null;
      continue;
    }
    switch (d.kind) {
      case 'int':
        out[i] = BigInt(d.values[i]!);
        break;
      case 'float':
        out[i] = d.values[i]!;
        break;
      case 'bool':
        out[i] = d.values[i] !== 0;
        break;
      case 'datetime':
        out[i] = { $: 'datetime64', value: d.values[i]!, unit: d.unit };
        break;
      case 'timedelta':
        out[i] = { $: 'timedelta64', value: d.values[i]!, unit: d.unit };
        break;
      case 'object':
        out[i] = d.values[i]!;
        break;
      case 'category': {
        const cats = plainCells(c.dictionary!);
        out[i] = d.codes[i]! < 0 ? null : cats[d.codes[i]!]!;
        break;
      }
      default:
        out[i] = null;
    }
  }
  return out;
}

// ── entry points ───────────────────────────────────────────────────────────

/** The chunks of a pickled `_restore_array(...)` or `chunked_array([...], type)`, validated. */
function chunksOf(v: PyValue | undefined, budget: DecodeBudget, at: number): Checked[] {
  if (v instanceof PyCall && v.fn.name === 'pyarrow.lib._restore_array')
    return [check(v.args[0], v.offset, budget, 0)];
  if (v instanceof PyCall && v.fn.name === 'pyarrow.lib.chunked_array') {
    const list = items(v.args[0]);
    if (!list) fail('chunked_array: expected a list of arrays', v, v.offset);
    const type = v.args[1] === undefined || v.args[1] === null ? null : arrowType(v.args[1], v.offset);
    const chunks = list.flatMap((chunk) => chunksOf(chunk, budget, v.offset));
    for (const chunk of chunks) {
      if (type && pyarrowTypeName(chunk.type) !== pyarrowTypeName(type))
        fail(
          `chunked_array: a chunk of type ${pyarrowTypeName(chunk.type)} in an array of ${pyarrowTypeName(type)}`,
          v,
          v.offset,
        );
    }
    if (chunks.length === 0 && !type) fail('chunked_array: no chunks and no type', v, v.offset);
    return chunks.length > 0 ? chunks : [emptyOf(type!)];
  }
  fail(`expected a pyarrow array, got ${v === undefined ? 'nothing' : pyTypeName(v)}`, v, at);
}

function emptyOf(type: DataType): Checked {
  return {
    type,
    length: 0,
    nullCount: 0,
    validity: null,
    values: new Uint8Array(0),
    offsets: new Int32Array(1),
    children: type.children.map((f: Field) => emptyOf(f.type)),
    dictionary: null,
  };
}

/** One column from validated chunks (chunks of one type are concatenated). */
function columnOf(chunks: Checked[], dtype: string, nullAs: 'na' | 'nan'): Column {
  const parts = chunks.map((c) => columnData(c, nullAs));
  const length = chunks.reduce((n, c) => n + c.length, 0);
  if (parts.length === 1) return { dtype, data: parts[0]!, length };
  return { dtype, data: concat(parts, chunks, length), length };
}

function concat(parts: ColumnData[], chunks: Checked[], length: number): ColumnData {
  const first = parts[0]!;
  const anyMask = parts.some((p) => 'mask' in p && p.mask);
  let mask: Uint8Array | undefined;
  if (anyMask) {
    mask = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      const len = 'codes' in p ? p.codes.length : p.values.length;
      if ('mask' in p && p.mask) mask.set(p.mask, at);
      at += len;
    }
  }
  if (first.kind === 'object' || first.kind === 'category') {
    // dictionaries can differ between chunks: decode to values
    const values = parts.flatMap((p, i) => (p.kind === 'object' ? p.values : plainCells(chunks[i]!)));
    return {
      kind: 'object',
      values,
      ...(first.kind === 'object' && first.strings ? { strings: true } : {}),
      ...(mask ? { mask } : {}),
    };
  }
  const Ctor = first.values.constructor as new (n: number) => { set(a: ArrayLike<unknown>, o: number): void };
  const values = new Ctor(length);
  let at = 0;
  for (const p of parts) {
    const v = (p as { values: ArrayLike<unknown> }).values;
    values.set(v, at);
    at += v.length;
  }
  return { ...first, values, ...(mask ? { mask } : {}) } as ColumnData;
}

/** A pickled pyarrow array or chunked array as one column, dtype named as pandas' `ArrowDtype` names it. */
export function arrowColumn(
  v: PyValue | undefined,
  budget: DecodeBudget,
  at: number,
  dtype?: string,
  nullAs: 'na' | 'nan' = 'na',
): Column {
  const chunks = chunksOf(v, budget, at);
  return columnOf(chunks, dtype ?? `${pyarrowTypeName(chunks[0]!.type)}[pyarrow]`, nullAs);
}

/** `_reconstruct_table(columns, schema)` / `_reconstruct_record_batch(columns, schema)` → names and columns. */
export function arrowTable(
  call: PyCall,
  budget: DecodeBudget,
): { names: string[]; columns: Column[]; rows: number } {
  const [cols, schema] = call.args;
  const list = items(cols);
  if (!list) fail(`${call.fn.written}: expected a list of columns`, call, call.offset);
  const names = schemaNames(schema, call.offset);
  if (names.length !== list.length)
    fail(`${call.fn.written}: ${list.length} columns for ${names.length} fields`, call, call.offset);
  const columns = list.map((c) => arrowColumn(c, budget, call.offset));
  const rows = columns[0]?.length ?? 0;
  for (const [i, c] of columns.entries()) {
    if (c.length !== rows)
      fail(
        `${call.fn.written}: column ${names[i]} has ${c.length} rows, the first ${rows}`,
        call,
        call.offset,
      );
  }
  return { names, columns, rows };
}
