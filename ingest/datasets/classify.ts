/**
 * Pure classification of a data file by where it sits and how it is named: the layouts of the four seed
 * documents (data-organization, mlops-data-stages, managing-data, data-pipeline-quickstart) and the
 * `{purpose}_{version}.{ext}` naming convention. No I/O here: the scanner passes the path segments.
 */

export const DATA_FORMATS = ['parquet', 'jsonl', 'json', 'csv', 'pkl'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

/** The stages of mlops-data-stages.md (data/<stage>/). */
export const STAGES = [
  'raw',
  'interim',
  'processed',
  'features',
  'validation',
  'predictions',
  'monitoring',
] as const;

/** The processed sub-areas of data-organization.md (data/processed/<category>/<area>/). */
export const PROCESSED_CATEGORIES = ['distillation', 'training', 'evaluation', 'raw_summary'] as const;

/** The sub-folders of a dataset folder in managing-data.md (mydataset/<part>/). */
export const DATASET_FOLDER_PARTS = ['raw', 'processed', 'versions', 'metadata'] as const;

/** The top-level folder of the quickstart's curriculum downloads (data/distillation/<category>/). */
export const CURRICULUM_FOLDER = 'distillation';

export const SPLIT_NAMES = ['train', 'val', 'validation', 'test', 'dev'] as const;

export type Layout =
  | 'stages'
  | 'processed-areas'
  | 'dataset-folder'
  | 'curriculum'
  | 'tokenized'
  | 'unclassified';

export type VersionKind = 'semantic' | 'run' | 'date';

export interface ParsedVersion {
  version: string;
  kind: VersionKind;
  /** Sorts versions of one purpose oldest → newest. */
  key: string;
  /** The time run/date versions name (UTC). */
  at: Date | null;
}

export interface ParsedName {
  purpose: string;
  version: ParsedVersion | null;
  format: DataFormat | null;
}

export interface Classification {
  layout: Layout;
  stage: string;
  area: string | null;
  category: string | null;
  dataset: string | null;
  purpose: string;
  version: ParsedVersion | null;
  split: string | null;
  format: DataFormat | null;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `v2` / `v2.1` → a semantic version; anything else → null. */
export function parseSemanticVersion(text: string): ParsedVersion | null {
  const m = /^v(\d+)(?:\.(\d+))?$/i.exec(text);
  if (!m) return null;
  const major = Number(m[1]);
  // v2 sorts before its splits v2.1, v2.2 (managing-data: vx.1, vx.2 are splits within version x).
  const minor = m[2] === undefined ? 0 : Number(m[2]) + 1;
  return { version: text, kind: 'semantic', key: `v${pad(major, 6)}.${pad(minor, 6)}`, at: null };
}

function validDate(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Date | null {
  if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59)
    return null;
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return date.getUTCDate() === d ? date : null;
}

function timeKey(date: Date): string {
  return `t${date.toISOString().replace(/[-:T.Z]/g, '')}`;
}

/** The extension that decides the format (`.PARQUET` too); null for anything else. */
export function formatOf(fileName: string): DataFormat | null {
  const dot = fileName.lastIndexOf('.');
  if (dot <= 0) return null;
  const ext = fileName.slice(dot + 1).toLowerCase();
  return (DATA_FORMATS as readonly string[]).includes(ext) ? (ext as DataFormat) : null;
}

/**
 * `{purpose}_{version}.{ext}`: `teacher_inputs_v1.parquet` → teacher_inputs / v1,
 * `predictions_run_20251103_143022.parquet` → predictions / run_20251103_143022,
 * `input_stats_2025_10_21.json` → input_stats / 2025_10_21, `train.parquet` → train / none.
 */
export function parseFileName(fileName: string): ParsedName {
  const format = formatOf(fileName);
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;

  const run = /^(.+)_(run_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2}))$/.exec(stem);
  if (run) {
    const at = validDate(
      Number(run[3]),
      Number(run[4]),
      Number(run[5]),
      Number(run[6]),
      Number(run[7]),
      Number(run[8]),
    );
    if (at)
      return { purpose: run[1]!, version: { version: run[2]!, kind: 'run', key: timeKey(at), at }, format };
  }
  const semantic = /^(.+)_(v\d+(?:\.\d+)?)$/i.exec(stem);
  if (semantic) return { purpose: semantic[1]!, version: parseSemanticVersion(semantic[2]!), format };
  const date = /^(.+?)_((\d{4})_?(\d{2})_?(\d{2}))$/.exec(stem);
  if (date) {
    const at = validDate(Number(date[3]), Number(date[4]), Number(date[5]));
    if (at)
      return {
        purpose: date[1]!,
        version: { version: date[2]!, kind: 'date', key: timeKey(at), at },
        format,
      };
  }
  return { purpose: stem, version: null, format };
}

function splitOf(name: string): string | null {
  const lower = name.toLowerCase();
  return (SPLIT_NAMES as readonly string[]).includes(lower) ? lower : null;
}

const isStage = (s: string | undefined): boolean =>
  s !== undefined && (STAGES as readonly string[]).includes(s);

/** What the scanner knows about the scanned root beyond the relative path. */
export interface ClassifyContext {
  /** The file is a shard of a tokenized output (a folder with a tokenize manifest.json). */
  tokenized?: {
    /** Segments of the output folder relative to the data root (may be empty when the root is it). */
    outputDir: readonly string[];
    /** The output folder's own name (when outputDir is empty: the root's name). */
    outputName: string;
    split: string;
    /** The split's single by_category category, when its stats name exactly one. */
    category: string | null;
  };
  /** The root itself is a managing-data dataset folder (it has versions/ or metadata/): its name. */
  datasetFolder?: string;
  /** Top-level folders of the root that are dataset folders (they have versions/ or metadata/). */
  datasetFolders?: readonly string[];
}

