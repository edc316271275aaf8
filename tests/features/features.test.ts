/**
 * Feature blocks on the host: the integer primitives against independent derivations (BigInt,
 * float maths), the blocks against their float references (SQNR), and every bad parameter → a
 * typed error naming it and the remedy, raised before anything trains.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import { builtinPrepared } from '../../src/data/prepare.js';
import { bitLength, floorDiv, ilog2q, isqrt, moments, momentsFloat, roundDiv, roundShift } from '../../src/features/fixed.js';
import { computeFeatures, featureQuantisers, quantiseFeatures, referenceFeatures, resolveBlock } from '../../src/features/index.js';
import { trainModel } from '../../src/train/train.js';

const big = (v: number) => BigInt(v);
const bigFloorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

describe('integer primitives (fixed.ts) against BigInt and float derivations', () => {
  const int53 = fc.integer({ min: -(2 ** 52), max: 2 ** 52 }).chain((a) => fc.tuple(fc.constant(a), fc.integer({ min: 1, max: 2 ** 20 })));
  it('floorDiv, roundDiv, roundShift are exact', () => {
    fc.assert(fc.property(int53, ([a, b]) => {
      expect(floorDiv(a, b)).toBe(Number(bigFloorDiv(big(a), big(b))));
      expect(roundDiv(a, b)).toBe(Number(bigFloorDiv(big(a) + big(b) / 2n, big(b))));
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.integer({ min: -(2 ** 51), max: 2 ** 51 }), fc.integer({ min: 0, max: 40 }), (v, s) => {
      expect(roundShift(v, s)).toBe(s === 0 ? v : Number(bigFloorDiv(big(v) + (1n << big(s - 1)), 1n << big(s))));
    }), { numRuns: 2000 });
  });
  it('isqrt is the floor square root, bitLength the bit count', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => {
      const r = big(isqrt(v));
      expect(r * r <= big(v) && (r + 1n) * (r + 1n) > big(v)).toBe(true);
      expect(bitLength(v)).toBe(v === 0 ? 0 : v.toString(2).length);
    }), { numRuns: 2000 });
  });
  it('ilog2q is log2 in Q10, never above it, within 2 LSB', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: Number.MAX_SAFE_INTEGER }), (v) => {
      const want = Math.log2(v) * 1024;
      const got = ilog2q(v);
      expect(got).toBeLessThanOrEqual(want + 1e-6);
      expect(want - got).toBeLessThan(2);
    }), { numRuns: 3000 });
    expect([ilog2q(0), ilog2q(1), ilog2q(2), ilog2q(1024)]).toEqual([0, 0, 1024, 10240]);
  });
  it('moments: skewness and excess kurtosis within 1 % (of a unit) of the float ones', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 8, maxLength: 300 }), (v) => {
      const i = moments(v, v.length);
      const f = momentsFloat(v, v.length);
      if (f.skew === 0 && f.kurt === 0) return;
      expect(Math.abs(i.skew / 65536 - f.skew)).toBeLessThan(0.01 * Math.max(1, Math.abs(f.skew)));
      expect(Math.abs(i.kurt / 65536 - f.kurt)).toBeLessThan(0.01 * Math.max(1, Math.abs(f.kurt + 3)));
    }), { numRuns: 500 });
  });
});

describe('blocks against their float references', () => {
  const ds = builtinPrepared({ subjects: 3 });
  const ws = ds.train;
  const sqnr = (i: Int32Array, f: Float64Array, count: number, j: number) => {
    let s = 0, e = 0;
    for (let w = 0; w < i.length / count; w++) {
      s += f[w * count + j] ** 2;
      e += (i[w * count + j] - f[w * count + j]) ** 2;
    }
    return e === 0 ? Infinity : 10 * Math.log10(s / e);
  };
  for (const [name, params] of [['spectral', {}], ['spectral', { filterType: 'none', fftLength: 16, doLog: false, spectrum: 'max' }], ['spectral', { spectrum: 'frames', fftLength: 32 }], ['flatten', {}]] as const) {
    it(`${name} ${JSON.stringify(params)}: every feature's SQNR ≥ 30 dB on the built-in data`, () => {
      const b = resolveBlock(name, params, { windowLength: ws.windowLength, sampleRateHz: ws.sampleRateHz, axes: ws.axes });
      const sub = { ...ws, x: ws.x.subarray(0, 200 * ws.windowLength * ws.axes.length), y: ws.y.subarray(0, 200) };
      const i = computeFeatures(sub, b);
      const f = referenceFeatures(sub, b);
      const worst = Math.min(...b.names.map((_, j) => sqnr(i, f, b.count, j)));
      expect(worst).toBeGreaterThan(30);
    });
  }
});

describe("spectrum 'frames': a log-spectrogram, one row per frame", () => {
  // Expected values come from the block's other modes (each independently tested against C and the
  // float reference): one frame = the mean spectrum; max over the rows = max-hold (log2 is monotone);
  // every row's statistics = the mean mode's.
  const ctx = { windowLength: 100, sampleRateHz: 100, axes: ['aX', 'aY', 'aZ'] };
  const rnd = (seed: number) => Int16Array.from({ length: 300 }, (_, i) => Math.round(3000 * Math.sin(i * 0.37 + seed) + 900 * Math.sin(i * (1.9 + seed)) + ((i * 7919 * (seed + 1)) % 601) - 300));
  it('rows × row width, frame-major names; one frame = the mean spectrum', () => {
    const fr = resolveBlock('spectral', { spectrum: 'frames', fftLength: 32, filterCutoff: 20 }, ctx);
    // 100 samples, L 32, hop 16: 5 frames; bins 1…6 (20 Hz · 32 / 100 = 6.4); 3 × (mean, rms, skew, kurt, 6 bins, sskew, skurt) = 36.
    expect(fr.shape).toEqual([5, 36]);
    expect(fr.names.slice(36, 40)).toEqual(['f1:aX.mean', 'f1:aX.rms', 'f1:aX.skew', 'f1:aX.kurt']);
    const one = { windowLength: 32, sampleRateHz: 100, axes: ctx.axes };
    const a = resolveBlock('spectral', { spectrum: 'frames', fftLength: 32, filterCutoff: 20 }, one);
    const b = resolveBlock('spectral', { spectrum: 'mean', fftLength: 32, filterCutoff: 20 }, one);
    for (let s = 0; s < 5; s++) expect(Array.from(a.compute(rnd(s).subarray(0, 96)))).toEqual(Array.from(b.compute(rnd(s).subarray(0, 96))));
  });
  it('max over the rows = max-hold; every row carries the mean mode\'s statistics', () => {
    const p = { fftLength: 16, filterCutoff: 30 };
    const fr = resolveBlock('spectral', { ...p, spectrum: 'frames' }, ctx);
    const mx = resolveBlock('spectral', { ...p, spectrum: 'max' }, ctx);
    const mean = resolveBlock('spectral', { ...p, spectrum: 'mean' }, ctx);
    const [rows, w] = fr.shape;
    expect(rows).toBe(11);
    for (let s = 0; s < 5; s++) {
      const f = fr.compute(rnd(s)), m = mx.compute(rnd(s)), a = mean.compute(rnd(s));
      mean.names.forEach((n, j) => {
        const col = Array.from({ length: rows }, (_, r) => f[r * w + j]);
        if (/\.bin\d+$/.test(n)) expect(Math.max(...col), n).toBe(m[j]);
        else expect(col, n).toEqual(Array(rows).fill(a[j]));
      });
      // The rows differ: the frames are not all the same spectrum.
      expect(new Set(Array.from({ length: rows }, (_, r) => f.subarray(r * w, r * w + w).join())).size).toBeGreaterThan(1);
    }
  });
});

describe('int8 fold of standardisation + input quantisation', () => {
  it('equals round((f − mean) / std / scale) + zp within 1 LSB, clamped', () => {
    const std = { mean: [100.5, -3, 0], std: [12.3, 0.5, 40000] };
    const q = featureQuantisers(std, { scale: 0.037, zeroPoint: -5 });
    fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 27), max: 2 ** 27 }), { minLength: 3, maxLength: 3 }), (f) => {
      const got = quantiseFeatures(f, q);
      f.forEach((v, j) => {
        const want = Math.max(-128, Math.min(127, Math.round((v - std.mean[j]) / std.std[j] / 0.037) - 5));
        expect(Math.abs(got[j] - want)).toBeLessThanOrEqual(1);
      });
    }), { numRuns: 500 });
  });
});

describe('bad parameters: a typed error naming the parameter and the remedy', () => {
  const ctx = { windowLength: 100, sampleRateHz: 50, axes: ['aX', 'aY', 'aZ'] };
  const cases: [string, string, Record<string, unknown>, RegExp, typeof ctx?][] = [
    ['FFT length not a power of two', 'spectral', { fftLength: 48 }, /features\.fftLength is 48; it must be a power of two/],
    ['FFT length out of 16–256', 'spectral', { fftLength: 512 }, /features\.fftLength is 512/],
    ['FFT length 8', 'spectral', { fftLength: 8 }, /features\.fftLength is 8/],
    ['cut-off above Nyquist', 'spectral', { filterCutoff: 30 }, /features\.filterCutoff is 30 Hz; it must be above 0 and below Nyquist \(25 Hz/],
    ['window shorter than one FFT frame', 'spectral', { fftLength: 128 }, /features\.fftLength is 128 but the window has only 100 samples \(shorter than one FFT frame\)/],
    ['unknown axis for the magnitude', 'spectral', { magnitude: true }, /unknown axis aZ/, { ...ctx, axes: ['aX', 'aY', 'gZ'] }],
    ['filter order', 'spectral', { filterOrder: 9 }, /features\.filterOrder is 9/],
    ['filter type', 'spectral', { filterType: 'band' }, /features\.filterType/],
    ['a cut-off that leaves no bin', 'spectral', { filterCutoff: 0.3, fftLength: 16 }, /leaves no FFT bin/],
    ['unknown parameter', 'spectral', { fftLenght: 64 }, /unknown spectral parameter "fftLenght"/],
    ['unknown block', 'mfcc', {}, /unknown feature block "mfcc"/],
    ['spectrum', 'spectral', { spectrum: 'median' }, /features\.spectrum is "median"/],
    ['too many frame features', 'spectral', { spectrum: 'frames', fftLength: 16, filterType: 'none' }, /'frames' gives 255 frames × 42 features = 10710 per window; at most 4096/, { windowLength: 2048, sampleRateHz: 50, axes: ['aX', 'aY', 'aZ'] }],
    ['input scale not a power of two', 'flatten', { inputScale: [4096, 1000, 4096] }, /features\.inputScale\[1\] is 1000/],
  ];
  for (const [what, block, params, msg, c] of cases) {
    it(what, () => {
      let err: unknown;
      try {
        resolveBlock(block, params, c ?? ctx);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TinyforgeError);
      expect((err as TinyforgeError).kind).toBe('bad-input');
      expect((err as TinyforgeError).message).toMatch(msg);
      expect((err as TinyforgeError).remedy).toBeTruthy();
    });
  }
  it('trainModel refuses them before training (no epoch runs)', async () => {
    const ds = builtinPrepared({ subjects: 3 });
    let epochs = 0;
    await expect(trainModel({ train: ds.train, val: ds.val }, {
      preset: 'dense', optimizer: 'adam', learningRate: 0.01, epochs: 2, batchSize: 32, seed: 1, backend: 'cpu',
      features: { block: 'spectral', params: { fftLength: 100 } }, onEpoch: () => epochs++,
    })).rejects.toThrow(/features\.fftLength is 100/);
    expect(epochs).toBe(0);
  });
  it("frame-conv on a spectrum that is not 'frames' is refused with the remedy, before training", async () => {
    const ds = builtinPrepared({ subjects: 3 });
    let epochs = 0;
    await expect(trainModel({ train: ds.train, val: ds.val }, {
      preset: 'frame-conv', optimizer: 'adam', learningRate: 0.01, epochs: 1, batchSize: 32, seed: 1, backend: 'cpu', features: { block: 'spectral' }, onEpoch: () => epochs++,
    })).rejects.toMatchObject({ kind: 'bad-input', message: expect.stringMatching(/frame-conv preset needs the spectral block's per-frame layout/), remedy: expect.stringMatching(/"spectrum": "frames"/) });
    expect(epochs).toBe(0);
  });
  it('a convolutional preset with a feature block is refused with the remedy', async () => {
    const ds = builtinPrepared({ subjects: 3 });
    await expect(trainModel({ train: ds.train, val: ds.val }, {
      preset: 'conv1d', optimizer: 'adam', learningRate: 0.01, epochs: 1, batchSize: 32, seed: 1, backend: 'cpu', features: { block: 'flatten' },
    })).rejects.toMatchObject({ kind: 'bad-input', remedy: expect.stringMatching(/--preset dense/) });
  });
});

describe('the project file\'s features section', async () => {
  const { validateConfig, frontEndFromConfig } = await import('../../src/train/config.js');
  it('takes a block name or the block with its parameters', () => {
    expect(frontEndFromConfig(validateConfig({ version: 1, features: 'spectral' }).features)).toEqual({ block: 'spectral' });
    expect(frontEndFromConfig(validateConfig({ version: 1, features: { block: 'spectral', fftLength: 128, filterType: 'high', filterCutoff: 0.5 } }).features))
      .toEqual({ block: 'spectral', params: { fftLength: 128, filterType: 'high', filterCutoff: 0.5 } });
  });
  it('names a bad or unknown parameter', () => {
    expect(() => validateConfig({ version: 1, features: { block: 'spectral', fftLength: 48 } })).toThrow(/features/);
    expect(() => validateConfig({ version: 1, features: { block: 'spectral', fftLenght: 64 } })).toThrow(/fftLenght/);
    expect(() => validateConfig({ version: 1, features: 'mfcc' })).toThrow(/features/);
  });
});
