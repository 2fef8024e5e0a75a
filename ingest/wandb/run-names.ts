/**
 * The upstream run-id classifier (dr_showntell `run_id_parsing.py`, see
 * reference/upstream-sources.md §4.1) as a pure, table-driven function: the patterns are tried in the
 * upstream order, the first match wins; `old` and `other` are fallbacks, never errors.
 */

export type RunType =
  | 'dpo'
  | 'matched'
  | 'reduce_type'
  | 'simple_ft_vary_tokens'
  | 'simple_ft'
  | 'old'
  | 'other';

export interface ParsedRunName {
  runId: string;
  runType: RunType;
  patternName: string | null;
  /** Launch time from the name prefix, as written (no time zone): `YYYY-MM-DD HH:MM:SS`. */
  nameTimestamp: string | null;
  expName: string | null;
  initialCheckpointRecipe: string | null;
  initialCheckpointRecipeRaw: string | null;
  initialCheckpointSize: string | null;
  initialCheckpointSteps: string | null;
  seed: string | null;
  lr: number | null;
  lr1: number | null;
  lr2: number | null;
  numFinetuneTokensRaw: string | null;
  numFinetuneTokensPerEpoch: number | null;
  numFinetuneEpochs: number | null;
  numFinetuneTokens: number | null;
  comparisonModelSize: string | null;
  comparisonModelRecipe: string | null;
  comparisonMetric: string | null;
  reduceLoss: string | null;
  /** Every named group of the matching pattern, raw. */
  fields: Record<string, string>;
}

// Building blocks, spelled like the upstream constants so the two can be compared side by side.
const TS6 = String.raw`(?<timestamp>\d{6}-\d{6})`;
const TS8 = String.raw`(?<timestamp>\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2})`;
const EXP = String.raw`(?<exp_name>[\w_]+)`;
const CMP_SIZE = String.raw`(?<comparison_model_size>\d+[MB])`;
const CMP_RECIPE = String.raw`(?<comparison_model_recipe>[\w_]+)`;
const CMP_RECIPE_DASH = String.raw`(?<comparison_model_recipe>[\w-]+)`;
const CK_RECIPE = String.raw`(?<initial_checkpoint_recipe>[\w_]+)`;
const CK_RECIPE_DASH = String.raw`(?<initial_checkpoint_recipe>[\w-]+)`;
const CK_SIZE = String.raw`(?<initial_checkpoint_size>\d+[MB])`;
const CK_STEPS = String.raw`(?<initial_checkpoint_steps>\d+)`;
const CK_STEPS_WORD = String.raw`(?<initial_checkpoint_steps>\w+)`;
const SEED = String.raw`(?<seed>\d+)`;
const LR = '(?<lr>[0-9.e-]+)';
const LR1 = '(?<lr1>[0-9.e-]+)';
const LR2 = '(?<lr2>[0-9.e-]+)';
const FT_TOK_EP8 = String.raw`(?<num_finetune_tokens>\d+[MB])tx(?<num_finetune_epochs>\d+)`;
const FT_TOK_EP6 = String.raw`(?<num_finetune_tokens>\d+[MG])tx(?<num_finetune_epochs>\d+)`;
const FT_TOK8 = String.raw`(?<num_finetune_tokens>\d+[MB])`;
const FT_TOK_GT = String.raw`(?<num_finetune_tokens>\d+[MG]t)`;
const FT_TOK_SIMPLE = String.raw`(?<num_finetune_tokens>\d+)`;
const REDUCE = String.raw`(?<reduce_loss>\w+)`;

