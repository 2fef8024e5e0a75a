// Any query, drawn: --x, --y and optional --color/--facet columns of the query, --mark line|point|bar|area.
import type { TopLevelSpec } from 'vega-lite';
import { MlduckError, oneLineDuckDBMessage } from '../../src/errors.ts';
import {
  type Chart,
  type ChartDefinition,
  rejectFilters,
  selectRows,
  VEGA_LITE_SCHEMA,
  whereCondition,
} from '../chart.ts';
import { CHART_CONFIG } from '../style.ts';

type FieldType = 'quantitative' | 'temporal' | 'nominal';

function fieldType(duckType: string): FieldType {
  if (
    /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL)/.test(
      duckType,
    )
  )
    return 'quantitative';
  if (/^(DATE|TIMESTAMP|TIME)/.test(duckType)) return 'temporal';
  return 'nominal';
}

export const sqlChart: ChartDefinition = {
  name: 'sql',
  description: 'any query: --sql, --x, --y, optional --color and --facet, --mark line|point|bar|area',
  sources: [],
  inReport: false,

  async build(wh, options): Promise<Chart> {
    rejectFilters('sql', options, ['data', 'params', 'task', 'metric', 'run']);
    const sql = options.sql?.trim().replace(/;\s*$/, '');
    if (!sql || !options.x || !options.y) {
      throw new MlduckError('the sql chart needs --sql, --x and --y', {
        kind: 'usage',
        hint: `e.g. mlduck plot sql --sql "SELECT step, value FROM …" --x step --y value --out chart.svg`,
      });
    }
    let described: { column_name: string; column_type: string }[];
    try {
      described = await wh.all(`DESCRIBE SELECT * FROM (${sql}) AS q`);
    } catch (error) {
      throw new MlduckError(
        `--sql: ${oneLineDuckDBMessage(error instanceof Error ? error.message : String(error))}`,
        {
          kind: 'input',
          cause: error,
        },
      );
    }
    const types = new Map(described.map((c) => [c.column_name, fieldType(c.column_type)]));
    const column = (flag: string, name: string | undefined) => {
      if (name === undefined) return undefined;
      const type = types.get(name);
      if (!type) {
        throw new MlduckError(`${flag} ${name} is not a column of the query`, {
          kind: 'input',
          hint: `its columns are ${[...types.keys()].join(', ')}`,
        });
      }
      return { field: name, type, title: name };
    };
    const x = column('--x', options.x)!;
    const y = column('--y', options.y)!;
    const color = column('--color', options.color);
    const facet = column('--facet', options.facet);
    const rows = await selectRows(wh, 'sql', sql, whereCondition(options.where));
    const mark = options.mark ?? 'line';
    const encoding: Record<string, unknown> = {
      x: mark === 'bar' && x.type === 'quantitative' ? { ...x, type: 'ordinal' } : x,
      y,
      tooltip: [...types.keys()].map((field) => ({ field })),
    };
    if (color) encoding['color'] = color;
    const unit = {
      mark: { type: mark, ...(mark === 'line' ? { point: rows.length <= 200 } : {}) },
      encoding,
    };
    const spec = (facet
      ? {
          $schema: VEGA_LITE_SCHEMA,
          data: { values: rows },
          facet: { field: facet.field, type: 'nominal', title: facet.title },
          columns: 3,
          spec: { width: 260, height: 180, ...unit },
          config: CHART_CONFIG,
        }
      : {
          $schema: VEGA_LITE_SCHEMA,
          data: { values: rows },
          width: 480,
          height: 300,
          ...unit,
          config: CHART_CONFIG,
        }) as unknown as TopLevelSpec;
    return {
      spec,
      rows,
      summary: `sql: ${rows.length} rows as ${mark} marks, ${options.y} vs ${options.x}${color ? ` by ${color.field}` : ''}${facet ? `, a panel per ${facet.field}` : ''}`,
    };
  },
};
