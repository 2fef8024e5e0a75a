/**
 * Lands fetched runs in the warehouse through the W&B ingester itself (`ingest/wandb`), so a pull writes
 * exactly what `ingest wandb` writes for the same v3 export. Runs are landed in batches, one transaction
 * per batch: each run's snapshot and whole history go in together or not at all, and the ingester's
 * replacement by run id drops whatever an earlier pull had landed for them.
 */
import { createHash } from 'node:crypto';
import { createReadStream, rmSync, statSync } from 'node:fs';
import { detectFormat, INGEST_KIND, ingestWandbFileInTransaction } from '../../ingest/wandb/index.ts';
import { MlduckError } from '../../src/errors.ts';
import type { Warehouse } from '../../src/warehouse.ts';
import type { ExportStore } from './store.ts';

async function hashFiles(files: readonly string[]): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    bytes += statSync(file).size;
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** Lands `runIds` (whose parts are on disk) in one transaction; returns the warnings of the ingest. */
export async function landBatch(
  wh: Warehouse,
  store: ExportStore,
  runIds: readonly string[],
  batch: string,
): Promise<string[]> {
  const files = await store.stageBatch(runIds, batch);
  const dir = `${store.landingDir}/${batch}`;
  try {
    const report = await wh.ingest(
      INGEST_KIND,
      dir,
      async (ctx) => {
        for (const file of [files.runs, files.history]) {
          if (statSync(file).size === 0) continue; // --runs-only, or runs that logged nothing
          const detection = await detectFormat(ctx.conn, file, file);
          if (!detection) {
            throw new MlduckError('internal: a pulled file is not a v3 export', { file, kind: 'internal' });
          }
          await ingestWandbFileInTransaction({ ...ctx, absolutePath: file, path: file }, detection);
        }
      },
      {
        force: true,
        content: await hashFiles([files.runs, files.history]),
        options: {
          pull: 'wandb',
          entity: store.project.entity,
          project: store.project.project,
          runs: runIds.length,
        },
      },
    );
    return report.warnings;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
