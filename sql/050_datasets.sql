-- The datasets registry: what `mlduck datasets scan` found under a data/ tree. A scan is one ingest
-- (its own ingest_log row, kind 'datasets', path = the scanned root): it replaces the rows of the files
-- under that root, so re-scans update changed files, keep vanished ones marked, and never duplicate.
CREATE TABLE datasets (
  ingest_id        BIGINT NOT NULL,
  path             VARCHAR NOT NULL,
  root             VARCHAR NOT NULL,
  rel_path         VARCHAR NOT NULL,
  layout           VARCHAR NOT NULL,
  stage            VARCHAR NOT NULL,
  area             VARCHAR,
  category         VARCHAR,
  dataset          VARCHAR,
  purpose          VARCHAR NOT NULL,
  version          VARCHAR,
  version_kind     VARCHAR,
  version_key      VARCHAR,
  version_at       TIMESTAMPTZ,
  split            VARCHAR,
  format           VARCHAR NOT NULL,
  bytes            BIGINT NOT NULL,
  modified_at      TIMESTAMPTZ NOT NULL,
  "rows"           BIGINT,
  column_count     INTEGER,
  schema           JSON,
  sha256           VARCHAR,
  hashed_at        TIMESTAMPTZ,
  status           VARCHAR NOT NULL,
  problem          VARCHAR,
  manifest_path    VARCHAR,
  manifest_kind    VARCHAR,
  manifest_status  VARCHAR NOT NULL,
  drift            JSON,
  tokenized_split  VARCHAR,
  tokens           BIGINT,
  first_seen_at    TIMESTAMPTZ NOT NULL,
  last_seen_at     TIMESTAMPTZ NOT NULL,
  changed_at       TIMESTAMPTZ NOT NULL,
  vanished_at      TIMESTAMPTZ
);

