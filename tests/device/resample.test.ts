// IMU → model-rate resampling (tf_app.h): on the host-built C app with a 119 Hz IMU (the Nano 33 BLE
// Sense Rev1's LSM9DS1) and a 50 Hz model, the window is fed at the model's rate (not 119/2 = 59.5 Hz)
// and the resampled values equal a reference written here from the formula, bit for bit in float32.
// The fake device (tests/support/resample.ts) is held to the same reference.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { DeviceClient } from '../../src/device/client.js';
import { FakeDevice, quantiseSample, testEngineOutput } from '../support/fake-device.js';
import { FakeTransport } from '../support/fake-transport.js';
import { buildHostBoard, startHostBoard } from '../support/host-board.js';
import type { ImuSamplesMsg, PredictionMsg } from '../../src/device/protocol.generated.js';
import { ImuResampler } from '../support/resample.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { INPUT_BYTES, OUTPUT_BYTES, SETTINGS } from './targets.js';

const MODEL_HZ = 50;
const S50 = { ...SETTINGS, sampleRateHz: MODEL_HZ };
const L = S50.windowLength;
const S = S50.windowStride;
const f32 = Math.fround;

/**
 * Reference, from the formula in tf_app.h (independent of the incremental implementations): with
 * I, O the rates in mHz, model sample k sits at input position k·I/O: n = floor(k·I/O),
 * f = ((k·I) mod O) / O in float32, y_k = (1 - f)·x_n + f·x_{n+1}, in float32 per operation. It needs
 * x_{n+1}, so R raw samples give the k with k·I/O < R - 1.
 */
function reference(raw: number[][], inHz: number, outHz: number): number[][] {
  const I = Math.round(inHz * 1000);
  const O = Math.round(outHz * 1000);
  const out: number[][] = [];
  for (let k = 0; ; k++) {
    const n = Math.floor((k * I) / O);
    if (n + 1 > raw.length - 1) break;
    const f = f32(((k * I) % O) / O);
    out.push(raw[n].map((a, ax) => f32(f32(f32(1 - f) * f32(a)) + f32(f * f32(raw[n + 1][ax])))));
  }
  return out;
}

/** Model samples expected from R raw samples: ceil((R - 1)·O/I) (see tf_app.h). */
const expectedModelSamples = (R: number, inHz: number, outHz: number) => Math.ceil(((R - 1) * Math.round(outHz * 1000)) / Math.round(inHz * 1000));

const bitsToFloat = (hex: string) => {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, parseInt(hex, 16));
  return dv.getFloat32(0);
};

/** Scores the test engine gives for the window of model samples ending at `last`. */
function windowScores(samples: number[][], last: number): number[] {
  const q = new Uint8Array(INPUT_BYTES);
  for (let s = 0; s < L; s++)
    for (let a = 0; a < 3; a++) q[s * 3 + a] = quantiseSample(samples[last - L + 1 + s][a], S50.normalisation.mean[a], S50.normalisation.std[a], 0.05, -3) & 0xff;
  return Array.from(testEngineOutput(q, OUTPUT_BYTES));
}

interface Run {
  batches: ImuSamplesMsg[];
  preds: PredictionMsg[];
}

async function streamFor(client: DeviceClient, rawSamples: number): Promise<Run> {
  await client.reset();
  const batches: ImuSamplesMsg[] = [];
  const preds: PredictionMsg[] = [];
  const offP = client.onPrediction((p) => preds.push(p));
  const stop = await client.stream((b) => batches.push(b));
  await new Promise<void>((res) => {
    const iv = setInterval(() => batches.reduce((a, b) => a + b.samplesMg.length / 3, 0) >= rawSamples && (clearInterval(iv), res()), 20);
  });
  await stop();
  await new Promise((r) => setTimeout(r, 100)); // PREDICTIONs sent before the STOP's ACK are in by now
  offP();
  return { batches, preds };
}

