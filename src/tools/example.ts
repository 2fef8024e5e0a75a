import { closeSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { sqlIdent, sqlString } from '../sql.ts';
import type { Warehouse } from '../warehouse.ts';

/**
 * The storage format of the example warehouse: 'v1.0.0' writes storage version 64, which every DuckDB from
 * v0.10 to 1.5 reads (DuckDB 2.0 writes 69, which 1.x cannot read).
 */
export const EXAMPLE_STORAGE_VERSION = 'v1.0.0';
export const EXAMPLE_STORAGE_NUMBER = 64n;

/** The storage version number in a DuckDB file header (uint64 at byte 12, after checksum and "DUCK"). */
export function storageVersionOf(path: string): bigint {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(20);
    readSync(fd, header, 0, 20, 0);
    if (header.subarray(8, 12).toString('latin1') !== 'DUCK') throw new Error(`${path} is not a DuckDB file`);
    return header.readBigUInt64LE(12);
  } finally {
    closeSync(fd);
  }
}

/**
 * Copies the whole warehouse (tables, views, macros, sequences, comments) into a new file with a pinned
 * storage version. COPY FROM DATABASE keeps comments (EXPORT DATABASE drops them); CHECKPOINT leaves no WAL.
 */
export async function buildExampleWarehouse(wh: Warehouse, out: string): Promise<number> {
  rmSync(out, { force: true });
  rmSync(`${out}.wal`, { force: true });
  const source = await wh.scalar<string>('SELECT current_database()');
  await wh.run(`ATTACH ${sqlString(out)} AS mlduck_example (STORAGE_VERSION '${EXAMPLE_STORAGE_VERSION}')`);
  try {
    await wh.run(`COPY FROM DATABASE ${sqlIdent(source ?? 'main')} TO mlduck_example`);
    await wh.run('CHECKPOINT mlduck_example');
  } finally {
    await wh.run('DETACH mlduck_example');
  }
  return statSync(out).size;
}
