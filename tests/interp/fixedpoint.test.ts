/**
 * Fixed-point helpers against (a) an independent BigInt transcription of gemmlowp's int64
 * formulas, (b) values published in TFLM's own tests (quantization_util_test.cc), and
 * (c) real-valued math with the accuracy gemmlowp documents.
 */
import { describe, expect, it } from 'vitest';
import {
  calculateInputRadius,
  expOnNegativeValues,
  frexp,
  getReciprocal,
  logisticFixed,
  mulByQuantizedMultiplier,
  oneOverOnePlusX,
  quantizeMultiplier,
  rdbp,
  srdhm,
  tanhFixed,
} from '../../src/interp/fixedpoint.js';

// Independent reference: gemmlowp's definitions written with exact 64-bit integers.
function srdhmBig(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, as C does
}
function rdbpBig(x: number, e: number): number {
  const mask = (1n << BigInt(e)) - 1n;
  const bx = BigInt(x);
  const remainder = bx & mask;
  const threshold = (mask >> 1n) + (bx < 0n ? 1n : 0n);
  return Number((bx >> BigInt(e)) + (remainder > threshold ? 1n : 0n));
}

// Deterministic xorshift so failures reproduce.
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s | 0;
  };
}

const EDGE = [0, 1, -1, 2, -2, 1 << 30, -(1 << 30), 2147483647, -2147483648, -2147483647, 65535, 65536, -65536, 12345678, -87654321];

describe('srdhm (SaturatingRoundingDoublingHighMul)', () => {
  it('equals the exact int64 formula on edge values', () => {
    for (const a of EDGE) for (const b of EDGE) expect(srdhm(a, b), `${a}*${b}`).toBe(srdhmBig(a, b));
  });
  it('equals the exact int64 formula on 100k random pairs (full range and small accumulators)', () => {
    const r = rng(42);
    for (let i = 0; i < 50000; i++) {
      const a = r();
      const b = r();
      expect(srdhm(a, b)).toBe(srdhmBig(a, b));
      const small = r() >> 12; // accumulator-sized operand: exercises the fast path
      expect(srdhm(small, b)).toBe(srdhmBig(small, b));
    }
  });
  it('rounds as gemmlowp does (hand-computed)', () => {
    // 2*a*b/2^32 with a=1, b=2^30 is exactly 0.5: (2^30 + 2^30) / 2^31 = 1.
    expect(srdhm(1, 1 << 30)).toBe(1);
    // a=-1: (-2^30 + 1 - 2^30) / 2^31 = -0.99999… truncates to 0 (the negative nudge is 1 - 2^30).
    expect(srdhm(-1, 1 << 30)).toBe(0);
    // a=-1, b=2^30+1: (-2^30 - 1 + 1 - 2^30) / 2^31 = -1 exactly.
    expect(srdhm(-1, (1 << 30) + 1)).toBe(-1);
    expect(srdhm(-2147483648, -2147483648)).toBe(2147483647);
  });
});

describe('rdbp (RoundingDivideByPOT)', () => {
  it('equals the exact formula on random values and every exponent', () => {
    const r = rng(7);
    for (let i = 0; i < 20000; i++) {
      const x = i < EDGE.length ? EDGE[i] : r();
      for (const e of [0, 1, 2, 5, 12, 23, 24, 30, 31]) expect(rdbp(x, e)).toBe(rdbpBig(x, e));
    }
  });
  it('hand-computed ties: 5/2 -> 3, -5/2 -> -3, 3/4 -> 1, -3/4 -> -1, -1/4 -> 0', () => {
    expect(rdbp(5, 1)).toBe(3);
    expect(rdbp(-5, 1)).toBe(-3);
    expect(rdbp(3, 2)).toBe(1);
    expect(rdbp(-3, 2)).toBe(-1);
    expect(rdbp(-1, 2)).toBe(0);
  });
});

