/**
 * The dr_showntell pickles (upstream-sources.md §4), recognised by content:
 * - `*_modernized_run_data.pkl`: dict {processed_runs, grouped_data, processed_dataframes, metadata}
 *   → showntell_processed_runs, showntell_run_groups, showntell_frame_<run_type>, showntell_metadata;
 * - `combined_plotting_data_matched.pkl`: a DataFrame with run_id + ckpt_params/ckpt_data/ckpt_steps
 *   → finetune_pretrain_matched (+ _values, _curves), keyed to pretrain_checkpoints.
 */
import type { ColumnOf } from '../../src/db/tables.ts';
import { splitSpecial } from '../../src/values.ts';
import type { IngestContext } from '../../src/warehouse.ts';
import { appendCells } from './append.ts';
import { type Column, Frame, LDict, type Lowered, LTuple, UNIT_NS } from './lowered.ts';
import {
  type Cell,
  columnValues,
  frameTable,
  plainJson,
  type TableSpec,
  TimestampMicros,
  tableName,
} from './tabular.ts';

export interface Modernized {
  processedRuns: LDict[];
  groupedData: LDict | null;
  frames: [string, Frame][];
  metadata: LDict | null;
}

export function recognizeModernized(value: Lowered): Modernized | null {
  if (!(value instanceof LDict) || !value.stringKeyed) return null;
  const runs = value.get('processed_runs');
  const frames = value.get('processed_dataframes');
  if (!Array.isArray(runs) || !(frames instanceof LDict) || value.get('metadata') === undefined) return null;
  if (!runs.every((r) => r instanceof LDict)) return null;
  const grouped = value.get('grouped_data');
  const metadata = value.get('metadata');
  return {
    processedRuns: runs as LDict[],
    groupedData: grouped instanceof LDict ? grouped : null,
    frames: frames.entries.filter(
      (e): e is [string, Frame] => typeof e[0] === 'string' && e[1] instanceof Frame,
    ),
    metadata: metadata instanceof LDict ? metadata : null,
  };
}

