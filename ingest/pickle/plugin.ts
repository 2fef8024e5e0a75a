import { sourcePlugin } from '../../src/source.ts';
import { pickleSource } from './source.ts';

export const picklePlugin = sourcePlugin(pickleSource);
