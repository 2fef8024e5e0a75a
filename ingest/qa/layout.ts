/**
 * Where an OLMES task file sits says what it is: `…/<recipe>/<params>/seed-<n>/step-<N>/<task>-metrics.json`
 * (and `-predictions.jsonl`), in extracted trees and inside the per-checkpoint / per-recipe tarballs of
 * `allenai/DataDecide-eval-instances` (upstream-sources.md §5.2). Pure: no I/O.
 */
import { safeSegment } from '../../src/confine.ts';
import { MlduckError } from '../../src/errors.ts';

/** `configs/olmes.toml [recipe_map]`: recipe directory → the DataDecide display name used by `pretrain_*`. */
export const RECIPE_DISPLAY_NAMES: Readonly<Record<string, string>> = {
  c4: 'C4',
  'dclm-baseline': 'DCLM-Baseline',
  'dclm-baseline-25p-dolma1.7-75p': 'DCLM-Baseline 25% / Dolma 75%',
  'dclm-baseline-50p-dolma1.7-50p': 'DCLM-Baseline 50% / Dolma 50%',
  'dclm-baseline-75p-dolma1.7-25p': 'DCLM-Baseline 75% / Dolma 25%',
  'dclm-baseline-top-10p': 'DCLM-Baseline (QC 10%)',
  'dclm-baseline-top-20p': 'DCLM-Baseline (QC 20%)',
  'dclm-baseline-top-fw-10p': 'DCLM-Baseline (QC FW 10%)',
  'dclm-baseline-top-fw-3p': 'DCLM-Baseline (QC FW 3%)',
  'dclm-baseline-top-fw2-7p': 'DCLM-Baseline (QC 7%, FW2)',
  'dclm-baseline-top-fw3-7p': 'DCLM-Baseline (QC 7%, FW3)',
  'dolma1.6++': 'Dolma1.6++',
  'dolma1.7': 'Dolma1.7',
  'dolma1.7-no-code': 'Dolma1.7 (no code)',
  'dolma1.7-no-flan': 'Dolma1.7 (no Flan)',
  'dolma1.7-no-math-no-code': 'Dolma1.7 (no math, code)',
  'dolma1.7-no-reddit': 'Dolma1.7 (no Reddit)',
  falcon: 'Falcon',
  'falcon-with-cc': 'Falcon+CC',
  'falcon-with-cc-top-10p': 'Falcon+CC (QC 10%)',
  'falcon-with-cc-top-20p': 'Falcon+CC (QC 20%)',
  'falcon-with-cc-top-orig-10p': 'Falcon+CC (QC Orig 10%)',
  'falcon-with-cc-top-tulu-10p': 'Falcon+CC (QC Tulu 10%)',
  'fineweb-edu': 'FineWeb-Edu',
  'fineweb-pro': 'FineWeb-Pro',
};

/**
 * `[seed_map]`: the number in `seed-<n>` → the DataDecide seed name, and that name's 0–4 index in
 * `full_eval` (datadec `SEED_MAP`), which is how `pretrain_checkpoints.seed` numbers seeds.
 */
export const SEED_DIRS: Readonly<Record<number, { name: string; index: number }>> = {
  2: { name: 'default', index: 0 },
  14: { name: 'small aux 2', index: 1 },
  15: { name: 'small aux 3', index: 2 },
  4: { name: 'large aux 2', index: 3 },
  5: { name: 'large aux 3', index: 4 },
};

export type TaskFileKind = 'metrics' | 'predictions';

/** The identity of one task's output at one checkpoint, from the layout. */
export interface TaskKey {
  /** The recipe directory name, lower-cased (`dclm-baseline`); upstream tarballs vary its case. */
  recipe: string;
  /** The display name (`DCLM-Baseline`), or null for a recipe outside the map. */
  data: string | null;
  params: string;
  /** The number in `seed-<n>`. */
  seedDir: number;
  seedName: string;
  /** 0–4, as `pretrain_checkpoints.seed`. */
  seed: number;
  step: number;
  task: string;
}

export interface TaskFileRef extends TaskKey {
  kind: TaskFileKind;
}

const FILE_RE = /^(.+)-(metrics\.json|predictions\.jsonl)$/;
const STEP_RE = /^step-(\d+)$/;
const SEED_RE = /^seed-(\d+)$/;
const PARAMS_RE = /^\d+(?:\.\d+)?[MB]$/;

export const EXPECTED_LAYOUT =
  '<recipe>/<params>/seed-<n>/step-<N>/<task>-metrics.json | <task>-predictions.jsonl (e.g. dclm-baseline/150M/seed-14/step-25000/arc_challenge-predictions.jsonl)';

/** Is this file name one of the two OLMES task files? */
export function isTaskFileName(name: string): boolean {
  return FILE_RE.test(name);
}

/**
 * Parses the last five segments of a slash-separated path (a disk path, or a tarball's location joined
 * with its member names). `where` names the input for errors.
 */
export function parseTaskFilePath(path: string, where: string): TaskFileRef {
  const parts = path.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  const fail = (what: string): never => {
    throw new MlduckError(`layout does not match: ${what} in ${path}`, {
      file: where,
      hint: `expected …/${EXPECTED_LAYOUT}`,
    });
  };
  if (parts.length < 5) fail('fewer than five path segments');
  const [recipeDir, params, seedPart, stepPart, fileName] = parts.slice(-5) as [
    string,
    string,
    string,
    string,
    string,
  ];
  // Each becomes a stored name (recipe, params, task) or a number: one plain segment, no control characters.
  for (const part of [recipeDir, params, seedPart, stepPart, fileName]) {
    safeSegment(part, 'layout segment', { file: where });
  }
  const file = FILE_RE.exec(fileName);
  if (!file) return fail(`"${fileName}" is not <task>-metrics.json or <task>-predictions.jsonl`);
  const step = STEP_RE.exec(stepPart);
  if (!step) return fail(`"${stepPart}" is not step-<N>`);
  const seed = SEED_RE.exec(seedPart);
  if (!seed) return fail(`"${seedPart}" is not seed-<n>`);
  if (!PARAMS_RE.test(params)) fail(`"${params}" is not a model size such as 150M or 1B`);
  const seedDir = Number(seed[1]);
  const seedInfo = SEED_DIRS[seedDir];
  if (!seedInfo) {
    fail(
      `seed-${seedDir} is not a DataDecide seed directory (${Object.keys(SEED_DIRS)
        .map((s) => `seed-${s}`)
        .join(', ')})`,
    );
  }
  const recipe = recipeDir.toLowerCase();
  return {
    recipe,
    data: RECIPE_DISPLAY_NAMES[recipe] ?? null,
    params,
    seedDir,
    seedName: seedInfo?.name ?? '',
    seed: seedInfo?.index ?? -1,
    step: Number(step[1]),
    task: file[1] as string,
    kind: file[2] === 'metrics.json' ? 'metrics' : 'predictions',
  };
}

/** `recipe/params/seed-n/step-N/task`: a task's key as one string (maps, messages). */
export function taskKeyString(key: TaskKey): string {
  return `${key.recipe}/${key.params}/seed-${key.seedDir}/step-${key.step}/${key.task}`;
}
