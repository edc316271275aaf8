import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import type { Recording } from '../../src/core/dataset.js';
import { ACTIVITIES, LSB_G, builtinDataset, rotationMatrix } from '../../src/data/simulator.js';
import { builtinPrepared } from '../../src/data/prepare.js';
import { mulberry32 } from '../../src/data/prng.js';
import { meanFeatures, motionFeatures, nearestCentroidAccuracy } from '../../src/data/baseline.js';

function hash(recs: Recording[]): string {
  const h = createHash('sha256');
  for (const r of recs) {
    h.update(`${r.label}|${r.group}|${r.sampleRateHz}|`);
    h.update(new Uint8Array(r.samples.buffer, r.samples.byteOffset, r.samples.byteLength));
  }
  return h.digest('hex');
}

describe('prng', () => {
  it('is reproducible, seed-dependent and roughly uniform', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(mulberry32(43).next()).not.toBe(xs[0]);
    const mean = xs.reduce((p, c) => p + c, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05); // σ of the mean = 0.289/√1000 ≈ 0.009
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // forks do not depend on draws already made
    const c = mulberry32(42);
    c.next();
    expect(c.fork('x').next()).toBe(mulberry32(42).fork('x').next());
  });
});

describe('rotationMatrix', () => {
  it('pitches the forearm down by θ and stays orthonormal', () => {
    // Ry(π/2) maps the body x axis (forearm) to world −z (hand pointing down): column 0 = (0, 0, −1).
    const R = rotationMatrix(0, Math.PI / 2, 0);
    expect([R[0], R[3], R[6]].map((v) => Math.round(v * 1e12) / 1e12)).toEqual([0, 0, -1]);
    const Q = rotationMatrix(0.3, -1.1, 2.0);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const dot = Q[i * 3] * Q[j * 3] + Q[i * 3 + 1] * Q[j * 3 + 1] + Q[i * 3 + 2] * Q[j * 3 + 2];
      expect(dot).toBeCloseTo(i === j ? 1 : 0, 12);
    }
  });
});

describe('builtinDataset', () => {
  const small = { subjects: 3, secondsPerActivity: 12 };

  it('same seed → identical bytes; different seeds differ', () => {
    const h1 = hash(builtinDataset({ ...small, seed: 5 }));
    expect(hash(builtinDataset({ ...small, seed: 5 }))).toBe(h1);
    expect(hash(builtinDataset({ ...small, seed: 6 }))).not.toBe(h1);
  });

  it('has balanced labels, subjects as groups, and sensor-like values (±4 g, 16-bit steps)', () => {
    const recs = builtinDataset({ ...small, rateHz: 100 });
    expect(recs.length).toBe(3 * 5);
    for (const a of ACTIVITIES) expect(recs.filter((r) => r.label === a).length).toBe(3);
    expect(new Set(recs.map((r) => r.group))).toEqual(new Set(['subject01', 'subject02', 'subject03']));
    let clipped = 0;
    for (const r of recs) {
      expect(r.sampleRateHz).toBe(100);
      expect(r.axes).toEqual(['aX', 'aY', 'aZ']);
      expect(r.samples.length).toBe(12 * 100 * 3);
      for (const v of r.samples) {
        expect(v).toBeGreaterThanOrEqual(-4);
        expect(v).toBeLessThan(4);
        // a whole number of 8 g / 65536 steps (float32 of code × LSB)
        expect(Math.abs(v / LSB_G - Math.round(v / LSB_G))).toBeLessThan(1e-3);
        if (Math.abs(v) > 3.999) clipped++;
      }
    }
    expect(clipped).toBeGreaterThan(0); // golf swings saturate the ±4 g range
    // at rest the magnitude is ≈ 1 g: median |a| of idle lies within 0.9–1.1 g
    const idle = recs.find((r) => r.label === 'idle')!.samples;
    const mags: number[] = [];
    for (let i = 0; i < idle.length; i += 3) mags.push(Math.hypot(idle[i], idle[i + 1], idle[i + 2]));
    mags.sort((x, y) => x - y);
    expect(mags[mags.length >> 1]).toBeGreaterThan(0.9);
    expect(mags[mags.length >> 1]).toBeLessThan(1.1);
  });

  it('splits each subject and activity into sessions (one per 20 s, at most 3)', () => {
    const recs = builtinDataset({ subjects: 1, secondsPerActivity: 60 });
    expect(recs.length).toBe(5 * 3);
    expect(recs.every((r) => r.samples.length === 20 * 50 * 3)).toBe(true);
    // sessions differ (own posture and strap shift): their first frames are not equal
    expect(Array.from(recs[0].samples.subarray(0, 3))).not.toEqual(Array.from(recs[1].samples.subarray(0, 3)));
    expect(builtinDataset({ subjects: 1, secondsPerActivity: 8, sessions: 2 }).length).toBe(10);
    expect(() => builtinDataset({ secondsPerActivity: 8, sessions: 3 })).toThrow(/≥ 4 s each/);
  });

  it('rejects out-of-range options', () => {
    expect(() => builtinDataset({ rateHz: 200 })).toThrow(/50–119 Hz/);
    expect(() => builtinDataset({ subjects: 0 })).toThrow(/subjects/);
  });

  it('is learnable but not trivially separable on held-out subjects (nearest centroid)', () => {
    // Orientation (the window mean) alone must fail at least one class badly; motion features
    // (|a| spread, dominant frequency) plus the mean do much better, but not perfectly.
    const p = builtinPrepared({ seed: 1 });
    const mTr = meanFeatures(p.train);
    const mTe = meanFeatures(p.test);
    const accMean = nearestCentroidAccuracy(mTr, p.train.y, mTe, p.test.y, 5);
    const fTr = motionFeatures(p.train).map((f, i) => [...f, ...mTr[i]]);
    const fTe = motionFeatures(p.test).map((f, i) => [...f, ...mTe[i]]);
    const accMotion = nearestCentroidAccuracy(fTr, p.train.y, fTe, p.test.y, 5);
    expect(accMean).toBeLessThan(0.75);
    expect(accMotion).toBeGreaterThan(0.5);
    expect(accMotion).toBeLessThan(0.98);
    expect(accMotion).toBeGreaterThan(accMean);
  });
});
