import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { pathFromFolder, pathFromWarehouse, warehouseFolder } from '../../src/paths.ts';
import { sqlString } from '../../src/sql.ts';
import type { IngestReport, Warehouse } from '../../src/warehouse.ts';
import { MANIFEST_FILE, type Manifest } from './manifest.ts';

export const TOKENIZE_KIND = 'tokenize';
export const ROWS_VIEW = 'tokenized_rows';

/**
 * Registers a tokenized output folder in the warehouse: one ingest of its manifest.json, flattened in SQL
 * into `tokenized_splits` (one row per split, with the split's stats file), then refreshes the
 * `tokenized_rows` view over every registered shard.
 */
export async function registerTokenizedOutput(
  wh: Warehouse,
  outputDir: string,
  manifest: Manifest,
  options: { force?: boolean } = {},
): Promise<IngestReport> {
  const manifestPath = join(outputDir, MANIFEST_FILE);
  const dirRecorded = pathFromWarehouse(wh.path, outputDir);
  return wh.ingest(
    TOKENIZE_KIND,
    manifestPath,
    async (ctx) => {
      const statsFiles = Object.entries(manifest.splits)
        .map(([split, entry]) => resolve(outputDir, split, entry.stats_file))
        .filter((f) => existsSync(f));
      const statsJoin =
        statsFiles.length === 0
          ? 'LEFT JOIN (SELECT NULL::VARCHAR AS filename, NULL::VARCHAR AS content) st ON false'
          : `LEFT JOIN read_text([${statsFiles.map(sqlString).join(', ')}]) st
               ON st.filename = ${sqlString(resolve(outputDir))} || '/' || sp.split || '/' || (sp.e->>'stats_file')`;
      await ctx.conn.run(
        `INSERT INTO tokenized_splits (ingest_id, manifest_path, output_dir, split, split_dir, tokenizer,
           tokenizer_sha256, max_seq_length, packing, label_convention, shards, sequences, samples, tokens,
           pad_tokens, input_path, input_bytes, input_sha256, fingerprint, shard_files, stats, created_at)
         WITH m AS (SELECT content::JSON AS j FROM read_text(${sqlString(ctx.absolutePath)})),
         sp AS (SELECT k AS split, j->'splits'->k AS e, j FROM m, unnest(json_keys(j->'splits')) AS t(k))
         SELECT
           ${ctx.ingestId}, ${sqlString(ctx.path)}, ${sqlString(dirRecorded)}, sp.split,
           ${sqlString(dirRecorded)} || '/' || sp.split,
           sp.e->>'tokenizer', sp.e->>'tokenizer_sha256',
           (sp.e->'options'->>'max_seq_length')::INTEGER, sp.e->'options'->>'packing', sp.j->>'labels',
           (sp.e->>'shards')::INTEGER, (sp.e->>'sequences')::BIGINT, (sp.e->>'samples')::BIGINT,
           (sp.e->>'tokens')::BIGINT, (sp.e->>'pad_tokens')::BIGINT,
           sp.e->'input'->>'path', (sp.e->'input'->>'bytes')::BIGINT, sp.e->'input'->>'sha256',
           sp.e->>'fingerprint',
           from_json(sp.e->'shard_files', '[{"file":"VARCHAR","bytes":"BIGINT","rows":"BIGINT","tokens":"BIGINT","pad_tokens":"BIGINT","sha256":"VARCHAR"}]'),
           st.content::JSON,
           (sp.e->>'created_at')::TIMESTAMPTZ
         FROM sp ${statsJoin}
         ORDER BY sp.split`,
      );
      await refreshRowsView(ctx.conn, warehouseFolder(wh.path));
    },
    { force: options.force ?? false, options: { splits: Object.keys(manifest.splits) } },
  );
}

/**
 * `tokenized_rows`: every row of every registered shard, with its split. DuckDB views cannot take a file
 * list from a table, so this view is generated from `tokenized_splits` whenever a manifest is
 * registered. Paths are relative to the warehouse file's folder (`base`), which `Warehouse.open` puts on
 * DuckDB's file_search_path, so the view resolves from any working folder and names no machine's folders.
 */
export async function refreshRowsView(conn: DuckDBConnection, base: string = process.cwd()): Promise<void> {
  const reader = await conn.runAndReadAll(
    `SELECT s.split, s.manifest_path, s.split_dir, f.file
     FROM tokenized_splits s, (SELECT unnest(s.shard_files).file AS file) f
     ORDER BY s.manifest_path, s.split, f.file`,
  );
  const shards = reader.getRowObjectsJS() as {
    split: string;
    manifest_path: string;
    split_dir: string;
    file: string;
  }[];
  const present = shards
    .map((s) => ({ ...s, path: pathFromFolder(base, resolve(base, s.split_dir, s.file)) }))
    .filter((s) => existsSync(resolve(base, s.path)));
  if (present.length === 0) {
    await conn.run(`DROP VIEW IF EXISTS ${ROWS_VIEW}`);
    return;
  }
  const files = present.map((s) => sqlString(s.path)).join(', ');
  const mapping = present
    .map(
      (s) =>
        `(${sqlString(s.path)}, ${sqlString(s.split)}, ${sqlString(s.manifest_path)}, ${sqlString(s.file)})`,
    )
    .join(', ');
  await conn.run(`
    CREATE OR REPLACE VIEW ${ROWS_VIEW} AS
    SELECT m.split, m.manifest_path, m.shard, r.input_ids, r.attention_mask, r.labels, r.doc_lengths
    FROM read_parquet([${files}], filename = true) r
    JOIN (VALUES ${mapping}) m(path, split, manifest_path, shard)
      ON r.filename = m.path OR ends_with(r.filename, '/' || m.path);
    COMMENT ON VIEW ${ROWS_VIEW} IS 'Every packed row of every registered tokenized shard (regenerated by mlduck tokenize from tokenized_splits; not a views/ file because DuckDB views cannot read a file list from a table).';
    COMMENT ON COLUMN ${ROWS_VIEW}.split IS 'Split name (input file stem).';
    COMMENT ON COLUMN ${ROWS_VIEW}.manifest_path IS 'The manifest.json the split was registered from.';
    COMMENT ON COLUMN ${ROWS_VIEW}.shard IS 'Shard file name (shard_NNNN.parquet).';
    COMMENT ON COLUMN ${ROWS_VIEW}.input_ids IS 'Token ids: exactly max_seq_length, real tokens first, then the pad id.';
    COMMENT ON COLUMN ${ROWS_VIEW}.attention_mask IS '1 for real tokens, 0 for padding.';
    COMMENT ON COLUMN ${ROWS_VIEW}.labels IS 'input_ids where attention_mask = 1, else -100 (unshifted; the model shifts).';
    COMMENT ON COLUMN ${ROWS_VIEW}.doc_lengths IS 'Lengths of the document pieces in the row, in order; they sum to the real tokens.';
  `);
}

/** The output folder of a manifest path. */
export function outputDirOf(manifestPath: string): string {
  return dirname(resolve(manifestPath));
}
