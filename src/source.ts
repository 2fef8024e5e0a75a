/**
 * The source contract. A source declares only what is its own: its kind, which files it considers, how it
 * recognises one by content (`detect`) and how it writes its rows (`load`). The driver here owns everything
 * else, once, for every source: path expansion and order, the ingest protocol (hash, skip, replace, one
 * transaction, `ingest_log` with `failed` rows, kill-safe bookkeeping), progress on a terminal, the report
 * and the `mlduck ingest <kind>` command. See docs/architecture.md.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { MlduckError } from './errors.ts';
import type { Output } from './output.ts';
import type { MlduckPlugin } from './plugin.ts';
import { progressBar } from './progress.ts';
import { printReport } from './report.ts';
import { type WalkOptions, walkInputs } from './walk.ts';
import type { IngestContext, IngestReport, Warehouse } from './warehouse.ts';

/** One input of a source: a file, or a directory that is one unit (a checkpoint folder). */
export interface SourceInput {
  /** As the user or the walk named it. */
  readonly path: string;
  readonly absolutePath: string;
  /** Found by walking a directory rather than named: skipped quietly when `detect` says it is not ours. */
  readonly fromDirectory: boolean;
  readonly isDirectory: boolean;
}

/** Values of the source's own command-line options (`flags`), by their camelCase names. */
export type SourceFlags = Readonly<Record<string, string | boolean | undefined>>;

/** What `load` gets: the ingest's transaction and id, what `detect` found, and a way to report progress. */
export interface LoadContext<D, S = undefined> extends IngestContext {
  readonly detection: D;
  readonly flags: SourceFlags;
  /** What `openSession` made for this command (a reading thread shared by the inputs), if anything. */
  readonly session: S;
  /** Bytes of this input read so far, and items (questions, rows) parsed so far, for the progress bar. */
  progress(bytesRead: number, items?: number): void;
}

export interface SourceFlag {
  /** Commander syntax, e.g. `--table <name>`. */
  readonly flags: string;
  readonly description: string;
}

export interface Source<D, S = undefined> {
  /** `mlduck ingest <kind>`, and `ingest_log.kind`. */
  readonly kind: string;
  /** The command's help: what it reads and where the rows go. */
  readonly description: string;
  /** Help for the paths argument. */
  readonly pathsHelp: string;
  /** Which files of a walked directory are candidates, and which directories are units of their own. */
  readonly walk: WalkOptions;
  /** A named file that stands for another input (a task file stands for its checkpoint folder). */
  named?(path: string): string;
  /** What the input is, by content; null when it is not this source's. */
  detect(input: SourceInput, conn: DuckDBConnection): Promise<D | null>;
  /** The error for a named input that `detect` did not recognise: what was expected. */
  readonly unrecognised: { message: string; hint?: string };
  /** Load order within one command, lower first (e.g. W&B runs before their history). */
  rank?(detection: D): number;
  /** The identity of a directory input: a hash of what `load` will read. */
  content?(input: SourceInput): Promise<{ sha256: string; bytes: number }>;
  /** Bytes `load` reads through, for progress (default: the file size). */
  size?(input: SourceInput): number;
  /** Writes the input's rows (with `TableWriter` or SQL), inside the ingest's transaction. */
  load(ctx: LoadContext<D, S>): Promise<void>;
  /** Recorded in `ingest_log.options`. */
  recordedOptions?(detection: D, flags: SourceFlags): Record<string, unknown>;
  /** Runs around one input's ingest, outside its transaction (e.g. a connection setting). */
  around?<T>(detection: D, conn: DuckDBConnection, run: () => Promise<T>): Promise<T>;
  /** Resources shared by the inputs of one command, closed at its end. */
  openSession?(): S;
  closeSession?(session: S): Promise<void>;
  /** The command's own options. */
  readonly flags?: readonly SourceFlag[];
  /** Checks the options against the inputs before anything is read (usage errors). */
  checkFlags?(inputs: readonly SourceInput[], flags: SourceFlags): void;
  /** What `progress` items count (questions, rows), for the bar. */
  readonly items?: string;
  /** The demo's inputs under `examples/` (none: no demo step). */
  demoInputs?(examplesDir: string): string[];
}

export interface IngestRunOptions {
  force?: boolean;
  flags?: SourceFlags;
  onReport?: (report: IngestReport) => void;
  /** A walked file that is not this source's (manifest.json next to an export). */
  onSkip?: (path: string, why: string) => void;
  /** Progress over all inputs of the command. */
  onProgress?: (progress: SourceProgress) => void;
}

export interface SourceProgress {
  inputs: number;
  inputsDone: number;
  /** The input being read. */
  input: string;
  bytesTotal: number;
  bytesRead: number;
  items: number;
}

/** The inputs a command's paths stand for, in walk order, without repeats. */
export function sourceInputs<D, S>(source: Source<D, S>, paths: readonly string[]): SourceInput[] {
  const named = paths.map((path) => source.named?.(path) ?? path);
  const seen = new Set<string>();
  const inputs: SourceInput[] = [];
  for (const walked of walkInputs(named, source.walk)) {
    const absolutePath = resolve(walked.path);
    if (seen.has(absolutePath)) continue;
    seen.add(absolutePath);
    inputs.push({ ...walked, absolutePath });
  }
  return inputs;
}

interface Planned<D> {
  input: SourceInput;
  detection: D | null;
  /** An error of detection, raised inside the ingest protocol so that it leaves a `failed` row. */
  error: unknown;
  rank: number;
}

