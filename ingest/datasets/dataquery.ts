/**
 * DataQuery: the seed's query utility (`nexa_data/data_analysis/query_data.py`), typed, over the datasets
 * registry. Records come from the `datasets` table; rows are read by DuckDB from the files themselves.
 *
 *   const q = new DataQuery(wh);
 *   const teacher = await q.getTeacherInputs({ version: 'v1' });
 *   const all = await q.listAvailableDatasets({ stage: 'processed' });
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Selectable } from 'kysely';
import type { Datasets } from '../../src/db/schema.ts';
import { MlduckError } from '../../src/errors.ts';
import type { Row, Warehouse } from '../../src/warehouse.ts';
import type { DataFormat } from './classify.ts';
import { assertJsonDepth, readerSql } from './inspect.ts';

export interface DatasetRecord {
  path: string;
  stage: string;
  area: string | null;
  category: string | null;
  dataset: string | null;
  purpose: string;
  version: string | null;
  /** Sorts versions of one purpose oldest → newest. */
  versionKey: string | null;
  split: string | null;
  format: DataFormat;
  layout: string;
  bytes: number;
  rows: number | null;
  sha256: string | null;
  status: string;
  manifestPath: string | null;
  manifestStatus: string;
  tokenizedSplit: string | null;
}

export interface DatasetFilter {
  stage?: string;
  category?: string;
  purpose?: string;
  dataset?: string;
  version?: string;
  /** Include files gone since their scan (default false). */
  includeVanished?: boolean;
}

export interface ReadOptions {
  /** At most this many rows. */
  limit?: number;
  /** Only these columns. */
  columns?: readonly string[];
}

/** A `datasets` row as read (`SELECT *`): the generated table type. */
type RawRecord = Selectable<Datasets>;

function toRecord(r: RawRecord): DatasetRecord {
  return {
    path: r.path,
    stage: r.stage,
    area: r.area,
    category: r.category,
    dataset: r.dataset,
    purpose: r.purpose,
    version: r.version,
    versionKey: r.version_key,
    split: r.split,
    format: r.format as DataFormat,
    layout: r.layout,
    bytes: Number(r.bytes),
    rows: r.rows === null ? null : Number(r.rows),
    sha256: r.sha256,
    status: r.status,
    manifestPath: r.manifest_path,
    manifestStatus: r.manifest_status,
    tokenizedSplit: r.tokenized_split,
  };
}

/** Processed data wins over interim over raw when several stages hold the same purpose. */
const STAGE_ORDER = ['processed', 'features', 'interim', 'raw'];
const stageRank = (stage: string): number => {
  const i = STAGE_ORDER.indexOf(stage);
  return i < 0 ? STAGE_ORDER.length : i;
};

export class DataQuery {
  readonly wh: Warehouse;
  /** Relative registry paths are resolved against this folder (the scan's working directory). */
  readonly baseDir: string;

  constructor(wh: Warehouse, options: { baseDir?: string } = {}) {
    this.wh = wh;
    this.baseDir = options.baseDir ?? process.cwd();
  }

  /** Every registered dataset file matching the filter, ordered by stage, category, purpose, version. */
  async listAvailableDatasets(filter: DatasetFilter = {}): Promise<DatasetRecord[]> {
    const where: string[] = [];
    const params: Record<string, string> = {};
    for (const key of ['stage', 'category', 'purpose', 'dataset', 'version'] as const) {
      const value = filter[key];
      if (value !== undefined) {
        where.push(`${key} = $${key}`);
        params[key] = value;
      }
    }
    if (!filter.includeVanished) where.push("status <> 'vanished'");
    const rows = await this.wh.all<RawRecord & Row>(
      `SELECT * FROM datasets ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY stage, category NULLS FIRST, dataset NULLS FIRST, purpose, version_key NULLS FIRST, path`,
      params,
    );
    return rows.map(toRecord);
  }

