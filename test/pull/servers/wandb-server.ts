/**
 * A loopback W&B server answering the GraphQL queries the official SDK sends (`Runs` with RunFragment and
 * cursor pagination, `HistoryPage` by step range) with the real runs of test/fixtures/pull (built from the
 * dr_wandb samples by scripts/pull/generate-fixtures.ts). It checks the SDK's Basic auth, evaluates the
 * API's MongoDB-style run filters, adds per-request latency, injects faults, and logs every request.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LoopbackServer } from './loopback-server.ts';

/** The repository root (not from test/helpers.ts, which needs vitest: the benchmark runs these servers too). */
const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'drop' } // the connection is closed before any answer
  | { kind: 'truncate' } // headers promise the whole body, half of it is sent, then the connection closes
  | { kind: 'cut-json' } // a well-formed HTTP answer whose JSON body is cut short
  | { kind: 'html' }; // a page that is not GraphQL

export interface RunRecord {
  node: Record<string, unknown> & { name: string; state: string; createdAt: string };
  /** History rows as the API sends them: JSON strings. */
  history: string[];
}

export interface LoggedRequest {
  operation: string;
  variables: Record<string, unknown>;
}

export interface FixtureProject {
  entity: string;
  project: string;
  runs: RunRecord['node'][];
  history: Record<string, string[]>;
}

export function loadFixtureProject(): FixtureProject {
  return JSON.parse(
    readFileSync(join(REPO_ROOT, 'test/fixtures/pull/wandb-project.json'), 'utf8'),
  ) as FixtureProject;
}

export interface FakeWandbOptions {
  apiKey?: string;
  latencyMs?: number;
  /** Replaces the fixture's runs (the benchmark builds bigger projects). */
  project?: FixtureProject;
}

/** The value a filter path names on a run node (`createdAt`, `name`, `state`, `tags`, `config.<k>`). */
function fieldOf(node: RunRecord['node'], path: string): unknown {
  if (path === 'display_name') return node.displayName;
  if (path.startsWith('config.')) {
    const config = JSON.parse(String(node.config ?? '{}')) as Record<string, { value: unknown }>;
    const key = path.slice('config.'.length).replace(/\.value$/, '');
    return config[key]?.value;
  }
  return node[path];
}

/** `_step` of a history row's JSON text (read by pattern: rows may hold bare NaN tokens, as W&B's do). */
function stepOf(row: string): number {
  return Number(/"_step":\s*(-?\d+)/.exec(row)?.[1] ?? Number.NaN);
}

function compare(a: unknown, b: unknown): number {
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

export function matches(node: RunRecord['node'], filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, cond]) => {
    if (key === '$and') return (cond as Record<string, unknown>[]).every((f) => matches(node, f));
    if (key === '$or') return (cond as Record<string, unknown>[]).some((f) => matches(node, f));
    const value = fieldOf(node, key);
    const test = (expected: unknown) =>
      Array.isArray(value) ? value.includes(expected) : value === expected;
    if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) return test(cond);
    return Object.entries(cond as Record<string, unknown>).every(([op, arg]) => {
      switch (op) {
        case '$eq':
          return test(arg);
        case '$ne':
          return !test(arg);
        case '$in':
          return (arg as unknown[]).some(test);
        case '$nin':
          return !(arg as unknown[]).some(test);
        case '$gte':
          return compare(value, arg) >= 0;
        case '$gt':
          return compare(value, arg) > 0;
        case '$lte':
          return compare(value, arg) <= 0;
        case '$lt':
          return compare(value, arg) < 0;
        default:
          throw new Error(`filter operator ${op} not supported by the test server`);
      }
    });
  });
}

export class FakeWandb extends LoopbackServer {
  readonly runs = new Map<string, RunRecord>();
  readonly log: LoggedRequest[] = [];
  /** Faults for the next requests, in order (one per request). */
  readonly faults: Fault[] = [];
  /** A fault for every request (rate limiting that does not end). */
  alwaysFault: Fault | null = null;
  /** Called after a request is answered (a test changes the project between pages). */
  afterRequest: ((request: LoggedRequest) => void) | null = null;
  latencyMs: number;
  readonly apiKey: string;
  entity: string;
  project: string;
  bytesOut = 0;

