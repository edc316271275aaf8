import { describe, expect, it } from 'vitest';
import type { Recording } from '../../src/core/dataset.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { builtinDataset } from '../../src/data/simulator.js';
import { leaveOneGroupOut, splitByGroup, splitWindowsByGroup, SPLIT_NAMES } from '../../src/data/split.js';
import { windowRecordings } from '../../src/data/window.js';
import { builtinPrepared } from '../../src/data/prepare.js';

function rec(label: string, group: string, frames = 20, tag = 0): Recording {
  return { label, group, sampleRateHz: 50, axes: ['aX'], units: ['g'], samples: new Float32Array(frames).fill(tag), source: `${group}/${label}/${tag}` };
}

/** Every group in at most one split. */
function expectDisjoint(groups: Record<string, string[]>): void {
  const seen = new Map<string, string>();
  for (const s of SPLIT_NAMES) for (const g of groups[s]) {
    expect(seen.get(g), `group ${g} in ${seen.get(g)} and ${s}`).toBeUndefined();
    seen.set(g, s);
  }
}

describe('splitByGroup', () => {
  const recs = builtinDataset({ subjects: 10, secondsPerActivity: 4 });

  it('keeps every subject in one split, stratified (each subject has every class)', () => {
    const { train, val, test, report } = splitByGroup(recs, { seed: 7 });
    expect(report.mode).toBe('group');
    expectDisjoint(report.groups);
    // 10 groups: val and test each round(0.15 × 10) = 2, train the other 6
    expect([report.groups.train.length, report.groups.val.length, report.groups.test.length]).toEqual([6, 2, 2]);
    for (const [part, n] of [[train, 6], [val, 2], [test, 2]] as const) {
      for (const label of ['idle', 'walking', 'running', 'biking', 'golfing']) expect(part.filter((r) => r.label === label).length).toBe(n);
    }
    expect(train.length + val.length + test.length).toBe(recs.length);
  });

  it('is reproducible for a seed and varies with the seed', () => {
    const a = splitByGroup(recs, { seed: 7 }).report.groups;
    expect(splitByGroup(recs, { seed: 7 }).report.groups).toEqual(a);
    const others = [1, 2, 3, 4, 5].map((s) => JSON.stringify(splitByGroup(recs, { seed: s }).report.groups));
    expect(new Set([JSON.stringify(a), ...others]).size).toBeGreaterThan(1);
  });

  it('stratifies when groups hold different classes', () => {
    // 12 groups: 6 only "a", 6 only "b". A split without stratification could miss a class.
    const r: Recording[] = [];
    for (let g = 0; g < 12; g++) r.push(rec(g < 6 ? 'a' : 'b', `g${g}`));
    for (let seed = 1; seed <= 20; seed++) {
      const { report } = splitByGroup(r, { seed, fallback: 'error' });
      expectDisjoint(report.groups);
      for (const s of SPLIT_NAMES) {
        expect(report.counts[s].a, `seed ${seed} split ${s}`).toBeGreaterThan(0);
        expect(report.counts[s].b, `seed ${seed} split ${s}`).toBeGreaterThan(0);
      }
    }
  });

  it('falls back to contiguous recordings per class when groups are too few, and says so', () => {
    // Like the Arduino gestures: one file (group) per class, 15 and 20 recordings.
    const r = [...Array.from({ length: 15 }, (_, i) => rec('flex', 'flex', 20, i)), ...Array.from({ length: 20 }, (_, i) => rec('punch', 'punch', 20, i))];
    const { train, val, test, report } = splitByGroup(r, { seed: 1 });
    expect(report.mode).toBe('contiguous');
    expect(report.warnings.join(' ')).toMatch(/contiguous blocks/);
    // flex: val = test = round(0.15 × 15) = 2, train 11 — in recording order
    expect(train.filter((x) => x.label === 'flex').map((x) => x.samples[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(val.filter((x) => x.label === 'flex').map((x) => x.samples[0])).toEqual([11, 12]);
    expect(test.filter((x) => x.label === 'flex').map((x) => x.samples[0])).toEqual([13, 14]);
    // punch: 3 / 3 / 14
    expect(test.filter((x) => x.label === 'punch').map((x) => x.samples[0])).toEqual([17, 18, 19]);
    expect(() => splitByGroup(r, { fallback: 'error' })).toThrow(/cannot split 2 group/);
    expect(() => splitByGroup([rec('a', 'g'), rec('a', 'g')], {})).toThrow(/only 2 recording/);
  });

  it('allows empty val/test and rejects bad fractions', () => {
    const { val, test, report } = splitByGroup(recs, { val: 0, test: 0 });
    expect(val.length + test.length).toBe(0);
    expect(report.groups.train.length).toBe(10);
    expect(() => splitByGroup(recs, { val: 0.7 })).toThrow(/--val must be within/);
  });
});

describe('splitWindowsByGroup and leaveOneGroupOut', () => {
  it('splits windows by group, disjoint', () => {
    const ws = windowRecordings(builtinDataset({ subjects: 8, secondsPerActivity: 4 }), { length: 100, stride: 50 });
    const s = splitWindowsByGroup(ws, { seed: 3 });
    expectDisjoint(s.report.groups);
    const inSplit = (w: typeof s.train) => new Set(w.groups);
    for (const g of inSplit(s.test)) expect(inSplit(s.train).has(g)).toBe(false);
    expect(s.train.y.length + s.val.y.length + s.test.y.length).toBe(ws.y.length);
    const one = windowRecordings([rec('a', 'g', 20), rec('b', 'g', 20)], { length: 10, stride: 10 });
    let err: unknown;
    try {
      splitWindowsByGroup(one);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinyforgeError);
    expect((err as TinyforgeError).message).toMatch(/cannot split windows of 1 group/);
    expect((err as TinyforgeError).remedy).toMatch(/split the recordings before windowing/);
  });

  it('leaves each group out once', () => {
    const r = [rec('a', 'g2'), rec('b', 'g1'), rec('a', 'g1'), rec('b', 'g3')];
    const folds = leaveOneGroupOut(r);
    expect(folds.map((f) => f.group)).toEqual(['g1', 'g2', 'g3']);
    expect(folds[0].test.length).toBe(2);
    expect(folds[0].train.every((x) => x.group !== 'g1')).toBe(true);
    expect(() => leaveOneGroupOut([rec('a', 'g')])).toThrow(/at least 2 groups/);
  });
});

describe('builtinPrepared', () => {
  it('windows 2 s / 1 s per split and fits the normalisation on train only', () => {
    const p = builtinPrepared({ subjects: 10, secondsPerActivity: 10, seed: 2 });
    expect(p.labels).toEqual(['idle', 'walking', 'running', 'biking', 'golfing']);
    expect([p.windowLength, p.windowStride]).toEqual([100, 50]);
    // 10 s at 50 Hz = 500 frames → (500 − 100) / 50 + 1 = 9 windows per recording; 6 train subjects × 5 activities
    expect(p.train.y.length).toBe(6 * 5 * 9);
    expect(p.test.y.length).toBe(2 * 5 * 9);
    // mean of axis 0 over the train windows, computed directly
    let s = 0;
    for (let i = 0; i < p.train.x.length; i += 3) s += p.train.x[i];
    expect(p.normalisation.mean[0]).toBeCloseTo(s / (p.train.x.length / 3), 6);
  });
});
