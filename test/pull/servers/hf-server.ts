/**
 * A loopback Hugging Face Hub answering what huggingface_hub asks: `/api/datasets/<repo>/revision/<rev>`
 * (commit sha), `/api/datasets/<repo>/tree/<sha>?recursive=true` (files with git oid and LFS sha256, paged
 * with `Link: <…>; rel="next"`), and `/datasets/<repo>/resolve/<sha>/<path>`, which for LFS files redirects
 * to a CDN path with `X-Linked-Etag`/`X-Linked-Size`/`X-Repo-Commit` like the real Hub. The CDN honours
 * Range. Repos are built from the real DataDecide slices in examples/datadecide. Faults are injected per
 * request; every request is logged with its Range header.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoopbackServer } from './loopback-server.ts';

/** The repository root (not from test/helpers.ts, which needs vitest: the benchmark runs these servers too). */
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export type HubFault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'drop' }
  | { kind: 'truncate' } // half of the body, then the connection closes
  | { kind: 'ignore-range' } // answers 200 with the whole file to a Range request
  | { kind: 'corrupt' } // right length, wrong bytes
  | { kind: 'html' };

export interface HubFile {
  path: string;
  content: Buffer;
  lfs: boolean;
}

export interface HubRepo {
  id: string;
  sha: string;
  files: HubFile[];
  /** Needs `Authorization: Bearer <token>`. */
  private?: boolean;
}

