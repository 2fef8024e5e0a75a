import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../pull/http.ts';
import { netrcPassword, wandbAuthHeader, wandbCredentials } from '../../pull/wandb/credentials.ts';
import { parseLenientJson } from '../../pull/wandb/graphql.ts';
import { historyRowOf, pythonFloatText, toJsonLine, userConfig } from '../../pull/wandb/v3.ts';
import { tempDir } from '../helpers.ts';

describe('pull building blocks', () => {
  it('reads W&B history rows with bare NaN/Infinity tokens and writes them back as Python does', () => {
    const row = parseLenientJson(
      '{"_step": 3, "_timestamp": 1755581965.0, "_runtime": 2.5, "_wandb": {"runtime": 2}, "loss": NaN, "note": "NaN here", "g": -Infinity, "_extra": 1}',
    ) as Record<string, unknown>;
    const v3 = historyRowOf('r', row);
    expect(v3).toMatchObject({
      run_id: 'r',
      step: 3,
      timestamp: '1755581965.0',
      runtime: 2.5,
      extra: { _extra: 1 },
    });
    expect(v3.metrics.note).toBe('NaN here');
    expect(Number.isNaN(v3.metrics.loss)).toBe(true);
    expect(toJsonLine(v3.metrics)).toBe('{"loss":NaN,"note":"NaN here","g":-Infinity}');
    expect(pythonFloatText(1755581965.2730658)).toBe('1755581965.2730658');
  });

  it("unwraps the API's config as the SDK's run.config does", () => {
    const wire = JSON.stringify({
      lr: { desc: null, value: 0.1 },
      _wandb: { value: { t: 1 } },
      wandb_version: { value: 1 },
    });
    expect(userConfig(wire)).toEqual({ lr: 0.1 });
  });

  it('finds the key as the SDK does: WANDB_API_KEY, then the netrc machine of the base URL', () => {
    expect(
      netrcPassword(
        'machine api.wandb.ai\n login user\n password k1\nmachine other password k2',
        'api.wandb.ai',
      ),
    ).toBe('k1');
    expect(netrcPassword('machine other password k2', 'api.wandb.ai')).toBeNull();
    expect(netrcPassword('default login x password k3', 'api.wandb.ai')).toBe('k3');
    const home = tempDir();
    expect(() => wandbCredentials({ HOME: home })).toThrow(/no W&B API key found for api\.wandb\.ai/);
    expect(
      wandbCredentials({ HOME: home, WANDB_API_KEY: 'k', WANDB_BASE_URL: 'http://w.local:8080/' }),
    ).toEqual({
      baseUrl: 'http://w.local:8080',
      apiKey: 'k',
      source: 'WANDB_API_KEY',
    });
    expect(wandbAuthHeader('k')).toBe(`Basic ${Buffer.from('api:k').toString('base64')}`);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });
});