const TS6_EXP = `${TS6}_${EXP}`;
const TS8_EXP = `${TS8}_${EXP}`;
const LR_SUFFIX = `_lr=${LR}`;
const LR_FLAG = `_--learning_rate=${LR}`;
const LR_EQUAL = `_learning_rate=${LR}`;
const FINETUNE_FT = '_finetune_Ft';
const FINETUNE_TOKENS6 = `_finetune_${FT_TOK_EP6}`;
const DD_STEPS_WORD = `DD-${CK_RECIPE}-${CK_SIZE}`;
const DD_FULL = `DD-${CK_RECIPE}-${CK_SIZE}-${CK_STEPS}-${SEED}`;
const DD_CMP6 = `DD-${CMP_RECIPE_DASH}-${CMP_SIZE}`;
const DD_CMP8 = `DD-${CMP_RECIPE}-${CMP_SIZE}`;
const MATCHED_PREFIX6 = `${TS6_EXP}_${CMP_SIZE}`;
const MATCHED_PREFIX_RECIPE = `${TS6_EXP}_${CMP_SIZE}_${CMP_RECIPE}`;

interface PatternRow {
  name: string;
  runType: RunType;
  regex: RegExp;
  /** Names with `Ft` fine-tune on the full dataset: FT_DATASET_TOKENS × 2 epochs (upstream rule). */
  fullDataset: boolean;
}

const row = (name: string, runType: RunType, body: string): PatternRow => ({
  name,
  runType,
  regex: new RegExp(`^${body}$`),
  fullDataset: /(^|_)Ft(_|$)/.test(body.replace(/\(\?<[^>]+>[^)]*\)/g, 'X')),
});

/** The upstream patterns in the upstream order (first match wins). */
export const RUN_NAME_PATTERNS: readonly PatternRow[] = [
  row('DPO1_PATTERN', 'dpo', `${TS8_EXP}_${DD_STEPS_WORD}_${CK_STEPS_WORD}_default`),
  row(
    'DPO2_PATTERN',
    'dpo',
    `${TS8_EXP}_dd__${CK_RECIPE}-${CK_SIZE}__${CK_STEPS_WORD}__${FT_TOK_GT}_lr=${LR1}_default_--learning_rate=${LR2}`,
  ),
  row('MATCHED1_PATTERN', 'matched', `${MATCHED_PREFIX_RECIPE}${FINETUNE_TOKENS6}_${DD_FULL}`),
  row('MATCHED2_PATTERN', 'matched', `${MATCHED_PREFIX_RECIPE}${FINETUNE_FT}_${DD_FULL}`),
  row('MATCHED3_PATTERN', 'matched', `${MATCHED_PREFIX6}${FINETUNE_FT}_${DD_FULL}${LR_SUFFIX}`),
  row('MATCHED4_PATTERN', 'matched', `${MATCHED_PREFIX6}${FINETUNE_TOKENS6}_${DD_FULL}`),
  row('MATCHED5_PATTERN', 'matched', `${MATCHED_PREFIX6}${FINETUNE_FT}_${DD_FULL}`),
  row('MATCHED6_PATTERN', 'matched', `${TS6_EXP}_${DD_CMP6}_Ft_${DD_FULL}${LR_SUFFIX}`),
  row('MATCHED7_PATTERN', 'matched', `${TS8_EXP}_${DD_CMP8}_Ft_${DD_FULL}${LR_SUFFIX}`),
  row('MATCHED8_PATTERN', 'matched', `${MATCHED_PREFIX6}${FINETUNE_TOKENS6}_${DD_FULL}${LR_SUFFIX}`),
  row(
    'REDUCE_LOSS_PATTERN',
    'reduce_type',
    `${TS8_EXP}_${DD_STEPS_WORD}_${CK_STEPS_WORD}_default_--max_train_samples=${FT_TOK_SIMPLE}_--reduce_loss=${REDUCE}`,
  ),
  row(
    'FT1_PATTERN',
    'simple_ft_vary_tokens',
    `${TS8_EXP}_${DD_STEPS_WORD}_${CK_STEPS_WORD}_${FT_TOK8}tx(?<num_finetune_epochs>\\d+)${LR_FLAG}`,
  ),
  row(
    'FT3_PATTERN',
    'simple_ft_vary_tokens',
    `${TS8_EXP}_${DD_STEPS_WORD}_${CK_STEPS_WORD}_${FT_TOK8}_toks${LR_FLAG}`,
  ),
  row('FT6_PATTERN', 'simple_ft_vary_tokens', `${TS6_EXP}_${FT_TOK_EP8}_${DD_FULL}${LR_SUFFIX}`),
  row('FT4_PATTERN', 'simple_ft', `${TS8_EXP}_${DD_STEPS_WORD}_Ft${LR_FLAG}`),
  row('FT5_PATTERN', 'simple_ft', `${TS6_EXP}_DD-${CK_RECIPE_DASH}-${CK_SIZE}_Ft${LR_EQUAL}`),
  row('FT7_PATTERN', 'simple_ft', `${TS6_EXP}_Ft_${DD_FULL}${LR_SUFFIX}`),
];