export function gitBlobSha1(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

export function sha256(content: Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

const example = (name: string) => readFileSync(join(REPO_ROOT, 'examples', 'datadecide', name));

/** The two DataDecide result repos, each with the real slice as its train split. */
export function dataDecideRepos(): HubRepo[] {
  const attributes = Buffer.from('*.parquet filter=lfs diff=lfs merge=lfs -text\n');
  return [
    {
      id: 'allenai/DataDecide-eval-results',
      sha: '1111111111111111111111111111111111111111',
      files: [
        { path: '.gitattributes', content: attributes, lfs: false },
        {
          path: 'README.md',
          content: Buffer.from('---\nlicense: odc-by\n---\n# DataDecide eval results\n'),
          lfs: false,
        },
        {
          path: 'data/train-00000-of-00001.parquet',
          content: example('hf_eval_results_slice.parquet'),
          lfs: true,
        },
      ],
    },
    {
      id: 'allenai/DataDecide-ppl-results',
      sha: '2222222222222222222222222222222222222222',
      files: [
        { path: '.gitattributes', content: attributes, lfs: false },
        {
          path: 'data/train-00000-of-00001.parquet',
          content: example('hf_ppl_results_slice.parquet'),
          lfs: true,
        },
      ],
    },
  ];
}

export interface HubRequest {
  method: string;
  path: string;
  range: string | null;
}

export class FakeHub extends LoopbackServer {
  readonly repos = new Map<string, HubRepo>();
  readonly log: HubRequest[] = [];
  readonly faults: HubFault[] = [];
  /** Faults only for CDN (file content) requests. */
  readonly downloadFaults: HubFault[] = [];
  token = 'hf_test_token_0123456789';
  treePageSize = 2;

  constructor(repos: HubRepo[] = dataDecideRepos()) {
    super();
    for (const repo of repos) this.repos.set(repo.id, repo);
  }

  private json(
    res: ServerResponse,
    status: number,
    value: unknown,
    headers: Record<string, string> = {},
  ): undefined {
    const body = Buffer.from(JSON.stringify(value));
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': body.byteLength,
      ...headers,
    });
    res.end(body);
  }

  protected handle(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    this.log.push({ method: req.method ?? 'GET', path, range: req.headers.range ?? null });
    const cdn = path.startsWith('/cdn/');
    const fault = (cdn ? this.downloadFaults.shift() : undefined) ?? this.faults.shift();
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      this.json(
        res,
        fault.status,
        { error: `injected ${fault.status}` },
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
      return;
    }
    if (fault?.kind === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>not the hub</html>');
      return;
    }
    if (cdn) return this.serveContent(req, res, path.slice('/cdn/'.length), fault);

    const api = /^\/api\/datasets\/([^/]+\/[^/]+)\/(revision|tree)\/([^/]+)$/.exec(path);
    const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repoId = api?.[1] ?? resolve?.[1];
    const repo = repoId ? this.repos.get(repoId) : undefined;
    if (!repo) return this.json(res, 404, { error: 'Repository not found' });
    if (repo.private && req.headers.authorization !== `Bearer ${this.token}`) {
      return this.json(res, 401, { error: 'Invalid credentials in Authorization header' });
    }
    const rev = api?.[3] ?? resolve?.[2];
    if (rev !== 'main' && rev !== repo.sha) return this.json(res, 404, { error: 'Revision not found' });
    if (api?.[2] === 'revision') {
      return this.json(res, 200, {
        id: repo.id,
        sha: repo.sha,
        siblings: repo.files.map((f) => ({ rfilename: f.path })),
      });
    }
    if (api?.[2] === 'tree') {
      const entries = repo.files.map((f) => ({
        type: 'file',
        oid: gitBlobSha1(f.content),
        size: f.content.byteLength,
        path: f.path,
        ...(f.lfs ? { lfs: { oid: sha256(f.content), size: f.content.byteLength, pointerSize: 134 } } : {}),
      }));
      const cursor = Number(url.searchParams.get('cursor') ?? 0);
      const page = entries.slice(cursor, cursor + this.treePageSize);
      const next = cursor + this.treePageSize < entries.length;
      const nextUrl = new URL(url.toString());
      nextUrl.searchParams.set('cursor', String(cursor + this.treePageSize));
      return this.json(
        res,
        200,
        page,
        next ? { link: `<${this.url}${nextUrl.pathname}${nextUrl.search}>; rel="next"` } : {},
      );
    }
    if (resolve) {
      const file = repo.files.find((f) => f.path === resolve[3]);
      if (!file) return this.json(res, 404, { error: 'Entry not found' });
      if (file.lfs) {
        res.writeHead(302, {
          location: `/cdn/${sha256(file.content)}`,
          'x-linked-etag': `"${sha256(file.content)}"`,
          'x-linked-size': String(file.content.byteLength),
          'x-repo-commit': repo.sha,
          'content-length': 0,
        });
        res.end();
        return;
      }
      return this.sendBytes(req, res, file.content, `"${gitBlobSha1(file.content)}"`, fault, repo.sha);
    }
    return this.json(res, 404, { error: 'not found' });
  }

  private serveContent(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    fault: HubFault | undefined,
  ): undefined {
    for (const repo of this.repos.values()) {
      const file = repo.files.find((f) => f.lfs && sha256(f.content) === id);
      if (file) return this.sendBytes(req, res, file.content, `"${id}"`, fault, null);
    }
    this.json(res, 404, { error: 'no such object' });
  }

  private sendBytes(
    req: IncomingMessage,
    res: ServerResponse,
    content: Buffer,
    etag: string,
    fault: HubFault | undefined,
    commit: string | null,
  ): undefined {
    let body = fault?.kind === 'corrupt' ? Buffer.alloc(content.byteLength, 7) : content;
    let status = 200;
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      etag,
      'accept-ranges': 'bytes',
      ...(commit ? { 'x-repo-commit': commit } : {}),
    };
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range && fault?.kind !== 'ignore-range') {
      const start = Number(range[1]);
      status = 206;
      headers['content-range'] = `bytes ${start}-${content.byteLength - 1}/${content.byteLength}`;
      body = body.subarray(start);
    }
    headers['content-length'] = body.byteLength;
    res.writeHead(status, headers);
    if (fault?.kind === 'truncate') {
      res.write(body.subarray(0, Math.floor(body.byteLength / 2)), () => req.socket.destroy());
      return;
    }
    res.end(body);
  }
}
