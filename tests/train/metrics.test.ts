import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationMetrics, fitVerdict } from '../../src/train/metrics.js';

describe('classificationMetrics', () => {
  it('matches a hand-computed 3-class example', () => {
    // truth:     0 0 0 1 1 2
    // predicted: 0 0 1 1 2 2
    // confusion rows=truth: [2,1,0] [0,1,1] [0,0,1]; accuracy 4/6.
    // class0: P 2/2, R 2/3, F1 0.8; class1: P 1/2, R 1/2, F1 0.5; class2: P 1/2, R 1, F1 2/3.
    const m = classificationMetrics([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 2], ['a', 'b', 'c']);
    expect(m.confusion).toEqual([[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.perClass.map((c) => c.precision)).toEqual([1, 0.5, 0.5]);
    expect(m.perClass[0].recall).toBeCloseTo(2 / 3, 12);
    expect(m.perClass[0].f1).toBeCloseTo(0.8, 12);
    expect(m.perClass[2].f1).toBeCloseTo(2 / 3, 12);
    expect(m.perClass.map((c) => c.support)).toEqual([3, 2, 1]);
    expect(m.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });
  it('handles a class never predicted and never present', () => {
    const m = classificationMetrics([0, 0], [0, 0], ['a', 'b']);
    expect(m.perClass[1]).toEqual({ label: 'b', precision: 0, recall: 0, f1: 0, support: 0 });
    expect(m.macroF1).toBe(1);
  });
  it('rejects mismatched lengths and out-of-range classes', () => {
    expect(() => classificationMetrics([0], [0, 1], ['a', 'b'])).toThrow(/entries/);
    expect(() => classificationMetrics([2], [0], ['a', 'b'])).toThrow(/out of range/);
  });
  it('argmaxRows takes the first maximum', () => {
    expect(Array.from(argmaxRows([0.1, 0.7, 0.2, 0.5, 0.5, 0, 0, 0, 1], 3))).toEqual([1, 0, 2]);
  });
});

describe('fitVerdict', () => {
  // The lecture's table: A 99.9 % / 95 % (good enough), B 87 / 87, C 99.9 / 45 (clear overfit);
  // and its two train/validation/test slides: 0.999/0.920/0.800 (overfit) vs 0.942/0.930/0.925 (good).
  it('reads the lecture examples', () => {
    expect(fitVerdict({ train: 0.999, test: 0.45 }, 5).kind).toBe('overfit');
    expect(fitVerdict({ train: 0.999, test: 0.95 }, 5).kind).toBe('good-fit');
    expect(fitVerdict({ train: 0.87, test: 0.87 }, 5).kind).toBe('good-fit');
    expect(fitVerdict({ train: 0.999, val: 0.92, test: 0.8 }, 5).kind).toBe('overfit');
    expect(fitVerdict({ train: 0.942, val: 0.93, test: 0.925 }, 5).kind).toBe('good-fit');
    expect(fitVerdict({ train: 0.95, test: 0.85 }, 5).kind).toBe('mild-overfit');
    const v = fitVerdict({ train: 0.99, val: 0.81 }, 5);
    expect(v.kind).toBe('overfit');
    expect(v.text).toMatch(/train 99\.0 %, validation 81\.0 %/);
    expect(v.text).toMatch(/memorised/);
  });
  it('calls near-chance training accuracy underfitting, and tiny test sets unreliable', () => {
    expect(fitVerdict({ train: 0.3, test: 0.28 }, 5).kind).toBe('underfit');
    expect(fitVerdict({ train: 0.99, test: 0.5 }, 2, { test: 6 }).kind).toBe('unreliable');
    expect(fitVerdict({ train: 0.99 }, 2).kind).toBe('unreliable');
  });
});
