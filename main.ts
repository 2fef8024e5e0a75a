/**
 * The composition root: the plugins mlduck is made of, in demo order, and the CLI run with them. The core
 * (src/) imports no plugin; adding a source or a tool is one import and one entry here.
 */
import { datadecidePlugin } from './ingest/datadecide/plugin.ts';
import { datasetsPlugin } from './ingest/datasets/plugin.ts';
import { picklePlugin } from './ingest/pickle/plugin.ts';
import { qaPlugin } from './ingest/qa/plugin.ts';
import { tokenizePlugin } from './ingest/tokenize/plugin.ts';
import { wandbPlugin } from './ingest/wandb/plugin.ts';
import { plotPlugin } from './plot/plugin.ts';
import { pullPlugin } from './pull/plugin.ts';
import { runCli } from './src/cli.ts';
import type { MlduckPlugin } from './src/plugin.ts';
import { toolsPlugin } from './src/tools/plugin.ts';

/**
 * Sources first (pickles after W&B and DataDecide, whose tables they feed and join), then the tokenizer,
 * the datasets registry (which scans what tokenize wrote), pull, the tools, and the plots (which draw what
 * the sources loaded).
 */
export const PLUGINS: readonly MlduckPlugin[] = [
  wandbPlugin,
  datadecidePlugin,
  picklePlugin,
  qaPlugin,
  tokenizePlugin,
  datasetsPlugin,
  pullPlugin,
  toolsPlugin,
  plotPlugin,
];

/** Runs `mlduck` with every plugin; returns the exit code. */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, PLUGINS);
}