  constructor(options: FakeWandbOptions = {}) {
    super();
    const fixture = options.project ?? loadFixtureProject();
    this.entity = fixture.entity;
    this.project = fixture.project;
    for (const node of fixture.runs) {
      this.runs.set(node.name, {
        node: structuredClone(node),
        history: [...(fixture.history[node.name] ?? [])],
      });
    }
    this.apiKey = options.apiKey ?? 'test-key-0123456789';
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Sets a run to `running` with only its first `keep` history rows (its later rows held back). */
  holdBack(name: string, keep: number): string[] {
    const run = this.runs.get(name) as RunRecord;
    const held = run.history.splice(keep);
    run.node.state = 'running';
    this.syncKeys(run);
    return held;
  }

  /** Appends history rows to a run and sets its state. */
  resume(name: string, rows: string[], state: string): void {
    const run = this.runs.get(name) as RunRecord;
    run.history.push(...rows);
    run.node.state = state;
    this.syncKeys(run);
  }

  private syncKeys(run: RunRecord): void {
    const steps = run.history.map(stepOf);
    const keys = (run.node.historyKeys ?? {}) as Record<string, unknown>;
    keys.lastStep = steps.length > 0 ? Math.max(...steps) : -1;
    run.node.historyKeys = keys;
    run.node.historyLineCount = steps.length;
  }

  /** Requests of one GraphQL operation. */
  requests(operation: string): LoggedRequest[] {
    return this.log.filter((r) => r.operation === operation);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.latencyMs > 0) await new Promise((ok) => setTimeout(ok, this.latencyMs));
    const fault = this.faults.shift() ?? this.alwaysFault;
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {}),
      });
      res.end(JSON.stringify({ errors: [{ message: `injected ${fault.status}` }] }));
      return;
    }
    if (fault?.kind === 'html' || req.url !== '/graphql' || req.method !== 'POST') {
      res.writeHead(fault?.kind === 'html' ? 200 : 404, { 'content-type': 'text/html' });
      res.end('<html><body>not here</body></html>');
      return;
    }
    const expected = `Basic ${Buffer.from(`api:${this.apiKey}`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message: 'user is not logged in' }] }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      query: string;
      variables: Record<string, unknown>;
    };
    const operation = /query\s+(\w+)/.exec(body.query)?.[1] ?? 'unknown';
    const request = { operation, variables: body.variables };
    this.log.push(request);
    let data: unknown;
    try {
      data = this.answer(operation, body.variables);
    } catch (error) {
      // What the real server does with a filter it cannot use: a GraphQL error, HTTP 400.
      const message = error instanceof Error ? error.message : String(error);
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ message }] }));
      return;
    }
    const text = JSON.stringify(data);
    const bytes = Buffer.from(text);
    this.bytesOut += bytes.byteLength;
    if (fault?.kind === 'truncate') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.byteLength });
      res.write(bytes.subarray(0, Math.floor(bytes.byteLength / 2)), () => req.socket.destroy());
      return;
    }
    const sent = fault?.kind === 'cut-json' ? bytes.subarray(0, Math.floor(bytes.byteLength / 2)) : bytes;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': sent.byteLength });
    res.end(sent);
    if (fault?.kind !== 'cut-json') this.afterRequest?.(request);
  }

  private answer(operation: string, v: Record<string, unknown>): unknown {
    const known = v.entity === this.entity && v.project === this.project;
    if (operation === 'Runs') {
      if (!known) return { data: { project: null } };
      const filters = JSON.parse(String(v.filters ?? '{}')) as Record<string, unknown>;
      const order = String(v.order ?? '+created_at');
      const all = [...this.runs.values()]
        .filter((r) => matches(r.node, filters))
        .sort((a, b) => compare(a.node.createdAt, b.node.createdAt) || compare(a.node.name, b.node.name));
      if (order.startsWith('-')) all.reverse();
      const offset = v.cursor ? Number(Buffer.from(String(v.cursor), 'base64').toString().split(':')[1]) : 0;
      const perPage = Number(v.perPage ?? 50);
      const page = all.slice(offset, offset + perPage);
      const cursor = (i: number) => Buffer.from(`arrayconnection:${i}`).toString('base64');
      return {
        data: {
          project: {
            internalId: 'UHJvamVjdDp2MTpmdC1zY2FsaW5nOm1sLW1vZQ==',
            runCount: all.length,
            readOnly: false,
            runs: {
              edges: page.map((r, i) => ({ node: r.node, cursor: cursor(offset + i + 1) })),
              pageInfo: {
                endCursor: page.length > 0 ? cursor(offset + page.length) : null,
                hasNextPage: offset + page.length < all.length,
              },
            },
          },
        },
      };
    }
    if (operation === 'HistoryPage') {
      if (!known) return { data: { project: null } };
      const run = this.runs.get(String(v.run));
      if (!run) return { data: { project: { run: null } } };
      const min = Number(v.minStep);
      const max = Number(v.maxStep);
      const rows = run.history
        .filter((r) => {
          const step = stepOf(r);
          return step >= min && step < max;
        })
        .slice(0, Number(v.pageSize));
      return { data: { project: { run: { history: rows } } } };
    }
    return { errors: [{ message: `Cannot query operation ${operation}` }] };
  }
}