/**
 * The driver: ingests every input of `paths` with `source`, one transaction and one `ingest_log` row each,
 * in rank order; stops at the first failure (earlier inputs stay ingested, the failed one leaves a `failed`
 * row and nothing else) and rethrows it.
 */
export async function ingestWith<D, S>(
  wh: Warehouse,
  source: Source<D, S>,
  paths: readonly string[],
  options: IngestRunOptions = {},
): Promise<IngestReport[]> {
  const flags = options.flags ?? {};
  const inputs = sourceInputs(source, paths);
  source.checkFlags?.(inputs, flags);
  const planned: Planned<D>[] = [];
  for (const input of inputs) {
    let detection: D | null = null;
    let error: unknown = null;
    try {
      detection = await source.detect(input, wh.conn);
    } catch (caught) {
      error = caught;
    }
    if (error === null && detection === null) {
      if (input.fromDirectory) {
        options.onSkip?.(input.path, `not ${source.kind} input`);
        continue;
      }
      error = new MlduckError(source.unrecognised.message, {
        file: input.path,
        ...(source.unrecognised.hint === undefined ? {} : { hint: source.unrecognised.hint }),
      });
    }
    // Inputs that failed detection go first: the command then stops before it changed anything.
    const rank = error !== null ? Number.NEGATIVE_INFINITY : (source.rank?.(detection as D) ?? 0);
    planned.push({ input, detection, error, rank });
  }
  planned.sort((a, b) => a.rank - b.rank);

  const sizes = planned.map(({ input }) => source.size?.(input) ?? fileSize(input.absolutePath));
  const progress: SourceProgress = {
    inputs: planned.length,
    inputsDone: 0,
    input: '',
    bytesTotal: sizes.reduce((a, b) => a + b, 0),
    bytesRead: 0,
    items: 0,
  };
  const session = source.openSession?.() as S;
  const reports: IngestReport[] = [];
  try {
    for (const [index, item] of planned.entries()) {
      const before = { bytes: progress.bytesRead, items: progress.items };
      progress.input = item.input.path;
      let items = 0;
      const load = async (ctx: IngestContext) => {
        if (item.error !== null) throw item.error;
        await source.load({
          ...ctx,
          detection: item.detection as D,
          flags,
          session,
          progress: (bytesRead, itemsSoFar) => {
            if (itemsSoFar !== undefined) items = itemsSoFar;
            options.onProgress?.({
              ...progress,
              bytesRead: before.bytes + bytesRead,
              items: before.items + items,
            });
          },
        });
      };
      const content =
        item.error === null && item.input.isDirectory ? await source.content?.(item.input) : undefined;
      const ingest = () =>
        wh.ingest(source.kind, item.input.path, load, {
          force: options.force ?? false,
          options: item.error === null ? (source.recordedOptions?.(item.detection as D, flags) ?? {}) : {},
          ...(content ? { content } : {}),
        });
      const report =
        item.error === null && source.around
          ? await source.around(item.detection as D, wh.conn, ingest)
          : await ingest();
      progress.inputsDone++;
      progress.bytesRead = before.bytes + (sizes[index] ?? 0);
      progress.items = before.items + items;
      options.onProgress?.({ ...progress });
      options.onReport?.(report);
      reports.push(report);
    }
  } finally {
    await source.closeSession?.(session);
  }
  return reports;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The CLI command and demo step of a source: `mlduck ingest <kind> <paths…> [--force] [its flags]`. */
export function sourcePlugin<D, S>(source: Source<D, S>): MlduckPlugin {
  return {
    name: source.kind,
    registerIngest(ingest, ctx) {
      const command = ingest
        .command(source.kind)
        .description(source.description)
        .argument('<paths...>', source.pathsHelp)
        .option('--force', 're-ingest inputs whose bytes were ingested before');
      for (const flag of source.flags ?? []) command.option(flag.flags, flag.description);
      command.action(async (paths: string[], opts: SourceFlags & { force?: boolean }) => {
        const wh = await ctx.openWarehouse();
        await ingestCommand(wh, source, paths, ctx.out, { force: opts.force === true, flags: opts });
      });
    },
    ...(source.demoInputs
      ? {
          demo: async (wh, { examplesDir }) => ingestWith(wh, source, source.demoInputs!(examplesDir)),
        }
      : {}),
  };
}

/** `ingestWith` as a command runs it: a progress bar on a terminal, a line per report, skips as info. */
export async function ingestCommand<D, S>(
  wh: Warehouse,
  source: Source<D, S>,
  paths: readonly string[],
  out: Output,
  options: Pick<IngestRunOptions, 'force' | 'flags'> = {},
): Promise<IngestReport[]> {
  const bar = progressBar(out, source.kind);
  const items = source.items;
  try {
    return await ingestWith(wh, source, paths, {
      ...options,
      onProgress: (p) =>
        bar.update({
          done: p.bytesRead,
          total: p.bytesTotal,
          counters: {
            inputs: `${p.inputsDone}/${p.inputs}`,
            ...(items === undefined ? {} : { [items]: p.items }),
          },
          ...(items === undefined ? {} : { rateOf: items }),
        }),
      onReport: (report) => {
        // Lines printed under a live bar would be drawn over: the bar pauses for them.
        bar.pause();
        printReport(out, report);
      },
      onSkip: (path, why) => out.info(`skipped ${path}: ${why}`),
    });
  } finally {
    bar.stop();
  }
}
