// The lecture's regression after int8 (issue 16 §2): calibrated on the six training points only
// (x = −1…4), `infer --values 10` answered 7.01 instead of 19, silently. Now the example calibrates
// over a stated range (default −11…14, wider than the training X), and infer/eval count and warn
// about saturated inputs and outputs. In-process CLI (tests/helpers/cli.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tf-regr-'));
const json = (s: string) => JSON.parse(s);

beforeAll(async () => {
  for (const [name, extra] of [['wide', []], ['narrow', ['--calibration-range', '-1:4']]] as const) {
    const t = await cli(['--json', 'train', '--example', 'regression', '--backend', 'wasm', '--seed', '1', '--out', join(dir, name), ...extra]);
    expect(t.status, t.stderr).toBe(0);
    const c = await cli(['--json', 'convert', '--model', join(dir, name), '--out', join(dir, `${name}-int8`)]);
    expect(c.status, c.stderr).toBe(0);
  }
});

describe('the lecture regression in int8', () => {
  it('calibrated over the default range, infer --values 10 answers ≈ 19 with no warning', async () => {
    const r = await cli(['--json', 'infer', join(dir, 'wide-int8', 'model.tflite'), '--values', '10']);
    expect(r.status, r.stderr).toBe(0);
    const j = json(r.stdout);
    // Budget: the float model's own distance from 19 (≤ 0.3, tests/train/examples.test.ts) plus
    // int8 steps over a −11…14 input range and the matching output range (≈ 0.1 + 0.2 each way).
    expect(Math.abs(j.outputs[0].dequantized[0] - 19)).toBeLessThan(0.6);
    expect(j.saturation).toEqual({ inputs: 0, inputValues: 1, outputs: 0, outputValues: 1 });
    expect(r.stderr).not.toMatch(/saturated/);
  });

  it('calibrated on the training X only, x = 10 saturates: the answer is wrong and infer says so', async () => {
    const r = await cli(['--json', 'infer', join(dir, 'narrow-int8', 'model.tflite'), '--values', '10']);
    expect(r.status, r.stderr).toBe(0);
    const j = json(r.stdout);
    expect(j.outputs[0].dequantized[0]).toBeLessThan(8); // clamped near 7, far from 19
    expect(j.saturation).toEqual({ inputs: 1, inputValues: 1, outputs: 1, outputValues: 1 });
    expect(r.stderr).toMatch(/int8 saturated: 1 of 1 input values outside the int8 input's range -1 … 4 \(clamped\); 1 of 1 output values at the int8 limit of -2\.\d+ … 7\.0\d/);
    expect(r.stderr).toMatch(/--calibration-range LO:HI/);
    // Inside the calibrated range: no warning.
    const ok = await cli(['--json', 'infer', join(dir, 'narrow-int8', 'model.tflite'), '--values', '2']);
    expect(json(ok.stdout).saturation.inputs).toBe(0);
    expect(ok.stderr).not.toMatch(/saturated/);
  });

  it('eval counts saturated values over its data and warns', async () => {
    const data = join(dir, 'far.json');
    writeFileSync(data, JSON.stringify({ x: [[10], [2], [-5]], shape: [3, 1] }));
    const r = await cli(['--json', 'eval', '--model', join(dir, 'narrow'), '--tflite', join(dir, 'narrow-int8', 'model.tflite'), '--data', data]);
    expect(r.status, r.stderr).toBe(0);
    expect(json(r.stdout).saturation).toEqual({ inputs: 2, inputValues: 3, outputs: 2, outputValues: 3 });
    expect(r.stderr).toMatch(/int8 saturated: 2 of 3 input values/);
  });
});
