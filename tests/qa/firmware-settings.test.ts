// QA: `tinyforge firmware` with a settings file that does not fit the model (another window,
// other axes, other labels, other quantisation) must fail with a clear bad-input error and write
// nothing; settings straight from training (no I/O quantisation) take the model's own; a folder
// given as --model / --settings is bad input, not an internal error.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import type { ModelSettings } from '../../src/core/dataset.js';
import { checkSettingsForModel, liveDetectionWarning, withModelQuant } from '../../src/firmware/model-settings.js';
import { cli, tinyClassifier, tinyProject, tinySettings } from './helpers.js';

const g = tinyClassifier();
const err = (f: () => unknown): TinyforgeError => {
  try {
    f();
  } catch (e) {
    return e as TinyforgeError;
  }
  throw new Error('expected an error');
};

describe('checkSettingsForModel', () => {
  it('accepts matching settings and fills in the model\'s exact I/O quantisation', () => {
    const s = checkSettingsForModel(tinySettings(), g);
    expect(s.inputQuant).toEqual({ scale: Math.fround(0.05), zeroPoint: -3 });
    expect(s.outputQuant).toEqual({ scale: Math.fround(0.1), zeroPoint: 4 });
    // The float64 a quantiser computed is the same scale as the model's float32.
    expect(() => checkSettingsForModel({ ...tinySettings(), inputQuant: { scale: 0.05, zeroPoint: -3 } }, g)).not.toThrow();
  });

  const cases: [string, Partial<ModelSettings>, RegExp][] = [
    ['window length', { windowLength: 5 }, /5 samples × 3 axes .* 15 values.*takes 12/],
    ['axes', { axes: ['aX', 'aY'], units: ['g', 'g'], normalisation: { mean: [0, 0], std: [1, 1] } }, /4 samples × 2 axes .* 8 values.*takes 12/],
    ['labels', { labels: ['a', 'b', 'c'] }, /3 label\(s\).*has 2 value/],
    ['input quantisation', { inputQuant: { scale: 0.5, zeroPoint: 0 } }, /inputQuant is scale 0.5 zero point 0.*zero point -3/],
    ['output zero point', { outputQuant: { scale: Math.fround(0.1), zeroPoint: 5 } }, /outputQuant .* zero point 5/],
  ];
  it.each(cases)('a different %s is bad input naming both sides', (_what, change, message) => {
    const e = err(() => checkSettingsForModel({ ...tinySettings(), ...change }, g, 'my.json'));
    expect(e).toBeInstanceOf(TinyforgeError);
    expect(e.kind).toBe('bad-input');
    expect(e.message).toMatch(/^my\.json does not match the model/);
    expect(e.message).toMatch(message);
    expect(e.remedy).toMatch(/settings\.json/);
  });

  it('rejects nonsense values with the field name', () => {
    expect(err(() => checkSettingsForModel({ ...tinySettings(), windowStride: 0 }, g)).message).toMatch(/windowStride/);
    expect(err(() => checkSettingsForModel({ ...tinySettings(), sampleRateHz: -1 }, g)).message).toMatch(/sampleRateHz/);
    expect(err(() => checkSettingsForModel({ ...tinySettings(), normalisation: { mean: [0, 0, 0], std: [1, 0, 1] } }, g)).message).toMatch(/std\[1\] is 0/);
    expect(err(() => checkSettingsForModel({ ...tinySettings(), axes: undefined } as unknown as ModelSettings, g)).message).toMatch(/"axes"/);
  });

  it('a float32 output is unsupported (the device app reads int8)', () => {
    const f = structuredClone(g);
    f.tensors[3] = { name: 'probs', dtype: 'float32', shape: [1, 2] };
    const e = err(() => checkSettingsForModel(tinySettings(), f));
    expect(e.kind).toBe('unsupported');
    expect(e.message).toMatch(/output is "probs" float32/);
  });

  it('withModelQuant never overrides quantisation the settings carry', () => {
    const own = { scale: 1, zeroPoint: 2 };
    expect(withModelQuant({ ...tinySettings(), inputQuant: own }, g).inputQuant).toBe(own);
    expect(withModelQuant(tinySettings(), g).outputQuant).toEqual({ scale: Math.fround(0.1), zeroPoint: 4 });
  });
});

