import { describe } from 'vitest';
import { runAttacks } from './attack-runner.ts';

describe('hostile wandb inputs (scripts/make-hostile.ts) through the CLI', () => {
  runAttacks('wandb');
});