function text(v: Lowered | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isNaN(v) ? null : String(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  const json = plainJson(v);
  return json === null ? null : typeof json === 'string' ? json : JSON.stringify(json);
}

function num(v: Lowered | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

function timestamp(v: Lowered | undefined): TimestampMicros | null {
  if (v === undefined || v === null || typeof v !== 'object' || !('$' in v)) return null;
  if (v.$ === 'timestamp') return new TimestampMicros(v.ns / 1000n);
  if (v.$ === 'datetime64') return new TimestampMicros((v.value * UNIT_NS[v.unit]) / 1000n);
  if (v.$ === 'datetime' && v.epochMicros !== null) return new TimestampMicros(v.epochMicros);
  return null;
}

function extraJson(record: LDict, known: ReadonlySet<string>): string | null {
  const rest = record.entries.filter(([k]) => !known.has(k as string));
  return rest.length === 0 ? null : JSON.stringify(plainJson(new LDict(rest)));
}

const RUN_TEXT = [
  'exp_name',
  'initial_checkpoint_recipe',
  'initial_checkpoint_size',
  'initial_checkpoint_steps',
  'seed',
  'lr',
  'lr1',
  'lr2',
] as const;
const RUN_NUMBERS = [
  'num_finetune_tokens_per_epoch',
  'num_finetune_epochs',
  'num_finetune_tokens',
  'num_finetuned_tokens_real',
  'abs_difference_ft_tokens_pct',
] as const;
const RUN_TAIL = [
  'comparison_model_size',
  'comparison_metric',
  'comparison_model_recipe',
  'reduce_loss',
] as const;
/** showntell_processed_runs, in the order `writeModernized` builds its rows. */
const PROCESSED_RUN_COLUMNS = [
  'ingest_id',
  'source_row',
  'run_id',
  'run_type',
  'pattern_name',
  'run_timestamp',
  ...RUN_TEXT,
  ...RUN_NUMBERS,
  ...RUN_TAIL,
  'extra',
] as const satisfies readonly ColumnOf<'showntell_processed_runs'>[];
const RUN_GROUP_COLUMNS = [
  'ingest_id',
  'run_type',
  'position',
  'run_id',
  'pattern_name',
  'fields',
] as const satisfies readonly ColumnOf<'showntell_run_groups'>[];
const METADATA_COLUMNS = [
  'ingest_id',
  'total_runs',
  'classified_runs',
  'run_types',
  'extraction_timestamp',
  'extra',
] as const satisfies readonly ColumnOf<'showntell_metadata'>[];
const RUN_KNOWN = new Set<string>([
  'run_id',
  '_run_type',
  'pattern_name',
  'timestamp',
  ...RUN_TEXT,
  ...RUN_NUMBERS,
  ...RUN_TAIL,
]);

export async function writeModernized(
  ctx: IngestContext,
  m: Modernized,
  writeFrame: (name: string, spec: TableSpec, key: string) => Promise<void>,
): Promise<void> {
  const conn = ctx.conn;
  await appendCells(
    conn,
    'showntell_processed_runs',
    m.processedRuns.length,
    (i) => {
      const r = m.processedRuns[i]!;
      return [
        ctx.ingestId,
        i,
        text(r.get('run_id')),
        text(r.get('_run_type')),
        text(r.get('pattern_name')),
        timestamp(r.get('timestamp')),
        ...RUN_TEXT.map((k) => text(r.get(k))),
        ...RUN_NUMBERS.map((k) => num(r.get(k))),
        ...RUN_TAIL.map((k) => text(r.get(k))),
        extraJson(r, RUN_KNOWN),
      ];
    },
    PROCESSED_RUN_COLUMNS,
  );
  const groups: Cell[][] = [];
  for (const [runType, list] of m.groupedData?.entries ?? []) {
    if (!Array.isArray(list)) {
      ctx.warn(`grouped_data.${text(runType)} is not a list: not loaded`);
      continue;
    }
    list.forEach((g, position) => {
      if (!(g instanceof LDict)) return;
      groups.push([
        ctx.ingestId,
        text(runType),
        position,
        text(g.get('run_id')),
        text(g.get('pattern_name')),
        extraJson(g, new Set(['run_id', 'pattern_name'])),
      ]);
    });
  }
  await appendCells(conn, 'showntell_run_groups', groups.length, (i) => groups[i]!, RUN_GROUP_COLUMNS);
  if (m.metadata) {
    const md = m.metadata;
    const types = md.get('run_types');
    const list = Array.isArray(types) ? types : types instanceof LTuple ? types.items : null;
    await appendCells(
      conn,
      'showntell_metadata',
      1,
      () => [
        ctx.ingestId,
        num(md.get('total_runs')),
        num(md.get('classified_runs')),
        list ? list.map((t) => text(t)) : null,
        text(md.get('extraction_timestamp')),
        extraJson(md, new Set(['total_runs', 'classified_runs', 'run_types', 'extraction_timestamp'])),
      ],
      METADATA_COLUMNS,
    );
  }
  for (const [runType, frame] of m.frames) {
    const name = `showntell_frame_${tableName(runType)}`;
    const spec = frameTable(
      frame,
      `dr_showntell processed DataFrame of run type ${runType} (processed_dataframes.${runType} of ${ctx.path}).`,
      (msg) => ctx.warn(`${name}: ${msg}`),
    );
    await writeFrame(name, spec, `processed_dataframes.${runType}`);
  }
}

// ── combined_plotting_data_matched.pkl ──────────────────────────────────────

export interface Matched {
  frame: Frame;
  byName: Map<string, Column>;
}

const MATCH_KEYS = ['run_id', 'ckpt_params', 'ckpt_data', 'ckpt_steps'];

export function recognizeMatched(value: Lowered): Matched | null {
  if (!(value instanceof Frame)) return null;
  const byName = new Map<string, Column>();
  value.labels.forEach((label, i) => {
    if (typeof label === 'string') byName.set(label, value.columns[i]!);
  });
  return MATCH_KEYS.every((k) => byName.has(k)) ? { frame: value, byName } : null;
}

const BASE_TEXT = ['comparison_model_size', 'comparison_metric', 'comparison_model_recipe'] as const;
const BASE_NUMBERS = [
  'ft_tok_per_epoch',
  'ft_epochs',
  'ft_tok',
  'ft_tok_real',
  'abs_difference_ft_tokens_pct',
] as const;
const FT_LISTS = ['ft_steps_list', 'ft_lrs_list', 'ft_toks_list', 'ft_loss_list'] as const;
const GROUP_BASE = [
  'matched_group_name',
  'matched_group_id',
  'matched_group_med_metric',
  'matched_group_avg_metric',
] as const;
/** finetune_pretrain_matched, in the order `writeMatched` builds its rows. */
const MATCHED_COLUMNS = [
  'ingest_id',
  'source_row',
  'run_id',
  'run_timestamp',
  ...BASE_TEXT,
  ...BASE_NUMBERS,
  'ckpt_params',
  'ckpt_data',
  'ckpt_steps',
  'run_seed',
  'params',
  'data',
  'seed',
  'step',
  'ft_steps',
  'ft_lrs',
  'ft_toks',
  'ft_loss',
  ...GROUP_BASE,
] as const satisfies readonly ColumnOf<'finetune_pretrain_matched'>[];
const MATCHED_VALUE_COLUMNS = [
  'ingest_id',
  'run_id',
  'name',
  'family',
  'value',
  'special',
] as const satisfies readonly ColumnOf<'finetune_pretrain_matched_values'>[];
const MATCHED_CURVE_COLUMNS = [
  'ingest_id',
  'run_id',
  'name',
  'curve',
] as const satisfies readonly ColumnOf<'finetune_pretrain_matched_curves'>[];
const BASE_ALL = new Set<string>([
  ...MATCH_KEYS,
  'timestamp',
  'seed',
  ...BASE_TEXT,
  ...BASE_NUMBERS,
  ...FT_LISTS,
  ...GROUP_BASE,
]);

function numberList(v: Lowered | undefined): (number | null)[] | null {
  const items = Array.isArray(v) ? v : v instanceof LTuple ? v.items : null;
  if (!items) return null;
  return items.map((x) => (typeof x === 'number' ? x : typeof x === 'bigint' ? Number(x) : null));
}

/** ckpt_steps as the integer step of the pretraining checkpoint ("6250" or 10000.0). */
export function checkpointStep(v: Lowered | undefined): bigint | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) ? BigInt(n) : null;
}

