import { sourcePlugin } from '../../src/source.ts';
import { qaSource } from './ingest.ts';

export const qaPlugin = sourcePlugin(qaSource);
