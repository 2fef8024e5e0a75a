/**
 * A new warehouse as a copy of an empty one migrated at build time (a "schema snapshot"), instead of
 * running every migration and view: the views carry thousands of `COMMENT ON` statements (1,939 for the
 * columns of `pretrain_eval_wide` alone) that DuckDB executes one by one, seconds on a busy machine, while
 * a copy of the 3 MB result costs milliseconds.
 *
 * The snapshot is used only when it was made from exactly this schema: its file name is a hash of the
 * migrations, the views, the code that applies them and the DuckDB version. Any difference, or no snapshot
 * (a fresh clone before `npm ci`), and the warehouse is migrated as before. The copy lands under a private
 * name and is linked into place, so a crash leaves either no warehouse or a whole one.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { sha256Text } from './hash.ts';
import { PACKAGE_ROOT } from './version.ts';

/** Where builds keep the snapshot (dist/ is build output, ignored by git). */
export const SNAPSHOT_DIR = join(PACKAGE_ROOT, 'dist', 'new-warehouse');

/** Everything that decides an empty warehouse's content, as the files that hold it. */
function schemaSources(): string[] {
  const files: string[] = [];
  for (const dir of ['sql', 'views']) {
    for (const name of readdirSync(join(PACKAGE_ROOT, dir)).sort()) {
      if (name.endsWith('.sql')) files.push(join(PACKAGE_ROOT, dir, name));
    }
  }
  files.push(join(PACKAGE_ROOT, 'src', 'migrations.ts'), join(PACKAGE_ROOT, 'src', 'new-warehouse.ts'));
  const duckdb = createRequire(import.meta.url).resolve('@duckdb/node-api/package.json');
  files.push(duckdb, join(dirname(duckdb), '..', 'node-bindings', 'package.json'));
  return files;
}

/** The snapshot's path for this package's schema (whether or not it was built), or null if unknowable. */
export function snapshotPath(): string | null {
  let key = '';
  try {
    for (const file of schemaSources()) {
      const name = file.startsWith(PACKAGE_ROOT) ? relative(PACKAGE_ROOT, file) : basename(dirname(file));
      key += `${name}\0${sha256Text(readFileSync(file, 'utf8'))}\n`;
    }
  } catch {
    return null; // a package without its sources: migrate instead
  }
  return join(SNAPSHOT_DIR, `${sha256Text(key).slice(0, 20)}.duckdb`);
}

/**
 * Creates `path` as a copy of the current snapshot. False (nothing written) when there is none, or when
 * `path` appeared meanwhile; the caller then opens or migrates as usual.
 */
export function createFromSnapshot(path: string): boolean {
  // Every read-write open comes here: an existing warehouse must not pay for hashing the schema.
  if (existsSync(path) || existsSync(`${path}.wal`)) return false;
  const snapshot = snapshotPath();
  if (!snapshot || !existsSync(snapshot)) return false;
  const building = `${path}.${process.pid}.new`;
  try {
    copyFileSync(snapshot, building);
    linkSync(building, path); // never replaces a file that appeared meanwhile
    return true;
  } catch {
    return false; // no such folder, no hard links, or a file got there first: the usual open decides
  } finally {
    rmSync(building, { force: true });
  }
}

/**
 * Builds the snapshot with `migrateNew` (which must create and fully migrate an empty warehouse at the
 * path given, checkpointed, without a WAL) unless it exists; removes snapshots of older schemas.
 */
export async function buildSnapshot(migrateNew: (path: string) => Promise<void>): Promise<string | null> {
  const snapshot = snapshotPath();
  if (!snapshot) return null;
  if (!existsSync(snapshot)) {
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    const building = `${snapshot}.${process.pid}.building`;
    rmSync(building, { force: true });
    rmSync(`${building}.wal`, { force: true });
    await migrateNew(building);
    if (existsSync(`${building}.wal`)) throw new Error(`schema snapshot ${building} kept a write-ahead log`);
    try {
      linkSync(building, snapshot);
    } catch (error) {
      // Another process built the same snapshot first: same schema, same content.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(building, { force: true });
    }
  }
  for (const name of readdirSync(SNAPSHOT_DIR)) {
    if (join(SNAPSHOT_DIR, name) !== snapshot && !name.includes('.building')) {
      rmSync(join(SNAPSHOT_DIR, name), { force: true });
    }
  }
  return snapshot;
}
