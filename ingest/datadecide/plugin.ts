import type { MlduckPlugin } from '../../src/plugin.ts';

export const datadecidePlugin: MlduckPlugin = { name: 'datadecide' };
