import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { REPO_ROOT } from '../helpers.ts';

/** The real 34-row × 1,939-column `full_eval` slice. */
export const SAMPLE = join(REPO_ROOT, 'examples', 'datadecide', 'pretrain_metrics_sample.parquet');

/** Runs one query on a throwaway in-memory DuckDB (to read fixtures independently of the warehouse). */
export async function queryFile<T extends Record<string, unknown>>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS() as T[];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
