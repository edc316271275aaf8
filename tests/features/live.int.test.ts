/**
 * The live path with a feature block (SAMPLES_IN → the library's window ring of counts →
 * tf_features_compute → model → PREDICTION) on the host-built firmware (gcc): every prediction's
 * raw int8 scores equal the host's for the same window (float32 samples → counts → integer features
 * → integer fold → interpreter), so the stream path is as bit-exact as INFER. With an anomaly
 * block (train --anomaly), every PREDICTION is followed by an ANOMALY_SCORE event whose K-means
 * distance, cluster and flag equal the host's anomalyDistance of the same int8 features.
 */
import { describe, expect, it } from 'vitest';
import { builtinPrepared } from '../../src/data/prepare.js';
import { builtinDataset } from '../../src/data/simulator.js';
import { DeviceClient } from '../../src/device/client.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { blockFromSettings, featureQuantisers, quantiseFeatures, toCount } from '../../src/features/index.js';
import { createInterpreter } from '../../src/interp/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { quantizeStage } from '../../src/service/quantize.js';
import { trainedArrays } from '../../src/service/train.js';
import { trainModel } from '../../src/train/train.js';
import { startHostModelBoard } from '../support/model-boards.js';
import { hasTool } from '../native/helpers.js';
import type { AnomalyScoreMsg, PredictionMsg } from '../../src/device/protocol.generated.js';
import { anomalyDistance, anomalyInt8 } from '../../src/train/anomaly.js';

describe.skipIf(!hasTool('gcc'))('feature block on the live path (host-built firmware)', () => {
  it('every PREDICTION equals the host reference of its window', async () => {
    const d = builtinPrepared({ subjects: 3 });
    const r = await trainModel({ train: d.train, val: d.val }, {
      preset: 'dense', optimizer: 'adam', learningRate: 0.01, epochs: 1, batchSize: 64, seed: 1, backend: 'cpu',
      windowStride: 25, features: { block: 'spectral', params: { fftLength: 32, magnitude: true } }, anomaly: { k: 4 },
    });
    const a = trainedArrays(r);
    const q = quantizeStage({ model: r.model, settings: r.settings, calibration: a.calibration });
    r.model.dispose();
    const settings = q.settings!;
    const block = blockFromSettings(settings)!;
    const fold = featureQuantisers(settings.features!.standardisation, settings.inputQuant!);
    const interp = createInterpreter(readTflite(q.bytes).graph);
    const kmeans = anomalyInt8(settings.anomaly!, settings.inputQuant!);

    // 6 s of one simulated wearer running, as the board would get it from an IMU.
    const rec = builtinDataset({ subjects: 1, secondsPerActivity: 6 }).find((x) => x.label === 'running')!;
    const samples = rec.samples;
    const board = await startHostModelBoard(q.bytes, settings);
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 500 });
    const got: PredictionMsg[] = [];
    const scores: AnomalyScoreMsg[] = [];
    client.onPrediction((p) => got.push(p));
    client.onAnomaly((s) => scores.push(s));
    try {
      for (let i = 0; i < samples.length; i += 3 * 50) await client.samplesIn(samples.subarray(i, Math.min(samples.length, i + 3 * 50)));
      await client.hello(); // a round trip after the last ACK: every PREDICTION before it has arrived
    } finally {
      await client.close();
      await board.stop();
    }
    const L = settings.windowLength;
    const frames = samples.length / 3;
    expect(got.length).toBe(Math.floor((frames - L) / 25) + 1);
    for (const p of got) {
      const start = p.lastSample + 1 - L;
      const counts = Int16Array.from({ length: L * 3 }, (_, k) => toCount(samples[start * 3 + k], block.inputScale[k % 3]));
      const input = quantiseFeatures(block.compute(counts), fold);
      const want = new Int8Array(interp.invoke([new Uint8Array(input.buffer)])[0].buffer);
      expect(Array.from(p.scores), `window ${p.window}`).toEqual(Array.from(want));
      const host = anomalyDistance(input, kmeans);
      const dev = scores.find((s) => s.window === p.window);
      expect(dev && [dev.distance, dev.cluster, dev.flagged, dev.threshold], `anomaly, window ${p.window}`).toEqual([host.distance, host.cluster, Number(host.flagged), kmeans.threshold]);
    }
    expect(scores).toHaveLength(got.length);
    expect(new Set(scores.map((s) => s.distance)).size).toBeGreaterThan(1);
  });
});

describe.skipIf(!hasTool('gcc'))('FEATURES on firmware of a raw-window model', () => {
  it('is answered with ERROR NO_FEATURES, and the link carries on', async () => {
    const { writeTflite } = await import('../../src/tflite/writer.js');
    const { tinyClassifier } = await import('../qa/helpers.js');
    const { ERR } = await import('../../src/device/protocol.generated.js');
    const bytes = writeTflite(tinyClassifier());
    const board = await startHostModelBoard(bytes);
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 500 });
    try {
      await expect(client.features(new Uint8Array(client.info!.inputBytes))).rejects.toMatchObject({ kind: 'device', details: { code: ERR.NO_FEATURES } });
      expect((await client.hello()).inputBytes).toBe(client.info!.inputBytes);
    } finally {
      await client.close();
      await board.stop();
    }
  });
});