describe('quantizeMultiplier / mulByQuantizedMultiplier', () => {
  it('matches TFLM quantization_util_test QuantizeMultiplierArray expectations', () => {
    // tensorflow/lite/micro/kernels/quantization_util_test.cc at 90b983c2.
    const cases: [number, number, number][] = [
      [-4, -1073741824, 3], [-1, -1073741824, 1], [-0.125, -1073741824, -2], [0, 0, 0],
      [0.125, 1073741824, -2], [0.5, 1073741824, 0], [1, 1073741824, 1], [4, 1073741824, 3],
    ];
    for (const [real, m, s] of cases) expect(quantizeMultiplier(real), String(real)).toEqual({ multiplier: m, shift: s });
  });
  it('applies the q_fixed == 2^31 fix-up and flushes tiny multipliers', () => {
    // 1 - 2^-40 rounds to 2^31 in Q31: TFLM halves it and bumps the shift.
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ multiplier: 1073741824, shift: 1 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ multiplier: 0, shift: 0 });
    // 0.75 * 2^31 = 1610612736 exactly.
    expect(quantizeMultiplier(0.75)).toEqual({ multiplier: 1610612736, shift: 0 });
  });
  it('frexp agrees with the definition x = f * 2^e, 0.5 <= |f| < 1', () => {
    for (const x of [1, 0.75, 3e-10, 123456.789, -2.5, 5e-324, 1.7976931348623157e308]) {
      const { fraction, exponent } = frexp(x);
      expect(Math.abs(fraction)).toBeGreaterThanOrEqual(0.5);
      expect(Math.abs(fraction)).toBeLessThan(1);
      const half = Math.trunc(exponent / 2); // two steps: neither 2^e nor its product may overflow or underflow
      expect(fraction * 2 ** half * 2 ** (exponent - half)).toBe(x);
    }
  });
  it('requantises like the exact int64 double-rounding formula', () => {
    const r = rng(99);
    for (let i = 0; i < 20000; i++) {
      const x = r() >> 8;
      const m = (r() >>> 1) | (1 << 30);
      const shift = (Math.abs(r()) % 20) - 15;
      const left = Math.max(shift, 0);
      const expected = rdbpBig(srdhmBig(Number(BigInt.asIntN(32, BigInt(x) << BigInt(left))), m), Math.max(-shift, 0));
      expect(mulByQuantizedMultiplier(x, m, shift)).toBe(expected);
    }
  });
  it('CalculateInputRadius matches TFLM quantization_util_test', () => {
    expect(calculateInputRadius(4, 27)).toBe(15);
    expect(calculateInputRadius(3, 27)).toBe(14);
    expect(calculateInputRadius(3, 28)).toBe(7);
    expect(calculateInputRadius(4, 2)).toBe(503316480);
  });
});

describe('gemmlowp transcendental helpers', () => {
  const Q31 = 2 ** 31;
  it('exp_on_negative_values is within 3e-7 of exp() on Q5.26 inputs (Taylor term x^5/120 at |x|<=1/8), and exp(0) = 1', () => {
    expect(expOnNegativeValues(0, 5)).toBe(2147483647);
    for (let i = 1; i <= 2000; i++) {
      const raw = -Math.floor(i * 12345.678 * 7) ; // up to ~ -2.6 in Q5.26
      const want = Math.exp(raw / 2 ** 26);
      expect(Math.abs(expOnNegativeValues(raw, 5) / Q31 - want)).toBeLessThan(3e-7);
    }
  });
  it('1/(1+x) is within 1e-8 on [0, 1)', () => {
    for (let x = 0; x < 1; x += 0.01) {
      const got = oneOverOnePlusX(Math.floor(x * Q31)) / Q31;
      expect(Math.abs(got - 1 / (1 + x))).toBeLessThan(1e-8);
    }
  });
  it('logistic and tanh on Q4.27 are within 5e-7 of the real functions; both are exact at 0', () => {
    expect(logisticFixed(0, 4)).toBe(1 << 30);
    expect(tanhFixed(0, 4)).toBe(0);
    for (let x = -7.9; x < 7.9; x += 0.37) {
      const raw = Math.round(x * 2 ** 27);
      expect(Math.abs(logisticFixed(raw, 4) / Q31 - 1 / (1 + Math.exp(-x)))).toBeLessThan(5e-7);
      expect(Math.abs(tanhFixed(raw, 4) / Q31 - Math.tanh(x))).toBeLessThan(5e-7);
    }
  });
  it('GetReciprocal: 1.0 in Q12.19 gives ~1.0 with 0 bits over unit; 3.0 gives ~2/3 with 1 bit', () => {
    const one = getReciprocal(1 << 19, 12);
    expect(one.numBitsOverUnit).toBe(0);
    expect(one.reciprocal).toBeGreaterThan(2147483647 - 64);
    const three = getReciprocal(3 << 19, 12);
    expect(three.numBitsOverUnit).toBe(1);
    expect(Math.abs(three.reciprocal / Q31 - 2 / 3)).toBeLessThan(1e-8);
  });
});
