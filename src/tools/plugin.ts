import type { MlduckPlugin } from '../plugin.ts';

/** inventory, codegen, export/import: the tools that read what the sources wrote. */
export const toolsPlugin: MlduckPlugin = { name: 'tools' };
