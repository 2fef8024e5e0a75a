/**
 * `mlduck datasets scan`: walks a data/ tree, classifies every artifact, reads rows and schema through
 * DuckDB (metadata only), hashes what changed, checks manifests, and replaces the registry rows under
 * the root in ONE transaction that is also one `ingest_log` row (kind `datasets`, path = the root).
 * A scan is its own ingest because the registry is a view of a folder, not of one input file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { type ColumnOf, cellsOf, TABLE_COLUMNS, type TableRow } from '../../src/db/tables.ts';
import { errorMessage, MlduckError } from '../../src/errors.ts';
import { sha256File } from '../../src/hash.ts';
import { appendRows } from '../../src/load.ts';
import { recordedPath } from '../../src/paths.ts';
import { sqlString } from '../../src/sql.ts';
import { walkInputs } from '../../src/walk.ts';
import type { IngestReport, Warehouse } from '../../src/warehouse.ts';
import { type ClassifyContext, classifyPath, formatOf, rootPrefix } from './classify.ts';
import { type ColumnInfo, inspectFile } from './inspect.ts';
import { looksLikeManifest, type ParsedManifest, parseManifest } from './manifests.ts';

export const SCAN_KIND = 'datasets';
/** Bumped when what a scan records changes: an older fingerprint then never skips a re-scan. */
const SCAN_FORMAT = 1;

export interface ScanOptions {
  /** Re-scan even when no file changed size or mtime; re-hash every file. */
  force?: boolean;
  now?: Date;
}

export interface ScanIssue {
  path: string;
  message: string;
}

export interface ScanSummary {
  root: string;
  files: number;
  added: number;
  changed: number;
  unchanged: number;
  vanished: number;
  hashed: number;
  manifests: number;
  problems: ScanIssue[];
  drift: ScanIssue[];
  conflicts: ScanIssue[];
}

export interface ScanResult {
  report: IngestReport;
  summary: ScanSummary;
}

interface FoundFile {
  absolutePath: string;
  rel: string[];
  bytes: number;
  mtime: Date;
}

interface PreviousRow {
  ingest_id: bigint;
  path: string;
  bytes: bigint;
  modified_at: Date;
  rows: bigint | null;
  column_count: number | null;
  schema: string | null;
  sha256: string | null;
  hashed_at: Date | null;
  status: string;
  problem: string | null;
  first_seen_at: Date;
  changed_at: Date;
  vanished_at: Date | null;
  [key: string]: unknown;
}

/** A datasets row as the scan builds it: the generated table type, less the ingest_id the write adds. */
type DatasetRow = Omit<TableRow<'datasets'>, 'ingest_id'>;

/** The columns of a datasets row (the generated list, less ingest_id). */
const DATASET_COLUMNS = TABLE_COLUMNS.datasets.filter(
  (c): c is Exclude<ColumnOf<'datasets'>, 'ingest_id'> => c !== 'ingest_id',
);

/** The files under the data root (src/walk.ts), hidden ones left out; what cannot be read is a problem. */
function walk(root: string, problems: ScanIssue[]): FoundFile[] {
  const found: FoundFile[] = [];
  const inputs = walkInputs([root], {
    accept: () => true,
    skip: (name) => name.startsWith('.') || name === 'node_modules',
    // A link to a folder could lead out of the data root: the registry describes the root only.
    followDirectoryLinks: false,
    allowEmpty: true,
    expected: 'files',
    onUnreadable: (path, error) => {
      const what =
        (error as NodeJS.ErrnoException).syscall === 'scandir' ? 'cannot list folder' : 'cannot stat';
      problems.push({ path: recordedPath(path), message: `${what}: ${errorMessage(error)}` });
    },
  });
  for (const { path: absolutePath } of inputs) {
    try {
      const stat = statSync(absolutePath);
      found.push({
        absolutePath,
        rel: relative(root, absolutePath).split(sep),
        bytes: stat.size,
        mtime: stat.mtime,
      });
    } catch (error) {
      problems.push({ path: recordedPath(absolutePath), message: `cannot stat: ${errorMessage(error)}` });
    }
  }
  return found;
}

