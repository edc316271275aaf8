import { describe, expect, it } from 'vitest';
import type { Recording } from '../../src/core/dataset.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { applyNormalisation, countWindows, fitNormalisation, subsetWindows, windowRecordings } from '../../src/data/window.js';

/** A recording whose sample at frame t, axis a is 100·rec + 10·t + a: every value says where it came from. */
function rec(id: number, frames: number, label: string, group = 'g', axes = ['aX', 'aY'], rate = 50): Recording {
  const s = new Float32Array(frames * axes.length);
  for (let t = 0; t < frames; t++) for (let a = 0; a < axes.length; a++) s[t * axes.length + a] = 100 * id + 10 * t + a;
  return { label, group, sampleRateHz: rate, axes, units: axes.map(() => 'g'), samples: s, source: `rec${id}` };
}

describe('windowing', () => {
  it('counts windows by hand: starts 0, stride, … while start + length ≤ frames', () => {
    expect(countWindows(10, 4, 3)).toBe(3); // starts 0, 3, 6 (9 + 4 > 10)
    expect(countWindows(10, 4, 2)).toBe(4); // 0, 2, 4, 6
    expect(countWindows(4, 4, 1)).toBe(1);
    expect(countWindows(3, 4, 1)).toBe(0);
    expect(countWindows(3000, 100, 50)).toBe(59); // (3000 - 100) / 50 + 1
  });

  it('cuts windows per recording, never across two, with labels and groups', () => {
    const ws = windowRecordings([rec(1, 10, 'b', 'g1'), rec(2, 3, 'a', 'g2'), rec(3, 7, 'a', 'g3')], { length: 4, stride: 3 });
    // rec1: 3 windows, rec2: none (3 < 4), rec3: starts 0, 3 → 2 windows
    expect(ws.y.length).toBe(5);
    expect(ws.labels).toEqual(['a', 'b']);
    expect(Array.from(ws.y)).toEqual([1, 1, 1, 0, 0]);
    expect(ws.groups).toEqual(['g1', 'g1', 'g1', 'g3', 'g3']);
    expect(ws.x.length).toBe(5 * 4 * 2);
    // window 2 of rec1 starts at frame 6: values 100 + 60 + a, then frames 7, 8, 9
    expect(Array.from(ws.x.subarray(2 * 8, 3 * 8))).toEqual([160, 161, 170, 171, 180, 181, 190, 191]);
    // window 1 of rec3 starts at frame 3 of rec3 (never frames of rec1)
    expect(Array.from(ws.x.subarray(4 * 8, 4 * 8 + 2))).toEqual([330, 331]);
  });

  it('selects and reorders axes by name', () => {
    const ws = windowRecordings([rec(1, 4, 'a', 'g', ['aX', 'aY', 'aZ'])], { length: 2, stride: 2, axes: ['aZ', 'aX'] });
    expect(ws.axes).toEqual(['aZ', 'aX']);
    expect(Array.from(ws.x.subarray(0, 4))).toEqual([102, 100, 112, 110]);
  });

  it('uses the given class order', () => {
    const ws = windowRecordings([rec(1, 4, 'a')], { length: 2, stride: 2, labels: ['z', 'a'] });
    expect(Array.from(ws.y)).toEqual([1, 1]);
  });

  it('rejects mixed rates, missing axes, unknown labels and bad sizes with named errors', () => {
    expect(() => windowRecordings([rec(1, 10, 'a'), rec(2, 10, 'a', 'g', ['aX', 'aY'], 100)], { length: 4, stride: 2 })).toThrow(/mixed sample rates.*rec2 is 100 Hz/);
    expect(() => windowRecordings([rec(1, 10, 'a'), rec(2, 10, 'a', 'g', ['aX'])], { length: 4, stride: 2 })).toThrow(/rec2 has axes \[aX\]/);
    expect(() => windowRecordings([rec(1, 10, 'a')], { length: 4, stride: 2, axes: ['gX'] })).toThrow(/expected \[gX\]/);
    expect(() => windowRecordings([rec(1, 10, 'q')], { length: 4, stride: 2, labels: ['a'] })).toThrow(/label "q"/);
    expect(() => windowRecordings([rec(1, 10, 'a')], { length: 0, stride: 2 })).toThrow(TinyforgeError);
    expect(() => windowRecordings([rec(1, 10, 'a')], { length: 4, stride: 1.5 })).toThrow(/stride/);
  });

  it('subsets windows', () => {
    const ws = windowRecordings([rec(1, 10, 'a', 'g1')], { length: 2, stride: 2 });
    const sub = subsetWindows(ws, [3, 0]);
    expect(Array.from(sub.x.subarray(0, 2))).toEqual([160, 161]);
    expect(Array.from(sub.x.subarray(4, 6))).toEqual([100, 101]);
  });
});

describe('normalisation', () => {
  it('fits per-axis mean and population std (hand-computed)', () => {
    // axis 0 takes 1, 3, 1, 3 → mean 2, std 1; axis 1 is constant 5 → std falls back to 1
    const ws = { axes: ['a', 'b'], labels: ['x'], windowLength: 2, sampleRateHz: 1, x: Float32Array.from([1, 5, 3, 5, 1, 5, 3, 5]), y: Int32Array.from([0, 0]), groups: ['g', 'g'] };
    const n = fitNormalisation(ws);
    expect(n.mean).toEqual([2, 5]);
    expect(n.std).toEqual([1, 1]);
    const z = applyNormalisation(ws, { mean: [2, 4], std: [1, 0.5] });
    expect(Array.from(z.x)).toEqual([-1, 2, 1, 2, -1, 2, 1, 2]);
    expect(ws.x[0]).toBe(1); // input untouched
    expect(() => applyNormalisation(ws, { mean: [0], std: [1] })).toThrow(/1 axes but the windows have 2/);
  });
});
