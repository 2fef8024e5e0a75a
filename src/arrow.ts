import {
  type DuckDBBlobValue,
  type DuckDBDataChunk,
  type DuckDBDateValue,
  type DuckDBDecimalValue,
  type DuckDBListValue,
  type DuckDBMapValue,
  type DuckDBResult,
  type DuckDBStructValue,
  type DuckDBTimestampValue,
  type DuckDBTimeValue,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  List,
  Map_,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Table,
  TimeMicrosecond,
  TimestampMicrosecond,
  Uint8,
  Uint16,
  Uint32,
  Uint64,
  Utf8,
} from 'apache-arrow';
import { duckText } from './format.ts';
import type { ResultSink } from './output.ts';

/**
 * DuckDB results as Arrow columns, built straight from the values' fields (days, micros, unscaled
 * decimals), so nothing is lost to JS Dates or doubles. The mapping follows DuckDB's own Arrow export:
 * HUGEINT → decimal128(38, 0), TIMESTAMPTZ → timestamp[us, tz=UTC], ENUM/UUID/JSON/INTERVAL/… → utf8 text.
 */
export function arrowType(type: DuckDBType): DataType {
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return new Bool();
    case DuckDBTypeId.TINYINT:
      return new Int8();
    case DuckDBTypeId.SMALLINT:
      return new Int16();
    case DuckDBTypeId.INTEGER:
      return new Int32();
    case DuckDBTypeId.BIGINT:
      return new Int64();
    case DuckDBTypeId.UTINYINT:
      return new Uint8();
    case DuckDBTypeId.USMALLINT:
      return new Uint16();
    case DuckDBTypeId.UINTEGER:
      return new Uint32();
    case DuckDBTypeId.UBIGINT:
      return new Uint64();
    case DuckDBTypeId.HUGEINT:
      return new Decimal(0, 38, 128);
    case DuckDBTypeId.DECIMAL:
      return new Decimal(type.scale, type.width, 128);
    case DuckDBTypeId.FLOAT:
      return new Float32();
    case DuckDBTypeId.DOUBLE:
      return new Float64();
    case DuckDBTypeId.DATE:
      return new DateDay();
    case DuckDBTypeId.TIME:
      return new TimeMicrosecond();
    case DuckDBTypeId.TIMESTAMP:
      return new TimestampMicrosecond();
    case DuckDBTypeId.TIMESTAMP_TZ:
      return new TimestampMicrosecond('UTC');
    case DuckDBTypeId.BLOB:
      return new Binary();
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return new List(new Field('item', arrowType(type.valueType), true));
    case DuckDBTypeId.STRUCT:
      return new Struct(
        type.entryNames.map((name, i) => new Field(name, arrowType(type.entryTypes[i]!), true)),
      );
    case DuckDBTypeId.MAP:
      return new Map_(
        // Arrow's Map type is generic over the key and value types, known here only at run time.
        new Field(
          'entries',
          new Struct([
            new Field('key', arrowType(type.keyType), false),
            new Field('value', arrowType(type.valueType), true),
          ]),
          false,
        ) as never,
      );
    default:
      return new Utf8();
  }
}

function nullBitmap(values: readonly DuckDBValue[]): { bitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === null) nullCount++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return { bitmap, nullCount };
}

const encoder = new TextEncoder();

/** Little-endian 128-bit two's complement words of a bigint, as Arrow's decimal128 stores them. */
function setInt128(words: Uint32Array, index: number, value: bigint): void {
  let v = BigInt.asUintN(128, value);
  for (let w = 0; w < 4; w++) {
    words[index * 4 + w] = Number(v & 0xffffffffn);
    v >>= 32n;
  }
}