function stepText(v: Lowered | undefined): string | null {
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  return text(v);
}

function family(name: string): string {
  for (const prefix of ['ft', 'pt', 'delta', 'group'] as const)
    if (name.startsWith(`${prefix}_`)) return prefix;
  return 'other';
}

export async function writeMatched(ctx: IngestContext, m: Matched): Promise<void> {
  const rows = m.frame.rows;
  const values = new Map<string, Lowered[]>();
  const col = (name: string): Lowered[] => {
    let v = values.get(name);
    if (!v) {
      const c = m.byName.get(name);
      v = c ? columnValues(c) : new Array<Lowered>(rows).fill(null);
      values.set(name, v);
    }
    return v;
  };
  const runIds = col('run_id').map((v) => text(v) ?? '');
  await appendCells(
    ctx.conn,
    'finetune_pretrain_matched',
    rows,
    (i) => {
      const steps = col('ckpt_steps')[i];
      return [
        ctx.ingestId,
        i,
        runIds[i]!,
        timestamp(col('timestamp')[i]),
        ...BASE_TEXT.map((k) => text(col(k)[i])),
        ...BASE_NUMBERS.map((k) => num(col(k)[i])),
        text(col('ckpt_params')[i]),
        text(col('ckpt_data')[i]),
        stepText(steps),
        text(col('seed')[i]),
        text(col('ckpt_params')[i]),
        text(col('ckpt_data')[i]),
        0,
        checkpointStep(steps),
        ...FT_LISTS.map((k) => numberList(col(k)[i])),
        text(col('matched_group_name')[i]),
        num(col('matched_group_id')[i]),
        num(col('matched_group_med_metric')[i]),
        num(col('matched_group_avg_metric')[i]),
      ];
    },
    MATCHED_COLUMNS,
  );
  const scalarRows: Cell[][] = [];
  const curveRows: Cell[][] = [];
  const skipped = new Set<string>();
  for (const label of m.frame.labels) {
    if (typeof label !== 'string' || BASE_ALL.has(label)) continue;
    const cells = col(label);
    const isCurve = label.endsWith('_list');
    for (let i = 0; i < rows; i++) {
      const v = cells[i]!;
      if (v === null || (typeof v === 'object' && '$' in v && (v.$ === 'na' || v.$ === 'nat'))) continue;
      if (isCurve) {
        const list = numberList(v);
        if (list) curveRows.push([ctx.ingestId, runIds[i]!, label.slice(0, -'_list'.length), list]);
        else skipped.add(label);
      } else if (typeof v === 'number') {
        const { special } = splitSpecial(v);
        scalarRows.push([ctx.ingestId, runIds[i]!, label, family(label), special ? null : v, special]);
      } else if (typeof v === 'bigint') {
        scalarRows.push([ctx.ingestId, runIds[i]!, label, family(label), Number(v), null]);
      } else skipped.add(label);
    }
  }
  if (skipped.size > 0) {
    const list = [...skipped];
    ctx.warn(
      `non-numeric values not loaded from columns: ${list.slice(0, 8).join(', ')}${list.length > 8 ? ', …' : ''}`,
    );
  }
  await appendCells(
    ctx.conn,
    'finetune_pretrain_matched_values',
    scalarRows.length,
    (i) => scalarRows[i]!,
    MATCHED_VALUE_COLUMNS,
  );
  await appendCells(
    ctx.conn,
    'finetune_pretrain_matched_curves',
    curveRows.length,
    (i) => curveRows[i]!,
    MATCHED_CURVE_COLUMNS,
  );
}