COMMENT ON TABLE datasets IS 'The datasets registry: one row per data artifact (.parquet, .jsonl, .json, .csv, .pkl) found by `mlduck datasets scan` under a data/ tree, classified by the seed layouts (stages, processed areas, dataset folders with versions/, curriculum downloads, tokenized outputs), with rows and schema read by DuckDB from metadata, a streamed sha256 and the manifest that describes it. Rows of vanished files stay, marked vanished.';
COMMENT ON COLUMN datasets.ingest_id IS 'The scan (ingest_log row of kind datasets, path = scanned root) that last wrote this row.';
COMMENT ON COLUMN datasets.path IS 'The file, relative to the working directory of the scan when inside it (else absolute); unique in the table.';
COMMENT ON COLUMN datasets.root IS 'The data root the file was classified under (the scan root, or --root of convert/manifest).';
COMMENT ON COLUMN datasets.rel_path IS 'The file relative to root, with / separators: what the classification reads.';
COMMENT ON COLUMN datasets.layout IS 'Which seed layout matched: stages (data/<stage>/…), processed-areas (data/processed/{distillation,training,evaluation,raw_summary}/…), dataset-folder (<dataset>/{raw,processed,versions,metadata}/…), curriculum (data/distillation/<category>/*.jsonl), tokenized (a folder with a tokenize manifest.json), unclassified.';
COMMENT ON COLUMN datasets.stage IS 'Data maturity: raw, interim, processed, features, validation, predictions, monitoring, metadata, or unclassified.';
COMMENT ON COLUMN datasets.area IS 'Sub-area inside the stage: distillation/teacher_inputs, training/train, evaluation/metrics, raw_summary/statistics, versions/v2.1, tokenized, …; NULL at the top of a stage.';
COMMENT ON COLUMN datasets.category IS 'Category: the processed area (distillation, training, evaluation, raw_summary) or the curriculum category (instruction_chat, code, math_reasoning, factual_qa, …).';
COMMENT ON COLUMN datasets.dataset IS 'The dataset folder of the managing-data layout (mydataset/…), or the tokenized output folder name; NULL otherwise.';
COMMENT ON COLUMN datasets.purpose IS 'The {purpose} of {purpose}_{version}.{ext} (the whole stem when there is no version; the split name for tokenized shards).';
COMMENT ON COLUMN datasets.version IS 'The {version} of the file name (v1, v2.1, run_20251103_143022, 2025_10_21) or of its versions/vX.Y folder; NULL when unversioned.';
COMMENT ON COLUMN datasets.version_kind IS 'semantic (vN or vN.M), run (run_YYYYMMDD_HHMMSS), date (YYYY_MM_DD or YYYYMMDD); NULL when unversioned.';
COMMENT ON COLUMN datasets.version_key IS 'A string that sorts versions of one purpose oldest to newest (v2 < v2.1 < v3; run and date versions by time): ORDER BY version_key DESC gives the latest.';
COMMENT ON COLUMN datasets.version_at IS 'The time a run or date version names (UTC); NULL for semantic versions.';
COMMENT ON COLUMN datasets.split IS 'train, val, validation, test or dev when the file or its training/ folder names one; NULL otherwise.';
COMMENT ON COLUMN datasets.format IS 'File format by extension: parquet, jsonl, json, csv, pkl (content is checked: a .parquet without Parquet magic is status invalid).';
COMMENT ON COLUMN datasets.bytes IS 'File size in bytes at the scan.';
COMMENT ON COLUMN datasets.modified_at IS 'File modification time at the scan (UTC); with bytes, decides whether the file is hashed and read again.';
COMMENT ON COLUMN datasets."rows" IS 'Rows: Parquet footer metadata, or DuckDB read_csv/read_json count for CSV/JSON (a JSON object counts 1); NULL for pickles and unreadable files.';
COMMENT ON COLUMN datasets.column_count IS 'Number of top-level columns; NULL when unknown.';
COMMENT ON COLUMN datasets.schema IS 'JSON array of {name, type} (DuckDB types) as DuckDB reads the file; NULL when unknown.';
COMMENT ON COLUMN datasets.sha256 IS 'sha256 of the file bytes (streamed); carried over without re-reading when bytes and modified_at are unchanged.';
COMMENT ON COLUMN datasets.hashed_at IS 'When sha256 was last computed from the bytes (UTC).';
COMMENT ON COLUMN datasets.status IS 'present, vanished (gone since an earlier scan), unreadable (could not be opened), invalid (content is not its format).';
COMMENT ON COLUMN datasets.problem IS 'Why the file is unreadable/invalid, or a conflict (another file claims the same purpose and version); NULL when none.';
COMMENT ON COLUMN datasets.manifest_path IS 'The manifest that describes the file: …/manifests/*_manifest_vN.json or a tokenized manifest.json; NULL when none.';
COMMENT ON COLUMN datasets.manifest_kind IS 'seed (the data-organization manifest) or tokenized (the quickstart manifest.json); NULL when none.';
COMMENT ON COLUMN datasets.manifest_status IS 'ok (manifest matches the file), drift (rows or sha256 differ from the manifest without a new version), none (no manifest describes the file).';
COMMENT ON COLUMN datasets.drift IS 'JSON object of what differs from the manifest: {rows: {manifest, file}, sha256: {manifest, file}, bytes: …}; NULL without drift.';
COMMENT ON COLUMN datasets.tokenized_split IS 'For shards of a tokenized output: the split of manifest.json they belong to.';
COMMENT ON COLUMN datasets.tokens IS 'Real tokens in the file when a tokenize manifest records them per shard; NULL otherwise.';
COMMENT ON COLUMN datasets.first_seen_at IS 'When a scan first registered this path (UTC).';
COMMENT ON COLUMN datasets.last_seen_at IS 'When a scan last found the file (UTC).';
COMMENT ON COLUMN datasets.changed_at IS 'When a scan last saw new bytes (size, mtime or first sight) (UTC).';
COMMENT ON COLUMN datasets.vanished_at IS 'When a scan first found the file gone (UTC); NULL while present.';

CREATE TABLE datasets_manifests (
  ingest_id        BIGINT NOT NULL,
  path             VARCHAR NOT NULL,
  root             VARCHAR NOT NULL,
  kind             VARCHAR NOT NULL,
  status           VARCHAR NOT NULL,
  problem          VARCHAR,
  category         VARCHAR,
  version          VARCHAR,
  entries          INTEGER NOT NULL,
  described        VARCHAR[] NOT NULL,
  missing          VARCHAR[] NOT NULL,
  drifted          VARCHAR[] NOT NULL,
  bytes            BIGINT NOT NULL,
  modified_at      TIMESTAMPTZ NOT NULL,
  content          JSON
);

COMMENT ON TABLE datasets_manifests IS 'One row per manifest found by a datasets scan: seed manifests (…/manifests/*_manifest_vN.json: schema, version, row counts, timestamps, sha256 per dataset) and tokenize manifest.json files, with what they describe and how the files compare.';
COMMENT ON COLUMN datasets_manifests.ingest_id IS 'The scan that last wrote this row (see ingest_log).';
COMMENT ON COLUMN datasets_manifests.path IS 'The manifest file, relative to the working directory of the scan when inside it.';
COMMENT ON COLUMN datasets_manifests.root IS 'The scanned data root.';
COMMENT ON COLUMN datasets_manifests.kind IS 'seed (data-organization manifest), tokenized (quickstart manifest.json with splits), unknown (JSON that is neither).';
COMMENT ON COLUMN datasets_manifests.status IS 'ok, invalid (does not parse as JSON or has no datasets/splits), vanished (gone since an earlier scan).';
COMMENT ON COLUMN datasets_manifests.problem IS 'Why the manifest is invalid; NULL when it is not.';
COMMENT ON COLUMN datasets_manifests.category IS 'The category the manifest covers (its file name prefix or "category" field; the output folder for tokenized).';
COMMENT ON COLUMN datasets_manifests.version IS 'The manifest version (_vN of the file name or "version" field); NULL for tokenized manifests.';
COMMENT ON COLUMN datasets_manifests.entries IS 'Datasets (seed) or splits (tokenized) listed in the manifest.';
COMMENT ON COLUMN datasets_manifests.described IS 'Paths of the registered files the manifest describes.';
COMMENT ON COLUMN datasets_manifests.missing IS 'Files the manifest lists that do not exist.';
COMMENT ON COLUMN datasets_manifests.drifted IS 'Files whose rows or sha256 differ from the manifest.';
COMMENT ON COLUMN datasets_manifests.bytes IS 'Size of the manifest file in bytes.';
COMMENT ON COLUMN datasets_manifests.modified_at IS 'Modification time of the manifest file (UTC).';
COMMENT ON COLUMN datasets_manifests.content IS 'The manifest as parsed; NULL when it does not parse.';

