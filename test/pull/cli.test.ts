import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Warehouse } from '../../src/warehouse.ts';
import { BIN, migratedWarehouseFile, REPO_ROOT, runCli, tempDir, tempWarehouse } from '../helpers.ts';
import { dumpWandb, fakeWandb, pullFrom } from './helpers.ts';
import type { FakeWandb } from './servers/wandb-server.ts';

function env(s: FakeWandb, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const home = tempDir();
  return {
    WANDB_BASE_URL: s.url,
    WANDB_API_KEY: s.apiKey,
    HOME: home,
    NETRC: undefined,
    MLDUCK_PULL_BACKOFF_MS: '5',
    ...extra,
  };
}

describe('mlduck pull wandb (CLI)', () => {
  it('pulls a project end to end and reports what it did', async () => {
    const s = await fakeWandb();
    const db = await migratedWarehouseFile();
    const data = tempDir();
    const r = await runCli(['--db', db, 'pull', 'wandb', 'ml-moe/ft-scaling', '--data-dir', data], {
      env: env(s),
    });
    expect(r.stderr).not.toMatch(/warning|error/i);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/6 run\(s\) listed, 6 fetched, 0 unchanged, 6 landed, 2549 history row\(s\)/);
    expect(existsSync(join(data, 'wandb', 'ml-moe', 'ft-scaling', 'history.jsonl'))).toBe(true);
    const again = await runCli(['--db', db, 'pull', 'wandb', 'ml-moe/ft-scaling', '--data-dir', data], {
      env: env(s),
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/1 run\(s\) listed, 0 fetched, 1 unchanged, 0 landed, 0 history row\(s\)/);
  });

  it('without credentials says where it looked (exit 2); reads ~/.netrc like the SDK; never prints the key', async () => {
    const s = await fakeWandb();
    const db = await migratedWarehouseFile();
    const home = tempDir();
    const none = await runCli(['--db', db, 'pull', 'wandb', 'ml-moe/ft-scaling', '--data-dir', tempDir()], {
      env: env(s, { WANDB_API_KEY: undefined, HOME: home }),
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no W&B API key found for 127.0.0.1');
    expect(none.stderr).toContain('WANDB_API_KEY');
    expect(none.stderr).toContain(join(home, '.netrc'));

    writeFileSync(join(home, '.netrc'), `machine 127.0.0.1\n  login user\n  password ${s.apiKey}\n`);
    const netrc = await runCli(
      ['--db', db, 'pull', 'wandb', 'ml-moe/ft-scaling', '--runs-only', '--data-dir', tempDir()],
      { env: env(s, { WANDB_API_KEY: undefined, HOME: home }) },
    );
    expect(netrc.code).toBe(0);

    const wrong = await runCli(['--db', db, 'pull', 'wandb', 'ml-moe/ft-scaling', '--data-dir', tempDir()], {
      env: env(s, { WANDB_API_KEY: 'not-the-key-secret' }),
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/rejected the API key \(HTTP 401\).*WANDB_API_KEY/);
    expect(wrong.stderr).not.toContain('not-the-key-secret');
  });

  it('usage errors: a bad project path, a bad --filter (exit 1)', async () => {
    const s = await fakeWandb();
    const db = await migratedWarehouseFile();
    const bad = await runCli(['--db', db, 'pull', 'wandb', '../etc', '--data-dir', tempDir()], {
      env: env(s),
    });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('expected ENTITY/PROJECT');
    const filter = await runCli(
      ['--db', db, 'pull', 'wandb', 'ml-moe/ft-scaling', '--filter', '[1]', '--data-dir', tempDir()],
      { env: env(s) },
    );
    expect(filter.code).toBe(1);
    expect(filter.stderr).toContain('--filter must be a JSON object');
  });

  it('rate limiting that does not end: exit 2 after --max-wait, saying what landed', async () => {
    const s = await fakeWandb();
    s.alwaysFault = { kind: 'status', status: 429, retryAfter: '1' };
    const db = await migratedWarehouseFile();
    const r = await runCli(
      ['--db', db, 'pull', 'wandb', 'ml-moe/ft-scaling', '--max-wait', '2', '--data-dir', tempDir()],
      { env: env(s) },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /kept failing \(HTTP 429.*gave up after waiting 2 s of a 2 s budget; 0 run\(s\) landed/,
    );
  });

  it('killed mid-pull, resumes without downloading the runs it had landed', async () => {
    const s = await fakeWandb(60);
    const dbPath = await migratedWarehouseFile();
    const data = tempDir();
    const journal = join(data, 'wandb', 'ml-moe', 'ft-scaling', '.pull', 'journal.log');
    const args = [
      '--db',
      dbPath,
      'pull',
      'wandb',
      'ml-moe/ft-scaling',
      '--data-dir',
      data,
      '--concurrency',
      '1',
      '--land-batch',
      '1',
    ];
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, MLDUCK_DB: undefined, ...env(s) },
      stdio: 'ignore',
    });
    const exited = new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
    const landedIds = (): string[] =>
      existsSync(journal)
        ? readFileSync(journal, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"landed":true'))
            .map((l) => (JSON.parse(l) as { run_id: string }).run_id)
        : [];
    for (let i = 0; i < 600 && landedIds().length < 2; i++) await new Promise((ok) => setTimeout(ok, 25));
    child.kill('SIGKILL');
    await exited;
    const landed = landedIds();
    expect(landed.length).toBeGreaterThanOrEqual(2);
    expect(landed.length).toBeLessThan(6);

    s.log.length = 0;
    s.latencyMs = 0;
    const resumed = await runCli(args, { env: env(s) });
    expect(resumed.code).toBe(0);
    const refetched = new Set(s.requests('HistoryPage').map((r) => String(r.variables.run)));
    for (const id of landed) expect(refetched.has(id)).toBe(false);

    const wh = await Warehouse.open(dbPath);
    try {
      const fresh = await tempWarehouse();
      await pullFrom(fresh, s, tempDir());
      expect(await dumpWandb(wh, { ignoreExportTime: true })).toEqual(
        await dumpWandb(fresh, { ignoreExportTime: true }),
      );
    } finally {
      wh.close();
    }
  });
});
