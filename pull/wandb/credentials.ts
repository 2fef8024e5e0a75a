/**
 * W&B credentials, found where the official SDK looks: `WANDB_API_KEY`, then the netrc file (`NETRC`, else
 * `~/.netrc`, else `~/_netrc`) entry for the API host, whose password is the key. `WANDB_BASE_URL` names a
 * self-hosted server (default https://api.wandb.ai). The key itself never appears in a message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MlduckError } from '../../src/errors.ts';

export const DEFAULT_WANDB_BASE_URL = 'https://api.wandb.ai';

export interface WandbCredentials {
  baseUrl: string;
  apiKey: string;
  /** Where the key came from, for messages (never the key). */
  source: string;
}

/** The netrc file the SDK reads. */
export function netrcPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NETRC) return env.NETRC.replace(/^~(?=$|\/)/, homedir());
  const unix = join(env.HOME ?? homedir(), '.netrc');
  const windows = join(env.HOME ?? homedir(), '_netrc');
  if (!existsSync(unix) && existsSync(windows)) return windows;
  return unix;
}

/** The password of `machine <host>` in netrc text (tokens may span lines, as netrc allows). */
export function netrcPassword(text: string, host: string): string | null {
  const tokens = text.split(/\s+/).filter((t) => t !== '');
  let machine: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === 'machine') machine = tokens[++i] ?? null;
    else if (token === 'default') machine = '';
    else if (token === 'password' && (machine === host || machine === '')) return tokens[i + 1] ?? null;
  }
  return null;
}

/** The W&B base URL (validated) and API key, or an input error saying where mlduck looked. */
export function wandbCredentials(env: NodeJS.ProcessEnv = process.env): WandbCredentials {
  const raw = (env.WANDB_BASE_URL ?? DEFAULT_WANDB_BASE_URL).replace(/\/+$/, '');
  let host: string;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    host = url.hostname;
  } catch {
    throw new MlduckError(`WANDB_BASE_URL is not an http(s) URL: ${JSON.stringify(raw)}`, {
      kind: 'usage',
    });
  }
  const fromEnv = env.WANDB_API_KEY?.trim();
  if (fromEnv) return { baseUrl: raw, apiKey: fromEnv, source: 'WANDB_API_KEY' };
  const netrc = netrcPath(env);
  if (existsSync(netrc)) {
    const password = netrcPassword(readFileSync(netrc, 'utf8'), host);
    if (password) return { baseUrl: raw, apiKey: password, source: `${netrc} (machine ${host})` };
  }
  throw new MlduckError(`no W&B API key found for ${host}`, {
    hint: `mlduck looked in WANDB_API_KEY and in ${netrc} (machine ${host}); set WANDB_API_KEY or run \`wandb login\``,
  });
}

/** The header the SDK sends: HTTP Basic with user "api" and the key as password. */
export function wandbAuthHeader(apiKey: string): string {
  return `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
}
