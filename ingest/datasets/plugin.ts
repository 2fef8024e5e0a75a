import type { MlduckPlugin } from '../../src/plugin.ts';

export const datasetsPlugin: MlduckPlugin = { name: 'datasets' };
