import type { MlduckPlugin } from '../../src/plugin.ts';

export const wandbPlugin: MlduckPlugin = { name: 'wandb' };
