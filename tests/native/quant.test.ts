// Host-side parameter maths of the native generator. Expected values are hand-derived from the
// TFLM definitions (quantization_util.cc, padding.h, kernel_util.cc, reduce.h) noted per case.
import { describe, expect, it } from 'vitest';
import { activationRange, computeOutSize, computePadding, frexp, inputRadius, meanMultiplier, quantizeMultiplier } from '../../src/firmware/native/index.js';

describe('quantizeMultiplier (TFLM QuantizeMultiplier)', () => {
  it('matches hand-computed significands and shifts', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ multiplier: 2 ** 30, shift: 0 }); // 0.5 = 0.5 * 2^0
    expect(quantizeMultiplier(1)).toEqual({ multiplier: 2 ** 30, shift: 1 }); // 1 = 0.5 * 2^1
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 1610612736, shift: 0 }); // 0.75 * 2^31
    expect(quantizeMultiplier(0.1)).toEqual({ multiplier: 1717986918, shift: -3 }); // 0.8 * 2^31 = 1717986918.4
    expect(quantizeMultiplier(0)).toEqual({ multiplier: 0, shift: 0 });
  });
  it('applies the 2^31 fix-up and flushes tiny multipliers', () => {
    // q = 1 - 2^-33 → q * 2^31 = 2^31 - 0.25 rounds to 2^31 → halved, shift + 1.
    expect(quantizeMultiplier(1 - 2 ** -33)).toEqual({ multiplier: 2 ** 30, shift: 1 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 }); // shift -39 < -31
  });
  it('frexp is exact around powers of two', () => {
    expect(frexp(8)).toEqual({ fraction: 0.5, exponent: 4 });
    expect(frexp(7.999999999999999)).toEqual({ fraction: 7.999999999999999 / 8, exponent: 3 });
    expect(frexp(2 ** -1074).exponent).toBe(-1073);
  });
});

describe('other Prepare() maths', () => {
  it('activation ranges (CalculateActivationRangeQuantized)', () => {
    // scale 0.1, zp -10: 0 → -10, 6/0.1 = 60 → 50; -1 → -20, 1 → 0.
    expect(activationRange('RELU6', 0.1, -10)).toEqual({ min: -10, max: 50 });
    expect(activationRange('RELU', 0.1, -10)).toEqual({ min: -10, max: 127 });
    expect(activationRange('RELU_N1_TO_1', 0.1, -10)).toEqual({ min: -20, max: 0 });
    expect(activationRange('RELU6', 0.01, -128)).toEqual({ min: -128, max: 127 }); // 600-128 clamps
  });
  it('padding and output sizes (padding.h)', () => {
    // SAME, in 10, filter 3, stride 2 → out 5; total pad (5-1)*2+3-10 = 1 → top 0.
    expect(computeOutSize('SAME', 10, 3, 2)).toBe(5);
    expect(computePadding(2, 1, 10, 3, 5)).toBe(0);
    // SAME, in 5, filter 3 dilation 2 (effective 5), stride 1 → out 5, total 4 → 2.
    expect(computePadding(1, 2, 5, 3, 5)).toBe(2);
    expect(computeOutSize('VALID', 49, 25, 25)).toBe(1);
  });
  it('softmax/logistic input radius (CalculateInputRadius)', () => {
    // (2^5 - 1) * 2^26 / 2^20 = 31 * 64 = 1984.
    expect(inputRadius(5, 20)).toBe(1984);
    expect(inputRadius(4, 30)).toBe(1); // 15 * 2^27 / 2^30 = 1.875 → 1
  });
  it('MEAN folds 1/n into the multiplier with integer maths', () => {
    // n = 4: shift = min(63 - clz(4) = 2, 32, 31 + 0) = 2; (2^30 << 2) / 4 = 2^30; shift 0 - 2.
    expect(meanMultiplier({ multiplier: 2 ** 30, shift: 0 }, 4)).toEqual({ multiplier: 2 ** 30, shift: -2 });
    // n = 3: shift 1; (2^30 << 1) / 3 = 715827882 (truncated).
    expect(meanMultiplier({ multiplier: 2 ** 30, shift: 0 }, 3)).toEqual({ multiplier: 715827882, shift: -1 });
  });
});
