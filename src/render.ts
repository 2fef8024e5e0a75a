import { type DuckDBDataChunk, type DuckDBResult, DuckDBTypeId } from '@duckdb/node-api';
import { csvLine, duckJson, duckText, jsonObject, type QueryFormat, renderTable } from './format.ts';
import type { ResultSink } from './output.ts';

export interface RenderOptions {
  format: QueryFormat;
  /** Table format: rows shown at most, first and last halves (Infinity: all). DuckDB's CLI shows 40. */
  maxRows?: number;
  /** Table format: width to fit (default: the sink's, Infinity for pipes and files). */
  width?: number;
}

export const DEFAULT_MAX_ROWS = 40;

const NUMERIC = new Set<DuckDBTypeId>([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
  DuckDBTypeId.DECIMAL,
]);

/** Text written to the sink in pieces of about this many characters. */
const WRITE_CHUNK = 1 << 16;

/**
 * Writes a (streaming) DuckDB result to the sink, chunk by chunk: memory stays flat in the result size for
 * csv, json, jsonl and arrow; the table format converts only the rows it shows. Stops early when the sink
 * closes (the reader of a pipe went away). Returns the number of rows read.
 */
export async function renderResult(
  result: DuckDBResult,
  sink: ResultSink,
  options: RenderOptions,
): Promise<number> {
  switch (options.format) {
    case 'table':
      return renderTableResult(
        result,
        sink,
        options.maxRows ?? DEFAULT_MAX_ROWS,
        options.width ?? sink.width,
      );
    case 'arrow': {
      // apache-arrow costs every command ~0.15 s to load: only the arrow format pays it.
      const { writeArrowStream } = await import('./arrow.ts');
      return writeArrowStream(result, sink);
    }
    default:
      return renderTextResult(result, sink, options.format);
  }
}

async function renderTextResult(
  result: DuckDBResult,
  sink: ResultSink,
  format: 'csv' | 'json' | 'jsonl',
): Promise<number> {
  const columns = result.columnNames();
  let text = format === 'csv' ? csvLine(columns) : format === 'json' ? '[' : '';
  let rows = 0;
  for await (const chunk of result) {
    if (sink.closed) break;
    const values = chunk.getColumns();
    const count = chunk.rowCount;
    for (let r = 0; r < count; r++) {
      if (format === 'csv') {
        text += csvLine(values.map((column) => duckText(column[r]!)));
      } else {
        const json = jsonObject(
          columns,
          values.map((column) => duckJson(column[r]!)),
        );
        text += format === 'json' ? `${rows + r === 0 ? '\n' : ',\n'}${json}` : `${json}\n`;
      }
      if (text.length >= WRITE_CHUNK) {
        await sink.write(text);
        text = '';
      }
    }
    rows += count;
  }
  if (format === 'json') text += rows === 0 ? ']\n' : '\n]\n';
  await sink.write(text);
  return rows;
}

async function renderTableResult(
  result: DuckDBResult,
  sink: ResultSink,
  maxRows: number,
  width: number,
): Promise<number> {
  const columns = result.columnNames();
  const types = result.columnTypes();
  const textRow = (chunk: DuckDBDataChunk, index: number) => chunk.getRowValues(index).map(duckText);
  const tailCount = Number.isFinite(maxRows) ? Math.floor(maxRows / 2) : 0;
  const head: (string | null)[][] = [];
  // The chunks that may hold the last `tailCount` rows: only those are kept, and converted at the end.
  const recent: { chunk: DuckDBDataChunk; start: number }[] = [];
  let total = 0;
  for await (const chunk of result) {
    const count = chunk.rowCount;
    for (let r = 0; r < count && head.length < maxRows; r++) head.push(textRow(chunk, r));
    if (tailCount > 0) {
      recent.push({ chunk, start: total });
      while (recent.length > 1 && recent[0]!.start + recent[0]!.chunk.rowCount <= total + count - tailCount)
        recent.shift();
    }
    total += count;
  }
  let shownHead = head;
  const tail: (string | null)[][] = [];
  if (total > maxRows) {
    shownHead = head.slice(0, maxRows - tailCount);
    for (const { chunk, start } of recent) {
      for (let r = Math.max(0, total - tailCount - start); r < chunk.rowCount; r++)
        tail.push(textRow(chunk, r));
    }
  }
  await sink.write(
    renderTable({
      columns,
      types: types.map((t) => (t.typeId === DuckDBTypeId.ENUM ? 'enum' : String(t))),
      rightAligned: types.map((t) => NUMERIC.has(t.typeId)),
      head: shownHead,
      tail,
      totalRows: total,
      width,
    }),
  );
  return total;
}
