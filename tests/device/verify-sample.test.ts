// verify's default window sample. Expected values are derived by hand from the rule in
// src/device/verify-sample.ts (largest-remainder shares of the bound, at least one per class),
// not copied from a run; the rest are properties (deterministic, subset, ascending, per class).
import { describe, expect, it } from 'vitest';
import { describeVerifySample, selectVerifySample, VERIFY_DEFAULT_MAX } from '../../src/device/verify-sample.js';

const labelsOf = (counts: number[]) => counts.flatMap((n, c) => Array.from({ length: n }, () => c));

describe('selectVerifySample', () => {
  it('sends everything when there are no more windows than the bound, or with --all', () => {
    const s = selectVerifySample(150, labelsOf([100, 50]));
    expect(s.mode).toBe('all');
    expect(s.indices).toEqual(Array.from({ length: 150 }, (_, i) => i));
    const a = selectVerifySample(2067, labelsOf([2000, 67]), { all: true });
    expect([a.mode, a.n, a.max]).toEqual(['all', 2067, null]);
  });

  it('bounds a large set at 200 by default, stratified by class in proportion', () => {
    // 2067 windows, classes 1000/600/400/67: shares of 200 are 96.76/58.05/38.70/6.48 →
    // floors 96/58/38/6 (198), the two largest remainders (.76, .70) get one more → 97/58/39/6.
    const labels = labelsOf([1000, 600, 400, 67]);
    const s = selectVerifySample(labels.length, labels);
    expect(VERIFY_DEFAULT_MAX).toBe(200);
    expect(s.mode).toBe('stratified');
    expect(s.n).toBe(200);
    expect(s.perClass).toEqual({ 0: 97, 1: 58, 2: 39, 3: 6 });
    for (const [c, k] of Object.entries(s.perClass!)) expect(s.indices.filter((i) => labels[i] === Number(c)).length).toBe(k);
    expect(new Set(s.indices).size).toBe(200);
    expect(s.indices).toEqual([...s.indices].sort((a, b) => a - b));
    expect(s.indices.every((i) => i >= 0 && i < labels.length)).toBe(true);
  });

  it('gives a rare class at least one window', () => {
    // 10 windows of 1000 with max 20: its exact share is 0.198 → 0, raised to 1 from the largest share.
    const labels = labelsOf([990, 10]);
    const s = selectVerifySample(labels.length, labels, { max: 20 });
    expect(s.perClass).toEqual({ 0: 19, 1: 1 });
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const labels = labelsOf([300, 300]);
    const a = selectVerifySample(600, labels, { max: 50, seed: 7 });
    const b = selectVerifySample(600, labels, { max: 50, seed: 7 });
    const c = selectVerifySample(600, labels, { max: 50, seed: 8 });
    expect(a.indices).toEqual(b.indices);
    expect(a.indices).not.toEqual(c.indices);
  });

  it('without labels: a seeded random sample of the bound', () => {
    const s = selectVerifySample(1000, undefined, { max: 30 });
    expect([s.mode, s.n, new Set(s.indices).size]).toEqual(['random', 30, 30]);
  });

  it('refuses a bound below 1 with a usage error', () => {
    expect(() => selectVerifySample(10, undefined, { max: 0 })).toThrow(/--max must be a whole number/);
  });

  it('says which it did', () => {
    expect(describeVerifySample(selectVerifySample(5, [0, 1, 0, 1, 0]))).toMatch(/all 5 windows/);
    expect(describeVerifySample(selectVerifySample(500, labelsOf([250, 250])))).toMatch(/200 of 500 windows, class-stratified sample, seed 1/);
  });
});
