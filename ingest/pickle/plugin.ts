import type { MlduckPlugin } from '../../src/plugin.ts';

export const picklePlugin: MlduckPlugin = { name: 'pickle' };
