/**
 * `mlduck datasets convert`: the seed's raw CSV/JSON → interim Parquet step (mlops-data-stages.md:
 * read_csv, dropna(subset=…), to_parquet), done by DuckDB in one COPY, recorded with its lineage.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { errorMessage, MlduckError, oneLineDuckDBMessage } from '../../src/errors.ts';
import { sha256File } from '../../src/hash.ts';
import { recordedPath } from '../../src/paths.ts';
import { sqlIdent, sqlString } from '../../src/sql.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import { formatOf, parseFileName } from './classify.ts';
import { assertJsonDepth, readerSql } from './inspect.ts';

export const CONVERT_KIND = 'datasets_convert';

export interface ConvertOptions {
  /** Output path relative to the data root (interim/<purpose>_<version>.parquet) or absolute. */
  to: string;
  /** The data root (default data). */
  root: string;
  /** Drop rows where any of these columns is NULL (pandas dropna(subset=…)). */
  dropNull?: readonly string[];
  /** Overwrite an existing output. */
  force?: boolean;
}

export interface ConvertResult {
  output: string;
  inputRows: number;
  outputRows: number;
  dropped: number;
  ingestId: number;
}

export async function convertDataset(
  wh: Warehouse,
  input: string,
  options: ConvertOptions,
): Promise<ConvertResult> {
  const inputAbs = resolve(input);
  if (!existsSync(inputAbs) || !statSync(inputAbs).isFile())
    throw new MlduckError('no such file', { file: input, kind: 'usage' });
  const format = formatOf(basename(inputAbs));
  if (format !== 'csv' && format !== 'json' && format !== 'jsonl') {
    throw new MlduckError('convert reads .csv, .json or .jsonl files', { file: input, kind: 'usage' });
  }
  const output = resolve(options.root, options.to);
  if (!output.endsWith('.parquet')) {
    throw new MlduckError(`--to must name a .parquet file, got ${options.to}`, {
      kind: 'usage',
      hint: '--to interim/<purpose>_<version>.parquet',
    });
  }
  if (parseFileName(basename(output)).version === null) {
    throw new MlduckError(`--to ${options.to} has no version`, {
      kind: 'usage',
      hint: 'name outputs {purpose}_{version}.parquet, e.g. interim/cleaned_customers_v1.parquet',
    });
  }
  if (existsSync(output) && !options.force) {
    throw new MlduckError('output exists', {
      file: output,
      kind: 'usage',
      hint: 'pass --force to overwrite it, or choose a new version',
    });
  }
  assertJsonDepth(inputAbs, format, input);
  const from = readerSql(inputAbs, format);
  let columns: string[];
  try {
    columns = (await wh.all<{ column_name: string }>(`DESCRIBE SELECT * FROM ${from}`)).map(
      (r) => r.column_name,
    );
  } catch (error) {
    throw new MlduckError(
      `DuckDB cannot read it as ${format}: ${oneLineDuckDBMessage(errorMessage(error))}`,
      { file: input },
    );
  }
  const dropNull = options.dropNull ?? [];
  const unknown = dropNull.filter((c) => !columns.includes(c));
  if (unknown.length > 0) {
    throw new MlduckError(`--drop-null names columns the input does not have: ${unknown.join(', ')}`, {
      file: input,
      kind: 'usage',
      hint: `columns: ${columns.join(', ')}`,
    });
  }
  const inputSha = await sha256File(inputAbs);
  const inputRows = Number(await wh.scalar<bigint>(`SELECT count(*) FROM ${from}`));
  const where = dropNull.length
    ? `WHERE ${dropNull.map((c) => `${sqlIdent(c)} IS NOT NULL`).join(' AND ')}`
    : '';
  mkdirSync(dirname(output), { recursive: true });
  const tmp = `${output}.tmp`;
  try {
    await wh.run(`COPY (SELECT * FROM ${from} ${where}) TO ${sqlString(tmp)} (FORMAT parquet)`);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new MlduckError(`conversion failed: ${oneLineDuckDBMessage(errorMessage(error))}`, { file: input });
  }
  renameSync(tmp, output);
  const outputRows = Number(
    await wh.scalar<bigint>(
      `SELECT coalesce(sum(num_rows), 0) FROM parquet_file_metadata(${sqlString(output)})`,
    ),
  );
  const outputSha = await sha256File(output);
  const outputRecorded = recordedPath(output);
  const ingestId = await wh.nextIngestId();
  const lineageOptions = { input_format: format, drop_null: dropNull, rows_dropped: inputRows - outputRows };
  await wh.transaction(async (conn) => {
    const previous = await wh.all<{ ingest_id: bigint }>(
      'SELECT ingest_id FROM datasets_lineage WHERE output_path = $1',
      [outputRecorded],
    );
    await conn.run('DELETE FROM datasets_lineage WHERE output_path = $1', [outputRecorded]);
    await conn.run(
      `INSERT INTO datasets_lineage (ingest_id, output_path, output_sha256, output_rows, input_path, input_sha256,
         input_rows, operation, options, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'convert', $8::JSON, now())`,
      [
        ingestId,
        outputRecorded,
        outputSha,
        outputRows,
        recordedPath(inputAbs),
        inputSha,
        inputRows,
        JSON.stringify(lineageOptions),
      ],
    );
    await wh.recordIngest({
      ingestId,
      kind: CONVERT_KIND,
      path: outputRecorded,
      sha256: outputSha,
      bytes: statSync(output).size,
      rows: { datasets_lineage: 1 },
      options: { input: recordedPath(inputAbs), ...lineageOptions },
      replaces: previous.map((p) => Number(p.ingest_id)),
    });
  });
  return { output: outputRecorded, inputRows, outputRows, dropped: inputRows - outputRows, ingestId };
}
