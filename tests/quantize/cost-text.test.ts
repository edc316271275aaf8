// "int8 costs −0.35 points" when int8 gained: the wording never states a negative cost.
import { describe, expect, it } from 'vitest';
import { int8CostText } from '../../src/quantize/eval.js';

describe('int8CostText', () => {
  it('says what int8 costs, nothing, or what it gains — never a negative cost', () => {
    expect(int8CostText(0.012)).toBe('1.20 points');
    expect(int8CostText(-0.0035)).toBe('nothing (int8 gains 0.35 points)');
    expect(int8CostText(0)).toBe('nothing');
    expect(int8CostText(-0.00001)).toBe('nothing');
    expect(int8CostText(null)).toBe('n/a');
    for (const c of [-0.5, -0.0035, -1e-3]) expect(int8CostText(c)).not.toMatch(/-|−/);
  });
});
