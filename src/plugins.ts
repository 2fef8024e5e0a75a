import { datadecidePlugin } from '../ingest/datadecide/plugin.ts';
import { datasetsPlugin } from '../ingest/datasets/plugin.ts';
import { picklePlugin } from '../ingest/pickle/plugin.ts';
import { qaPlugin } from '../ingest/qa/plugin.ts';
import { tokenizePlugin } from '../ingest/tokenize/plugin.ts';
import { wandbPlugin } from '../ingest/wandb/plugin.ts';
import { pullPlugin } from '../pull/plugin.ts';
import type { MlduckPlugin } from './plugin.ts';
import { toolsPlugin } from './tools/plugin.ts';

/**
 * Every plugin, in demo order: sources first (pickles after W&B and DataDecide, whose tables they feed
 * and join), then the tokenizer, the datasets registry (which scans what tokenize wrote), then the tools.
 * Adding a source is one import and one entry here; the core never imports a source otherwise.
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
];
