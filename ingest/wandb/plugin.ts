import { sourcePlugin } from '../../src/source.ts';
import { wandbSource } from './ingest.ts';

export const wandbPlugin = sourcePlugin(wandbSource);
