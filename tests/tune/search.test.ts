// The search's pure parts: Pareto dominance and front, promotion by validation accuracy, and
// proposals that depend only on the seed and earlier generations (never on finishing order).
import { describe, expect, it } from 'vitest';
import { bestTrial, dominates, paretoFront, promote, proposeCandidate, type TrialRecord } from '../../src/tune/search.js';
import { candidateKey, mergeSpace, type Candidate } from '../../src/tune/space.js';

const cand: Candidate = { frontEnd: 'raw', windowSeconds: 1, windowStride: 0.5, family: 'conv1d', depth: 1, width: 8, kernelSize: 3, pooling: 'max', learningRate: 0.003 };

function rec(id: number, acc: number, instructions: number, ram = 1000, flash = 10_000, extra: Partial<TrialRecord> = {}): TrialRecord {
  return {
    id, generation: 0, rung: 0, epochs: 1, seed: 1, candidate: { ...cand, width: id }, arch: String(id), status: 'done',
    figures: { flash, ram, arena: 100, instructions, latencyMs: instructions / 1000 },
    accuracy: { val: { float: acc, int8: acc } },
    ...extra,
  };
}

describe('Pareto front', () => {
  it('dominance: no worse in every objective and better in one', () => {
    const p = { acc: 0.9, instructions: 100, ram: 10, flash: 10 };
    expect(dominates(p, { ...p, acc: 0.8 })).toBe(true);
    expect(dominates(p, p)).toBe(false);
    expect(dominates(p, { ...p, acc: 0.95, instructions: 200 })).toBe(false);
  });

  it('keeps exactly the non-dominated trials, best accuracy first; rejected and failed are never on it', () => {
    const trials = [
      rec(1, 0.9, 5000), // front: most accurate
      rec(2, 0.8, 1000), // front: fastest
      rec(3, 0.8, 2000), // dominated by 2
      rec(4, 0.85, 3000, 500), // front: least RAM
      rec(5, 0.7, 6000), // dominated by 1
      rec(6, 0.99, 10, 1, 1, { status: 'rejected' }),
      rec(7, 0.99, 10, 1, 1, { status: 'failed' }),
      rec(8, 0.8, 1000), // equal to 2: the lower id stays
    ];
    expect(paretoFront(trials).map((t) => t.id)).toEqual([1, 4, 2]);
    expect(bestTrial(trials)!.id).toBe(1);
  });

  it('the latest record of a trial counts (a promoted trial at its highest rung)', () => {
    const trials = [rec(1, 0.5, 1000), rec(2, 0.6, 2000), rec(1, 0.7, 1000, 1000, 10_000, { rung: 1 })];
    expect(paretoFront(trials).map((t) => [t.id, t.rung])).toEqual([[1, 1]]);
  });
});

describe('successive halving', () => {
  it('promotes the best 1/eta by validation int8 accuracy (ties: fewer instructions, then lower id)', () => {
    const rung = [rec(1, 0.5, 100), rec(2, 0.9, 100), rec(3, 0.9, 50), rec(4, 0.7, 100), rec(5, 0.99, 1, 1, 1, { status: 'failed' })];
    expect(promote(rung, 2).map((r) => r.id)).toEqual([3, 2]);
    expect(promote(rung, 3).map((r) => r.id)).toEqual([3]);
    expect(promote([rec(9, 0.1, 1)], 4).map((r) => r.id)).toEqual([9]);
  });
});

describe('proposals', () => {
  const space = mergeSpace({});
  it('generation 0 depends only on the seed', () => {
    const a = Array.from({ length: 8 }, (_, k) => candidateKey(proposeCandidate(space, 5, 0, k, [])));
    expect(Array.from({ length: 8 }, (_, k) => candidateKey(proposeCandidate(space, 5, 0, k, [rec(1, 0.9, 1)])))).toEqual(a);
    expect(Array.from({ length: 8 }, (_, k) => candidateKey(proposeCandidate(space, 6, 0, k, [])))).not.toEqual(a);
  });

  it('later generations depend on earlier results, not on the order they were recorded in', () => {
    const earlier = [rec(1, 0.9, 1000), rec(2, 0.5, 1000), rec(3, 0.7, 1000)];
    const a = Array.from({ length: 8 }, (_, k) => candidateKey(proposeCandidate(space, 5, 1, k, earlier)));
    const b = Array.from({ length: 8 }, (_, k) => candidateKey(proposeCandidate(space, 5, 1, k, [...earlier].reverse().sort((x, y) => x.id - y.id))));
    expect(b).toEqual(a);
    // Trials of the same (current) generation are not looked at.
    const c = Array.from({ length: 8 }, (_, k) => candidateKey(proposeCandidate(space, 5, 1, k, [...earlier, { ...rec(4, 1, 1), generation: 1 }])));
    expect(c).toEqual(a);
  });
});
