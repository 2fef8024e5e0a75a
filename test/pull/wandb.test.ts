import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestWandb } from '../../ingest/wandb/index.ts';
import { tempDir, tempWarehouse } from '../helpers.ts';
import { count, dumpWandb, fakeWandb, pullFrom } from './helpers.ts';

const DPO =
  '2025_08_27-07_52_26_test_dpo_tune_cache_dd__dolma1_7-4M__main__100Mt_lr=5e-06_default_--learning_rate=2e-07';
const MATCH = '250912-172812_match_150M_c4_finetune_100Mtx1_DD-d17-530M-6250-2';

describe('pull wandb', () => {
  it('lands every run and its history; the warehouse equals ingesting the v3 export it kept', async () => {
    const s = await fakeWandb();
    const data = tempDir();
    const wh = await tempWarehouse();
    const report = await pullFrom(wh, s, data, { perPage: 4, historyPageSize: 500 });
    expect(report).toMatchObject({ listed: 6, fetched: 6, landed: 6, historyRows: 2549 });
    expect(await count(wh, 'SELECT count(*) FROM wandb_runs')).toBe(6);
    expect(await count(wh, 'SELECT count(DISTINCT (run_id, step)) FROM wandb_history')).toBe(2549);
    // Two listing pages (4 + 2 runs), history paged by 500 steps: the SDK's requests.
    expect(s.requests('Runs')).toHaveLength(2);
    expect(s.requests('Runs')[1]?.variables.cursor).toBeTruthy();
    const dpoPages = s.requests('HistoryPage').filter((r) => r.variables.run === DPO);
    expect(dpoPages.map((r) => r.variables.minStep).sort((a, b) => Number(a) - Number(b))).toEqual([
      0, 500, 1000, 1500, 2000,
    ]);

    const exportDir = join(data, 'wandb', 'ml-moe', 'ft-scaling');
    const manifest = JSON.parse(readFileSync(join(exportDir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ version: 3, runs: 6, history_rows: 2549 });
    const rebuilt = await tempWarehouse();
    await ingestWandb(rebuilt, [exportDir]);
    expect(await dumpWandb(wh)).toEqual(await dumpWandb(rebuilt));

    // The run fields come from the node as the SDK reads it: config unwrapped, _wandb left out.
    const config = await count(
      wh,
      `SELECT count(*) FROM wandb_run_config WHERE run_id = '${MATCH}' AND key IN ('seed', '_wandb')`,
    );
    expect(config).toBe(1);
  });

  it('pulls incrementally: new runs, unfinished runs from their last step + 1, nothing else', async () => {
    const s = await fakeWandb();
    const held = s.holdBack(DPO, 700);
    const newest = s.runs.get(MATCH);
    s.runs.delete(MATCH);
    const data = tempDir();
    const wh = await tempWarehouse();
    await pullFrom(wh, s, data, { historyPageSize: 500 });
    expect(await count(wh, `SELECT count(DISTINCT step) FROM wandb_history WHERE run_id = '${DPO}'`)).toBe(
      700,
    );

    // Nothing changed: only the listing is asked again (the unfinished run, from its next step).
    s.log.length = 0;
    const quiet = await pullFrom(wh, s, data, { historyPageSize: 500 });
    expect(quiet.fetched).toBe(1);
    expect(quiet.historyRows).toBe(0);
    expect(s.requests('HistoryPage').map((r) => r.variables.run)).toEqual([]);

    // The DPO run logs the rest and finishes; a new run appears.
    s.resume(DPO, held, 'finished');
    if (newest) s.runs.set(MATCH, newest);
    s.log.length = 0;
    const second = await pullFrom(wh, s, data, { historyPageSize: 500 });
    expect(second).toMatchObject({ fetched: 2, historyRows: held.length + 10 });
    const dpoMins = s
      .requests('HistoryPage')
      .filter((r) => r.variables.run === DPO)
      .map((r) => Number(r.variables.minStep));
    const firstHeld = (JSON.parse(held[0] as string) as { _step: number })._step;
    expect(Math.min(...dpoMins)).toBe(firstHeld); // the last stored step + 1
    const filters = s.requests('Runs').map((r) => JSON.parse(String(r.variables.filters)));
    expect(filters[0]).toEqual({ createdAt: { $gte: '2025-09-02T13:45:51Z' } });

    // Third pull: everything terminal, nothing fetched.
    s.log.length = 0;
    const third = await pullFrom(wh, s, data);
    expect(third.fetched).toBe(0);
    expect(s.requests('HistoryPage')).toHaveLength(0);

    // The same as one full pull of the final project.
    const fresh = await tempWarehouse();
    await pullFrom(fresh, s, tempDir());
    expect(await dumpWandb(wh, { ignoreExportTime: true })).toEqual(
      await dumpWandb(fresh, { ignoreExportTime: true }),
    );
  });

  it('--force-refresh refetches everything; --runs-only fetches no history; --filter and --since reach the API', async () => {
    const s = await fakeWandb();
    const data = tempDir();
    const wh = await tempWarehouse();
    const only = await pullFrom(wh, s, data, { runsOnly: true });
    expect(only.historyRows).toBe(0);
    expect(s.requests('HistoryPage')).toHaveLength(0);
    expect(await count(wh, 'SELECT count(*) FROM wandb_runs')).toBe(6);
    expect(await count(wh, 'SELECT count(*) FROM wandb_history')).toBe(0);

    s.log.length = 0;
    const refreshed = await pullFrom(wh, s, data, { forceRefresh: true });
    expect(refreshed).toMatchObject({ fetched: 6, historyRows: 2549 });

    s.log.length = 0;
    const filtered = await pullFrom(null, s, tempDir(), {
      filters: { state: 'crashed' },
      since: '2025-08-01T00:00:00Z',
    });
    expect(filtered.fetched).toBe(1);
    expect(JSON.parse(String(s.requests('Runs')[0]?.variables.filters))).toEqual({
      $and: [{ state: 'crashed' }, { createdAt: { $gte: '2025-08-01T00:00:00Z' } }],
    });
  });

  it('survives 429 with Retry-After, 500s, dropped connections, truncated and cut-short bodies', async () => {
    const s = await fakeWandb();
    s.faults.push(
      { kind: 'status', status: 429, retryAfter: '1' },
      { kind: 'status', status: 500 },
      { kind: 'drop' },
      { kind: 'truncate' },
      { kind: 'cut-json' },
      { kind: 'status', status: 503 },
    );
    const wh = await tempWarehouse();
    const started = Date.now();
    const report = await pullFrom(wh, s, tempDir(), { concurrency: 1 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // Retry-After: 1 was honoured
    expect(report.http.retries).toBe(6);
    expect(report).toMatchObject({ fetched: 6, historyRows: 2549 });
    const clean = await tempWarehouse();
    await pullFrom(clean, s, tempDir());
    expect(await dumpWandb(wh, { ignoreExportTime: true })).toEqual(
      await dumpWandb(clean, { ignoreExportTime: true }),
    );
  });

  it('a run whose state and history change between listing pages is completed by the next pull', async () => {
    const s = await fakeWandb();
    const held = s.holdBack(DPO, 300);
    let changed = false;
    s.afterRequest = (request) => {
      if (request.operation === 'Runs' && !changed) {
        changed = true;
        s.resume(DPO, held, 'finished');
      }
    };
    const data = tempDir();
    const wh = await tempWarehouse();
    const first = await pullFrom(wh, s, data, { perPage: 3 });
    // The DPO run was listed as running with 300 rows: its later rows are not claimed, nor lost.
    expect(first.fetched).toBe(6);
    const dpoRows = await count(wh, `SELECT count(DISTINCT step) FROM wandb_history WHERE run_id = '${DPO}'`);
    expect(dpoRows).toBe(300);
    const second = await pullFrom(wh, s, data, { perPage: 3 });
    expect(second.fetched).toBe(1);
    expect(await count(wh, `SELECT count(DISTINCT step) FROM wandb_history WHERE run_id = '${DPO}'`)).toBe(
      2106,
    );
    expect(
      await count(wh, `SELECT count(*) FROM wandb_runs WHERE run_id = '${DPO}' AND state = 'finished'`),
    ).toBe(1);
    const fresh = await tempWarehouse();
    await pullFrom(fresh, s, tempDir());
    expect(await dumpWandb(wh, { ignoreExportTime: true })).toEqual(
      await dumpWandb(fresh, { ignoreExportTime: true }),
    );
  });

  it('runs fetched but not landed (fetch only, or a kill) are landed by the next pull from disk, once', async () => {
    const s = await fakeWandb();
    const held = s.holdBack(DPO, 500);
    const data = tempDir();
    const fetched = await pullFrom(null, s, data);
    expect(fetched).toMatchObject({ fetched: 6, landed: 0 });
    s.resume(DPO, held, 'finished');
    s.log.length = 0;
    const wh = await tempWarehouse();
    const next = await pullFrom(wh, s, data);
    // Only the unfinished run is asked for, from its next step; all six land, none twice.
    expect(next).toMatchObject({ fetched: 1, landed: 6, historyRows: held.length });
    expect(new Set(s.requests('HistoryPage').map((r) => r.variables.run))).toEqual(new Set([DPO]));
    expect(await count(wh, 'SELECT count(*) FROM wandb_runs')).toBe(6);
    expect(
      await count(
        wh,
        'SELECT count(*) FROM (SELECT run_id, step, metric FROM wandb_history GROUP BY ALL HAVING count(*) > 1)',
      ),
    ).toBe(0);
    const fresh = await tempWarehouse();
    await pullFrom(fresh, s, tempDir());
    expect(await dumpWandb(wh, { ignoreExportTime: true })).toEqual(
      await dumpWandb(fresh, { ignoreExportTime: true }),
    );
  });

  it('lands NaN and Infinity that the API sends as bare tokens as specials', async () => {
    const s = await fakeWandb();
    s.resume(
      MATCH,
      [
        '{"_step": 1001, "_runtime": 1.5, "_timestamp": 1757000000.5, "_wandb": {"runtime": 1}, "train_loss": NaN, "grad": Infinity}',
      ],
      'finished',
    );
    const wh = await tempWarehouse();
    await pullFrom(wh, s, tempDir());
    const specials = await wh.conn.runAndReadAll(
      `SELECT metric, special FROM wandb_history WHERE run_id = '${MATCH}' AND step = 1001 ORDER BY 1`,
    );
    expect(specials.getRows()).toEqual([
      ['grad', 'Infinity'],
      ['train_loss', 'NaN'],
    ]);
  });

  it('rate limiting that does not end: a bounded wait, then an input error saying what landed', async () => {
    const s = await fakeWandb();
    const wh = await tempWarehouse();
    const data = tempDir();
    s.alwaysFault = { kind: 'status', status: 429, retryAfter: '1' };
    await expect(
      pullFrom(wh, s, data, {
        retry: { attempts: 50, baseBackoffMs: 5, maxBackoffMs: 50, maxWaitMs: 1500, timeoutMs: 5000 },
      }),
    ).rejects.toThrow(/kept failing \(HTTP 429.*0 run\(s\) landed/);
  });

  it('names a missing project and a server that is not W&B', async () => {
    const s = await fakeWandb();
    const elsewhere = { project: { entity: 'ml-moe', project: 'no-such-project' } };
    await expect(pullFrom(null, s, tempDir(), elsewhere)).rejects.toThrow(
      /unknown W&B project ml-moe\/no-such-project/,
    );
    await expect(pullFrom(null, s, tempDir(), { filters: { state: { $regex: 'fin' } } })).rejects.toThrow(
      /W&B GraphQL error: filter operator \$regex/,
    );
    s.alwaysFault = { kind: 'html' };
    await expect(pullFrom(null, s, tempDir())).rejects.toThrow(/does not look like a W&B server/);
  });
});