/**
 * Classifies a file from its path segments relative to the data root (the last segment is the file name).
 * Segments of keyword-named ancestors of the root (e.g. `processed` when scanning `data/processed`) are
 * expected to be prepended by the caller; see `rootPrefix`.
 */
export function classifyPath(segments: readonly string[], context: ClassifyContext = {}): Classification {
  const fileName = segments[segments.length - 1] ?? '';
  const dirs = segments.slice(0, -1);
  const name = parseFileName(fileName);
  const base: Classification = {
    layout: 'unclassified',
    stage: 'unclassified',
    area: dirs.length > 0 ? dirs.join('/') : null,
    category: null,
    dataset: null,
    purpose: name.purpose,
    version: name.version,
    split: splitOf(name.purpose),
    format: name.format,
  };

  if (context.tokenized) {
    const t = context.tokenized;
    const stageIndex = t.outputDir.findIndex(isStage);
    return {
      ...base,
      layout: 'tokenized',
      stage: stageIndex >= 0 ? t.outputDir[stageIndex]! : 'processed',
      area: 'tokenized',
      category: t.category,
      dataset: t.outputDir.length > 0 ? t.outputDir[t.outputDir.length - 1]! : t.outputName,
      purpose: t.split,
      version: null,
      split: null,
    };
  }

  // managing-data: <dataset>/{raw,processed,versions,metadata}/…, or the root is the dataset folder.
  const datasetFolder = (() => {
    if (
      context.datasetFolder !== undefined &&
      dirs[0] !== undefined &&
      (DATASET_FOLDER_PARTS as readonly string[]).includes(dirs[0])
    )
      return { dataset: context.datasetFolder, rest: dirs };
    const versionsAt = dirs.indexOf('versions');
    if (versionsAt >= 1 && !isStage(dirs[0]))
      return { dataset: dirs[versionsAt - 1]!, rest: dirs.slice(versionsAt) };
    if (
      dirs.length >= 2 &&
      !isStage(dirs[0]) &&
      dirs[0] !== CURRICULUM_FOLDER &&
      (dirs[1] === 'versions' ||
        dirs[1] === 'metadata' ||
        (context.datasetFolders?.includes(dirs[0]!) === true &&
          (DATASET_FOLDER_PARTS as readonly string[]).includes(dirs[1]!)))
    )
      return { dataset: dirs[0]!, rest: dirs.slice(1) };
    return null;
  })();
  if (datasetFolder) {
    const [part, sub] = datasetFolder.rest;
    const result: Classification = { ...base, layout: 'dataset-folder', dataset: datasetFolder.dataset };
    if (part === 'versions') {
      const folderVersion = sub === undefined ? null : parseSemanticVersion(sub);
      return {
        ...result,
        stage: 'processed',
        area: datasetFolder.rest.join('/'),
        version: name.version ?? folderVersion,
        split: splitOf(name.purpose),
      };
    }
    return {
      ...result,
      stage: part === 'metadata' ? 'metadata' : part!,
      area: datasetFolder.rest.length > 1 ? datasetFolder.rest.slice(1).join('/') : null,
    };
  }

  const [top, second, third] = dirs;
  if (top !== undefined && isStage(top)) {
    if (top === 'processed' && second !== undefined) {
      const known = (PROCESSED_CATEGORIES as readonly string[]).includes(second);
      return {
        ...base,
        layout: known ? 'processed-areas' : 'stages',
        stage: 'processed',
        area: dirs.slice(1).join('/'),
        category: second,
        split: (second === 'training' && third !== undefined ? splitOf(third) : null) ?? base.split,
      };
    }
    return {
      ...base,
      layout: 'stages',
      stage: top,
      area: dirs.length > 1 ? dirs.slice(1).join('/') : null,
    };
  }

  // quickstart: data/distillation/<category>/<name>.jsonl (curriculum downloads, before tokenization).
  if (top === CURRICULUM_FOLDER) {
    return {
      ...base,
      layout: 'curriculum',
      stage: 'raw',
      area: CURRICULUM_FOLDER,
      category: second ?? null,
    };
  }
  return base;
}

const ROOT_KEYWORDS: ReadonlySet<string> = new Set<string>([
  ...STAGES,
  ...PROCESSED_CATEGORIES,
  'versions',
  'metadata',
  'train',
  'val',
  'test',
  'predictions',
  'metrics',
  'reports',
  'statistics',
  'teacher_inputs',
  'teacher_outputs',
  'filtered',
  'sft_datasets',
]);

/**
 * Segments to prepend when the scan root is itself inside a layout, e.g. `data/processed/distillation`
 * → [processed, distillation]: the keyword-named tail of the root path (at most 3 names).
 */
export function rootPrefix(rootSegments: readonly string[]): string[] {
  const prefix: string[] = [];
  for (let i = rootSegments.length - 1; i >= 0 && prefix.length < 3; i--) {
    const segment = rootSegments[i]!;
    if (!ROOT_KEYWORDS.has(segment)) break;
    prefix.unshift(segment);
  }
  // A lone `distillation` is the quickstart curriculum folder unless it sits under processed/.
  return prefix;
}
