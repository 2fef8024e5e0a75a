import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { MlduckError } from '../errors.ts';
import type { CliContext, MlduckPlugin } from '../plugin.ts';
import { PACKAGE_ROOT } from '../version.ts';
import type { Warehouse } from '../warehouse.ts';
import { generateSchema } from './codegen.ts';
import { exportWarehouse, importWarehouse } from './export.ts';
import { generateInventory } from './inventory.ts';

export const DEFAULT_SCHEMA_PATH = join(PACKAGE_ROOT, 'src', 'db', 'schema.ts');
export const DEFAULT_INVENTORY_PATH = join(PACKAGE_ROOT, 'docs', 'DATA_INVENTORY.md');

/**
 * Formats generated TypeScript with the project's biome so the committed file passes `npm run lint`;
 * unchanged when biome is not installed (production installs without dev dependencies).
 */
export function formatTypeScript(text: string, path: string): string {
  const biome = join(PACKAGE_ROOT, 'node_modules', '.bin', 'biome');
  if (!existsSync(biome)) return text;
  const result = spawnSync(biome, ['format', `--stdin-file-path=${path}`], {
    input: text,
    cwd: PACKAGE_ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return result.status === 0 && result.stdout ? result.stdout : text;
}

async function withWarehouse<T>(ctx: CliContext, fn: (wh: Warehouse) => Promise<T>): Promise<T> {
  const wh = await ctx.openWarehouse({ readOnly: true });
  try {
    return await fn(wh);
  } finally {
    wh.close();
  }
}

/** Writes `text` to `path`, or with `check` fails (exit 2) when the file on disk differs. */
function writeOrCheck(path: string, text: string, check: boolean, what: string, regenerate: string): string {
  if (check) {
    const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
    if (current !== text) {
      throw new MlduckError(`${what} is stale: it differs from what the warehouse generates`, {
        kind: 'input',
        file: path,
        hint: `regenerate it: ${regenerate}`,
      });
    }
    return `${path} is up to date`;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return `wrote ${path}`;
}

/** inventory, codegen, export/import: the tools that read what the sources wrote. */
export const toolsPlugin: MlduckPlugin = {
  name: 'tools',
  registerCommands(program: Command, ctx: CliContext) {
    program
      .command('codegen')
      .description('generate the Kysely Database interface (src/db/schema.ts) from the warehouse catalog')
      .option('--out <file>', 'where to write', DEFAULT_SCHEMA_PATH)
      .option('--check', 'fail (exit 2) when the file differs from what the warehouse generates')
      .action(async (flags: { out: string; check?: boolean }) => {
        const text = formatTypeScript(
          await withWarehouse(ctx, (wh) => generateSchema(wh)),
          DEFAULT_SCHEMA_PATH,
        );
        ctx.out.info(
          writeOrCheck(flags.out, text, flags.check ?? false, 'the generated schema', 'mlduck codegen'),
        );
      });
    program
      .command('inventory')
      .description(
        'regenerate docs/DATA_INVENTORY.md: every table and view, rows, sources, schema, dataset files',
      )
      .option('--out <file>', 'where to write', DEFAULT_INVENTORY_PATH)
      .option('--check', 'fail (exit 2) when the file differs from what the warehouse generates')
      .option('--provenance', 'add each source file sha256 and ingest time (not deterministic)')
      .action(async (flags: { out: string; check?: boolean; provenance?: boolean }) => {
        const text = await withWarehouse(ctx, (wh) =>
          generateInventory(wh, { provenance: flags.provenance ?? false }),
        );
        ctx.out.info(
          writeOrCheck(flags.out, text, flags.check ?? false, 'the inventory', 'mlduck inventory'),
        );
      });
    program
      .command('export')
      .description(
        'write every table as zstd Parquet plus export_manifest.json (schema, comments, rows, lineage)',
      )
      .argument('<dir>', 'output folder (created; must be empty)')
      .option('--format <format>', 'file format (parquet only)', 'parquet')
      .option(
        '--partition-by <spec...>',
        'Hive partitioning: COLUMN (every table that has it) or TABLE=COL1,COL2',
        [] as string[],
      )
      .action(async (dir: string, flags: { format: string; partitionBy: string[] }) => {
        if (flags.format !== 'parquet') {
          throw new MlduckError(`unsupported --format ${flags.format}`, {
            kind: 'usage',
            hint: 'use parquet',
          });
        }
        const manifest = await withWarehouse(ctx, (wh) =>
          exportWarehouse(wh, dir, { partitionBy: flags.partitionBy }),
        );
        for (const t of manifest.tables) ctx.out.info(`${t.name}: ${t.rows} rows → ${t.path}`);
        ctx.out.data(
          `exported ${manifest.tables.length} tables and ${manifest.views.length} views to ${dir}`,
        );
      });
    program
      .command('import')
      .description('rebuild a warehouse (the --db path, which must not exist) from an `mlduck export` folder')
      .argument('<dir>', 'a folder written by mlduck export')
      .action(async (dir: string) => {
        const manifest = await importWarehouse(dir, ctx.dbPath);
        ctx.out.data(
          `imported ${manifest.tables.length} tables and ${manifest.views.length} views into ${ctx.dbPath}`,
        );
      });
  },
};
