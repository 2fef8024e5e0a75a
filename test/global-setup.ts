// Before the suite: builds the compiled CLI (bin/cli-build.js) when a source changed since the last build,
// so the hundreds of spawned `mlduck` processes skip tsx's start-up (less than a second here against about
// a quarter of a second of CPU saved per spawn; bin/mlduck.js would run the sources anyway), and the
// schema snapshot new warehouses are copied from (src/new-warehouse.ts) when the schema changed.
import { fileURLToPath } from 'node:url';
import { buildCli, currentCliBuild } from '../bin/cli-build.js';
import { Warehouse } from '../src/warehouse.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export default async function setup(): Promise<void> {
  if (!currentCliBuild(REPO_ROOT)) await buildCli(REPO_ROOT);
  await Warehouse.buildSchemaSnapshot();
}
