import type { MlduckPlugin } from '../../src/plugin.ts';

export const tokenizePlugin: MlduckPlugin = { name: 'tokenize' };
