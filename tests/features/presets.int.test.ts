/**
 * The presets that take feature inputs (dense, feature-conv; frame-conv on spectrum 'frames') train on spectral features of the
 * built-in data, quantise, and run on the host-built firmware (gcc, native engine): the board gets
 * raw windows, computes the features itself, and every feature vector and output byte equals the
 * host's (verify over the link, the same path as the virtual board). The expected bytes come from
 * the host's integer DSP + the TFLite interpreter, not from the C under test.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { builtinPrepared } from '../../src/data/prepare.js';
import { DeviceClient } from '../../src/device/client.js';
import { verifyDevice } from '../../src/device/verify.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { featureVerifyWindows } from '../../src/service/device.js';
import { quantizeStage } from '../../src/service/quantize.js';
import { trainedArrays } from '../../src/service/train.js';
import { readTflite } from '../../src/tflite/reader.js';
import { trainModel } from '../../src/train/train.js';
import { startHostModelBoard } from '../support/model-boards.js';
import { hasTool } from '../native/helpers.js';

describe.skipIf(!hasTool('gcc'))('presets on spectral features, through the firmware (native engine)', () => {
  const d = builtinPrepared({ subjects: 3 });
  for (const preset of ['dense', 'feature-conv', 'frame-conv'] as const) {
    it(`${preset}: trains, and the board's features and outputs are the host's, byte for byte`, async () => {
      const r = await trainModel({ train: d.train, val: d.val }, {
        preset, optimizer: 'adam', learningRate: 0.01, epochs: 3, batchSize: 64, seed: 1, backend: 'cpu',
        features: { block: 'spectral', params: { fftLength: 32, includeMean: true, ...(preset === 'frame-conv' ? { spectrum: 'frames' } : {}) } },
      });
      expect(r.history[2].loss).toBeLessThan(r.history[0].loss);
      const a = trainedArrays(r);
      const q = quantizeStage({ model: r.model, settings: r.settings, calibration: a.calibration });
      r.model.dispose();
      tf.disposeVariables();
      const ops = readTflite(q.bytes).graph.operators.map((o) => o.op);
      // 3 axes × (mean, rms, skew, kurt, bins 1…5 (32 at 50 Hz, low-pass 8 Hz), sskew, skurt) = 33 features.
      // frame-conv: 5 frames (100 samples, L 32, hop 16) of those 33.
      expect(r.settings.features!.names).toHaveLength(preset === 'frame-conv' ? 165 : 33);
      if (preset === 'frame-conv') expect(ops).toEqual(expect.arrayContaining(['RESHAPE', 'CONV_2D', 'MAX_POOL_2D', 'FULLY_CONNECTED']));
      if (preset === 'feature-conv') expect(ops).toEqual(expect.arrayContaining(['RESHAPE', 'CONV_2D', 'FULLY_CONNECTED']));
      const vw = featureVerifyWindows(q.bytes, a.heldOutRaw, q.settings!);
      const n = 12;
      const board = await startHostModelBoard(q.bytes, q.settings!);
      const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 500 });
      try {
        const rep = await verifyDevice(client, { model: q.bytes, inputs: vw.inputs.slice(0, n), reference: vw.reference!, features: vw.features });
        expect([rep.n, rep.bitExact, rep.features!.bitExact]).toEqual([n, n, n]);
      } finally {
        await client.close();
        await board.stop();
      }
    });
  }
});
