/**
 * The on-disk side of a W&B pull, under `<data>/wandb/<entity>/<project>/`:
 *
 *   manifest.json, state.json, runs.jsonl, history.jsonl   a dr_wandb v3 export (`ingest wandb` rebuilds from it)
 *   .pull/parts/<hash>/run.part, history.part                 each run's latest snapshot and whole history
 *   .pull/journal.log                                         one line per run fetched or landed (resume)
 *   .pull/landing/                                            the batch being landed in the warehouse
 *
 * Every write is a temp file renamed into place, so a kill leaves either the old or the new file. The
 * `.part`/`.log` names keep `ingest wandb <export>` from reading the working files twice.
 */
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { MlduckError } from '../../src/errors.ts';
import type { Project } from './graphql.ts';
import { toJsonLine, type V3HistoryRow, type V3Snapshot } from './v3.ts';

/** What is known about one run after earlier pulls (dr_wandb v3's RunTrackingState + whether it landed). */
export interface TrackedRun {
  run_id: string;
  created_at: string | null;
  updated_at: string | null;
  run_state: string | null;
  last_history_step: number | null;
  /** In the warehouse as fetched (false: fetched, not landed yet — a kill came in between). */
  landed: boolean;
}

/** dr_wandb v3's ExportState, with mlduck's `landed` flag on each run. */
export interface ExportState {
  schema_version: 1;
  name: string;
  entity: string;
  project: string;
  last_exported_at: string | null;
  max_created_at: string | null;
  runs: Record<string, TrackedRun>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Validates ENTITY/PROJECT: both become folder names. */
export function parseProjectPath(path: string): Project {
  const parts = path.split('/');
  if (parts.length !== 2 || !parts.every((p) => NAME.test(p) && p !== '.' && p !== '..')) {
    throw new MlduckError(`expected ENTITY/PROJECT (letters, digits, . _ -), got ${JSON.stringify(path)}`, {
      kind: 'usage',
    });
  }
  return { entity: parts[0] as string, project: parts[1] as string };
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

function readLines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

export class ExportStore {
  readonly dir: string;
  private readonly work: string;

  constructor(
    dataDir: string,
    readonly project: Project,
  ) {
    const root = resolve(dataDir);
    this.dir = join(root, 'wandb', project.entity, project.project);
    if (!this.dir.startsWith(root + sep))
      throw new MlduckError('internal: export path escaped the data folder');
    this.work = join(this.dir, '.pull');
  }

  get statePath(): string {
    return join(this.dir, 'state.json');
  }
  get journalPath(): string {
    return join(this.work, 'journal.log');
  }
  get landingDir(): string {
    return join(this.work, 'landing');
  }

  /** Folder of one run's working files: a hash, since run ids may hold any character. */
  partDir(runId: string): string {
    return join(this.work, 'parts', createHash('sha256').update(runId).digest('hex').slice(0, 32));
  }

  prepare(): void {
    mkdirSync(join(this.work, 'parts'), { recursive: true });
  }

  /** state.json with the journal of an interrupted pull replayed on top. */
  loadState(): ExportState {
    let state: ExportState = {
      schema_version: 1,
      name: `${this.project.entity}_${this.project.project}`,
      entity: this.project.entity,
      project: this.project.project,
      last_exported_at: null,
      max_created_at: null,
      runs: {},
    };
    if (existsSync(this.statePath)) {
      try {
        state = { ...state, ...(JSON.parse(readFileSync(this.statePath, 'utf8')) as Partial<ExportState>) };
      } catch (error) {
        throw new MlduckError('state.json is not valid JSON', {
          file: this.statePath,
          hint: 'remove it (and the .pull folder) to pull everything again, or use --force-refresh',
          cause: error,
        });
      }
      for (const run of Object.values(state.runs)) run.landed ??= true;
    }
    if (existsSync(this.journalPath)) {
      const lines = readFileSync(this.journalPath, 'utf8').split('\n');
      for (const line of lines) {
        if (line.trim() === '') continue;
        let entry: TrackedRun;
        try {
          entry = JSON.parse(line) as TrackedRun;
        } catch {
          continue; // the last line of a killed pull may be cut short: that run is fetched again
        }
        state.runs[entry.run_id] = entry;
        if (entry.created_at && (!state.max_created_at || entry.created_at > state.max_created_at)) {
          state.max_created_at = entry.created_at;
        }
      }
    }
    return state;
  }

  /** Records one run's new tracking state (fetched or landed) durably before anything else happens. */
  journal(entry: TrackedRun): void {
    appendFileSync(this.journalPath, `${JSON.stringify(entry)}\n`);
  }

  /** Writes state.json and empties the journal (the journal is replayed if a kill comes in between). */
  saveState(state: ExportState): void {
    writeAtomic(this.statePath, `${JSON.stringify(state, null, 2)}\n`);
    rmSync(this.journalPath, { force: true });
  }

  /**
   * Stores a fetched run: its snapshot, and its history = earlier rows before `fromStep` + `rows`
   * (so fetching the same steps twice, e.g. after a kill, never duplicates them).
   */
  async writeRun(snapshot: V3Snapshot, fromStep: number, rows: readonly V3HistoryRow[]): Promise<void> {
    const dir = this.partDir(snapshot.run.run_id);
    mkdirSync(dir, { recursive: true });
    const history = join(dir, 'history.part');
    const tmp = `${history}.tmp`;
    const out = createWriteStream(tmp);
    const write = (text: string) =>
      new Promise<void>((ok, fail) => out.write(text, (err) => (err ? fail(err) : ok())));
    if (fromStep > 0 && existsSync(history)) {
      for await (const line of readLines(history)) {
        if (line === '') continue;
        const step = (JSON.parse(line) as { step: number | null }).step;
        if (step === null || step < fromStep) await write(`${line}\n`);
      }
    }
    for (const row of rows) await write(`${toJsonLine(row)}\n`);
    await new Promise<void>((ok, fail) => out.end((err?: Error | null) => (err ? fail(err) : ok())));
    renameSync(tmp, history);
    writeAtomic(join(dir, 'run.part'), `${toJsonLine(snapshot)}\n`);
  }

  hasRun(runId: string): boolean {
    const dir = this.partDir(runId);
    return existsSync(join(dir, 'run.part')) && existsSync(join(dir, 'history.part'));
  }

  /** Copies the parts of `runIds` into one runs file and one history file under `.pull/landing/`. */
  async stageBatch(runIds: readonly string[], batch: string): Promise<{ runs: string; history: string }> {
    const dir = join(this.landingDir, batch);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const runs = join(dir, 'runs.part');
    const history = join(dir, 'history.part');
    await concat(
      runIds.map((id) => join(this.partDir(id), 'run.part')),
      runs,
    );
    await concat(
      runIds.map((id) => join(this.partDir(id), 'history.part')),
      history,
    );
    return { runs, history };
  }

  /**
   * Rewrites the v3 export from the parts of every tracked run: runs.jsonl newest-first, history.jsonl by
   * (run_id, step), manifest.json. Only local copies: nothing is fetched.
   */
  async writeExport(state: ExportState): Promise<{ runs: number; historyRows: number }> {
    const tracked = Object.values(state.runs).filter((r) => this.hasRun(r.run_id));
    const byCreated = [...tracked].sort(
      (a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '') || a.run_id.localeCompare(b.run_id),
    );
    await concat(
      byCreated.map((r) => join(this.partDir(r.run_id), 'run.part')),
      join(this.dir, 'runs.jsonl'),
    );
    const byId = [...tracked].sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
    const historyRows = await concat(
      byId.map((r) => join(this.partDir(r.run_id), 'history.part')),
      join(this.dir, 'history.jsonl'),
    );
    writeAtomic(
      join(this.dir, 'manifest.json'),
      `${JSON.stringify(
        {
          version: 3,
          entity: this.project.entity,
          project: this.project.project,
          runs: tracked.length,
          history_rows: historyRows,
          files: ['runs.jsonl', 'history.jsonl'],
        },
        null,
        2,
      )}\n`,
    );
    return { runs: tracked.length, historyRows };
  }
}

/** Concatenates line files into `target` (atomically); returns the number of lines. */
async function concat(sources: readonly string[], target: string): Promise<number> {
  const tmp = `${target}.${process.pid}.tmp`;
  const out = createWriteStream(tmp);
  let lines = 0;
  for (const source of sources) {
    for await (const chunk of createReadStream(source)) {
      const buf = chunk as Buffer;
      for (let at = buf.indexOf(10); at !== -1; at = buf.indexOf(10, at + 1)) lines++;
      if (!out.write(buf)) await new Promise<void>((ok) => out.once('drain', () => ok()));
    }
  }
  await new Promise<void>((ok, fail) => out.end((err?: Error | null) => (err ? fail(err) : ok())));
  renameSync(tmp, target);
  return lines;
}
