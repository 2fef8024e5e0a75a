/**
 * W&B's public GraphQL API, spoken as the official SDK speaks it (wandb/apis/public/runs.py: the `Runs`
 * query with the full `RunFragment`, cursor pagination, JSONString filters; core's `HistoryPage` query that
 * `Run.scan_history` pages through by step range). Every call mlduck makes is one of these three queries,
 * POSTed to `<WANDB_BASE_URL>/graphql` (docs/pull.md lists them).
 */

import { MlduckError } from '../../src/errors.ts';
import { parsePythonJson } from '../../src/python-json.ts';
import { type HttpClient, transientError } from '../http.ts';
import { wandbAuthHeader } from './credentials.ts';

export const RUN_FRAGMENT = `fragment RunFragment on Run {
    id
    tags
    name
    displayName
    sweepName
    state
    config
    group
    jobType
    commit
    readOnly
    createdAt
    heartbeatAt
    description
    notes
    systemMetrics
    summaryMetrics
    historyLineCount
    user {
        name
        username
    }
    historyKeys
}`;

export const RUNS_QUERY = `query Runs($project: String!, $entity: String!, $cursor: String, $perPage: Int = 50, $order: String, $filters: JSONString) {
    project(name: $project, entityName: $entity) {
        internalId
        runCount(filters: $filters)
        readOnly
        runs(filters: $filters, after: $cursor, first: $perPage, order: $order) {
            edges {
                node {
                    projectId
                    ...RunFragment
                }
                cursor
            }
            pageInfo {
                endCursor
                hasNextPage
            }
        }
    }
}
${RUN_FRAGMENT}`;

export const HISTORY_PAGE_QUERY = `query HistoryPage($entity: String!, $project: String!, $run: String!, $minStep: Int64!, $maxStep: Int64!, $pageSize: Int!) {
    project(name: $project, entityName: $entity) {
        run(name: $run) {
            history(minStep: $minStep, maxStep: $maxStep, samples: $pageSize)
        }
    }
}`;

/** A run node as the API returns it (RunFragment + projectId); JSONString fields arrive as strings. */
export interface RunNode {
  projectId?: string | number | null;
  id: string;
  name: string;
  displayName?: string | null;
  tags?: string[] | null;
  sweepName?: string | null;
  state?: string | null;
  config?: string | Record<string, unknown> | null;
  group?: string | null;
  jobType?: string | null;
  commit?: string | null;
  readOnly?: boolean | null;
  createdAt?: string | null;
  heartbeatAt?: string | null;
  description?: string | null;
  notes?: string | null;
  systemMetrics?: string | Record<string, unknown> | null;
  summaryMetrics?: string | Record<string, unknown> | null;
  historyLineCount?: number | null;
  user?: { name?: string | null; username?: string | null } | null;
  historyKeys?: { lastStep?: number; keys?: Record<string, unknown> } | string | null;
  [key: string]: unknown;
}