const toNumber = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function readJson(path: string): Record<string, unknown> | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const firstNumber = (json: Record<string, unknown>, keys: readonly string[]): number | null => {
  for (const key of keys) {
    const v = json[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return null;
};

/** What a scan works on, step after step. */
interface ScanState {
  wh: Warehouse;
  options: ScanOptions;
  now: Date;
  rootAbs: string;
  rootRecorded: string;
  summary: ScanSummary;
  files: FoundFile[];
  previous: Map<string, PreviousRow>;
  previousManifests: { ingest_id: bigint; path: string }[];
  previousStats: { ingest_id: bigint; source_path: string }[];
  fingerprint: string;
  totalBytes: number;
  manifests: { file: FoundFile; parsed: ParsedManifest }[];
  tokenizedSplitOf: Map<
    string,
    { manifest: FoundFile; split: ParsedManifest & { kind: 'tokenized' }; name: string }
  >;
  rows: DatasetRow[];
  byAbs: Map<string, DatasetRow>;
  curriculumCategory: Map<string, string>;
  manifestRows: Omit<TableRow<'datasets_manifests'>, 'ingest_id'>[];
  statsRows: Omit<TableRow<'datasets_category_stats'>, 'ingest_id'>[];
}

/** Scans `root` and replaces its registry rows. Per-file problems are reported, never thrown. */
export async function scanDatasets(
  wh: Warehouse,
  root: string,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const state = await walkRoot(wh, root, options);
  const skipped = await unchangedSinceLastScan(state);
  if (skipped) return skipped;
  findManifests(state);
  await classifyAndInspect(state);
  checkManifests(state);
  curriculumStats(state);
  flagConflicts(state);
  keepVanished(state);
  return writeScan(state);
}

/** Walk: the files under the root, and the registry rows already under it. */
async function walkRoot(wh: Warehouse, root: string, options: ScanOptions): Promise<ScanState> {
  const now = options.now ?? new Date();
  const rootAbs = resolve(root);
  if (!existsSync(rootAbs) || !statSync(rootAbs).isDirectory()) {
    throw new MlduckError('no such data folder', {
      file: root,
      kind: 'usage',
      hint: 'pass the data/ folder to scan (default ./data)',
    });
  }
  const rootRecorded = recordedPath(rootAbs);
  const summary: ScanSummary = {
    root: rootRecorded,
    files: 0,
    added: 0,
    changed: 0,
    unchanged: 0,
    vanished: 0,
    hashed: 0,
    manifests: 0,
    problems: [],
    drift: [],
    conflicts: [],
  };
  const files = walk(rootAbs, summary.problems);
  // Previous rows under this root (by absolute path, so a scan from another folder still matches).
  const inScope = (abs: string): boolean => isInScope(rootAbs, abs);
  const previous = new Map<string, PreviousRow>();
  for (const row of await wh.all<PreviousRow>('SELECT * FROM datasets')) {
    const abs = resolve(row.path);
    if (inScope(abs)) previous.set(abs, row);
  }
  const previousManifests = (
    await wh.all<{ ingest_id: bigint; path: string }>('SELECT ingest_id, path FROM datasets_manifests')
  ).filter((r) => inScope(resolve(r.path)));
  const previousStats = (
    await wh.all<{ ingest_id: bigint; source_path: string }>(
      'SELECT ingest_id, source_path FROM datasets_category_stats',
    )
  ).filter((r) => inScope(resolve(r.source_path)));
  const fingerprint = createHash('sha256')
    .update(`mlduck datasets scan ${SCAN_FORMAT}\n`)
    .update(files.map((f) => `${f.rel.join('/')}\t${f.bytes}\t${f.mtime.getTime()}`).join('\n'))
    .digest('hex');
  return {
    wh,
    options,
    now,
    rootAbs,
    rootRecorded,
    summary,
    files,
    previous,
    previousManifests,
    previousStats,
    fingerprint,
    totalBytes: files.reduce((a, f) => a + f.bytes, 0),
    manifests: [],
    tokenizedSplitOf: new Map(),
    rows: [],
    byAbs: new Map(),
    curriculumCategory: new Map(),
    manifestRows: [],
    statsRows: [],
  };
}

const isInScope = (rootAbs: string, abs: string): boolean => abs === rootAbs || abs.startsWith(rootAbs + sep);

/** Fingerprint: nothing changed size or mtime since the last scan of this root that still owns its rows. */
async function unchangedSinceLastScan(state: ScanState): Promise<ScanResult | null> {
  const { summary, previous, options } = state;
  const lastScan = (await state.wh.previousIngests(SCAN_KIND, state.rootRecorded)).at(-1);
  const ownedByLast =
    lastScan !== undefined &&
    [...previous.values(), ...state.previousManifests, ...state.previousStats].every(
      (r) => Number(r.ingest_id) === lastScan.ingestId,
    );
  if (
    options.force ||
    !lastScan ||
    lastScan.sha256 !== state.fingerprint ||
    !ownedByLast ||
    previous.size === 0
  )
    return null;
  summary.files = [...previous.values()].filter((r) => r.status !== 'vanished').length;
  summary.unchanged = summary.files;
  return {
    summary,
    report: {
      kind: SCAN_KIND,
      path: state.rootRecorded,
      status: 'skipped',
      ingestId: lastScan.ingestId,
      sha256: state.fingerprint,
      bytes: state.totalBytes,
      rows: {},
      warnings: [],
      replaced: [],
      message: `unchanged since scan ${lastScan.ingestId}`,
    },
  };
}

/** Manifests first: they decide which files are tokenized shards and what every file should contain. */
function findManifests(state: ScanState): void {
  for (const file of state.files) {
    if (!looksLikeManifest(file.rel)) continue;
    const parsed = parseManifest(file.absolutePath, state.rootAbs);
    if (
      parsed.kind === 'invalid' &&
      file.rel[file.rel.length - 2] !== 'manifests' &&
      !/manifest/i.test(file.rel.at(-1)!)
    )
      continue;
    state.manifests.push({ file, parsed });
  }
  for (const m of state.manifests) {
    if (m.parsed.kind !== 'tokenized') continue;
    for (const s of m.parsed.splits)
      state.tokenizedSplitOf.set(s.dir, { manifest: m.file, split: m.parsed, name: s.split });
  }
}

/** The tokenized split folder a file is in, if any. */
function splitDirOf(state: ScanState, abs: string): string | null {
  let dir = abs.slice(0, abs.lastIndexOf(sep));
  while (isInScope(state.rootAbs, dir)) {
    if (state.tokenizedSplitOf.has(dir)) return dir;
    dir = dir.slice(0, dir.lastIndexOf(sep));
  }
  return null;
}

/**
 * Classify and inspect: every data file classified by its path (stage, dataset, purpose, version), and
 * hashed and read (rows, schema) when it changed size or mtime since the last scan.
 */
async function classifyAndInspect(state: ScanState): Promise<void> {
  const { rootAbs, summary, options, now } = state;
  const prefix = rootPrefix(rootAbs.split(sep).filter(Boolean));
  const datasetFolder =
    existsSync(join(rootAbs, 'versions')) || existsSync(join(rootAbs, 'metadata'))
      ? basename(rootAbs)
      : undefined;
  const datasetFolders = [
    ...new Set(state.files.filter((f) => f.rel.length > 2).map((f) => f.rel[0]!)),
  ].filter((d) => existsSync(join(rootAbs, d, 'versions')) || existsSync(join(rootAbs, d, 'metadata')));
  const manifestFiles = new Set(state.manifests.map((m) => m.file.absolutePath));
  // Sidecars: curriculum <name>.stats.json and tokenizer <split>_stats.json; not datasets themselves.
  const isSidecar = (f: FoundFile): boolean => {
    const name = f.rel.at(-1)!;
    if (name.endsWith('.stats.json')) return true;
    return name.endsWith('_stats.json') && splitDirOf(state, f.absolutePath) !== null;
  };
  for (const file of state.files) {
    const format = formatOf(file.rel.at(-1)!);
    if (format === null || manifestFiles.has(file.absolutePath) || isSidecar(file)) continue;
    const segments = [...prefix, ...file.rel];
    const context: ClassifyContext = {};
    if (datasetFolder !== undefined) context.datasetFolder = datasetFolder;
    context.datasetFolders = datasetFolders;
    const splitDir = format === 'parquet' ? splitDirOf(state, file.absolutePath) : null;
    if (splitDir !== null) {
      const t = state.tokenizedSplitOf.get(splitDir)!;
      const outputDir = t.split.outputDir;
      const outRel = outputDir === rootAbs ? [] : outputDir.slice(rootAbs.length + 1).split(sep);
      context.tokenized = {
        outputDir: [...prefix, ...outRel],
        outputName: basename(outputDir),
        split: t.name,
        category: null,
      };
    }
    const c = classifyPath(segments, context);
    if (c.layout === 'curriculum' && c.category) state.curriculumCategory.set(c.purpose, c.category);
    const prev = state.previous.get(file.absolutePath);
    const unchanged =
      !options.force &&
      prev !== undefined &&
      prev.status !== 'vanished' &&
      prev.status !== 'unreadable' &&
      prev.sha256 !== null &&
      Number(prev.bytes) === file.bytes &&
      prev.modified_at.getTime() === file.mtime.getTime();
    let sha256: string | null = prev?.sha256 ?? null;
    let hashedAt: Date | null = prev?.hashed_at ?? null;
    let fileRows: number | null = toNumber(prev?.rows);
    let schema: ColumnInfo[] | null = prev?.schema ? (JSON.parse(prev.schema) as ColumnInfo[]) : null;
    let status = prev && unchanged ? prev.status : 'present';
    let problem: string | null = prev && unchanged ? prev.problem : null;
    if (!unchanged) {
      try {
        sha256 = await sha256File(file.absolutePath);
        hashedAt = now;
        summary.hashed++;
        const contents = await inspectFile(state.wh.conn, file.absolutePath, format, file.bytes);
        fileRows = contents.rows;
        schema = contents.schema;
        status = contents.problem ? 'invalid' : 'present';
        problem = contents.problem;
      } catch (error) {
        sha256 = null;
        fileRows = null;
        schema = null;
        status = 'unreadable';
        problem = `cannot read: ${errorMessage(error)}`;
      }
      if (prev === undefined || prev.status === 'vanished') summary.added++;
      else summary.changed++;
    } else summary.unchanged++;
    // Conflict problems are recomputed every scan.
    if (problem?.startsWith('conflict:')) {
      problem = null;
      status = 'present';
    }
    if (problem) summary.problems.push({ path: recordedPath(file.absolutePath), message: problem });
    summary.files++;
    state.rows.push({
      path: recordedPath(file.absolutePath),
      root: state.rootRecorded,
      rel_path: file.rel.join('/'),
      layout: c.layout,
      stage: c.stage,
      area: c.area,
      category: c.category,
      dataset: c.dataset,
      purpose: c.purpose,
      version: c.version?.version ?? null,
      version_kind: c.version?.kind ?? null,
      version_key: c.version?.key ?? null,
      version_at: c.version?.at ?? null,
      split: c.split,
      format,
      bytes: file.bytes,
      modified_at: file.mtime,
      rows: fileRows,
      column_count: schema ? schema.length : null,
      schema: schema ? JSON.stringify(schema) : null,
      sha256,
      hashed_at: hashedAt,
      status,
      problem,
      manifest_path: null,
      manifest_kind: null,
      manifest_status: 'none',
      drift: null,
      tokenized_split: splitDir !== null ? state.tokenizedSplitOf.get(splitDir)!.name : null,
      tokens: null,
      first_seen_at: prev && prev.status !== 'vanished' ? prev.first_seen_at : (prev?.first_seen_at ?? now),
      last_seen_at: now,
      changed_at: unchanged && prev ? prev.changed_at : now,
      vanished_at: null,
    });
  }
  state.byAbs = new Map(state.rows.map((r) => [resolve(r.path), r]));
}

/** Drift: what each manifest describes, what is missing, what changed without a new version. */
function checkManifests(state: ScanState): void {
  const { summary, rows, byAbs, rootRecorded, statsRows, curriculumCategory } = state;
  for (const { file, parsed } of state.manifests) {
    summary.manifests++;
    const manifestPath = recordedPath(file.absolutePath);
    const described: string[] = [];
    const missing: string[] = [];
    const drifted: string[] = [];
    const check = (
      row: DatasetRow,
      expected: { rows: number | null; sha256: string | null; bytes: number | null },
      kind: string,
    ): void => {
      if (row.manifest_path !== null) return;
      row.manifest_path = manifestPath;
      row.manifest_kind = kind;
      described.push(row.path);
      const drift: Record<string, { manifest: unknown; file: unknown }> = {};
      if (expected.rows !== null && row.rows !== null && expected.rows !== row.rows)
        drift['rows'] = { manifest: expected.rows, file: row.rows };
      if (expected.sha256 !== null && row.sha256 !== null && expected.sha256 !== row.sha256)
        drift['sha256'] = { manifest: expected.sha256, file: row.sha256 };
      if (expected.bytes !== null && expected.bytes !== row.bytes)
        drift['bytes'] = { manifest: expected.bytes, file: row.bytes };
      if (Object.keys(drift).length > 0) {
        row.manifest_status = 'drift';
        row.drift = JSON.stringify(drift);
        drifted.push(row.path);
        summary.drift.push({
          path: row.path,
          message: `differs from ${manifestPath} (${Object.keys(drift).join(', ')}) without a new version`,
        });
      } else row.manifest_status = 'ok';
    };
    let category: string | null = null;
    let version: string | null = null;
    let entries = 0;
    if (parsed.kind === 'seed') {
      category = parsed.category;
      version = parsed.version;
      entries = parsed.entries.length;
      for (const e of parsed.entries) {
        const row = byAbs.get(e.absolutePath);
        if (row) check(row, e, 'seed');
        else missing.push(e.declaredPath);
      }
    } else if (parsed.kind === 'tokenized') {
      category = basename(parsed.outputDir);
      entries = parsed.splits.length;
      for (const s of parsed.splits) {
        const shards = rows.filter(
          (r) => r.tokenized_split === s.split && resolve(r.path).startsWith(s.dir + sep),
        );
        if (!existsSync(s.dir)) missing.push(s.split);
        if (s.shardFiles.length > 0) {
          for (const sf of s.shardFiles) {
            const row = byAbs.get(sf.absolutePath);
            if (!row) missing.push(`${s.split}/${sf.declaredPath}`);
            else {
              row.tokens = sf.tokens;
              check(row, sf, 'tokenized');
            }
          }
          for (const row of shards)
            if (row.manifest_path === null) check(row, { rows: -1, sha256: null, bytes: null }, 'tokenized');
        } else {
          const total = shards.reduce((a, r) => a + Number(r.rows ?? 0), 0);
          const countOk = s.shards === null || s.shards === shards.length;
          const rowsOk = s.sequences === null || s.sequences === total;
          for (const row of shards) {
            check(row, { rows: null, sha256: null, bytes: null }, 'tokenized');
            if (!countOk || !rowsOk) {
              row.manifest_status = 'drift';
              row.drift = JSON.stringify({
                split_sequences: { manifest: s.sequences, file: total },
                split_shards: { manifest: s.shards, file: shards.length },
              });
              drifted.push(row.path);
            }
          }
          if (!countOk || !rowsOk)
            summary.drift.push({
              path: manifestPath,
              message: `split ${s.split}: manifest says ${s.shards} shards / ${s.sequences} sequences, found ${shards.length} / ${total}`,
            });
        }
        // Tokenizer stats: documents and tokens per category.
        const statsPath = join(s.dir, s.statsFile ?? `${s.split}_stats.json`);
        const stats = existsSync(statsPath) ? readJson(statsPath) : null;
        const byCategory = stats?.['by_category'];
        if (byCategory && typeof byCategory === 'object') {
          const cats = Object.entries(byCategory as Record<string, Record<string, unknown>>);
          for (const [cat, v] of cats)
            statsRows.push({
              source_path: recordedPath(statsPath),
              root: rootRecorded,
              basis: 'tokenized',
              data_path: recordedPath(s.dir),
              name: s.split,
              category: cat,
              documents: toNumber(v['documents']),
              tokens: toNumber(v['tokens']),
            });
          if (cats.length === 1) for (const row of shards) row.category = cats[0]![0];
        } else {
          const cat = curriculumCategory.get(s.split) ?? 'uncategorized';
          for (const row of shards) row.category ??= curriculumCategory.get(s.split) ?? null;
          statsRows.push({
            source_path: recordedPath(stats ? statsPath : file.absolutePath),
            root: rootRecorded,
            basis: 'tokenized',
            data_path: recordedPath(s.dir),
            name: s.split,
            category: cat,
            documents: stats ? firstNumber(stats, ['documents', 'samples']) : null,
            tokens: (stats ? firstNumber(stats, ['tokens', 'num_tokens']) : null) ?? s.tokens,
          });
        }
      }
    } else {
      summary.problems.push({ path: manifestPath, message: parsed.problem });
    }
    for (const m of missing)
      summary.drift.push({ path: manifestPath, message: `lists ${m}, which does not exist` });
    state.manifestRows.push({
      path: manifestPath,
      root: rootRecorded,
      kind: parsed.kind === 'invalid' ? 'unknown' : parsed.kind,
      status: parsed.kind === 'invalid' ? 'invalid' : 'ok',
      problem: parsed.kind === 'invalid' ? parsed.problem : null,
      category,
      version,
      entries,
      described,
      missing,
      drifted,
      bytes: file.bytes,
      modified_at: file.mtime,
      content: parsed.content === null ? null : JSON.stringify(parsed.content),
    });
  }
}

/** Curriculum downloads: <name>.stats.json next to <name>.jsonl, else the JSONL's line count. */
function curriculumStats(state: ScanState): void {
  for (const row of state.rows) {
    if (row.layout !== 'curriculum' || row.category === null || row.status !== 'present') continue;
    const statsPath = resolve(row.path).replace(/\.[^.]+$/, '.stats.json');
    const stats = existsSync(statsPath) ? readJson(statsPath) : null;
    state.statsRows.push({
      source_path: recordedPath(stats ? statsPath : resolve(row.path)),
      root: state.rootRecorded,
      basis: stats ? 'raw' : 'rows',
      data_path: row.path,
      name: row.purpose,
      category: (stats?.['category'] as string | undefined) ?? row.category,
      documents: stats
        ? (firstNumber(stats, ['documents', 'samples', 'num_samples', 'num_documents', 'count']) ?? row.rows)
        : row.rows,
      tokens: stats ? firstNumber(stats, ['tokens', 'num_tokens', 'total_tokens']) : null,
    });
  }
}

/** Conflicts: two files claiming the same purpose and version (in one stage and dataset) are both flagged. */
function flagConflicts(state: ScanState): void {
  const claims = new Map<string, DatasetRow[]>();
  for (const row of state.rows) {
    if (row.version === null || row.layout === 'tokenized' || row.status !== 'present') continue;
    const key = [row.stage, row.dataset ?? '', row.purpose, row.version].join('\u0000');
    claims.set(key, [...(claims.get(key) ?? []), row]);
  }
  for (const group of claims.values()) {
    if (group.length < 2) continue;
    for (const row of group) {
      const others = group.filter((r) => r !== row).map((r) => r.path);
      row.problem = `conflict: ${row.purpose} ${row.version} is also claimed by ${others.join(', ')}`;
      state.summary.conflicts.push({ path: row.path, message: row.problem });
    }
  }
}

/** Vanished: registered before, gone now; kept and marked. */
function keepVanished(state: ScanState): void {
  const { summary, now } = state;
  for (const [abs, prev] of state.previous) {
    if (state.byAbs.has(abs)) continue;
    if (prev.status !== 'vanished') summary.vanished++;
    const kept = Object.fromEntries(
      DATASET_COLUMNS.map((c) => [c, prev[c] ?? null]),
    ) as unknown as DatasetRow;
    kept.status = 'vanished';
    kept.vanished_at = prev.vanished_at ?? now;
    kept.bytes = Number(prev.bytes);
    kept.rows = toNumber(prev.rows);
    kept.tokens = toNumber(prev['tokens']);
    state.rows.push(kept);
  }
}

/** Write: the registry rows under the root replaced in one transaction that is also the scan's ingest_log row. */
async function writeScan(state: ScanState): Promise<ScanResult> {
  const { wh, summary, rows, manifestRows, statsRows, previous, previousManifests, previousStats } = state;
  const { rootRecorded, fingerprint, totalBytes, options } = state;
  const warnings: string[] = [];
  for (const w of [...summary.problems, ...summary.drift, ...summary.conflicts])
    warnings.push(`${w.path}: ${w.message}`);

  const ingestId = await wh.nextIngestId();
  const startedAt = state.now;
  const oldIds = new Set<number>(
    [...previous.values(), ...previousManifests, ...previousStats].map((r) => Number(r.ingest_id)),
  );
  const replaced: number[] = [];
  await wh.transaction(async (conn) => {
    const drop = async (table: string, column: string, paths: string[]): Promise<void> => {
      for (let i = 0; i < paths.length; i += 1000) {
        const chunk = paths.slice(i, i + 1000);
        await conn.run(`DELETE FROM ${table} WHERE ${column} IN (${chunk.map(sqlString).join(', ')})`);
      }
    };
    await drop(
      'datasets',
      'path',
      [...previous.values()].map((r) => r.path),
    );
    await drop(
      'datasets_manifests',
      'path',
      previousManifests.map((r) => r.path),
    );
    await drop(
      'datasets_category_stats',
      'source_path',
      previousStats.map((r) => r.source_path),
    );
    await appendRows(
      conn,
      'datasets',
      rows.map((r) => cellsOf('datasets', { ingest_id: ingestId, ...r })),
      { columns: TABLE_COLUMNS.datasets },
    );
    await appendRows(
      conn,
      'datasets_manifests',
      manifestRows.map((r) => cellsOf('datasets_manifests', { ingest_id: ingestId, ...r })),
      { columns: TABLE_COLUMNS.datasets_manifests },
    );
    await appendRows(
      conn,
      'datasets_category_stats',
      statsRows.map((r) => cellsOf('datasets_category_stats', { ingest_id: ingestId, ...r })),
      { columns: TABLE_COLUMNS.datasets_category_stats },
    );
    for (const id of oldIds) {
      const left = await wh.scalar<bigint>(
        `SELECT (SELECT count(*) FROM datasets WHERE ingest_id = $1) + (SELECT count(*) FROM datasets_manifests WHERE ingest_id = $1)
          + (SELECT count(*) FROM datasets_category_stats WHERE ingest_id = $1)`,
        [id],
      );
      if (Number(left) === 0) replaced.push(id);
    }
    // The log row records every table, even those the scan left empty.
    await wh.recordIngest({
      ingestId,
      kind: SCAN_KIND,
      path: rootRecorded,
      sha256: fingerprint,
      bytes: totalBytes,
      rows: {
        datasets: rows.length,
        datasets_manifests: manifestRows.length,
        datasets_category_stats: statsRows.length,
      },
      warnings,
      options: { force: options.force ?? false },
      startedAt,
      replaces: replaced,
    });
  });
  return {
    summary,
    report: {
      kind: SCAN_KIND,
      path: rootRecorded,
      status: 'ok',
      ingestId,
      sha256: fingerprint,
      bytes: totalBytes,
      rows: Object.fromEntries(
        Object.entries({
          datasets: rows.length,
          datasets_manifests: manifestRows.length,
          datasets_category_stats: statsRows.length,
        }).filter(([, n]) => n > 0),
      ),
      warnings,
      replaced,
    },
  };
}