describe('tinyforge firmware (CLI) with settings for another model', () => {
  it('refuses a settings file with another window: exit 3, clear message, nothing written', () => {
    const p = tinyProject();
    const wrong = join(p.dir, 'other.json');
    writeFileSync(wrong, JSON.stringify({ ...tinySettings(), windowLength: 100 }));
    const out = join(p.dir, 'fw');
    const r = cli(['firmware', '--board', 'qemu-mps2-an386', '--model', p.model, '--settings', wrong, '--out', out]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/does not match the model: a window of 100 samples × 3 axes/);
    expect(r.stderr).toMatch(/remedy:/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(out)).toBe(false);
  });

  it('settings from training (no I/O quantisation) work: the header carries the model\'s scales', () => {
    const p = tinyProject();
    const out = join(p.dir, 'fw');
    const r = cli(['--json', 'firmware', '--board', 'cortex-m4', '--model', p.model, '--settings', p.settings, '--out', out]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).board).toBe('cortex-m4');
    const h = readFileSync(join(out, 'src/tf_model_settings.h'), 'utf8');
    expect(h).toMatch(/#define TF_MODEL_INPUT_ZERO_POINT -3\b/);
    expect(h).toMatch(/#define TF_MODEL_OUTPUT_ZERO_POINT 4\b/);
    expect(h).toMatch(/#define TF_MODEL_INPUT_BYTES 12\b/);
  });

  it('a model with axes other than aX,aY,aZ builds, with a warning on stderr that live IMU detection is unavailable', () => {
    const p = tinyProject();
    const six = join(p.dir, 'six.json');
    // 2 samples × 6 axes = the tiny model's 12 inputs (an IMU_Capture aX..gZ model).
    writeFileSync(six, JSON.stringify({ ...tinySettings(), axes: ['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ'], units: ['g', 'g', 'g', 'dps', 'dps', 'dps'], windowLength: 2, windowStride: 1, normalisation: { mean: [0, 0, 1, 0, 0, 0], std: [1, 1, 1, 100, 100, 100] } }));
    const r = cli(['--json', 'firmware', '--board', 'nano33ble-sense', '--model', p.model, '--settings', six, '--out', join(p.dir, 'fw6')]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    expect(JSON.parse(r.stdout).files.length).toBeGreaterThan(0); // stdout stays clean JSON
    expect(r.stderr).toMatch(/warning: the model's axes are aX,aY,aZ,gX,gY,gZ \(6\); live detection on the board's IMU needs them to be aX,aY,aZ/);
    expect(r.stderr).toMatch(/AXES_MISMATCH.*INFER, verify and monitor --feed \(SAMPLES_IN\) still work/);
    // The 3-axis model: no warning.
    const ok = cli(['firmware', '--board', 'cortex-m4', '--model', p.model, '--settings', p.settings, '--out', join(p.dir, 'fw3')]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/live detection/);
  });

  it('without --settings, the settings.json beside the model is used (not a guessed 1-axis window)', () => {
    const p = tinyProject(); // writes model.tflite and its settings.json side by side
    const r = cli(['--json', 'firmware', '--board', 'cortex-m4', '--model', p.model, '--out', join(p.dir, 'fw')]);
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.settingsDerived).toBe(false);
    expect(j.labels).toEqual(tinySettings().labels);
    const h = readFileSync(join(p.dir, 'fw', 'src/tf_model_settings.h'), 'utf8');
    expect(h).toMatch(/#define TF_MODEL_WINDOW_LENGTH 4\b/);
    // --labels asks for derived settings: the sibling is not used then.
    const d = cli(['--json', 'firmware', '--board', 'cortex-m4', '--model', p.model, '--labels', 'x,y', '--out', join(p.dir, 'fw2')]);
    expect(d.status, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout).settingsDerived).toBe(true);
  });

  it('liveDetectionWarning: only exactly aX,aY,aZ in that order is live', () => {
    expect(liveDetectionWarning({ axes: ['aX', 'aY', 'aZ'] })).toBeNull();
    for (const axes of [['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ'], ['aZ', 'aY', 'aX'], ['x'], ['aX', 'aY']]) expect(liveDetectionWarning({ axes })).toMatch(/needs them to be aX,aY,aZ/);
  });

  it('a folder as --model or --settings is bad input (exit 3), not an internal error', () => {
    const p = tinyProject();
    const folder = join(p.dir, 'a-folder');
    mkdirSync(folder);
    for (const args of [['--model', folder, '--settings', p.settings], ['--model', p.model, '--settings', folder]]) {
      const r = cli(['--json', 'firmware', '--board', 'cortex-m4', ...args, '--out', join(p.dir, 'fw')]);
      expect(r.status, r.stdout).toBe(3);
      expect(JSON.parse(r.stdout).message).toMatch(/is not a file/);
    }
  });
});