export interface RunsPage {
  runCount: number;
  nodes: RunNode[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface Project {
  entity: string;
  project: string;
}

/** JSON that may carry bare NaN/Infinity tokens (W&B history and summaries do; Python's json reads them). */
export function parseLenientJson(text: string): unknown {
  return parsePythonJson(text);
}

export class WandbGraphql {
  constructor(
    private readonly http: HttpClient,
    readonly baseUrl: string,
    private readonly apiKey: string,
    private readonly credentialSource: string,
  ) {}

  /** One GraphQL call; returns `data`. Errors: bad credentials, not a W&B server, GraphQL errors. */
  async call(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    const url = `${this.baseUrl}/graphql`;
    let parsed: { data?: Record<string, unknown> | null; errors?: { message?: string }[] } | undefined;
    const response = await this.http.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        authorization: wandbAuthHeader(this.apiKey),
        'user-agent': 'mlduck-pull',
      },
      body: JSON.stringify({ query, variables }),
      accept: (status) => status === 401 || status === 403 || status === 404 || status === 400,
      validate: (res) => {
        if (res.status !== 200 && res.status !== 400) return; // 400: GraphQL validation errors, as JSON
        const type = res.headers.get('content-type') ?? '';
        if (!type.includes('json')) return; // reported below as "not a W&B server"
        try {
          parsed = parseLenientJson(res.body.toString('utf8')) as typeof parsed;
        } catch {
          throw transientError(`a response that is not complete JSON (${res.body.byteLength} bytes)`);
        }
      },
    });
    if (response.status === 401 || response.status === 403) {
      throw new MlduckError(`W&B at ${this.baseUrl} rejected the API key (HTTP ${response.status})`, {
        hint: `the key came from ${this.credentialSource}; mlduck looks in WANDB_API_KEY, then the netrc file (NETRC or ~/.netrc); check it with \`wandb login --verify\``,
      });
    }
    if (response.status === 400 && parsed?.errors && parsed.errors.length > 0) {
      const message = parsed.errors.map((e) => e.message ?? 'unknown error').join('; ');
      throw new MlduckError(`W&B GraphQL error: ${message}`, {
        hint: 'a --filter the server does not accept, or a server version that lacks these queries',
      });
    }
    if (response.status !== 200 || parsed === undefined || typeof parsed !== 'object' || parsed === null) {
      throw new MlduckError(
        `${this.baseUrl} does not look like a W&B server: POST /graphql answered HTTP ${response.status} ${response.headers.get('content-type') ?? 'without a content type'}`,
        { hint: 'check WANDB_BASE_URL (default https://api.wandb.ai)' },
      );
    }
    if (parsed.errors && parsed.errors.length > 0) {
      const message = parsed.errors.map((e) => e.message ?? 'unknown error').join('; ');
      throw new MlduckError(`W&B GraphQL error: ${message}`);
    }
    if (!parsed.data || typeof parsed.data !== 'object') {
      throw new MlduckError(`${this.baseUrl} does not look like a W&B server: a GraphQL answer without data`);
    }
    return parsed.data;
  }

  /** One page of runs (the SDK's `Runs` query, full fragment, i.e. `api.runs(..., lazy=False)`). */
  async runsPage(
    project: Project,
    options: { cursor: string | null; perPage: number; filters: Record<string, unknown>; order: string },
  ): Promise<RunsPage> {
    const data = await this.call(RUNS_QUERY, {
      project: project.project,
      entity: project.entity,
      cursor: options.cursor,
      perPage: options.perPage,
      order: options.order,
      filters: JSON.stringify(options.filters),
    });
    const p = data.project as
      | {
          runCount?: number;
          runs?: {
            edges?: { node: RunNode; cursor?: string }[];
            pageInfo?: { endCursor?: string | null; hasNextPage?: boolean };
          };
        }
      | null
      | undefined;
    if (!p) {
      throw new MlduckError(`unknown W&B project ${project.entity}/${project.project} at ${this.baseUrl}`, {
        hint: 'check ENTITY/PROJECT and that the API key can see it',
      });
    }
    const edges = p.runs?.edges ?? [];
    return {
      runCount: p.runCount ?? 0,
      nodes: edges.map((e) => e.node),
      endCursor: p.runs?.pageInfo?.endCursor ?? edges.at(-1)?.cursor ?? null,
      hasNextPage: p.runs?.pageInfo?.hasNextPage ?? false,
    };
  }

  /** History rows with minStep ≤ _step < maxStep (the HistoryPage query), each row parsed. */
  async historyPage(
    project: Project,
    run: string,
    minStep: number,
    maxStep: number,
    pageSize: number,
  ): Promise<Record<string, unknown>[]> {
    const data = await this.call(HISTORY_PAGE_QUERY, {
      entity: project.entity,
      project: project.project,
      run,
      minStep,
      maxStep,
      pageSize,
    });
    const p = data.project as { run?: { history?: (string | Record<string, unknown>)[] } | null } | null;
    if (!p?.run) {
      throw new MlduckError(
        `W&B run ${project.entity}/${project.project}/${run} disappeared during the pull`,
      );
    }
    return (p.run.history ?? []).map((row) =>
      typeof row === 'string' ? (parseLenientJson(row) as Record<string, unknown>) : row,
    );
  }
}
