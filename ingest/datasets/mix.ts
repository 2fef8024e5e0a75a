/**
 * `mlduck datasets mix`: the curriculum status of the quickstart — documents and tokens per category now,
 * against target shares, and what is missing. Pure computation here; the numbers come from
 * `datasets_category_stats` (curriculum *.stats.json, or tokenizer stats).
 */
import type { Warehouse } from '../../src/warehouse.ts';

/** The quickstart's table (data-pipeline-quickstart.md, "Dataset Categories"): note it sums to 90%. */
export const QUICKSTART_TARGETS: Readonly<Record<string, number>> = {
  instruction_chat: 35,
  code: 25,
  math_reasoning: 20,
  factual_qa: 10,
};

export interface CategoryAmount {
  category: string;
  documents: number | null;
  tokens: number | null;
}

export type MixMeasure = 'tokens' | 'documents';

export interface MixRow {
  category: string;
  documents: number | null;
  tokens: number | null;
  /** Share of the measure now, in percent of all categories. */
  share_pct: number;
  /** Target share in percent (after normalization when asked); null for categories without a target. */
  target_pct: number | null;
  /** The amount this category needs so that, without removing anything, every share meets its target. */
  target_amount: number | null;
  /** target_amount minus what there is (0 when at or above target). */
  missing: number | null;
}

export interface MixResult {
  measure: MixMeasure;
  rows: MixRow[];
  targetSumPct: number;
  normalized: boolean;
  /** The total the mix reaches when every missing amount is added. */
  totalNeeded: number;
  notes: string[];
}

/** Parses `category=35` or `category=35%`: percent numbers only, so a value has one meaning. */
export function parseTargets(specs: readonly string[]): Record<string, number> {
  const targets: Record<string, number> = {};
  for (const spec of specs) {
    const m = /^([^=]+)=(\d+(?:\.\d+)?)%?$/.exec(spec.trim());
    if (!m) throw new Error(`--target expects category=percent (e.g. code=25), got "${spec}"`);
    targets[m[1]!] = Number(m[2]);
  }
  return targets;
}

export function computeMix(
  amounts: readonly CategoryAmount[],
  targetsIn: Readonly<Record<string, number>>,
  options: { normalize?: boolean; measure?: MixMeasure } = {},
): MixResult {
  const notes: string[] = [];
  const targetSum = Object.values(targetsIn).reduce((a, b) => a + b, 0);
  const normalized = options.normalize === true && targetSum > 0 && Math.abs(targetSum - 100) > 1e-9;
  const targets: Record<string, number> = {};
  for (const [c, t] of Object.entries(targetsIn)) targets[c] = normalized ? (t * 100) / targetSum : t;
  if (Math.abs(targetSum - 100) > 1e-9) {
    notes.push(
      normalized
        ? `targets sum to ${round(targetSum)}%, normalized to 100% as asked (--normalize)`
        : `targets sum to ${round(targetSum)}%, not 100%: ${round(100 - targetSum)}% is left to categories without a target (pass --normalize to scale the targets to 100%)`,
    );
  }
  const byCategory = new Map<string, CategoryAmount>();
  for (const a of amounts) {
    const prev = byCategory.get(a.category);
    byCategory.set(a.category, {
      category: a.category,
      documents: sumNullable(prev?.documents, a.documents, prev === undefined),
      tokens: sumNullable(prev?.tokens, a.tokens, prev === undefined),
    });
  }
  for (const c of Object.keys(targets))
    if (!byCategory.has(c)) byCategory.set(c, { category: c, documents: 0, tokens: 0 });
  const withData = [...byCategory.values()].filter((a) => (a.documents ?? 0) > 0 || (a.tokens ?? 0) > 0);
  const measure: MixMeasure =
    options.measure ??
    (withData.length > 0 && withData.every((a) => a.tokens !== null) ? 'tokens' : 'documents');
  if (options.measure === undefined && measure === 'documents' && withData.length > 0) {
    notes.push('some categories have no token counts: the mix is measured in documents');
  }
  const value = (a: CategoryAmount): number => (measure === 'tokens' ? a.tokens : a.documents) ?? 0;
  const total = [...byCategory.values()].reduce((s, a) => s + value(a), 0);
  // The smallest total at which no category is above its share: nothing has to be removed.
  let needed = total;
  for (const [c, t] of Object.entries(targets))
    if (t > 0) needed = Math.max(needed, (value(byCategory.get(c)!) * 100) / t);
  const assigned = Object.values(targets).reduce((a, b) => a + b, 0);
  const untargeted = [...byCategory.values()]
    .filter((a) => !(a.category in targets))
    .reduce((s, a) => s + value(a), 0);
  if (untargeted > 0 && assigned < 100) needed = Math.max(needed, (untargeted * 100) / (100 - assigned));
  const rows: MixRow[] = [...byCategory.values()]
    .sort(
      (a, b) =>
        (targets[b.category] ?? -1) - (targets[a.category] ?? -1) || a.category.localeCompare(b.category),
    )
    .map((a) => {
      const t = targets[a.category];
      const targetAmount = t === undefined ? null : ceil((needed * t) / 100);
      return {
        category: a.category,
        documents: a.documents,
        tokens: a.tokens,
        share_pct: total > 0 ? round((value(a) * 100) / total) : 0,
        target_pct: t === undefined ? null : round(t),
        target_amount: targetAmount,
        missing: targetAmount === null ? null : Math.max(0, targetAmount - value(a)),
      };
    });
  if (total === 0)
    notes.push('no documents or tokens registered: run `mlduck datasets scan` on the curriculum folder');
  return { measure, rows, targetSumPct: round(targetSum), normalized, totalNeeded: ceil(needed), notes };
}

function sumNullable(a: number | null | undefined, b: number | null, first: boolean): number | null {
  if (first) return b;
  if (a === null || a === undefined || b === null) return null;
  return a + b;
}

const round = (x: number): number => Math.round(x * 100) / 100;
/** Ceiling that ignores floating-point dust (1800.0000000002 → 1800). */
const ceil = (x: number): number => Math.ceil(x - 1e-9);

export type MixBasis = 'auto' | 'raw' | 'tokenized';

/** Category amounts from the registry: tokenized stats when present (auto), else the raw downloads. */
export async function categoryAmounts(
  wh: Warehouse,
  basis: MixBasis = 'auto',
): Promise<{ basis: 'raw' | 'tokenized'; amounts: CategoryAmount[] }> {
  const hasTokenized =
    Number(
      await wh.scalar<bigint>("SELECT count(*) FROM datasets_category_stats WHERE basis = 'tokenized'"),
    ) > 0;
  const chosen = basis === 'auto' ? (hasTokenized ? 'tokenized' : 'raw') : basis;
  const rows = await wh.all<{
    category: string;
    documents: bigint | null;
    tokens: bigint | null;
    unknown_docs: bigint;
    unknown_tokens: bigint;
  }>(
    `SELECT category, sum(documents) AS documents, sum(tokens) AS tokens,
            count(*) FILTER (WHERE documents IS NULL) AS unknown_docs, count(*) FILTER (WHERE tokens IS NULL) AS unknown_tokens
     FROM datasets_category_stats WHERE basis IN (${chosen === 'tokenized' ? "'tokenized'" : "'raw', 'rows'"})
     GROUP BY category ORDER BY category`,
  );
  return {
    basis: chosen,
    amounts: rows.map((r) => ({
      category: r.category,
      documents: Number(r.unknown_docs) > 0 ? null : Number(r.documents ?? 0),
      tokens: Number(r.unknown_tokens) > 0 ? null : Number(r.tokens ?? 0),
    })),
  };
}
