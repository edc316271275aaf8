import { describe, expect, it } from 'vitest';
import {
  chooseActivationParams,
  quantizeBias,
  quantizeValue,
  quantizeWeightsSymmetric,
  minWeightScales,
  roundHalfAway,
  symmetricScale,
} from '../../src/quantize/math.js';

// Every expected value below is hand-computed from the formulas of the TFLite/MLIR quantiser:
// scale = (max - min) / 255 over the 0-including range; zero point from the end with the smaller
// error term, rounded half away from zero and clamped to [-128, 127]; weights scale = max|w| / 127.
describe('activation parameters', () => {
  it('symmetric range [-1, 1] → scale 2/255, zero point -1 (matches person_detect input 0.00784313772, -1)', () => {
    const p = chooseActivationParams(-1, 1);
    expect(p.scale).toBe(Math.fround(2 / 255));
    expect(p.scale).toBeCloseTo(0.00784313772, 10);
    // zp from max: 127 - 1/(2/255) = -0.5 (error 254.5 < 255.5 from min) → round half away → -1
    expect(p.zeroPoint).toBe(-1);
  });
  it('[0, 255] → scale 1, zero point -128 (matches magic_wand input)', () => {
    expect(chooseActivationParams(0, 255)).toEqual({ scale: 1, zeroPoint: -128 });
  });
  it('a positive range is extended down to 0: [2, 5] → 5/255, -128', () => {
    expect(chooseActivationParams(2, 5)).toEqual({ scale: Math.fround(5 / 255), zeroPoint: -128 });
  });
  it('a negative range is extended up to 0: [-3, -1] → 3/255, 127', () => {
    expect(chooseActivationParams(-3, -1)).toEqual({ scale: Math.fround(3 / 255), zeroPoint: 127 });
  });
  it('asymmetric [-0.5, 1.5]: zp = -128 + 0.5/(2/255) = -64.25 → -64', () => {
    expect(chooseActivationParams(-0.5, 1.5)).toEqual({ scale: Math.fround(2 / 255), zeroPoint: -64 });
  });
  it('never returns scale 0: an all-zero tensor gets the ±5e-7 range', () => {
    const p = chooseActivationParams(0, 0);
    expect(p.scale).toBe(Math.fround(1e-6 / 255));
    // exact arithmetic gives zp -0.5 (→ -1); in doubles 5e-7/(1e-6/255) lands a hair either side of 127.5
    expect([0, -1]).toContain(p.zeroPoint);
    expect(Object.is(p.zeroPoint, -0)).toBe(false);
  });
  it('0 is exactly representable (q = zeroPoint) for many ranges', () => {
    for (const [a, b] of [[-0.3, 7.1], [-12, 0.01], [-1e-3, 2e-3], [0, 1]]) {
      const p = chooseActivationParams(a, b);
      expect(quantizeValue(0, p)).toBe(p.zeroPoint);
      expect(p.zeroPoint).toBeGreaterThanOrEqual(-128);
      expect(p.zeroPoint).toBeLessThanOrEqual(127);
    }
  });
  it('rejects NaN and inverted ranges', () => {
    expect(() => chooseActivationParams(NaN, 1)).toThrow();
    expect(() => chooseActivationParams(2, 1)).toThrow();
  });
});

describe('rounding', () => {
  it('rounds half away from zero like C round()', () => {
    expect([2.5, -2.5, 0.5, -0.5, 1.49, -1.51].map(roundHalfAway)).toEqual([3, -3, 1, -1, 1, -2]);
  });
});