/** One column of values (DuckDB type `type`) as Arrow data of type `arrow`. */
export function arrowData(type: DuckDBType, arrow: DataType, values: readonly DuckDBValue[]): Data {
  const length = values.length;
  const { bitmap, nullCount } = nullBitmap(values);
  const base = { length, nullCount, nullBitmap: bitmap };
  const fixed = <T extends { [index: number]: number | bigint }>(
    data: T,
    get: (v: DuckDBValue) => T[number],
  ) => {
    for (let i = 0; i < length; i++) {
      const v = values[i]!;
      if (v !== null) data[i] = get(v);
    }
    return data;
  };
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN: {
      const data = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++) if (values[i] === true) data[i >> 3]! |= 1 << (i & 7);
      return makeData({ ...base, type: arrow as Bool, data });
    }
    case DuckDBTypeId.TINYINT:
      return makeData({
        ...base,
        type: arrow as Int8,
        data: fixed(new Int8Array(length), (v) => v as number),
      });
    case DuckDBTypeId.SMALLINT:
      return makeData({
        ...base,
        type: arrow as Int16,
        data: fixed(new Int16Array(length), (v) => v as number),
      });
    case DuckDBTypeId.INTEGER:
      return makeData({
        ...base,
        type: arrow as Int32,
        data: fixed(new Int32Array(length), (v) => v as number),
      });
    case DuckDBTypeId.BIGINT:
      return makeData({
        ...base,
        type: arrow as Int64,
        data: fixed(new BigInt64Array(length), (v) => v as bigint),
      });
    case DuckDBTypeId.UTINYINT:
      return makeData({
        ...base,
        type: arrow as Uint8,
        data: fixed(new Uint8Array(length), (v) => v as number),
      });
    case DuckDBTypeId.USMALLINT:
      return makeData({
        ...base,
        type: arrow as Uint16,
        data: fixed(new Uint16Array(length), (v) => v as number),
      });
    case DuckDBTypeId.UINTEGER:
      return makeData({
        ...base,
        type: arrow as Uint32,
        data: fixed(new Uint32Array(length), (v) => v as number),
      });
    case DuckDBTypeId.UBIGINT:
      return makeData({
        ...base,
        type: arrow as Uint64,
        data: fixed(new BigUint64Array(length), (v) => v as bigint),
      });
    case DuckDBTypeId.FLOAT:
      return makeData({
        ...base,
        type: arrow as Float32,
        data: fixed(new Float32Array(length), (v) => v as number),
      });
    case DuckDBTypeId.DOUBLE:
      return makeData({
        ...base,
        type: arrow as Float64,
        data: fixed(new Float64Array(length), (v) => v as number),
      });
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.DECIMAL: {
      const data = new Uint32Array(length * 4);
      for (let i = 0; i < length; i++) {
        const v = values[i]!;
        if (v !== null) setInt128(data, i, typeof v === 'bigint' ? v : (v as DuckDBDecimalValue).value);
      }
      return makeData({ ...base, type: arrow as Decimal, data });
    }
    case DuckDBTypeId.DATE:
      return makeData({
        ...base,
        type: arrow as DateDay,
        data: fixed(new Int32Array(length), (v) => (v as DuckDBDateValue).days),
      });
    case DuckDBTypeId.TIME:
      return makeData({
        ...base,
        type: arrow as TimeMicrosecond,
        data: fixed(new BigInt64Array(length), (v) => (v as DuckDBTimeValue).micros),
      });
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return makeData({
        ...base,
        type: arrow as TimestampMicrosecond,
        data: fixed(new BigInt64Array(length), (v) => (v as DuckDBTimestampValue).micros),
      });
    case DuckDBTypeId.BLOB:
      return variableWidth(arrow as Binary, values, base, (v) => (v as DuckDBBlobValue).bytes);
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY: {
      const { valueOffsets, items } = flatten(values, (v) => (v as DuckDBListValue).items);
      const listType = arrow as List;
      return makeData({
        ...base,
        type: listType,
        valueOffsets,
        child: arrowData(type.valueType, listType.valueType, items),
      });
    }
    case DuckDBTypeId.STRUCT: {
      const structType = arrow as Struct;
      const children = type.entryNames.map((name, e) =>
        arrowData(
          type.entryTypes[e]!,
          structType.children[e]!.type,
          values.map((v) => (v === null ? null : ((v as DuckDBStructValue).entries[name] ?? null))),
        ),
      );
      return makeData({ ...base, type: structType, children });
    }
    case DuckDBTypeId.MAP: {
      const mapType = arrow as Map_;
      const { valueOffsets, items } = flatten(values, (v) => (v as DuckDBMapValue).entries);
      const entriesType = mapType.children[0]!.type as Struct;
      const entries = items as unknown as { key: DuckDBValue; value: DuckDBValue }[];
      const child = makeData({
        type: entriesType,
        length: entries.length,
        nullCount: 0,
        children: [
          arrowData(
            type.keyType,
            entriesType.children[0]!.type,
            entries.map((e) => e.key),
          ),
          arrowData(
            type.valueType,
            entriesType.children[1]!.type,
            entries.map((e) => e.value),
          ),
        ],
      });
      return makeData({ ...base, type: mapType, valueOffsets, child });
    }
    default:
      return variableWidth(arrow as Utf8, values, base, (v) => encoder.encode(duckText(v) ?? ''));
  }
}

