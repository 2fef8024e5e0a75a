import { describe } from 'vitest';
import { runAttacks } from './attack-runner.ts';

describe('hostile qa inputs (scripts/make-hostile.ts) through the CLI', () => {
  runAttacks('qa');
});
