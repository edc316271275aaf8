// The service steps' option handling: defaults in one place, the project file's section over
// them, files over the built-in data. Expected values are the documented defaults
// (src/service/train.ts TRAIN_DEFAULTS) and the documented precedence, not a run's output.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareData } from '../../src/service/data.js';
import { TRAIN_DEFAULTS, trainSettings } from '../../src/service/train.js';
import { writeTwoClassCsvs } from './helpers.js';
import { nodePlatform } from '../../src/adapters/platform.js';

const dir = mkdtempSync(join(tmpdir(), 'tf-steps-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trainSettings', () => {
  it('fills every unset field from the defaults', () => {
    expect(trainSettings()).toEqual({
      preset: 'conv1d', optimizer: 'adam', learningRate: 0.003, epochs: 30, batchSize: 32, seed: 1, backend: undefined,
      earlyStopping: { patience: 5 }, classWeights: undefined, augment: { rotate: 0.2, gain: 0.05 },
    });
    expect(TRAIN_DEFAULTS.epochs).toBe(30);
  });
  it('takes the section, and false switches early stopping and augmentation off', () => {
    const t = trainSettings({ preset: 'dense', epochs: 3, earlyStopping: false, augment: false, seed: 4 });
    expect([t.preset, t.epochs, t.earlyStopping, t.augment, t.seed]).toEqual(['dense', 3, undefined, undefined, 4]);
    expect(trainSettings({ earlyStopping: { patience: 9 } }).earlyStopping).toEqual({ patience: 9 });
  });
});

describe('prepareData', () => {
  const recs = writeTwoClassCsvs(join(dir, 'recs'), { subjects: 4, seconds: 4 });
  it('files win over builtin; without files the built-in data is used', () => {
    const f = prepareData(nodePlatform(), { paths: [recs], builtin: true, windowLength: 50, windowStride: 50 });
    expect([f.source, f.files.length, f.labels]).toEqual(['files', 4, ['shake', 'still']]);
    const b = prepareData(nodePlatform(), { builtin: { subjects: 3, secondsPerActivity: 6 } });
    expect([b.source, b.labels.length]).toEqual(['builtin', 5]);
  });
  it('the same options and seed give the same split and windows', () => {
    const a = prepareData(nodePlatform(), { paths: [recs], windowLength: 50, windowStride: 25, split: { seed: 5 } });
    const b = prepareData(nodePlatform(), { paths: [recs], windowLength: 50, windowStride: 25, split: { seed: 5 } });
    expect(b.split).toEqual(a.split);
    expect(b.test.x).toEqual(a.test.x);
  });
});