/** Shared checks: contiguous raw stream at the IMU's true rate; model-rate cadence; predictions from `model`. */
function checkRun(run: Run, imuHz: number, model: number[][]): void {
  let next = 0;
  for (const b of run.batches) {
    expect(b.firstSample).toBe(next);
    expect(b.rateMilliHz).toBe(imuHz * 1000); // capture streams the sensor's true rate, not the model's
    next += b.samplesMg.length / 3;
  }
  const R = next;
  const M = expectedModelSamples(R, imuHz, MODEL_HZ);
  expect(model.length).toBe(M);
  // Cadence over the run: R raw samples are R/imuHz simulated seconds (the IMU's clock). The model
  // must have received MODEL_HZ samples per simulated second, to within one model sample period over
  // the whole run (integer decimation by 2 would give 59.5/s: about 70 samples too many here).
  const simSeconds = R / imuHz;
  expect(Math.abs(M - simSeconds * MODEL_HZ)).toBeLessThanOrEqual(1);
  // Windows per simulated second: MODEL_HZ / stride, to within the same one-sample tolerance.
  const W = M >= L ? Math.floor((M - L) / S) + 1 : 0;
  expect(run.preds.length).toBe(W);
  // |M - T·50| <= 1 sample gives |W - ((T·50 - L)/S + 1)| < 1 + 1/S (floor, plus one sample in strides).
  const ideal = (simSeconds * MODEL_HZ - L) / S + 1;
  expect(Math.abs(W - ideal)).toBeLessThan(1 + 1 / S);
  // Per simulated second: W/T vs MODEL_HZ/S, off by the same bound plus the first window's fill (L/S - 1 windows), over T.
  const perSecond = run.preds.length / simSeconds;
  expect(Math.abs(perSecond - MODEL_HZ / S)).toBeLessThan((1 + 1 / S + Math.abs(L / S - 1)) / simSeconds);
  run.preds.forEach((p, i) => {
    expect([p.window, p.lastSample]).toEqual([i, L - 1 + i * S]);
    expect(Array.from(new Uint8Array(p.scores.buffer, p.scores.byteOffset, p.scores.length))).toEqual(windowScores(model, p.lastSample));
  });
}

describe('resampler reference properties (pure)', () => {
  const raw = Array.from({ length: 400 }, (_, i) => [f32(Math.sin(i * 0.37) * 1.3 + 1e-7 * i), f32(Math.cos(i * 1.1) * 1e3), f32(1 / (i + 3))]);
  it('ImuResampler (the fake device\'s, step for step like tf_app.c) equals the formula at 119 → 50 Hz', () => {
    const r = new ImuResampler(119, 50);
    const got = raw.flatMap((x) => r.push(x));
    expect(got).toEqual(reference(raw, 119, 50));
    expect(got.length).toBe(expectedModelSamples(raw.length, 119, 50));
  });
  it('equal rates pass samples through unchanged; an integer ratio is exactly plain decimation', () => {
    const same = new ImuResampler(50, 50);
    expect(raw.flatMap((x) => same.push(x))).toEqual(raw.slice(0, raw.length - 1));
    for (const [inHz, d] of [[100, 2], [200, 4], [119 * 3, 3]] as const) {
      const r = new ImuResampler(inHz, inHz / d);
      const got = raw.flatMap((x) => r.push(x));
      expect(got).toEqual(raw.filter((_, i) => i % d === 0).slice(0, got.length));
      expect(got.length).toBe(Math.ceil((raw.length - 1) / d));
    }
  });
  it('the other interpolation form, a + f·(b - a), is NOT exact at f = 1 in float32 (why (1 - f)·a + f·b is used)', () => {
    const a = 1;
    const b = f32(1e-8); // b - a rounds to -1 in float32, so a + (b - a) = 0
    expect(f32(a + f32(1 * f32(b - a)))).not.toBe(b);
    expect(f32(f32(0 * a) + f32(1 * b))).toBe(b);
  });
});