/**
 * Recipe spellings in run names → DataDecide display names (the `data` values of full_eval). Lookup is on
 * the lower-cased spelling; unknown spellings are kept as written.
 */
export const RECIPE_MAPPING: Readonly<Record<string, string>> = {
  d17: 'Dolma1.7',
  dolma17: 'Dolma1.7',
  dolma1_7: 'Dolma1.7',
  'dolma1.7': 'Dolma1.7',
  'dolma1-7': 'Dolma1.7',
  d16: 'Dolma1.6++',
  'dolma1.6++': 'Dolma1.6++',
  dolma1_6: 'Dolma1.6++',
  c4: 'C4',
  dclm: 'DCLM-Baseline',
  'dclm-baseline': 'DCLM-Baseline',
  dclm_baseline: 'DCLM-Baseline',
  falcon: 'Falcon',
  'falcon-with-cc': 'Falcon+CC',
  'fineweb-edu': 'FineWeb-Edu',
  fineweb_edu: 'FineWeb-Edu',
  'fineweb-pro': 'FineWeb-Pro',
  fineweb_pro: 'FineWeb-Pro',
};

/** Tokens in the fine-tune runs named `Ft` (the full dataset), per upstream; trained for 2 epochs. */
export const FT_DATASET_TOKENS = 665_127_434;
const FT_DATASET_EPOCHS = 2;

const TOKEN_SUFFIX: Readonly<Record<string, number>> = { M: 1e6, B: 1e9, G: 1e9 };

/**
 * "100M" → 1e8, "1G"/"1B" → 1e9; a trailing `t` ("100Mt") multiplies by 1e12 more: the upstream parser's
 * `T` branch did that, and downstream tables were built with it, so it is kept.
 */
export function parseTokenCount(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)([MBG])?(t|T)?$/.exec(text);
  if (!m) return null;
  let value = Number(m[1]);
  if (m[2]) value *= TOKEN_SUFFIX[m[2]] ?? 1;
  if (m[3]) value *= 1e12;
  return value;
}

/** `250912-172812` or `2025_09_12-17_28_12` → `2025-09-12 17:28:12`; null when not a valid date. */
export function parseNameTimestamp(text: string): string | null {
  let m = /^(\d{2})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(text);
  let parts: string[] | null = m ? [`20${m[1]}`, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!] : null;
  if (!parts) {
    m = /^(\d{4})_(\d{2})_(\d{2})-(\d{2})_(\d{2})_(\d{2})$/.exec(text);
    parts = m ? [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!, m[6]!] : null;
  }
  if (!parts) return null;
  const [y, mo, d, h, mi, s] = parts.map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (
    date.getUTCFullYear() !== y ||
    date.getUTCMonth() !== mo - 1 ||
    date.getUTCDate() !== d ||
    h > 23 ||
    mi > 59 ||
    s > 59
  ) {
    return null;
  }
  return `${parts[0]}-${parts[1]}-${parts[2]} ${parts[3]}:${parts[4]}:${parts[5]}`;
}

