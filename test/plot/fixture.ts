// The fixture warehouse of the plot tests: the example warehouse (built from examples/ by
// scripts/tools/regenerate.ts), migrated to the current views, plus one W&B history with NaN and Infinity
// values ingested by the real W&B ingest (a v3 history.jsonl, NaN tokens as Python's json writes them).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ingestWandb } from '../../ingest/wandb/index.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { REPO_ROOT } from '../helpers.ts';

export const NAN_RUN = '250920-101010_test_finetune_DD-dolma1_7-4M_Ft_nan_probe';

/** v3 history lines of one run: train_loss 4.0 … with a NaN at step 3 and +Infinity at step 5. */
export function nanHistoryLines(): string {
  const loss = ['4.0', '3.0', '2.5', 'NaN', '2.0', 'Infinity', '1.5', '1.25'];
  return loss
    .map(
      (value, i) =>
        `{"run_id":"${NAN_RUN}","step":${i},"timestamp":"${1758362000 + i * 10}.0","runtime":${i * 10}.0,"metrics":{"train_loss":${value}},"extra":{}}`,
    )
    .join('\n');
}

/**
 * A closed fixture warehouse file shared by the tests of a file (beforeAll), in its own folder: call
 * `remove` in afterAll (the helpers' tempDir is removed after each test).
 */
export async function plotFixture(): Promise<{ db: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'mlduck-plot-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const db = join(dir, 'fixture.duckdb');
  copyFileSync(join(REPO_ROOT, 'warehouse.duckdb.example'), db);
  const history = join(dir, 'history.jsonl');
  writeFileSync(history, `${nanHistoryLines()}\n`);
  const wh = await Warehouse.open(db);
  try {
    await ingestWandb(wh, [history]);
    await wh.run('CHECKPOINT');
  } finally {
    wh.close();
  }
  return { db, remove };
}

/** Counts the marks Vega drew in an SVG by their ARIA role description ("line mark" per line path, "area mark", "rule mark", "point", "bar"). */
export function countMarks(svg: string, role: string): number {
  return svg.split(`aria-roledescription="${role}"`).length - 1;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
