/** Public entry points of the W&B ingester (used by the CLI plugin and by other ingesters, e.g. pickle). */
export {
  type Detection,
  detectFormat,
  INGEST_KIND,
  ingestFile as ingestWandbFileInTransaction,
  ingestWandb,
  type WandbFormat,
  wandbSource,
} from './ingest.ts';
export { loadWandbHistory, loadWandbRuns, type WandbHistoryRow, type WandbRunRow } from './rows.ts';
export { type ParsedRunName, parseRunName, type RunType } from './run-names.ts';