CREATE TABLE datasets_category_stats (
  ingest_id        BIGINT NOT NULL,
  source_path      VARCHAR NOT NULL,
  root             VARCHAR NOT NULL,
  basis            VARCHAR NOT NULL,
  data_path        VARCHAR,
  name             VARCHAR NOT NULL,
  category         VARCHAR NOT NULL,
  documents        BIGINT,
  tokens           BIGINT
);

COMMENT ON TABLE datasets_category_stats IS 'Documents and tokens per curriculum category found by a datasets scan, the input of `mlduck datasets mix`: from the downloader''s <name>.stats.json next to a curriculum JSONL (or its row count when there is none), and from the by_category of tokenized splits'' <split>_stats.json.';
COMMENT ON COLUMN datasets_category_stats.ingest_id IS 'The scan that last wrote this row (see ingest_log).';
COMMENT ON COLUMN datasets_category_stats.source_path IS 'The stats file the numbers come from (the JSONL itself for basis rows).';
COMMENT ON COLUMN datasets_category_stats.root IS 'The scanned data root.';
COMMENT ON COLUMN datasets_category_stats.basis IS 'raw (curriculum downloads: <name>.stats.json), rows (curriculum JSONL without stats: documents = lines, tokens unknown), tokenized (tokenize <split>_stats.json by_category).';
COMMENT ON COLUMN datasets_category_stats.data_path IS 'The data file (raw) or split folder (tokenized) the numbers describe.';
COMMENT ON COLUMN datasets_category_stats.name IS 'The dataset name (JSONL stem) or tokenized split.';
COMMENT ON COLUMN datasets_category_stats.category IS 'Curriculum category (instruction_chat, code, math_reasoning, factual_qa, …).';
COMMENT ON COLUMN datasets_category_stats.documents IS 'Documents (samples) in the category; NULL when unknown.';
COMMENT ON COLUMN datasets_category_stats.tokens IS 'Tokens in the category; NULL when unknown.';

CREATE TABLE datasets_lineage (
  ingest_id        BIGINT NOT NULL,
  output_path      VARCHAR NOT NULL,
  output_sha256    VARCHAR NOT NULL,
  output_rows      BIGINT NOT NULL,
  input_path       VARCHAR NOT NULL,
  input_sha256     VARCHAR NOT NULL,
  input_rows       BIGINT NOT NULL,
  operation        VARCHAR NOT NULL,
  options          JSON NOT NULL,
  created_at       TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE datasets_lineage IS 'Where a registered file came from: one row per output of `mlduck datasets convert` (raw CSV/JSON → interim Parquet by DuckDB); converting to the same output again replaces its row.';
COMMENT ON COLUMN datasets_lineage.ingest_id IS 'The conversion (ingest_log row of kind datasets_convert, path = the output) that wrote this row.';
COMMENT ON COLUMN datasets_lineage.output_path IS 'The file written, as recorded in datasets.path.';
COMMENT ON COLUMN datasets_lineage.output_sha256 IS 'sha256 of the file written.';
COMMENT ON COLUMN datasets_lineage.output_rows IS 'Rows written.';
COMMENT ON COLUMN datasets_lineage.input_path IS 'The input file, relative to the working directory when inside it.';
COMMENT ON COLUMN datasets_lineage.input_sha256 IS 'sha256 of the input bytes that were converted.';
COMMENT ON COLUMN datasets_lineage.input_rows IS 'Rows DuckDB read from the input (before --drop-null).';
COMMENT ON COLUMN datasets_lineage.operation IS 'What was done: convert (csv|json|jsonl → parquet).';
COMMENT ON COLUMN datasets_lineage.options IS 'JSON of the options: input format, drop_null columns, rows dropped.';
COMMENT ON COLUMN datasets_lineage.created_at IS 'When the conversion ran (UTC).';
