/**
 * The attack suite's inputs (issue 14): hostile names, deep nesting for every JSON-reading source, bad and
 * over-long lines, truncated Parquet, hostile tar members — each an `Attack` that writes its files into a
 * folder and says how mlduck is run on them and what must happen. test/hostile/*.test.ts run every attack
 * through the CLI; `node --import tsx scripts/make-hostile.ts <folder>` writes them all for a person to try
 * by hand (each into <folder>/<id>/, with the command in <folder>/attacks.json).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundledLlama32TokenizerDir } from '../ingest/tokenize/tokenizer.ts';
import { EXAMPLE_TASKS, type TarMember, tarGz, taskFiles } from './qa/olmes.ts';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Deep enough to crash what recursed without a cap (DuckDB's read_json detection segfaulted at 20,000). */
export const DEEP = 20_000;

/** An object nested `depth` levels: {"a":{"a":…1…}}. */
export function deepObject(depth: number, leaf = '1'): string {
  return `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** An array nested `depth` levels: [[[…]]]. */
export function deepArray(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/**
 * A file-name stem that rewrites a terminal printed raw: an OSC title change ending in BEL, a colour, a
 * carriage return and a line feed.
 */
export const HOSTILE_STEM = 'evil\u001b]0;pwned\u0007\u001b[31mred\r\nfake';

export type AttackSource = 'datasets' | 'wandb' | 'qa' | 'tokenize';

/** How an attack is run and what must happen. */
export interface AttackCase {
  /** mlduck arguments after `--db <warehouse>`, with paths inside the attack's folder. */
  args: string[];
  /** Exit code. */
  exit: number;
  /** A line of stderr that must match (the one-line message naming the file, and line where there is one). */
  message: RegExp;
  /** The exact number of stderr lines, when known (1 for a refused ingest). */
  stderrLines?: number;
  /** An ingest of this kind started: ingest_log must hold a `failed` row for it and no `ok` row. */
  failedIngest?: string;
  /** Files the command may write inside the attack's folder (relative), besides the warehouse. */
  mayWrite?: RegExp;
}

export interface Attack {
  id: string;
  source: AttackSource;
  /** What the attack tries. */
  what: string;
  /** Writes the inputs into `dir` (which exists) and returns the case. */
  write(dir: string): Promise<AttackCase>;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One JSON line per value. */
const jsonl = (values: readonly unknown[]) => values.map((v) => `${JSON.stringify(v)}\n`).join('');

function historyLines(n: number): string {
  return jsonl(
    Array.from({ length: n }, (_, i) => ({ run_id: 'r1', step: i, metrics: { loss: 1 / (i + 1) } })),
  );
}

const wandbRun = (extra: string) =>
  `{"run_id":"r1","run_name":"r1","state":"finished","project":"p","entity":"e"${extra}}\n`;

/** An OLMES checkpoint tarball's members (the example task arc_challenge), with `edit` applied. */
function qaMembers(prefix: string, edit?: (m: TarMember) => TarMember): TarMember[] {
  const spec = EXAMPLE_TASKS[0]!;
  const files = taskFiles(spec, { recipe: 'dclm-baseline', params: '150M', seedDir: 2, step: 1 }, 0);
  const members: TarMember[] = [
    { name: `${prefix}arc_challenge-metrics.json`, bytes: Buffer.from(files.metrics) },
    { name: `${prefix}arc_challenge-predictions.jsonl`, bytes: Buffer.from(files.predictions) },
  ];
  return edit ? members.map(edit) : members;
}

/** A valid predictions file whose line `line` has native_id replaced by `nativeIdJson`. */
function predictionsWithNativeId(line: number, nativeIdJson: string): string {
  const spec = EXAMPLE_TASKS[0]!;
  const files = taskFiles(spec, { recipe: 'dclm-baseline', params: '150M', seedDir: 2, step: 1 }, 0);
  const lines = files.predictions.trimEnd().split('\n');
  lines[line - 1] = lines[line - 1]!.replace(/"native_id":("[^"]*"|\d+|null)/, `"native_id":${nativeIdJson}`);
  return `${lines.join('\n')}\n`;
}

async function writeTarball(path: string, members: TarMember[]): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, await tarGz(members));
}

const truncatedParquet = (): Buffer =>
  readFileSync(join(REPO_ROOT, 'examples', 'wandb', 'wandb_runs_sample.parquet')).subarray(0, 5000);

export const ATTACKS: readonly Attack[] = [
  // ── datasets ────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'datasets-deep-jsonl',
    source: 'datasets',
    what: `datasets scan --strict of a JSONL whose line 2 nests ${DEEP} deep (DuckDB's schema detection segfaulted)`,
    async write(dir) {
      mkdirSync(join(dir, 'data', 'raw'), { recursive: true });
      writeFileSync(join(dir, 'data', 'raw', 'deep_v1.jsonl'), `{"a":1}\n${deepObject(DEEP)}\n`);
      return {
        args: ['datasets', 'scan', 'data', '--strict'],
        exit: 2,
        message: /deep_v1\.jsonl: line 2: JSON nested deeper than 500 levels/,
      };
    },
  },
  {
    id: 'datasets-deep-json',
    source: 'datasets',
    what: `datasets scan --strict of a .json array nested ${DEEP} deep`,
    async write(dir) {
      mkdirSync(join(dir, 'data', 'raw'), { recursive: true });
      writeFileSync(join(dir, 'data', 'raw', 'deep_v1.json'), deepArray(DEEP));
      return {
        args: ['datasets', 'scan', 'data', '--strict'],
        exit: 2,
        message: /deep_v1\.json: line 1: JSON nested deeper than 500 levels/,
      };
    },
  },
  {
    id: 'datasets-deep-convert',
    source: 'datasets',
    what: `datasets convert of a JSONL nested ${DEEP} deep`,
    async write(dir) {
      mkdirSync(join(dir, 'data', 'raw'), { recursive: true });
      writeFileSync(join(dir, 'data', 'raw', 'deep_v1.jsonl'), `${deepObject(DEEP)}\n`);
      return {
        args: [
          'datasets',
          'convert',
          'data/raw/deep_v1.jsonl',
          '--to',
          'interim/deep_v2.parquet',
          '--root',
          'data',
        ],
        exit: 2,
        message: /deep_v1\.jsonl: line 1: JSON nested deeper than 500 levels/,
        stderrLines: 1,
      };
    },
  },
  {
    id: 'datasets-hostile-name',
    source: 'datasets',
    what: 'datasets scan of a broken CSV whose name holds terminal escapes, CR and LF',
    async write(dir) {
      mkdirSync(join(dir, 'data', 'raw'), { recursive: true });
      writeFileSync(join(dir, 'data', 'raw', `${HOSTILE_STEM}_v1.parquet`), 'not parquet at all\n');
      return {
        args: ['datasets', 'scan', 'data', '--strict'],
        exit: 2,
        message: /evil\\x1b\]0;pwned\\x07\\x1b\[31mred\\x0d\\x0afake_v1\.parquet: not a Parquet file/,
      };
    },
  },
  // ── W&B ─────────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'wandb-bad-line',
    source: 'wandb',
    what: 'W&B history JSONL with a broken line 4 of 6 (DuckDB says line 5)',
    async write(dir) {
      const lines = historyLines(6).split('\n');
      lines[3] = '{"run_id": "r1", "step": 3, "metrics": {"loss": x}}';
      writeFileSync(join(dir, 'history.jsonl'), lines.join('\n'));
      return {
        args: ['ingest', 'wandb', 'history.jsonl'],
        exit: 2,
        message: /^mlduck: history\.jsonl:4: JSON that does not parse/,
        stderrLines: 1,
        failedIngest: 'wandb',
      };
    },
  },
  {
    id: 'wandb-bad-first-line',
    source: 'wandb',
    what: 'W&B runs JSONL whose first line is broken (the error comes during format detection)',
    async write(dir) {
      writeFileSync(join(dir, 'runs.jsonl'), `{"run_id": "r1", "config": {"lr": \n${wandbRun('')}`);
      return {
        args: ['ingest', 'wandb', 'runs.jsonl'],
        exit: 2,
        message: /^mlduck: runs\.jsonl:1: /,
        stderrLines: 1,
        failedIngest: 'wandb',
      };
    },
  },
  {
    id: 'wandb-truncated-parquet',
    source: 'wandb',
    what: 'W&B runs Parquet cut at 5,000 bytes (DuckDB answers with its SQL echo and a caret)',
    async write(dir) {
      writeFileSync(join(dir, 'runs_metadata.parquet'), truncatedParquet());
      return {
        args: ['ingest', 'wandb', 'runs_metadata.parquet'],
        exit: 2,
        message: /^mlduck: runs_metadata\.parquet: not a readable Parquet file/,
        stderrLines: 1,
        failedIngest: 'wandb',
      };
    },
  },
  {
    id: 'wandb-long-line',
    source: 'wandb',
    what: 'W&B history JSONL whose line 2 is 34 MB (over what DuckDB reads in one line; a two-line message before)',
    async write(dir) {
      const long = JSON.stringify({ run_id: 'r1', step: 1, metrics: { note: 'x'.repeat(34_000_000) } });
      writeFileSync(join(dir, 'history.jsonl'), `${historyLines(1)}${long}\n`);
      return {
        args: ['ingest', 'wandb', 'history.jsonl'],
        exit: 2,
        message: /^mlduck: history\.jsonl:2: .*longer than 32 MiB/,
        stderrLines: 1,
        failedIngest: 'wandb',
      };
    },
  },
  {
    id: 'wandb-deep-config',
    source: 'wandb',
    what: 'W&B runs JSONL with a config nested 10,000 deep (the flattening took minutes at 50,000)',
    async write(dir) {
      writeFileSync(join(dir, 'runs.jsonl'), wandbRun(`,"config":${deepObject(10_000)}`));
      return {
        args: ['ingest', 'wandb', 'runs.jsonl'],
        exit: 2,
        message: /^mlduck: runs\.jsonl: the config of run "r1" nests deeper than 500 levels/,
        stderrLines: 1,
        failedIngest: 'wandb',
      };
    },
  },
  {
    id: 'wandb-deep-summary',
    source: 'wandb',
    what: 'W&B runs JSONL with a summary nested 10,000 deep',
    async write(dir) {
      writeFileSync(join(dir, 'runs.jsonl'), wandbRun(`,"summary":${deepObject(10_000)}`));
      return {
        args: ['ingest', 'wandb', 'runs.jsonl'],
        exit: 2,
        message: /^mlduck: runs\.jsonl: the summary of run "r1" nests deeper than 500 levels/,
        stderrLines: 1,
        failedIngest: 'wandb',
      };
    },
  },
  {
    id: 'wandb-deep-history-value',
    source: 'wandb',
    what: `W&B v3 history JSONL whose line 2 logs an object nested ${DEEP} deep (kept whole as JSON, not walked)`,
    async write(dir) {
      writeFileSync(
        join(dir, 'history.jsonl'),
        `${historyLines(1)}{"run_id":"r1","step":2,"metrics":{"obj":${deepObject(DEEP)}}}\n`,
      );
      return {
        args: ['ingest', 'wandb', 'history.jsonl'],
        exit: 0,
        message: /^warning: history\.jsonl: 1 history run\(s\) not in any runs file/,
        stderrLines: 1,
      };
    },
  },
  {
    id: 'wandb-hostile-name',
    source: 'wandb',
    what: 'W&B JSONL named with terminal escapes, CR and LF, with a broken line',
    async write(dir) {
      writeFileSync(join(dir, `${HOSTILE_STEM}.jsonl`), `${historyLines(2)}{"run_id": \n`);
      return {
        args: ['ingest', 'wandb', `${HOSTILE_STEM}.jsonl`],
        exit: 2,
        message: new RegExp(
          `^mlduck: ${escapeRe('evil\\x1b]0;pwned\\x07\\x1b[31mred\\x0d\\x0afake.jsonl:3:')}`,
        ),
        stderrLines: 1,
        failedIngest: 'wandb',
      };
    },
  },
  // ── QA ──────────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'qa-dotdot-member',
    source: 'qa',
    what: 'QA tarball whose members climb out with `..` to borrow recipe and params from the folders above',
    async write(dir) {
      await writeTarball(
        join(dir, 'dclm-baseline', '150M', 'seed-2', 'step-1.tar.gz'),
        qaMembers('../../../../x/1B/seed-2/step-1/'),
      );
      return {
        args: ['ingest', 'qa', 'dclm-baseline/150M/seed-2/step-1.tar.gz'],
        exit: 2,
        message:
          /step-1\.tar\.gz!\.\.\/\.\.\/\.\.\/\.\.\/x\/1B\/seed-2\/step-1\/arc_challenge-metrics\.json: tar member path segment "\.\."/,
        stderrLines: 1,
        failedIngest: 'qa',
      };
    },
  },
  {
    id: 'qa-absolute-member',
    source: 'qa',
    what: 'QA tarball with an absolute member name',
    async write(dir) {
      await writeTarball(join(dir, 'step-1.tar.gz'), qaMembers('/dclm-baseline/150M/seed-2/step-1/'));
      return {
        args: ['ingest', 'qa', 'step-1.tar.gz'],
        exit: 2,
        message: /step-1\.tar\.gz!\/dclm-baseline.*is an absolute path/,
        stderrLines: 1,
        failedIngest: 'qa',
      };
    },
  },
  {
    id: 'qa-hostile-task-name',
    source: 'qa',
    what: 'QA tarball whose task name (from the member name) holds terminal escapes',
    async write(dir) {
      await writeTarball(
        join(dir, 'dclm-baseline', '150M', 'seed-2', 'step-1.tar.gz'),
        qaMembers('step-1/', (m) => ({ ...m, name: m.name.replace('arc_challenge', 'arc\u001b[2Jx') })),
      );
      return {
        args: ['ingest', 'qa', 'dclm-baseline/150M/seed-2/step-1.tar.gz'],
        exit: 2,
        message: /arc\\x1b\[2Jx-metrics\.json: tar member path segment .* contains a control character/,
        stderrLines: 1,
        failedIngest: 'qa',
      };
    },
  },
  {
    id: 'qa-deep-metrics',
    source: 'qa',
    what: `QA metrics.json whose task_config nests ${DEEP} deep`,
    async write(dir) {
      const step = join(dir, 'dclm-baseline', '150M', 'seed-2', 'step-1');
      mkdirSync(step, { recursive: true });
      for (const m of qaMembers('')) {
        const text = m.name.endsWith('metrics.json')
          ? m.bytes.toString().replace('"task_config":', `"deep":${deepObject(DEEP)},"task_config":`)
          : m.bytes.toString();
        writeFileSync(join(step, m.name), text);
      }
      return {
        args: ['ingest', 'qa', 'dclm-baseline/150M/seed-2/step-1'],
        exit: 2,
        message: /arc_challenge-metrics\.json:1: metrics\.json nests JSON deeper than 500 levels/,
        stderrLines: 1,
        failedIngest: 'qa',
      };
    },
  },
  {
    id: 'qa-deep-native-id',
    source: 'qa',
    what: `QA predictions line 7 whose native_id nests ${DEEP} deep (JSON.stringify overflowed the stack)`,
    async write(dir) {
      const step = join(dir, 'dclm-baseline', '150M', 'seed-2', 'step-1');
      mkdirSync(step, { recursive: true });
      for (const m of qaMembers('')) {
        const text = m.name.endsWith('predictions.jsonl')
          ? predictionsWithNativeId(7, deepArray(DEEP))
          : m.bytes.toString();
        writeFileSync(join(step, m.name), text);
      }
      return {
        args: ['ingest', 'qa', 'dclm-baseline/150M/seed-2/step-1'],
        exit: 2,
        message:
          /arc_challenge-predictions\.jsonl:7: predictions line native_id is JSON nested deeper than 500 levels/,
        stderrLines: 1,
        failedIngest: 'qa',
      };
    },
  },
  // ── tokenize ────────────────────────────────────────────────────────────────────────────────────────
  {
    id: 'tokenize-deep-line',
    source: 'tokenize',
    what: `tokenize of a JSONL whose line 2 carries a field nested ${DEEP} deep besides its text`,
    async write(dir) {
      mkdirSync(join(dir, 'corpus'));
      writeFileSync(
        join(dir, 'corpus', 'train.jsonl'),
        `${jsonl([{ text: 'hello' }])}{"text":"world","meta":${deepObject(DEEP)}}\n`,
      );
      return {
        args: [
          'tokenize',
          '--input',
          'corpus',
          '--output',
          'out',
          '--workers',
          '1',
          '--no-register',
          '--tokenizer',
          bundledLlama32TokenizerDir() ?? 'meta-llama/Llama-3.2-1B',
        ],
        exit: 0,
        message: /./,
        mayWrite: /^out(\/|$)/,
      };
    },
  },
];

/** Writes every attack into `<root>/<id>/` and the list of cases into `<root>/attacks.json`. */
export async function writeAllAttacks(root: string): Promise<void> {
  const cases: Record<string, unknown>[] = [];
  for (const attack of ATTACKS) {
    const dir = join(root, attack.id);
    mkdirSync(dir, { recursive: true });
    const c = await attack.write(dir);
    cases.push({ id: attack.id, source: attack.source, what: attack.what, ...c, message: String(c.message) });
  }
  writeFileSync(join(root, 'attacks.json'), `${JSON.stringify(cases, null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2];
  if (!root) {
    process.stderr.write('usage: node --import tsx scripts/make-hostile.ts <folder>\n');
    process.exitCode = 1;
  } else {
    await writeAllAttacks(resolve(root));
    process.stdout.write(`${ATTACKS.length} attacks written to ${root} (run each from its folder)\n`);
  }
}
