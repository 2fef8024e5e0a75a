import { describe, expect, it } from 'vitest';
import { computeMix, parseTargets, QUICKSTART_TARGETS } from '../../ingest/datasets/mix.ts';

describe('computeMix', () => {
  const amounts = [
    { category: 'instruction_chat', documents: 10, tokens: 700 },
    { category: 'code', documents: 5, tokens: 100 },
    { category: 'math_reasoning', documents: 2, tokens: 200 },
  ];

  it('says the quickstart targets sum to 90% and leaves 10% unassigned unless asked to normalize', () => {
    const mix = computeMix(amounts, QUICKSTART_TARGETS);
    expect(mix.targetSumPct).toBe(90);
    expect(mix.normalized).toBe(false);
    expect(mix.notes[0]).toMatch(/sum to 90%, not 100%: 10% is left/);
    expect(mix.measure).toBe('tokens');
    // instruction_chat is the binding category: 700 / 35% = 2000 tokens in total
    expect(mix.totalNeeded).toBe(2000);
    const by = Object.fromEntries(mix.rows.map((r) => [r.category, r]));
    expect(by['instruction_chat']).toMatchObject({
      share_pct: 70,
      target_pct: 35,
      target_amount: 700,
      missing: 0,
    });
    expect(by['code']).toMatchObject({ target_amount: 500, missing: 400 });
    expect(by['math_reasoning']).toMatchObject({ target_amount: 400, missing: 200 });
    expect(by['factual_qa']).toMatchObject({ tokens: 0, target_amount: 200, missing: 200 });
  });

  it('normalizes only when asked', () => {
    const mix = computeMix(amounts, QUICKSTART_TARGETS, { normalize: true });
    expect(mix.normalized).toBe(true);
    expect(mix.rows.reduce((s, r) => s + (r.target_pct ?? 0), 0)).toBeCloseTo(100, 1);
    expect(mix.totalNeeded).toBe(1800); // 700 / (35/90)
  });

  it('falls back to documents when token counts are missing, and counts untargeted categories', () => {
    const mix = computeMix([...amounts, { category: 'custom', documents: 3, tokens: null }], {
      instruction_chat: 50,
      code: 40,
    });
    expect(mix.measure).toBe('documents');
    expect(mix.notes).toContain('some categories have no token counts: the mix is measured in documents');
    // untargeted math_reasoning + custom (5 docs) may take 10%: 50 docs; instruction_chat 10/50% = 20 → 50 wins
    expect(mix.totalNeeded).toBe(50);
    expect(mix.rows.find((r) => r.category === 'code')).toMatchObject({ target_amount: 20, missing: 15 });
  });

  it('parses targets', () => {
    expect(parseTargets(['code=25', 'math_reasoning=20%'])).toEqual({ code: 25, math_reasoning: 20 });
    expect(() => parseTargets(['code'])).toThrow(/category=percent/);
  });
});
