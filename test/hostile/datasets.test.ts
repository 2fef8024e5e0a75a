import { describe } from 'vitest';
import { runAttacks } from './attack-runner.ts';

describe('hostile datasets inputs (scripts/make-hostile.ts) through the CLI', () => {
  runAttacks('datasets');
});