describe('weights', () => {
  it('per-tensor: scale max|w|/127, values rounded half away and in [-127, 127]', () => {
    const r = quantizeWeightsSymmetric(new Float32Array([0.5, -1.0, 0.25, 0.127]), [2, 2]);
    expect(r.scales).toEqual([Math.fround(1 / 127)]);
    // 0.5*127 = 63.5 → 64; -1 → -127; 0.25*127 = 31.75 → 32; 0.127*127 = 16.13 → 16
    expect(Array.from(r.q)).toEqual([64, -127, 32, 16]);
    expect(r.axis).toBeUndefined();
  });
  it('per-channel along axis 0 (CONV_2D / FC layout)', () => {
    const r = quantizeWeightsSymmetric(new Float32Array([1, -0.5, 0.2, 0.05]), [2, 2], 0);
    expect(r.scales).toEqual([Math.fround(1 / 127), Math.fround(0.2 / 127)]);
    // row 1: 0.2 → 127, 0.05/(0.2/127) = 31.75 → 32
    expect(Array.from(r.q)).toEqual([127, -64, 127, 32]);
  });
  it('per-channel along axis 3 (DEPTHWISE layout [1, kh, kw, C])', () => {
    // channel = i % 3: ch0 {2, -1}, ch1 {0.5, 0.25}, ch2 {0, 0}
    const r = quantizeWeightsSymmetric(new Float32Array([2, 0.5, 0, -1, 0.25, 0]), [1, 1, 2, 3], 3);
    expect(r.scales[0]).toBe(Math.fround(2 / 127));
    expect(r.scales[1]).toBe(Math.fround(0.5 / 127));
    expect(r.scales[2]).toBeGreaterThan(0); // all-zero channel: tiny but non-zero scale
    expect(Array.from(r.q)).toEqual([127, 127, 0, -64, 64, 0]);
  });
  it('symmetricScale(0) is positive; symmetricScale(1.27) = 0.01', () => {
    expect(symmetricScale(0)).toBeGreaterThan(0);
    expect(symmetricScale(1.27)).toBe(Math.fround(0.01));
  });
  it('rejects shape/data mismatches and non-finite weights', () => {
    expect(() => quantizeWeightsSymmetric(new Float32Array(3), [2, 2])).toThrow();
    expect(() => quantizeWeightsSymmetric(new Float32Array([1, Infinity]), [2])).toThrow();
  });
});

describe('bias', () => {
  it('int32 with scale input_scale × weight_scale per channel', () => {
    const r = quantizeBias(new Float32Array([1.0, -0.5]), 0.5, [0.01, 0.02]);
    // 1/(0.5*0.01) = 200; -0.5/(0.5*0.02) = -50
    expect(Array.from(r.q)).toEqual([200, -50]);
    expect(r.scales).toEqual([Math.fround(0.005), Math.fround(0.01)]);
  });
  it('per-tensor weight scale applies to every channel', () => {
    const r = quantizeBias(new Float32Array([0.3, 0.03]), 0.1, [0.1]);
    expect(Array.from(r.q)).toEqual([30, 3]);
    expect(r.scales).toHaveLength(1);
  });
  it('saturates at the int32 range', () => {
    const r = quantizeBias(new Float32Array([1e9, -1e9]), 1e-3, [1e-3]);
    expect(Array.from(r.q)).toEqual([2147483647, -2147483648]);
  });
});

describe('bias overflow guard', () => {
  it('minWeightScales: |b| / (s_in × (2^31 − 1)), so the bias fits int32', () => {
    const m = minWeightScales(new Float32Array([0.5, 0]), 0.01);
    // 0.5 / (0.01 × 2147483647) = 2.328e-8 (plus a 1e-6 relative margin)
    const exact = 0.5 / (0.01 * 2147483647);
    expect(m[0]).toBeGreaterThan(exact);
    expect(m[0] / exact - 1).toBeLessThan(2e-6);
    expect(m[1]).toBe(0);
  });
  it('a zero-weight channel with a bias gets a scale that keeps the bias exact', () => {
    const w = new Float32Array([0, 0, 0.5, -0.25]); // channel 0 all zero
    const b = new Float32Array([0.5, 0.1]);
    const floor = minWeightScales(b, 0.01);
    const qw = quantizeWeightsSymmetric(w, [2, 2], 0, floor);
    expect(qw.scales[1]).toBe(Math.fround(0.5 / 127)); // untouched: far above its floor
    const qb = quantizeBias(b, 0.01, qw.scales);
    expect(Math.abs(qb.q[0])).toBeLessThan(2147483647);
    expect(qb.q[0] * qb.scales[0]).toBeCloseTo(0.5, 6);
    // without the floor the bias saturates: 0.5 / (0.01 × 1e-6/254) ≫ 2^31
    const raw = quantizeWeightsSymmetric(w, [2, 2], 0);
    expect(quantizeBias(b, 0.01, raw.scales).q[0]).toBe(2147483647);
  });
});