/** Matched runs: `c4` → `c4_en-valppl`, `<x>` → `<x>-valppl`, none → `pile-valppl` (upstream defaults). */
export function comparisonMetricFor(recipe: string | undefined): string {
  if (!recipe) return 'pile-valppl';
  if (recipe.toLowerCase() === 'c4') return 'c4_en-valppl';
  return `${recipe}-valppl`;
}

function toNumber(text: string | undefined): number | null {
  if (text === undefined) return null;
  const n = Number(text);
  return Number.isFinite(n) && text.trim() !== '' ? n : null;
}

function mapRecipe(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  return RECIPE_MAPPING[raw.toLowerCase()] ?? raw;
}

function emptyResult(runId: string, runType: RunType): ParsedRunName {
  return {
    runId,
    runType,
    patternName: null,
    nameTimestamp: null,
    expName: null,
    initialCheckpointRecipe: null,
    initialCheckpointRecipeRaw: null,
    initialCheckpointSize: null,
    initialCheckpointSteps: null,
    seed: null,
    lr: null,
    lr1: null,
    lr2: null,
    numFinetuneTokensRaw: null,
    numFinetuneTokensPerEpoch: null,
    numFinetuneEpochs: null,
    numFinetuneTokens: null,
    comparisonModelSize: null,
    comparisonModelRecipe: null,
    comparisonMetric: null,
    reduceLoss: null,
    fields: {},
  };
}

/** Classifies and parses one run id. Never throws: what no pattern matches is `old` or `other`. */
export function parseRunName(runId: string): ParsedRunName {
  for (const pattern of RUN_NAME_PATTERNS) {
    const match = pattern.regex.exec(runId);
    if (!match?.groups) continue;
    const g: Record<string, string> = {};
    for (const [k, v] of Object.entries(match.groups)) if (v !== undefined) g[k] = v;
    const result = emptyResult(runId, pattern.runType);
    result.patternName = pattern.name;
    result.fields = g;
    result.nameTimestamp = g['timestamp'] ? parseNameTimestamp(g['timestamp']) : null;
    result.expName = g['exp_name'] ?? null;
    result.initialCheckpointRecipeRaw = g['initial_checkpoint_recipe'] ?? null;
    result.initialCheckpointRecipe = mapRecipe(g['initial_checkpoint_recipe']);
    result.initialCheckpointSize = g['initial_checkpoint_size'] ?? null;
    result.initialCheckpointSteps = g['initial_checkpoint_steps'] ?? 'main';
    result.seed = g['seed'] ?? null;
    result.lr = toNumber(g['lr']);
    result.lr1 = toNumber(g['lr1']);
    result.lr2 = toNumber(g['lr2']);
    result.reduceLoss = g['reduce_loss'] ?? null;

    if (pattern.fullDataset) {
      result.numFinetuneTokensRaw = 'Ft';
      result.numFinetuneTokensPerEpoch = FT_DATASET_TOKENS;
      result.numFinetuneEpochs = FT_DATASET_EPOCHS;
    } else if (g['num_finetune_tokens'] !== undefined) {
      result.numFinetuneTokensRaw = g['num_finetune_tokens'];
      result.numFinetuneTokensPerEpoch = parseTokenCount(g['num_finetune_tokens']);
      result.numFinetuneEpochs = toNumber(g['num_finetune_epochs'] ?? '1');
    }
    if (result.numFinetuneTokensPerEpoch !== null && result.numFinetuneEpochs !== null) {
      result.numFinetuneTokens = result.numFinetuneTokensPerEpoch * result.numFinetuneEpochs;
    }
    if (g['comparison_model_size'] !== undefined) {
      result.comparisonModelSize = g['comparison_model_size'];
      result.comparisonMetric = comparisonMetricFor(g['comparison_model_recipe']);
      result.comparisonModelRecipe = 'Dolma1.7';
    }
    return result;
  }
  if (runId.includes('main_default') && !runId.includes('dpo') && !runId.includes('--reduce_loss=')) {
    return emptyResult(runId, 'old');
  }
  return emptyResult(runId, 'other');
}
