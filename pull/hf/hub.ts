/**
 * The Hugging Face Hub's HTTP API as huggingface_hub calls it (hf_api.py, file_download.py):
 *   GET {endpoint}/api/{type}s/{repo}/revision/{revision}          → the commit sha
 *   GET {endpoint}/api/{type}s/{repo}/tree/{sha}?recursive=true     → files (path, size, oid, lfs.oid), paged by Link
 *   GET {endpoint}/{datasets/}{repo}/resolve/{sha}/{path}           → contents (redirects followed, Range to resume)
 * The token (HF_TOKEN, else the token file) goes in `Authorization: Bearer`; it is never printed.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { MlduckError } from '../../src/errors.ts';
import { type HttpClient, redactUrl, transientError } from '../http.ts';
import { hfHome, type RepoCache, type RepoRef } from './cache.ts';

export interface HubAuth {
  endpoint: string;
  token: string | null;
  /** Where the token came from (never the token). */
  tokenSource: string | null;
  /** Where mlduck looked, for messages. */
  looked: string;
}

export function hubAuth(env: NodeJS.ProcessEnv = process.env): HubAuth {
  const endpoint = (env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/+$/, '');
  try {
    const url = new URL(endpoint);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new MlduckError(`HF_ENDPOINT is not an http(s) URL: ${JSON.stringify(endpoint)}`, {
      kind: 'usage',
    });
  }
  const tokenFile = env.HF_TOKEN_PATH ?? join(hfHome(env), 'token');
  const looked = `HF_TOKEN and ${tokenFile}`;
  const fromEnv = (env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return { endpoint, token: fromEnv, tokenSource: 'HF_TOKEN', looked };
  if (existsSync(tokenFile)) {
    const token = readFileSync(tokenFile, 'utf8').trim();
    if (token) return { endpoint, token, tokenSource: tokenFile, looked };
  }
  return { endpoint, token: null, tokenSource: null, looked };
}

export function hfOffline(env: NodeJS.ProcessEnv = process.env): boolean {
  const on = (v: string | undefined) =>
    v !== undefined && ['1', 'on', 'yes', 'true'].includes(v.toLowerCase());
  return on(env.HF_HUB_OFFLINE) || on(env.TRANSFORMERS_OFFLINE);
}

export interface RepoFile {
  path: string;
  size: number;
  /** git blob sha1 */
  oid: string;
  /** sha256 of the contents, for LFS files */
  lfsSha256: string | null;
}

/** The ETag the Hub serves for a file: the LFS sha256, else the git blob id (what names the blob). */
export function etagOf(file: RepoFile): string {
  return file.lfsSha256 ?? file.oid;
}

function normalizeEtag(etag: string | null): string | null {
  return etag === null ? null : etag.replace(/^W\//, '').replace(/^"|"$/g, '');
}

export class HubClient {
  constructor(
    private readonly http: HttpClient,
    readonly auth: HubAuth,
    readonly repo: RepoRef,
  ) {}

  private headers(): Record<string, string> {
    return {
      'user-agent': 'mlduck-pull',
      ...(this.auth.token ? { authorization: `Bearer ${this.auth.token}` } : {}),
    };
  }

  private apiBase(): string {
    return `${this.auth.endpoint}/api/${this.repo.repoType}s/${this.repo.repoId}`;
  }

  private refuse(status: number, url: string): never {
    if (status === 401 || status === 403) {
      throw new MlduckError(
        `the Hub refused access to ${this.repo.repoId} (HTTP ${status})${this.auth.tokenSource ? ` with the token from ${this.auth.tokenSource}` : ' without a token'}`,
        { hint: `mlduck looked in ${this.auth.looked}; a gated or private repo needs a valid token` },
      );
    }
    if (status === 404) {
      throw new MlduckError(`unknown Hub ${this.repo.repoType} repo or revision: ${this.repo.repoId}`, {
        hint: `GET ${redactUrl(url)} answered 404; check the repo id (and --revision)`,
      });
    }
    throw new MlduckError(`the Hub answered HTTP ${status} for ${redactUrl(url)}`);
  }

  private async getJson(url: string): Promise<{ json: unknown; link: string | null }> {
    let json: unknown;
    const response = await this.http.request(url, {
      headers: { ...this.headers(), accept: 'application/json' },
      accept: (s) => s === 401 || s === 403 || s === 404,
      validate: (res) => {
        if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes('json')) return;
        try {
          json = JSON.parse(res.body.toString('utf8'));
        } catch {
          throw transientError(`a response that is not complete JSON (${res.body.byteLength} bytes)`);
        }
      },
    });
    if (response.status !== 200) this.refuse(response.status, url);
    if (json === undefined) {
      throw new MlduckError(
        `${this.auth.endpoint} does not look like the Hugging Face Hub: ${redactUrl(url)} answered ${response.headers.get('content-type') ?? 'no content type'}`,
        { hint: 'check HF_ENDPOINT (default https://huggingface.co)' },
      );
    }
    return { json, link: response.headers.get('link') };
  }

  /** The commit sha a revision points to. */
  async resolveRevision(revision: string): Promise<string> {
    const url = `${this.apiBase()}/revision/${encodeURIComponent(revision)}`;
    const { json } = await this.getJson(url);
    const sha = (json as { sha?: unknown }).sha;
    if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) {
      throw new MlduckError(
        `${this.auth.endpoint} does not look like the Hugging Face Hub: no commit sha for ${this.repo.repoId}`,
      );
    }
    return sha;
  }

  /** Every file of the repo at `commit` (the recursive tree listing, following Link: rel="next"). */
  async listFiles(commit: string): Promise<RepoFile[]> {
    const files: RepoFile[] = [];
    let url: string | null = `${this.apiBase()}/tree/${commit}?recursive=true&expand=false`;
    while (url) {
      const page: { json: unknown; link: string | null } = await this.getJson(url);
      if (!Array.isArray(page.json)) {
        throw new MlduckError(
          `${this.auth.endpoint} does not look like the Hugging Face Hub: a tree listing that is not a list`,
        );
      }
      for (const entry of page.json as Record<string, unknown>[]) {
        if (entry.type !== 'file') continue;
        const lfs = entry.lfs as { oid?: unknown } | undefined;
        if (
          typeof entry.path !== 'string' ||
          typeof entry.size !== 'number' ||
          typeof entry.oid !== 'string'
        ) {
          throw new MlduckError('the Hub listed a file without path, size or oid');
        }
        files.push({
          path: entry.path,
          size: entry.size,
          oid: entry.oid,
          lfsSha256: typeof lfs?.oid === 'string' ? lfs.oid : null,
        });
      }
      const next: RegExpExecArray | null = page.link ? /<([^>]+)>\s*;\s*rel="next"/.exec(page.link) : null;
      url = next ? new URL(next[1] as string, url).toString() : null;
    }
    return files;
  }

  resolveUrl(commit: string, path: string): string {
    const prefix = this.repo.repoType === 'dataset' ? 'datasets/' : '';
    const encoded = path.split('/').map(encodeURIComponent).join('/');
    return `${this.auth.endpoint}/${prefix}${this.repo.repoId}/resolve/${commit}/${encoded}`;
  }

  /**
   * Downloads one file into the cache (resuming `<blob>.incomplete`), verifies its size and hash (sha256
   * for LFS files, git blob sha1 otherwise) and the ETag the server sent, then links it into the snapshot.
   * Returns the bytes downloaded (0 when the blob was already there).
   */
  async download(cache: RepoCache, commit: string, file: RepoFile): Promise<number> {
    const etag = etagOf(file);
    const blob = cache.blobPath(etag);
    const link = cache.snapshotPath(commit, file.path);
    let fetched = 0;
    if (!(existsSync(blob) && statSync(blob).size === file.size)) {
      mkdirSync(dirname(blob), { recursive: true });
      const incomplete = `${blob}.incomplete`;
      const url = this.resolveUrl(commit, file.path);
      let fd = -1;
      let written = 0;
      let resumeFrom = 0;
      let served: string | null = null;
      const open = () => {
        written = existsSync(incomplete) ? statSync(incomplete).size : 0;
        if (written > file.size) {
          rmSync(incomplete);
          written = 0;
        }
        resumeFrom = written;
        fd = openSync(incomplete, written > 0 ? 'a' : 'w');
      };
      try {
        open();
        if (written < file.size || file.size === 0) {
          const response = await this.http.request(url, {
            headers: { ...this.headers(), 'accept-encoding': 'identity' },
            headersForAttempt: (): Record<string, string> =>
              written > 0 ? { range: `bytes=${written}-` } : {},
            accept: (s) => s === 401 || s === 403 || s === 404,
            onRetry: () => {
              closeSync(fd);
              open();
            },
            onChunk: (chunk) => {
              writeSync(fd, chunk);
              written += chunk.byteLength;
              fetched += chunk.byteLength;
            },
            validate: (res) => {
              if (res.status === 200 && resumeFrom > 0 && res.headers.get('content-range') === null) {
                // The server ignored Range and sent everything: what was appended is a second copy.
                closeSync(fd);
                rmSync(incomplete, { force: true });
                fd = openSync(incomplete, 'w');
                written = 0;
                resumeFrom = 0;
                throw transientError('the server ignored Range; downloading again from the start');
              }
              if (res.status >= 200 && res.status < 300 && written < file.size) {
                throw transientError(`body ended after ${written} of ${file.size} bytes`);
              }
            },
          });
          if (response.status >= 300) this.refuse(response.status, url);
          served = normalizeEtag(response.headers.get('x-linked-etag') ?? response.headers.get('etag'));
        }
      } finally {
        if (fd >= 0) closeSync(fd);
      }
      await verify(incomplete, file, served);
      renameSync(incomplete, blob);
    }
    mkdirSync(dirname(link), { recursive: true });
    removeLink(link);
    symlinkSync(relative(dirname(link), blob), link);
    return fetched;
  }

  /** Records which commit `revision` pointed to (refs/<revision>). */
  writeRef(cache: RepoCache, revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = cache.refPath(revision);
    mkdirSync(dirname(ref), { recursive: true });
    writeFileSync(ref, commit);
  }
}

function removeLink(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Checks a finished download; a mismatch removes it (never linked, never ingested). */
async function verify(path: string, file: RepoFile, servedEtag: string | null): Promise<void> {
  const size = statSync(path).size;
  const fail = (what: string) => {
    rmSync(path, { force: true });
    return new MlduckError(`download of ${file.path} is corrupt: ${what}`, {
      hint: 'it was removed from the cache and nothing was ingested; run the pull again',
    });
  };
  if (size !== file.size) throw fail(`${size} bytes, the Hub listed ${file.size}`);
  const expected = etagOf(file);
  if (servedEtag !== null && servedEtag !== expected)
    throw fail(`ETag ${servedEtag}, the Hub listed ${expected}`);
  const hash = createHash(file.lfsSha256 ? 'sha256' : 'sha1');
  if (!file.lfsSha256) hash.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== expected)
    throw fail(`${file.lfsSha256 ? 'sha256' : 'git blob sha1'} ${actual}, expected ${expected}`);
}
