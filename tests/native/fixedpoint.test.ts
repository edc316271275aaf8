// firmware/native/tf_fixedpoint.h against independent references:
// - SRDHM, RoundingDivideByPOT and MultiplyByQuantizedMultiplier against exact BigInt rational
//   arithmetic of their definitions (gemmlowp/TFLM: round(2ab / 2^32) with ties toward +inf and
//   the MIN*MIN saturation; x / 2^e with ties away from zero), on edge values and a random sweep;
// - exp / logistic / tanh / 1/(1+x) against Math.exp etc. within the fixed-point accuracy
//   (errors below 2^-20; gemmlowp's polynomial + barrel shifter is accurate to a few 1e-7).
// The bit-exactness with TFLM itself is checked end to end by vectors.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { HOST_FLAGS, INCLUDES, tempDir } from './helpers.js';

let exe = '';
beforeAll(() => {
  exe = join(tempDir('tf-native-fp-'), 'fp');
  execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, join(REPO_ROOT, 'tests', 'native', 'fp_driver.c'), '-o', exe]);
});

function run(lines: string[]): number[] {
  const out = execFileSync(exe, { input: lines.join('\n') + '\n', encoding: 'utf8', maxBuffer: 64 << 20 });
  return out.trim().split('\n').map(Number);
}

const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));
function refSrdhm(a: number, b: number): number {
  if (a === -2147483648 && b === -2147483648) return 2147483647;
  return Number(floorDiv(BigInt(a) * BigInt(b) + (1n << 30n), 1n << 31n)); // ties toward +inf
}
function refRdbpot(x: number, e: number): number {
  const d = 1n << BigInt(e);
  const X = BigInt(x);
  const q = floorDiv(2n * (X < 0n ? -X : X) + d, 2n * d); // |x| rounded half up = away from zero
  return Number(X < 0n ? -q : q);
}
function refMbqm(x: number, m: number, s: number): number {
  const left = Math.max(s, 0);
  const shifted = Number(BigInt.asIntN(32, BigInt(x) << BigInt(left)));
  return refRdbpot(refSrdhm(shifted, m), Math.max(-s, 0));
}

let seed = 0x5eed;
const rnd32 = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) | 0;
  return seed;
};
const EDGE = [-2147483648, -2147483647, -1073741824, -65536, -3, -2, -1, 0, 1, 2, 3, 65535, 1073741824, 2147483647];

describe('integer fixed-point helpers', () => {
  it('SRDHM equals round(2ab/2^32) with saturation', () => {
    const pairs: [number, number][] = [];
    for (const a of EDGE) for (const b of EDGE) pairs.push([a, b]);
    for (let k = 0; k < 3000; k++) pairs.push([rnd32(), rnd32()]);
    const got = run(pairs.map(([a, b]) => `srdhm ${a} ${b}`));
    pairs.forEach(([a, b], k) => expect(got[k], `srdhm(${a},${b})`).toBe(refSrdhm(a, b)));
  });

  it('RoundingDivideByPOT rounds half away from zero for every exponent 0..31', () => {
    const cases: [number, number][] = [];
    for (let e = 0; e <= 31; e++) {
      for (const x of EDGE) cases.push([x, e]);
      // exact ties: ±(2k+1) * 2^(e-1)
      if (e > 0 && e < 30) for (const k of [0, 1, 5]) for (const sg of [1, -1]) {
          const x = sg * (2 * k + 1) * 2 ** (e - 1);
          if (x >= -2147483648 && x <= 2147483647) cases.push([x, e]);
        }
      for (let k = 0; k < 40; k++) cases.push([rnd32(), e]);
    }
    const got = run(cases.map(([x, e]) => `rdbpot ${x} ${e}`));
    cases.forEach(([x, e], k) => expect(got[k], `rdbpot(${x},${e})`).toBe(refRdbpot(x, e)));
  });

  it('MultiplyByQuantizedMultiplier equals its two-step definition', () => {
    const cases: [number, number, number][] = [];
    for (let k = 0; k < 3000; k++) {
      const s = (Math.abs(rnd32()) % 40) - 31; // -31..8
      const m = (1 << 30) + (Math.abs(rnd32()) % (1 << 30));
      const x = s > 0 ? rnd32() >> (s + 8) : rnd32();
      cases.push([x, m, s]);
    }
    const got = run(cases.map(([x, m, s]) => `mbqm ${x} ${m} ${s}`));
    cases.forEach(([x, m, s], k) => expect(got[k], `mbqm(${x},${m},${s})`).toBe(refMbqm(x, m, s)));
  });
});

describe('gemmlowp transcendental helpers', () => {
  const TOL = 2 ** -20;
  it('exp_on_negative_values ≈ exp for Q5.26 inputs in [-32, 0]', () => {
    const xs: number[] = [0, -1, -(1 << 26), -(1 << 24)];
    for (let k = 0; k < 2000; k++) xs.push(-(Math.abs(rnd32()) % (32 * 2 ** 26)));
    const got = run(xs.map((x) => `exp ${x} 5`));
    xs.forEach((x, k) => expect(Math.abs(got[k] / 2 ** 31 - Math.exp(x / 2 ** 26)), `exp(${x})`).toBeLessThan(TOL));
  });
  it('logistic and tanh ≈ float for Q4.27 inputs', () => {
    const xs: number[] = [0, 1, -1];
    for (let k = 0; k < 2000; k++) xs.push(rnd32() >> 1);
    const lg = run(xs.map((x) => `logistic ${x} 4`));
    const th = run(xs.map((x) => `tanh ${x} 4`));
    xs.forEach((x, k) => {
      const r = x / 2 ** 27;
      expect(Math.abs(lg[k] / 2 ** 31 - 1 / (1 + Math.exp(-r))), `logistic(${x})`).toBeLessThan(TOL);
      expect(Math.abs(th[k] / 2 ** 31 - Math.tanh(r)), `tanh(${x})`).toBeLessThan(TOL);
    });
  });
  it('one_over_one_plus_x ≈ 1/(1+x) on [0, 1)', () => {
    const xs: number[] = [0, 2147483647];
    for (let k = 0; k < 1000; k++) xs.push(Math.abs(rnd32()) & 0x7fffffff);
    const got = run(xs.map((x) => `recip ${x} 0`));
    xs.forEach((x, k) => expect(Math.abs(got[k] / 2 ** 31 - 1 / (1 + x / 2 ** 31)), `recip(${x})`).toBeLessThan(TOL));
  });
});
