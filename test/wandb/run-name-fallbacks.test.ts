import { describe, expect, it } from 'vitest';
import { parseRunName } from '../../ingest/wandb/run-names.ts';

// Names no upstream pattern matches: upstream calls a run `old` when its name holds `main_default`, unless
// it is a DPO run or a reduce-loss run (those are `other`); everything else unmatched is `other`.
describe('run names no pattern matches', () => {
  const fallback = (id: string) => {
    const parsed = parseRunName(id);
    return { pattern: parsed.patternName, type: parsed.runType };
  };

  it('are `old` when they hold main_default', () => {
    expect(fallback('2025_08_18-22_30_05_allenai--DataDecide-dolma1_7-4M_main_default')).toEqual({
      pattern: null,
      type: 'old',
    });
    expect(fallback('x_main_default_y')).toEqual({ pattern: null, type: 'old' });
  });

  it('are `other` when they hold main_default but are DPO runs, wherever dpo appears', () => {
    expect(fallback('DataDecide-dolma1_7-4M_main_default_dpo')).toEqual({ pattern: null, type: 'other' });
    expect(fallback('dpo_DataDecide-dolma1_7-4M_main_default')).toEqual({ pattern: null, type: 'other' });
  });

  it('are `other` when they hold main_default but set --reduce_loss=', () => {
    expect(fallback('DataDecide-dolma1_7-4M_main_default_--reduce_loss=sum')).toEqual({
      pattern: null,
      type: 'other',
    });
    // Without the flag syntax the words alone do not exclude the run.
    expect(fallback('DataDecide-dolma1_7-4M_main_default_reduce_loss')).toEqual({
      pattern: null,
      type: 'old',
    });
  });

  it('are `other` without main_default', () => {
    expect(fallback('DataDecide-dolma1_7-4M_main')).toEqual({ pattern: null, type: 'other' });
    expect(fallback('main-default')).toEqual({ pattern: null, type: 'other' });
  });
});
