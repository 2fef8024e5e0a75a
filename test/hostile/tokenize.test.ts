import { describe } from 'vitest';
import { runAttacks } from './attack-runner.ts';

describe('hostile tokenize inputs (scripts/make-hostile.ts) through the CLI', () => {
  runAttacks('tokenize');
});