  /**
   * The files of one purpose at one version (the latest when omitted): several for tokenized splits and
   * sharded data, otherwise one. Throws when nothing matches or two files conflict.
   */
  async getDatasetFiles(
    purpose: string,
    version?: string,
    filter: Omit<DatasetFilter, 'purpose' | 'version'> = {},
  ): Promise<DatasetRecord[]> {
    const candidates = (await this.listAvailableDatasets({ ...filter, purpose })).filter(
      (r) => r.status === 'present' && (version === undefined || r.version === version),
    );
    if (candidates.length === 0) {
      const versions = (await this.listAvailableDatasets({ purpose })).map(
        (r) => r.version ?? '(unversioned)',
      );
      throw new MlduckError(
        `no dataset with purpose ${purpose}${version ? ` and version ${version}` : ''} is registered`,
        {
          kind: 'input',
          hint: versions.length
            ? `registered versions: ${[...new Set(versions)].join(', ')}`
            : 'run `mlduck datasets scan` first, or check `mlduck datasets list`',
        },
      );
    }
    const best = [...candidates].sort((a, b) => {
      if (stageRank(a.stage) !== stageRank(b.stage)) return stageRank(a.stage) - stageRank(b.stage);
      return (b.versionKey ?? '').localeCompare(a.versionKey ?? '');
    })[0]!;
    const chosen = candidates.filter(
      (c) => c.stage === best.stage && c.version === best.version && c.dataset === best.dataset,
    );
    const formats = new Set(chosen.map((c) => c.format));
    if (
      chosen.length > 1 &&
      chosen.every((c) => c.tokenizedSplit === null) &&
      (formats.size > 1 || best.version !== null)
    ) {
      throw new MlduckError(
        `${purpose} ${best.version ?? ''} is claimed by several files: ${chosen.map((c) => c.path).join(', ')}`,
        {
          kind: 'input',
          hint: 'keep one file per purpose and version, or pass a stage/category/dataset filter',
        },
      );
    }
    return chosen;
  }

  /** The path of the dataset file (latest version when omitted), resolved against baseDir. */
  async getDatasetPath(
    purpose: string,
    version?: string,
    filter: Omit<DatasetFilter, 'purpose' | 'version'> = {},
  ): Promise<string> {
    const files = await this.getDatasetFiles(purpose, version, filter);
    return this.absolute(files[0]!.path);
  }

  /** The SQL `read_…(…)` expression that reads the dataset, for composing queries. */
  async readSql(
    purpose: string,
    version?: string,
    filter: Omit<DatasetFilter, 'purpose' | 'version'> = {},
  ): Promise<string> {
    const files = await this.getDatasetFiles(purpose, version, filter);
    const format = files[0]!.format;
    const paths = files.map((f) => this.absolute(f.path));
    for (const path of paths) assertJsonDepth(path, format, path);
    return readerSql(paths.length === 1 ? paths[0]! : paths, format);
  }

  /** The rows of a dataset (latest version when omitted), read by DuckDB (read_parquet / read_json / read_csv). */
  async getDataset<T extends Row = Row>(
    purpose: string,
    version?: string,
    options: ReadOptions & Omit<DatasetFilter, 'purpose' | 'version'> = {},
  ): Promise<T[]> {
    const { limit, columns, ...filter } = options;
    const from = await this.readSql(purpose, version, filter);
    const select = columns?.length ? columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(', ') : '*';
    return this.wh.all<T>(
      `SELECT ${select} FROM ${from}${limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(limit))}` : ''}`,
    );
  }

  /** The seed's `get_teacher_inputs(version=…)`: processed/distillation/teacher_inputs rows. */
  async getTeacherInputs<T extends Row = Row>(
    options: { version?: string } & ReadOptions = {},
  ): Promise<T[]> {
    const { version, ...read } = options;
    return this.getDataset<T>('teacher_inputs', version, { ...read, stage: 'processed' });
  }

  private absolute(path: string): string {
    const abs = resolve(this.baseDir, path);
    if (!existsSync(abs)) {
      throw new MlduckError('registered file not found', {
        file: abs,
        hint: 'run from the folder the scan ran in (or pass baseDir), or re-scan with `mlduck datasets scan`',
      });
    }
    return abs;
  }
}
