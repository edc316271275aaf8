/**
 * Training on REAL recordings (shared/data/nano33ble-gestures: 15 flex + 20 punch gestures of one
 * person, Arduino Nano 33 BLE Sense, 119 samples × 6 axes each) and on the built-in data.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { fsImportIo } from '../../src/adapters/import-fs.js';
import { importRecordings } from '../../src/data/import/description.js';
import { subsetWindows, windowRecordings } from '../../src/data/window.js';
import { builtinTrainingData, recordingsTrainingData } from '../../src/train/data-source.js';
import { trainModel } from '../../src/train/train.js';

const shared = sharedForTests();

describe.skipIf(!shared)('real Nano 33 BLE gestures (flex / punch)', () => {
  // Through the import description alone: the folder, nothing else (gesture length and units are detected).
  // The describe body runs at collection even when skipped: import only when the data is there.
  const recs = shared ? importRecordings({ files: [join(shared, 'data', 'nano33ble-gestures')] }, fsImportIo()).recordings : [];

  it('imports as 35 one-gesture recordings and becomes one window per gesture, each gesture its own group', () => {
    // README: flex.csv 1785 rows = 15 gestures, punch.csv 2380 rows = 20 gestures, 119 rows each.
    expect(recs).toHaveLength(35);
    const d = recordingsTrainingData(recs, { split: { val: 0.15, test: 0.15, seed: 1 } });
    expect(d.windowLength).toBe(119);
    expect(d.train.y.length + d.val.y.length + d.test.y.length).toBe(35);
    const trainGroups = new Set(d.train.groups);
    for (const g of [...d.val.groups, ...d.test.groups]) expect(trainGroups.has(g)).toBe(false);
  });

  it('5-fold by gesture: held-out accuracy clearly beats chance', async () => {
    // Every gesture is predicted once by a model that never saw it. Chance (majority class) is
    // 20/35 = 57 %; a real signal separates flex from punch far better. Threshold 80 %.
    const all = windowRecordings(recs, { length: 119, stride: 119, labels: ['flex', 'punch'] });
    let correct = 0;
    for (let fold = 0; fold < 5; fold++) {
      const idx = Array.from({ length: all.y.length }, (_, i) => i);
      const test = subsetWindows(all, idx.filter((i) => i % 5 === fold));
      const val = subsetWindows(all, idx.filter((i) => i % 5 === (fold + 1) % 5));
      const train = subsetWindows(all, idx.filter((i) => i % 5 !== fold && i % 5 !== (fold + 1) % 5));
      const r = await trainModel({ train, val, test }, { preset: 'conv1d-small', optimizer: 'adam', learningRate: 0.01, epochs: 15, batchSize: 8, seed: 1, backend: 'wasm', units: ['g', 'g', 'g', 'dps', 'dps', 'dps'] });
      correct += Math.round(r.report.accuracy.test! * test.y.length);
      r.model.dispose();
    }
    expect(correct / 35).toBeGreaterThanOrEqual(0.8);
  }, 120_000);
});

describe('built-in activity data', () => {
  it('a short run beats chance (20 %) clearly on held-out subjects', async () => {
    // Small: 6 simulated subjects × 20 s per activity, 5 classes; conv1d-small, 6 epochs.
    const d = builtinTrainingData({ builtin: { seed: 3, subjects: 6, secondsPerActivity: 20 }, split: { val: 0.2, test: 0.2, seed: 3 } });
    const held = new Set([...d.val.groups, ...d.test.groups]);
    for (const g of d.train.groups) expect(held.has(g)).toBe(false);
    const r = await trainModel({ train: d.train, val: d.val, test: d.test }, { preset: 'conv1d-small', optimizer: 'adam', learningRate: 0.01, epochs: 6, batchSize: 16, seed: 1, backend: 'wasm' });
    expect(r.report.labels).toEqual(['idle', 'walking', 'running', 'biking', 'golfing']);
    expect(r.report.accuracy.test).toBeGreaterThan(0.6);
    r.model.dispose();
  }, 120_000);
});
