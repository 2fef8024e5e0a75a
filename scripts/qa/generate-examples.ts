/**
 * examples/qa: OLMES per-question outputs for 2 recipes × 2 sizes × 2 steps × 3 tasks (default seed), as
 * an extracted tree (tree/<recipe>/<params>/seed-2/step-<N>/<task>-…) and as the per-recipe tarballs
 * Hugging Face serves (tarballs/<recipe>.tar.gz, members <recipe>/<params>/seed-2/step-<N>.tar.gz).
 * Byte-stable: rerunning rewrites identical files.
 *
 *   node --import tsx scripts/qa/generate-examples.ts
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CheckpointSpec, checkpointMembers, EXAMPLE_TASKS, type TarMember, tarGz } from './olmes.ts';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'qa');
export const EXAMPLE_RECIPES = ['dclm-baseline', 'dolma1.7'];
export const EXAMPLE_SIZES = ['150M', '530M'];
export const EXAMPLE_STEPS = [1250, 2500];
const SEED_DIR = 2;

rmSync(out, { recursive: true, force: true });
for (const recipe of EXAMPLE_RECIPES) {
  const recipeMembers: TarMember[] = [];
  for (const params of EXAMPLE_SIZES) {
    for (const step of EXAMPLE_STEPS) {
      const ckpt: CheckpointSpec = { recipe, params, seedDir: SEED_DIR, step };
      const members = checkpointMembers(ckpt, EXAMPLE_TASKS);
      for (const m of members) {
        const path = join(out, 'tree', recipe, params, `seed-${SEED_DIR}`, m.name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, m.bytes);
      }
      recipeMembers.push({
        name: `${recipe}/${params}/seed-${SEED_DIR}/step-${step}.tar.gz`,
        bytes: await tarGz(members),
      });
    }
  }
  mkdirSync(join(out, 'tarballs'), { recursive: true });
  writeFileSync(join(out, 'tarballs', `${recipe}.tar.gz`), await tarGz(recipeMembers));
}
console.log(`wrote ${out}`);
