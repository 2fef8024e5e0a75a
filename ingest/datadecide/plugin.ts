import { sourcePlugin } from '../../src/source.ts';
import { datadecideSource } from './ingest.ts';

export const datadecidePlugin = sourcePlugin(datadecideSource);
