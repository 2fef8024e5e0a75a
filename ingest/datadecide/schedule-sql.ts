/** The LR schedule module applied to a whole file: compute per distinct (params, step), compare in SQL. */
import type { IngestContext } from '../../src/warehouse.ts';
import { SCHEDULE_COLUMNS } from './columns.ts';
import { ScheduleCalculator } from './schedule.ts';
import { createTempTable, dropTemp, examples, rowsOf } from './source.ts';

/** Relative tolerance for the schedule check (the issue's 1e-6). */
export const SCHEDULE_TOLERANCE = 1e-6;

export interface ScheduleTable {
  /** Temp table (params, step, total_steps, warmup_steps, lr_max, batch_size, lr_at_step, cumulative_lr). */
  table: string;
  drop(): Promise<void>;
}

/** Computes the schedule for every (params, step) the query returns, into a temp table. */
export async function loadScheduleTable(
  ctx: IngestContext,
  distinctParamsSteps: string,
): Promise<ScheduleTable> {
  const pairs = await rowsOf<{ params: string; step: bigint }>(
    ctx.conn,
    distinctParamsSteps,
    ctx.path,
    'reading checkpoint steps',
  );
  const calculator = new ScheduleCalculator();
  const unknown = new Set<string>();
  const rows: unknown[][] = [];
  for (const { params, step } of pairs) {
    const row = calculator.row(params, Number(step));
    if (!row) {
      unknown.add(params);
      continue;
    }
    rows.push([
      params,
      step,
      row.totalSteps,
      row.warmupSteps,
      row.lrMax,
      row.batchSize,
      row.lrAtStep,
      row.cumulativeLr,
    ]);
  }
  if (unknown.size > 0) {
    ctx.warn(
      `params ${[...unknown].sort().join(', ')} not a DataDecide model size: schedule columns neither computed nor checked`,
    );
  }
  const table = `datadecide_schedule_${ctx.ingestId}`;
  await createTempTable(
    ctx.conn,
    table,
    'params VARCHAR, step BIGINT, total_steps BIGINT, warmup_steps BIGINT, lr_max DOUBLE, batch_size BIGINT, lr_at_step DOUBLE, cumulative_lr DOUBLE',
    rows,
  );
  return { table, drop: () => dropTemp(ctx.conn, table) };
}

/** Warns about checkpoints of this ingest whose schedule columns from the file disagree with the formulas. */
export async function reportScheduleDisagreements(
  ctx: IngestContext,
  scheduleTable: string,
  present: ReadonlySet<string>,
): Promise<void> {
  const checked = SCHEDULE_COLUMNS.filter((c) => present.has(c.name)).map((c) => c.name);
  if (checked.length === 0) return;
  const differs = (c: string) =>
    `(ck.${c} IS NOT NULL AND abs(ck.${c} - sc.${c}) > ${SCHEDULE_TOLERANCE} * greatest(abs(ck.${c}), abs(sc.${c})))`;
  const rows = await rowsOf<{ source_row: bigint; params: string; step: bigint; bad: string[]; n: bigint }>(
    ctx.conn,
    `SELECT ck.source_row, ck.params, ck.step, count(*) OVER () AS n,
       list_filter([${checked
         .map(
           (c) =>
             `CASE WHEN ${differs(c)} THEN '${c} ' || ck.${c}::VARCHAR || ' (computed ' || sc.${c}::VARCHAR || ')' END`,
         )
         .join(', ')}], x -> x IS NOT NULL) AS bad
     FROM pretrain_checkpoints ck JOIN ${scheduleTable} sc ON sc.params = ck.params AND sc.step = ck.step
     WHERE ck.ingest_id = ${ctx.ingestId} AND (${checked.map(differs).join(' OR ')})
     ORDER BY ck.source_row LIMIT 5`,
    ctx.path,
    'checking the schedule columns',
  );
  const first = rows[0];
  if (!first) return;
  ctx.warn(
    `${first.n} row(s) disagree with the DataDecide LR schedule beyond ${SCHEDULE_TOLERANCE} relative: ${examples(
      rows.map((r) => `row ${r.source_row} (${r.params} step ${r.step}): ${r.bad.join(', ')}`),
      Number(first.n),
    )}`,
  );
}