function flatten<T>(
  values: readonly DuckDBValue[],
  itemsOf: (v: DuckDBValue) => readonly T[],
): { valueOffsets: Int32Array; items: T[] } {
  const valueOffsets = new Int32Array(values.length + 1);
  const items: T[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== null) for (const item of itemsOf(v)) items.push(item);
    valueOffsets[i + 1] = items.length;
  }
  return { valueOffsets, items };
}

function variableWidth<T extends Utf8 | Binary>(
  type: T,
  values: readonly DuckDBValue[],
  base: { length: number; nullCount: number; nullBitmap: Uint8Array },
  bytesOf: (v: DuckDBValue) => Uint8Array,
): Data<T> {
  const valueOffsets = new Int32Array(values.length + 1);
  const parts: Uint8Array[] = [];
  let size = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== null) {
      const bytes = bytesOf(v);
      parts.push(bytes);
      size += bytes.length;
    }
    valueOffsets[i + 1] = size;
  }
  const data = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    data.set(part, at);
    at += part.length;
  }
  return makeData({ ...base, type, valueOffsets, data } as never) as unknown as Data<T>;
}

/** The Arrow schema of a DuckDB result. */
export function arrowSchema(result: DuckDBResult): Schema {
  const types = result.columnTypes();
  return new Schema(result.columnNames().map((name, i) => new Field(name, arrowType(types[i]!), true)));
}

function recordBatch(schema: Schema, types: readonly DuckDBType[], chunk: DuckDBDataChunk): RecordBatch {
  const columns = chunk.getColumns();
  const children = schema.fields.map((field, i) => arrowData(types[i]!, field.type, columns[i]!));
  const struct = makeData({
    type: new Struct(schema.fields),
    length: chunk.rowCount,
    nullCount: 0,
    children,
  });
  return new RecordBatch(schema, struct);
}

/** The result's record batches, one per DuckDB chunk; an empty result is one empty batch (the schema). */
async function* recordBatches(result: DuckDBResult, sink?: ResultSink): AsyncGenerator<RecordBatch> {
  const schema = arrowSchema(result);
  const types = result.columnTypes();
  let any = false;
  for await (const chunk of result) {
    if (sink?.closed) return;
    if (chunk.rowCount === 0) continue;
    any = true;
    yield recordBatch(schema, types, chunk);
  }
  if (!any) {
    const empty = makeData({
      type: new Struct(schema.fields),
      length: 0,
      nullCount: 0,
      children: schema.fields.map((field, i) => arrowData(types[i]!, field.type, [])),
    });
    yield new RecordBatch(schema, empty);
  }
}

/** Writes a result as an Arrow IPC stream, one record batch per DuckDB chunk. Returns the row count. */
export async function writeArrowStream(result: DuckDBResult, sink: ResultSink): Promise<number> {
  const writer = new RecordBatchStreamWriter();
  let rows = 0;
  const counted = async function* () {
    for await (const batch of recordBatches(result, sink)) {
      rows += batch.numRows;
      yield batch;
    }
  };
  const writing = writer.writeAll(counted());
  for await (const bytes of writer) await sink.write(bytes);
  await writing;
  return rows;
}

/** A whole result as an apache-arrow Table (for JS data tools; the library's `queryArrow`). */
export async function resultToArrowTable(result: DuckDBResult): Promise<Table> {
  const schema = arrowSchema(result);
  const batches: RecordBatch[] = [];
  for await (const batch of recordBatches(result)) if (batch.numRows > 0) batches.push(batch);
  return new Table(schema, batches);
}
