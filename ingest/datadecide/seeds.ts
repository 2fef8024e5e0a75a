/** DataDecide seeds: Hugging Face (and later datadec) name them, full_eval numbers them 0–4. Pure. */
import { sqlString } from '../../src/sql.ts';

/** datadec `SEED_MAP`: seed names → the 0–4 seed index of full_eval (0 = the default seed 6198). */
export const SEED_MAP: Readonly<Record<string, number>> = {
  default: 0,
  'small aux 2': 1,
  'small aux 3': 2,
  'large aux 2': 3,
  'large aux 3': 4,
};

/** SQL: a seed name → its index (NULL for an unknown name). */
export function seedNameToIndexSql(expr: string): string {
  return `CASE ${expr} ${Object.entries(SEED_MAP)
    .map(([name, index]) => `WHEN ${sqlString(name)} THEN ${index}`)
    .join(' ')} END`;
}

/** SQL: a full_eval seed as INTEGER, whether written as a number (0–4) or as a name ('default', …). */
export function seedIndexSql(expr: string): string {
  return `coalesce(TRY_CAST(${expr} AS INTEGER), ${seedNameToIndexSql(`${expr}::VARCHAR`)})`;
}
