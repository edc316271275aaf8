// `tinyforge firmware` from a .tflite alone: the settings come from the model (its I/O
// quantisation; labels class_0… unless given; axes/rate only for live detection, with the
// warning). Expected values follow from the fixture model (tests/quantize/fixtures.ts: input
// [16, 3], 5 classes), not from a run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTflite } from '../../src/tflite/reader.js';
import { settingsFromModel } from '../support/model-boards.js';
import { firmwareSettings } from '../../src/service/firmware.js';
import { writeTrainDir } from '../quantize/fixtures.js';
import { runCli } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tf-fw-model-'));
const model = join(dir, 'm.tflite');
beforeAll(async () => {
  await writeTrainDir(join(dir, 'run'));
  const q = await runCli('quantize', '--model', join(dir, 'run'), '--out', model);
  expect(q.status, q.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('firmware from a .tflite alone', () => {
  it('derives the settings: labels class_0…, the model\'s own quantisation, and warns about live detection', async () => {
    const r = await runCli('--json', 'firmware', '--board', 'cortex-m4', '--model', model, '--out', join(dir, 'fw'));
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.settingsDerived).toBe(true);
    expect(j.labels).toEqual(['class_0', 'class_1', 'class_2', 'class_3', 'class_4']);
    expect(r.stderr).toMatch(/live detection on the board's IMU needs them to be aX,aY,aZ/);
    const header = (j.files as string[]).find((f) => f.endsWith('tf_model_settings.h'))!;
    const h = readFileSync(join(dir, 'fw', header), 'utf8');
    const g = readTflite(new Uint8Array(readFileSync(model))).graph;
    const inQ = g.tensors[g.inputs[0]].quant!;
    expect(h).toContain('"class_4"');
    expect(h).toMatch(new RegExp(`TF_MODEL_INPUT_ZERO_POINT\\s+\\(?${inQ.zeroPoint[0]}`));
  });

  it('--labels names the classes and --axes makes a live-detection window (no warning)', async () => {
    const r = await runCli('--json', 'firmware', '--board', 'cortex-m4', '--model', model, '--labels', 'a,b,c,d,e', '--axes', 'aX,aY,aZ', '--rate', '50', '--out', join(dir, 'fw2'));
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).labels).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(r.stderr).not.toMatch(/warning/);
    const s = firmwareSettings(readTflite(new Uint8Array(readFileSync(model))).graph, undefined, { axes: ['aX', 'aY', 'aZ'], rateHz: 50 }).settings;
    expect([s.windowLength, s.sampleRateHz, s.normalisation.std]).toEqual([16, 50, [1, 1, 1]]); // 48 input values / 3 axes
  });

  it('refuses labels that do not match the output, and axes that do not divide the input', async () => {
    const r = await runCli('firmware', '--board', 'cortex-m4', '--model', model, '--labels', 'a,b', '--out', join(dir, 'fw3'));
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/2 label\(s\) given.*5 value/);
    const a = await runCli('firmware', '--board', 'cortex-m4', '--model', model, '--axes', 'aX,aY,aZ,gX,gY', '--out', join(dir, 'fw4'));
    expect(a.status).toBe(3);
    expect(a.stderr).toMatch(/48 values, not a whole number of 5-axis samples/);
  });

  it('the test boards derive settings the same way (one derivation)', () => {
    const bytes = new Uint8Array(readFileSync(model));
    expect(settingsFromModel(bytes)).toEqual(firmwareSettings(readTflite(bytes).graph, undefined).settings);
  });
});
