// The search space as data: merging the project file's entries, every invalid entry named with
// its remedy, successive-halving rungs, seeded sampling and mutation staying inside the space.
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/data/prng.js';
import { archProblem, buildCandidateModel, describeCandidate, featureLengths } from '../../src/tune/arch.js';
import { latencyMs, makeBudget, overBudget } from '../../src/tune/budget.js';
import { DEFAULT_SPACE, archKey, candidateKey, formatSpace, mergeSpace, mutateCandidate, rungEpochs, sampleCandidate, smallestCandidates, spaceSize, validateSpace, type Candidate } from '../../src/tune/space.js';

const base: Candidate = { frontEnd: 'raw', windowSeconds: 1, windowStride: 0.5, family: 'conv1d', depth: 2, width: 8, kernelSize: 5, pooling: 'max', learningRate: 0.003 };

function spaceError(override: Record<string, unknown>): TinyforgeError {
  try {
    mergeSpace(override);
  } catch (e) {
    return e as TinyforgeError;
  }
  throw new Error('no error');
}

describe('search space', () => {
  it('the default space is valid, printable and its size is the product of its lists', () => {
    expect(validateSpace(structuredClone(DEFAULT_SPACE))).toEqual(DEFAULT_SPACE);
    // windows, stride, family, depth, width, kernel, pooling, lr × front-ends: raw + flatten + spectral's
    // 3 FFT lengths · 2 filters · 2 cut-offs · 2 orders · 2 overlaps · 2 means · 2 magnitudes = 192
    expect(spaceSize(DEFAULT_SPACE)).toBe(3 * 1 * 3 * 3 * 4 * 3 * 3 * 3 * (1 + 1 + 192));
    expect(formatSpace(DEFAULT_SPACE)).toContain('rung epochs 4 → 8 → 16');
    expect(formatSpace(DEFAULT_SPACE)).toMatch(/spectral\.fftLength\s+\[16,32,64\]\s+FFT frame length/);
  });

  it('project-file entries replace whole lists; epochs field by field; a single value is a list of one', () => {
    const s = mergeSpace({ family: 'dense', width: [2, 3], epochs: { max: 8 } });
    expect(s.family).toEqual(['dense']);
    expect(s.width).toEqual([2, 3]);
    expect(s.depth).toEqual(DEFAULT_SPACE.depth);
    expect(s.epochs).toEqual({ min: 4, max: 8, eta: 2 });
  });

  it('every invalid entry is named, with the remedy', () => {
    const e = spaceError({ width: [8, 0], family: ['mlp'], pooling: [], colour: 'red', epochs: { min: 9, max: 3, eta: 1 }, frontEnd: ['raw', 'mfcc'], spectral: { fftLength: [32, 48], hop: [1] } });
    expect(e.kind).toBe('bad-input');
    expect(e.message).toContain('tune.space.width[1]: 0 is not a whole number 1–256');
    expect(e.message).toContain('tune.space.family[0]: "mlp" is not one of dense, conv1d, dsconv');
    expect(e.message).toContain('tune.space.pooling: must be a non-empty list');
    expect(e.message).toContain('tune.space.colour: unknown entry');
    expect(e.message).toContain('tune.space.epochs.eta: 1 is not a whole number ≥ 2');
    expect(e.message).toContain('tune.space.epochs: min 9 > max 3');
    expect(e.message).toContain('tune.space.frontEnd[1]: "mfcc" is not one of raw, spectral, flatten');
    expect(e.message).toContain('tune.space.spectral.fftLength[1]: 48 is not a power of two 16–256');
    expect(e.message).toContain('tune.space.spectral.hop: unknown entry');
    expect(e.remedy).toMatch(/--print-space/);
  });

  it('rungs grow by eta and end at max', () => {
    expect(rungEpochs({ min: 4, max: 16, eta: 2 })).toEqual([4, 8, 16]);
    expect(rungEpochs({ min: 3, max: 20, eta: 3 })).toEqual([3, 9, 20]);
    expect(rungEpochs({ min: 5, max: 5, eta: 2 })).toEqual([5]);
  });

  it('spectral entries merge one by one; a single value is a list of one', () => {
    const s = mergeSpace({ spectral: { fftLength: 32, includeMean: [true] } });
    expect(s.spectral).toEqual({ ...DEFAULT_SPACE.spectral, fftLength: [32], includeMean: [true] });
  });

  it('sampling and mutation are seeded and stay inside the space', () => {
    const s = mergeSpace({ family: ['conv1d', 'dsconv'], frontEnd: ['raw'] });
    const a = Array.from({ length: 20 }, (_, i) => sampleCandidate(s, mulberry32(7).fork(String(i))));
    const b = Array.from({ length: 20 }, (_, i) => sampleCandidate(s, mulberry32(7).fork(String(i))));
    expect(a).toEqual(b);
    const rng = mulberry32(3);
    for (const c of a) {
      const m = mutateCandidate(c, s, rng);
      const changed = Object.keys(c).filter((k) => (c as never)[k] !== (m as never)[k]);
      expect(changed.length).toBe(1);
      for (const [k, v] of Object.entries(m)) expect((s as never as Record<string, unknown[]>)[k]).toContain(v);
    }
  });

  it('the architecture key ignores learning rate and stride, and dense ignores kernel and pooling', () => {
    const data = { rateHz: 50, axes: 3, classes: 5 };
    expect(archKey({ ...base, learningRate: 0.01, windowStride: 1 }, data)).toBe(archKey(base, data));
    expect(archKey({ ...base, width: 16 }, data)).not.toBe(archKey(base, data));
    const d = mergeSpace({ family: ['dense'] });
    const c = sampleCandidate(d, mulberry32(1));
    expect([c.kernelSize, c.pooling]).toEqual([1, 'none']);
    expect(candidateKey(c)).toBe(candidateKey({ ...c }));
  });

  it('the smallest candidate of each family uses the smallest entries', () => {
    const sm = smallestCandidates(mergeSpace({ width: [16, 4], depth: [3, 2] }));
    expect(sm.map((c) => `${c.frontEnd}/${c.family}`)).toEqual(['raw/dense', 'raw/conv1d', 'raw/dsconv', 'spectral/dense', 'flatten/dense']);
    expect(sm.every((c) => c.width === 4 && c.depth === 2 && c.windowSeconds === 1)).toBe(true);
    expect(sm[3].spectral).toEqual({ fftLength: 16, filterType: 'none', doFftOverlap: false, includeMean: false, magnitude: false });
  });

  it('a feature front-end feeds a dense network; spectral parameters only where they matter', () => {
    const s = mergeSpace({ frontEnd: ['spectral', 'flatten'], family: ['conv1d'] });
    const rng = mulberry32(5);
    for (let i = 0; i < 40; i++) {
      const c = sampleCandidate(s, rng.fork(String(i)));
      expect([c.family, c.kernelSize, c.pooling]).toEqual(['dense', 1, 'none']);
      if (c.frontEnd === 'flatten') expect(c.spectral).toBeUndefined();
      else if (c.spectral!.filterType === 'none') expect(Object.keys(c.spectral!).sort()).toEqual(['doFftOverlap', 'fftLength', 'filterType', 'includeMean', 'magnitude']);
      else expect(Object.keys(c.spectral!).length).toBe(7);
      // A mutation changes one entry the candidate uses (never the family or kernel it ignores).
      const m = mutateCandidate(c, s, rng);
      expect(candidateKey(m)).not.toBe(candidateKey(c));
      expect(m.family).toBe('dense');
    }
    const data = { rateHz: 50, axes: 3, classes: 5 };
    const sp: Candidate = { ...base, frontEnd: 'spectral', family: 'dense', kernelSize: 1, pooling: 'none', spectral: { fftLength: 32, filterType: 'none', doFftOverlap: true, includeMean: false, magnitude: false } };
    // An unfiltered spectrum's cut-off and order do not make another candidate.
    expect(archKey({ ...sp, spectral: { ...sp.spectral, filterCutoff: 4, filterOrder: 2 } }, data)).toBe(archKey(sp, data));
    expect(archKey({ ...sp, spectral: { ...sp.spectral, fftLength: 64 } }, data)).not.toBe(archKey(sp, data));
    expect(describeCandidate(sp)).toBe('spectral fft32 unfiltered overlap → dense 2×8, 1s, lr 0.003');
  });
});

