/**
 * GraphQL answers → dr_wandb v3 export records (upstream-sources §2.4): a `RunSnapshot {run: WandbRun,
 * exported_at}` per run and a `HistoryRow {run_id, step, timestamp, runtime, wandb_metadata, metrics, extra}`
 * per history row, the fields derived as the SDK's `Run` object derives them from the node (config values
 * unwrapped from `{value, desc}`, `_wandb`/`wandb_version` left out, JSONString fields parsed).
 */
import { splitSpecial } from '../../src/values.ts';
import { type Project, parseLenientJson, type RunNode } from './graphql.ts';

/** Run states after which a run never changes (dr_wandb v3's terminal set). */
export const TERMINAL_STATES = new Set(['finished', 'failed', 'crashed', 'killed']);

const WANDB_INTERNAL_KEYS = new Set(['_wandb', 'wandb_version']);

export interface V3Run {
  run_id: string;
  name: string;
  display_name: string | null;
  entity: string;
  project: string;
  state: string | null;
  created_at: string | null;
  updated_at: string | null;
  heartbeat_at: string | null;
  storage_id: string | null;
  url: string | null;
  path: string[];
  tags: string[];
  group: string | null;
  job_type: string | null;
  sweep_name: string | null;
  user: unknown;
  read_only: boolean | null;
  config: Record<string, unknown>;
  summary_metrics: Record<string, unknown>;
  system_metrics: Record<string, unknown> | null;
  history_keys: Record<string, unknown> | null;
  metadata: Record<string, unknown> | null;
}

export interface V3Snapshot {
  run: V3Run;
  exported_at: string;
}

export interface V3HistoryRow {
  run_id: string;
  step: number | null;
  timestamp: string | null;
  runtime: number | null;
  wandb_metadata: Record<string, unknown>;
  metrics: Record<string, unknown>;
  extra: Record<string, unknown>;
}

function asObject(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') {
    const parsed = value.trim() === '' ? {} : parseLenientJson(value);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  }
  return typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The user config as the SDK's `run.config`: `{value, desc}` unwrapped, internal keys left out. */
export function userConfig(raw: unknown): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(asObject(raw))) {
    if (WANDB_INTERNAL_KEYS.has(key)) continue;
    config[key] =
      value !== null && typeof value === 'object' && !Array.isArray(value) && 'value' in value
        ? (value as { value: unknown }).value
        : value;
  }
  return config;
}

/** The last logged step of a run node (`historyKeys.lastStep`, -1 when it has none: the SDK's default). */
export function lastStepOf(node: RunNode): number {
  const keys = asObject(node.historyKeys);
  return typeof keys.lastStep === 'number' ? keys.lastStep : -1;
}

/** The W&B app URL of a run: api.wandb.ai → wandb.ai; a self-hosted server serves both. */
export function appUrl(baseUrl: string): string {
  return baseUrl.replace('://api.wandb.ai', '://wandb.ai');
}

export function snapshotOf(node: RunNode, project: Project, baseUrl: string, exportedAt: string): V3Snapshot {
  const runId = node.name;
  const systemMetrics = node.systemMetrics == null ? null : asObject(node.systemMetrics);
  const historyKeys = node.historyKeys == null ? null : asObject(node.historyKeys);
  return {
    run: {
      run_id: runId,
      name: node.displayName ?? runId,
      display_name: node.displayName ?? null,
      entity: project.entity,
      project: project.project,
      state: node.state ?? null,
      created_at: node.createdAt ?? null,
      updated_at: null,
      heartbeat_at: node.heartbeatAt ?? null,
      storage_id: node.id ?? null,
      url: `${appUrl(baseUrl)}/${project.entity}/${project.project}/runs/${runId}`,
      path: [project.entity, project.project, runId],
      tags: node.tags ?? [],
      group: node.group ?? null,
      job_type: node.jobType ?? null,
      sweep_name: node.sweepName ?? null,
      user: node.user ?? null,
      read_only: node.readOnly ?? null,
      config: userConfig(node.config),
      summary_metrics: asObject(node.summaryMetrics),
      system_metrics: systemMetrics,
      history_keys: historyKeys,
      metadata: null,
    },
    exported_at: exportedAt,
  };
}

/** Python's `str(float)`: integral floats keep a `.0` (dr_wandb writes `str(_timestamp)`). */
export function pythonFloatText(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const text = String(value);
  return Number.isInteger(value) && !/e/i.test(text) ? `${text}.0` : text;
}

/** One history row of the API (`_step`, `_timestamp`, `_runtime`, `_wandb`, metrics) as a v3 HistoryRow. */
export function historyRowOf(runId: string, row: Record<string, unknown>): V3HistoryRow {
  const metrics: Record<string, unknown> = {};
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key === '_step' || key === '_timestamp' || key === '_runtime' || key === '_wandb') continue;
    if (key.startsWith('_')) extra[key] = value;
    else metrics[key] = value;
  }
  const step = row._step;
  const ts = row._timestamp;
  const runtime = row._runtime;
  return {
    run_id: runId,
    step: typeof step === 'number' ? step : null,
    timestamp: typeof ts === 'number' ? pythonFloatText(ts) : typeof ts === 'string' ? ts : null,
    runtime: typeof runtime === 'number' ? runtime : null,
    wandb_metadata: asObject(row._wandb),
    metrics,
    extra,
  };
}

/** JSON text with NaN/±Infinity as bare tokens, as Python's json.dumps writes them (ingest reads them). */
export function toJsonLine(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      marks.push(splitSpecial(v).special!);
      return `\u0000${marks.length - 1}`;
    }
    return v;
  });
  return marks.length === 0
    ? text
    : text.replace(/"\\u0000(\d+)"/g, (_m, i: string) => marks[Number(i)] ?? 'null');
}
