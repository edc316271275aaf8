import { describe, expect, it } from 'vitest';
import type { Recording } from '../../src/core/dataset.js';
import { summarise } from '../../src/data/summary.js';
import { parseSplit, parseWindows, serializeSplit, serializeWindows } from '../../src/data/split-files.js';
import { builtinPrepared } from '../../src/data/prepare.js';

const rec = (label: string, group: string, values: number[], rate = 10): Recording => ({ label, group, sampleRateHz: rate, axes: ['aX'], units: ['g'], samples: Float32Array.from(values) });

describe('summarise', () => {
  it('counts classes, groups, seconds and ranges (hand-computed)', () => {
    const s = summarise([rec('a', 'g1', [1, 2, 3, 4, 5]), rec('b', 'g1', [-1, 0]), rec('a', 'g2', [9, 9, 9, 9, 9, 9, 9, 9, 9, 9], 20)]);
    expect(s.classes).toEqual([
      { label: 'a', recordings: 2, frames: 15, seconds: 0.5 + 0.5, groups: 2 },
      { label: 'b', recordings: 1, frames: 2, seconds: 0.2, groups: 1 },
    ]);
    expect(s.rates).toEqual([{ rateHz: 10, recordings: 2 }, { rateHz: 20, recordings: 1 }]);
    expect(s.perGroup).toEqual([{ group: 'g1', recordings: 2, seconds: { a: 0.5, b: 0.2 } }, { group: 'g2', recordings: 1, seconds: { a: 0.5 } }]);
    // values 1..5, -1, 0, ten 9s: min −1, max 9, mean (15 − 1 + 90) / 17
    expect(s.ranges).toEqual([{ axis: 'aX', min: -1, max: 9, mean: 104 / 17 }]);
  });
});

describe('split files', () => {
  it('round-trip windows bit-exactly and reject damaged files', () => {
    const p = builtinPrepared({ subjects: 4, secondsPerActivity: 6, seed: 4 });
    const files = serializeSplit(p, ['g', 'g', 'g']);
    const back = parseSplit(files['split.json'], (f) => files[f]);
    expect(back.train.x).toEqual(p.train.x);
    expect(Array.from(back.val.y)).toEqual(Array.from(p.val.y));
    expect(back.units).toEqual(['g', 'g', 'g']);
    const text = serializeWindows(p.test);
    const cut = JSON.parse(text);
    cut.x.pop();
    expect(() => parseWindows(JSON.stringify(cut), 'test.json')).toThrow(/test\.json: sizes or values do not match/);
    expect(() => parseWindows('{', 'test.json')).toThrow(/not valid JSON/);
    expect(() => parseSplit('{"format":"other"}', () => '')).toThrow(/not a tinyforge-split\/1 manifest/);
  });
});