describe('candidate architectures', () => {
  it('feature lengths follow valid convolutions and pools of 2 (hand-computed)', () => {
    // 50 → conv k5 → 46 → pool → 23 → conv k5 → 19
    expect(featureLengths(base, 50)).toEqual([46, 19]);
    expect(featureLengths({ ...base, pooling: 'none' }, 50)).toEqual([46, 42]);
    expect(featureLengths({ ...base, depth: 3, kernelSize: 7 }, 20)).toBeNull();
    expect(archProblem({ ...base, depth: 3, kernelSize: 7 }, 20)).toMatch(/need longer windows than 20 samples/);
  });

  it('builds each family with the expected parameter count (hand-computed)', () => {
    const shape = { windowLength: 50, axes: 3, classes: 5, seed: 1 };
    // conv1d: (5·3·8 + 8) + (5·8·16 + 16) + GAP + (16·5 + 5) = 128 + 656 + 85
    const m1 = buildCandidateModel(base, shape);
    expect(m1.countParams()).toBe(128 + 656 + 85);
    // dense depth 2 width 4: (150·4 + 4) + (4·4 + 4) + (4·5 + 5)
    const m2 = buildCandidateModel({ ...base, family: 'dense', depth: 2, width: 4, kernelSize: 1, pooling: 'none' }, shape);
    expect(m2.countParams()).toBe(604 + 20 + 25);
    // dsconv depth 2 width 4 k3: conv2d (3·1·3·4 + 4) + depthwise (3·1·4 + 4) + pointwise (4·8 + 8) + dense (8·5 + 5)
    const m3 = buildCandidateModel({ ...base, family: 'dsconv', width: 4, kernelSize: 3 }, shape);
    expect(m3.countParams()).toBe(40 + 16 + 40 + 45);
    [m1, m2, m3].forEach((m) => m.dispose());
  });
});

describe('budgets', () => {
  it('latency = instructions × CPI ÷ clock; the board limits apply unless tighter ones are given', () => {
    const b = makeBudget({ board: 'nano33ble-sense-rev2', maxRam: 10_000_000, maxLatencyMs: 2 });
    expect(b.clockHz).toBe(64e6);
    expect(b.maxFlash).toBe(983_040);
    expect(b.maxRam).toBe(262_144);
    expect(latencyMs(64_000, b)).toBeCloseTo(1.25, 12); // 64 000 × 1.25 / 64 MHz = 1.25 ms
    expect(overBudget({ flash: 1000, ram: 1000, arena: 100, instructions: 64_000 }, b)).toEqual([]);
    expect(overBudget({ flash: 1_000_000, ram: 300_000, arena: 100, instructions: 128_000 }, b)).toEqual(['flash 1000000 B > 983040 B', 'RAM 300000 B > 262144 B', 'latency 2.50 ms > 2 ms']);
  });
});
