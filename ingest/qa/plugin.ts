import type { MlduckPlugin } from '../../src/plugin.ts';

export const qaPlugin: MlduckPlugin = { name: 'qa' };
