// Models whose axes are not the IMU's aX,aY,aZ (e.g. a 6-axis aX..gZ model from IMU_Capture data):
// never silently starved. INFO.liveDetection is 0, STREAM_START answers ERROR AXES_MISMATCH, a
// SAMPLES_IN that is not whole samples of the model's axes answers AXES_MISMATCH (the client refuses
// it before sending), and INFER / SAMPLES_IN of the right width still work. Fake device and C app.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSettings } from '../../src/core/dataset.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { DeviceClient } from '../../src/device/client.js';
import { FakeDevice, testEngineOutput } from '../support/fake-device.js';
import { FakeTransport } from '../support/fake-transport.js';
import { buildHostBoard, startHostBoard } from '../support/host-board.js';
import { ERR, type PredictionMsg } from '../../src/device/protocol.generated.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { INPUT_BYTES, OUTPUT_BYTES, SETTINGS } from './targets.js';

const SIX: ModelSettings = {
  ...SETTINGS,
  axes: ['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ'],
  units: ['g', 'g', 'g', 'dps', 'dps', 'dps'],
  windowLength: 10, // 10 × 6 = 60 values: the same int8 input as the 3-axis test model
  windowStride: 5,
  normalisation: { mean: [0, 0, 1, 0, 0, 0], std: [0.5, 0.5, 0.5, 100, 100, 100] },
};

type Make = () => Promise<{ client: DeviceClient; stop: () => Promise<void> }>;

const fake: Make = async () => {
  const device = new FakeDevice({
    engine: (x) => testEngineOutput(x, OUTPUT_BYTES),
    info: { inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES },
    windowing: { windowLength: 10, windowStride: 5, numAxes: 6, axes: SIX.axes, mean: SIX.normalisation.mean, std: SIX.normalisation.std, inputScale: 0.05, inputZeroPoint: -3 },
    imuRateHz: 119,
  });
  const client = await DeviceClient.connect(new FakeTransport(device), { baseTimeoutMs: 100, inferenceMs: 50, helloAttemptMs: 200 });
  return { client, stop: () => client.close() };
};

const host: Make = async () => {
  const exe = await buildHostBoard({
    outDir: mkdtempSync(join(tmpdir(), 'tf-axes-')),
    settingsHeader: settingsHeader({ settings: SIX, inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES }).contents,
    engineSources: [join(REPO_ROOT, 'tests/device/test_engine.c')],
    cflags: [`-DTEST_MODEL_SHA=${Array(32).fill(0).join(',')}`],
  });
  const board = await startHostBoard(exe, { imuRateHz: 119 });
  try {
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 500 });
    return { client, stop: async () => (await client.close(), await board.stop()) };
  } catch (e) {
    await board.stop();
    throw e;
  }
};

for (const [name, make] of [['fake device', fake], ['host-built C app over a pty', host]] as const) {
  describe(`6-axis (aX..gZ) model on a board with an IMU: ${name}`, () => {
    let t: Awaited<ReturnType<Make>>;
    beforeAll(async () => {
      t = await make();
    }, 60_000);
    afterAll(async () => t && (await t.stop()));

    it('INFO says live detection is unavailable', () => {
      expect(t.client.info).toMatchObject({ numAxes: 6, liveDetection: 0 });
      expect(t.client.info!.imuRateHz).toBeGreaterThan(0);
    });

    it('STREAM_START answers ERROR AXES_MISMATCH (not a silent stream without predictions)', async () => {
      const e = await t.client.streamStart(0).catch((x) => x);
      expect(e).toMatchObject({ kind: 'device', details: { code: ERR.AXES_MISMATCH, request: 'STREAM_START' } });
      expect(e.message).toMatch(/AXES_MISMATCH.*aX,aY,aZ/);
    });

    it('SAMPLES_IN of the wrong width: the device answers AXES_MISMATCH; the client refuses before sending', async () => {
      await expect(t.client.request('SAMPLES_IN', { samples: new Float32Array(3 * 3) }, ['ACK'])).rejects.toMatchObject({ details: { code: ERR.AXES_MISMATCH } });
      await expect(t.client.samplesIn(new Float32Array(3 * 5))).rejects.toMatchObject({ kind: 'device', details: { numAxes: 6, values: 15 } });
    });

    it('INFER and 6-value SAMPLES_IN still work', async () => {
      const x = Uint8Array.from({ length: INPUT_BYTES }, (_, i) => (i * 7) & 0xff);
      expect(Array.from((await t.client.infer(x)).output)).toEqual(Array.from(testEngineOutput(x, OUTPUT_BYTES)));
      await t.client.reset();
      const preds: PredictionMsg[] = [];
      const off = t.client.onPrediction((p) => preds.push(p));
      await t.client.samplesIn(new Float32Array(20 * 6).fill(0.25));
      off();
      expect(preds.map((p) => p.lastSample)).toEqual([9, 14, 19]);
    });
  });
}
