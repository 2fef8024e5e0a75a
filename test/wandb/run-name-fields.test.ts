import { describe, expect, it } from 'vitest';
import { parseNameTimestamp, parseRunName, parseTokenCount } from '../../ingest/wandb/run-names.ts';

// The fields a matched run name yields when the name leaves them out: upstream's defaults.
describe('fields a pattern leaves out', () => {
  const fields = (id: string) => {
    const r = parseRunName(id);
    return {
      pattern: r.patternName,
      steps: r.initialCheckpointSteps,
      raw: r.numFinetuneTokensRaw,
      perEpoch: r.numFinetuneTokensPerEpoch,
      epochs: r.numFinetuneEpochs,
      tokens: r.numFinetuneTokens,
      comparison: [r.comparisonModelSize, r.comparisonModelRecipe, r.comparisonMetric],
    };
  };
  const noComparison = [null, null, null];

  it('a DPO run without fine-tune tokens has no token counts at all', () => {
    expect(fields('2025_08_20-10_00_00_test_dpo_DD-dolma1_7-4M_main_default')).toEqual({
      pattern: 'DPO1_PATTERN',
      steps: 'main',
      raw: null,
      perEpoch: null,
      epochs: null,
      tokens: null,
      comparison: noComparison,
    });
  });

  it('tokens without epochs mean one epoch', () => {
    expect(
      fields('2025_08_20-10_00_00_test_finetune_DD-dolma1_7-4M_main_100M_toks_--learning_rate=5e-07'),
    ).toEqual({
      pattern: 'FT3_PATTERN',
      steps: 'main',
      raw: '100M',
      perEpoch: 1e8,
      epochs: 1,
      tokens: 1e8,
      comparison: noComparison,
    });
  });

  it('Ft is the full fine-tune dataset, two epochs, from the main checkpoint when no steps are named', () => {
    expect(fields('2025_08_30-16_54_48_test_finetune_DD-dolma1_7-4M_Ft_--learning_rate=5e-05')).toEqual({
      pattern: 'FT4_PATTERN',
      steps: 'main',
      raw: 'Ft',
      perEpoch: 665_127_434,
      epochs: 2,
      tokens: 2 * 665_127_434,
      comparison: noComparison,
    });
  });

  it('a learning rate the pattern captures but that is no number is null', () => {
    expect(
      parseRunName('2025_08_30-16_54_48_test_finetune_DD-dolma1_7-4M_Ft_--learning_rate=e-').lr,
    ).toBeNull();
    expect(
      parseRunName('2025_08_30-16_54_48_test_finetune_DD-dolma1_7-4M_Ft_--learning_rate=1e-').lr,
    ).toBeNull();
  });

  it('keeps only the groups the name filled', () => {
    const r = parseRunName('2025_08_30-16_54_48_test_finetune_DD-dolma1_7-4M_Ft_--learning_rate=5e-05');
    expect(Object.keys(r.fields).sort()).toEqual(
      ['exp_name', 'initial_checkpoint_recipe', 'initial_checkpoint_size', 'lr', 'timestamp'].sort(),
    );
  });
});

describe('token counts', () => {
  it.each([
    ['1.25M', 1.25e6],
    ['2.5B', 2.5e9],
    ['3G', 3e9],
    ['100', 100],
    ['x100M', null],
    ['100Mx', null],
    ['1.M', null],
    ['M', null],
  ])('parseTokenCount(%s) = %s', (text, value) => {
    expect(parseTokenCount(text)).toBe(value);
  });
});

describe('name timestamps', () => {
  it.each([
    ['250912-235959', '2025-09-12 23:59:59'],
    ['2024_02_29-00_00_00', '2024-02-29 00:00:00'],
    ['x250912-172812', null],
    ['250912-172812x', null],
    ['x2025_09_12-17_28_12', null],
    ['2025_09_12-17_28_12x', null],
    ['250912-240000', null],
    ['250912-236000', null],
    ['250912-235960', null],
    ['250912-126000', null],
    ['250912-125960', null],
    ['250230-120000', null],
    ['251312-120000', null],
    ['2025_02_29-00_00_00', null],
    ['2025_12_32-00_00_00', null],
    ['abc', null],
  ])('parseNameTimestamp(%s) = %s', (text, value) => {
    expect(parseNameTimestamp(text)).toBe(value);
  });
});