describe('host-built C app, 50 Hz model on a 119 Hz IMU (--imu-rate 119)', () => {
  let exe: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tf-resample-'));
    const sha = Array.from(Buffer.alloc(32)).join(',');
    exe = await buildHostBoard({
      outDir: dir,
      settingsHeader: settingsHeader({ settings: S50, inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES }).contents,
      engineSources: [join(REPO_ROOT, 'tests/device/test_engine.c')],
      cflags: [`-DTEST_MODEL_SHA=${sha}`],
    });
  }, 60_000);

  async function traced(imuHz: number, rawSamples: number) {
    const trace = join(dir, `trace-${imuHz}.txt`);
    const board = await startHostBoard(exe, { imuRateHz: imuHz, traceSamples: trace });
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 500 });
    try {
      expect(client.info).toMatchObject({ imuRateHz: imuHz, liveDetection: 1 });
      const run = await streamFor(client, rawSamples);
      const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => l.split(' '));
      const R = run.batches.reduce((a, b) => a + b.samplesMg.length / 3, 0);
      // Raw samples the app took while streaming: the last R the board handed out.
      const raw = lines.filter((l) => l[0] === 'r').slice(-R).map((l) => l.slice(1).map(bitsToFloat));
      const sLines = lines.filter((l) => l[0] === 's');
      const start = sLines.map((l) => l[1]).lastIndexOf('0');
      const model = sLines.slice(start).map((l) => l.slice(2).map(bitsToFloat));
      // The raw samples are the synthetic IMU's (x, y in milli-g as streamed).
      const mg = run.batches.flatMap((b) => Array.from(b.samplesMg));
      raw.forEach((x, i) => expect(x.map((g) => Math.round(g * 1000))).toEqual(mg.slice(i * 3, i * 3 + 3)));
      return { run, raw, model };
    } finally {
      await client.close();
      await board.stop();
    }
  }

  it('over ~4 simulated seconds: model-rate cadence, values bit-exact with the reference, predictions from them', async () => {
    const { run, raw, model } = await traced(119, 476);
    expect(model).toEqual(reference(raw, 119, MODEL_HZ));
    checkRun(run, 119, model);
  }, 30_000);

  it('integer ratio (100 Hz IMU) is exact decimation and equal rates (50 Hz IMU) an exact pass-through, in C too', async () => {
    const dec = await traced(100, 120);
    expect(dec.model).toEqual(dec.raw.filter((_, i) => i % 2 === 0).slice(0, dec.model.length));
    checkRun(dec.run, 100, dec.model);
    const same = await traced(50, 60);
    expect(same.model).toEqual(same.raw.slice(0, same.raw.length - 1));
    checkRun(same.run, 50, same.model);
  }, 30_000);
});

describe('fake device, 50 Hz model on a 119 Hz IMU', () => {
  let client: DeviceClient;
  const model: number[][] = [];
  const raw: number[][] = [];
  beforeAll(async () => {
    const device = new FakeDevice({
      engine: (x) => testEngineOutput(x, OUTPUT_BYTES),
      info: { inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES },
      windowing: { windowLength: L, windowStride: S, numAxes: 3, mean: S50.normalisation.mean, std: S50.normalisation.std, inputScale: 0.05, inputZeroPoint: -3, sampleRateHz: MODEL_HZ },
      imuRateHz: 119,
      onModelSample: (v, i) => (i === 0 && (model.length = 0), model.push(v)),
    });
    client = await DeviceClient.connect(new FakeTransport(device), { baseTimeoutMs: 100, inferenceMs: 50, helloAttemptMs: 200 });
  });
  afterAll(() => client?.close());

  it('same cadence and the same values as the reference', async () => {
    expect(client.info!.liveDetection).toBe(1);
    const run = await streamFor(client, 238);
    const R = run.batches.reduce((a, b) => a + b.samplesMg.length / 3, 0);
    for (let n = 0; n < R; n++) {
      const ph = (2 * Math.PI * (n % 50)) / 50;
      raw.push([f32(0.5 * Math.sin(ph)), f32(0.5 * Math.cos(ph)), 1]);
    }
    expect(model).toEqual(reference(raw, 119, MODEL_HZ));
    checkRun(run, 119, model);
  }, 20_000);
});
