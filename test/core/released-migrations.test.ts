import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers.ts';

/**
 * Released migrations are never edited: a warehouse built with one text refuses another (see
 * migrations.test.ts). A new migration is a new file, added here when it lands on main.
 */
const RELEASED: Record<string, string> = {
  '001_ingest_log.sql': '0ba0bfbcc90594ea5cc43f6dc12d0974a0fc0657aba43a0dbb821605abc6f5e3',
  '010_wandb.sql': 'aa289388e2627566be12f88c8ea62b731a1503ce07b29dfa88207cc992305ae1',
  '020_datadecide.sql': 'd2c77b253463bb82fa37af04b01de6bace7c9cd7cbd0629a305d79ac4b3ac2c4',
  '030_pickle.sql': '9049ab836d7a8ede90be3caab405d7e8e920c5d0cb2fc91acf7f05fdc64b5dda',
  '040_qa.sql': 'acd9b02140c025896408a3bb3a502f298abd22e2b71da6e037c810bbeb23ec50',
  '050_datasets.sql': 'e5419e31e2ef1afd24273549428db978c54295e1699681eb2f96e89678d8f758',
  '060_tokenized_splits.sql': 'ea55043d63deabdaa5f15dd7d059a2fa676969a14acc8b53c154e77d2c7f0c2d',
  '070_ingest_states.sql': 'd5fb7e33bf864bef0d709dc2dca369c471d3a508efabd0e936283dac44ff736d',
  '080_nan_policy.sql': 'd5cda06145306d4ee04975c207587b6c1fe31077926bc7e113fed981fe9c9ea0',
  '090_tokenized_paths_from_warehouse.sql':
    '71399d1fce373c644d4a3c29ca486eacb854ed91077bf7274f4c637add0c8c2d',
  '100_ingest_replacements.sql': '5c38868685ef78b7a2bf8af087c5f12b8c6dd26d7d642e78c1708bc4ce5bdce9',
};

describe('released migrations', () => {
  it('are byte-for-byte what was released', () => {
    const current = Object.fromEntries(
      readdirSync(join(REPO_ROOT, 'sql'))
        .filter((name) => name.endsWith('.sql') && name in RELEASED)
        .map((name) => [
          name,
          createHash('sha256')
            .update(readFileSync(join(REPO_ROOT, 'sql', name)))
            .digest('hex'),
        ]),
    );
    expect(current).toEqual(RELEASED);
  });
});
