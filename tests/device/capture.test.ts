import { describe, expect, it } from 'vitest';
import { CaptureSession } from '../../src/device/capture.js';
import { describePrediction, formatPrediction, parseFeedCsv, type PredictionLine } from '../../src/device/monitor.js';
import { monitorStage } from '../../src/service/stream.js';
import { CAPTURE_CSV_HEADER } from '../../src/device/capture.js';
import { importCaptureCsv } from '../../src/data/import/capture.js';
import { FakeDevice, testEngineOutput } from '../support/fake-device.js';
import { FakeTransport } from '../support/fake-transport.js';
import { DeviceClient } from '../../src/device/client.js';
import { decodeFrameBytes } from '../../src/device/codec.js';
import { MSG } from '../../src/device/protocol.generated.js';
import { captureStage } from '../../src/service/stream.js';

describe('CaptureSession (pure)', () => {
  it('reports sequence gaps at their frame index in the data, rows in g, and the rate', () => {
    const s = new CaptureSession('walking', 's1');
    const batch = (first: number, n: number) => ({ firstSample: first, rateMilliHz: 100000, samplesMg: Int16Array.from({ length: n * 3 }, (_, i) => i - 1) });
    expect(s.add(batch(0, 2), 0)).toBe('-0.001,0.000,0.001\n0.002,0.003,0.004\n');
    s.add(batch(2, 3), 50);
    s.add(batch(9, 1), 100); // frames 5..8 lost: 4 missing, before data frame 5
    const sum = s.summary();
    expect(sum).toMatchObject({ samples: 6, gaps: [{ at: 5, missing: 4 }], missingSamples: 4, deviceRateHz: 100 });
    // Device samples after the first batch, lost ones included (2..9): 8 over 0.1 s = 80 Hz (hand computation).
    expect(sum.measuredRateHz).toBeCloseTo(80, 9);
    expect(s.recording().samples.length).toBe(18);
  });
});

describe('CaptureSession: repeated and late frames (issue 18 item 4)', () => {
  const batch = (first: number, n: number) => ({ firstSample: first, rateMilliHz: 50000, samplesMg: Int16Array.from({ length: n * 3 }, (_, i) => first * 3 + i) });
  it('a repeated frame is dropped by sequence number and counted; an overlapping one keeps only its new samples', () => {
    const s = new CaptureSession('walking', 's1');
    let csv = '';
    csv += s.add(batch(0, 5), 0);
    csv += s.add(batch(5, 5), 100);
    expect(s.add(batch(5, 5), 101)).toBe(''); // the same frame again
    csv += s.add(batch(8, 5), 200); // samples 8, 9 seen; 10..12 new
    csv += s.add(batch(13, 2), 300);
    expect(s.add(batch(0, 5), 301)).toBe(''); // a stale frame from long ago
    const rows = csv.trim().split('\n');
    // Each device sample once, in order: aX of sample k is 3k mg.
    expect(rows.map((r) => Math.round(Number(r.split(',')[0]) * 1000))).toEqual(Array.from({ length: 15 }, (_, k) => 3 * k));
    expect(s.summary()).toMatchObject({ samples: 15, duplicateSamples: 5 + 2 + 5, missingSamples: 0, gaps: [] });
  });
});

describe('capture --seconds: exactly that much sensor time (issue 16 §2: 9.3 s delivered of 10 s)', () => {
  const batch = (first: number, n: number) => ({ firstSample: first, rateMilliHz: 50000, samplesMg: Int16Array.from({ length: n * 3 }, (_, i) => first * 3 + i) });
  it('seconds × rate samples by sequence number from the first batch; the batch that crosses the end is cut', () => {
    const s = new CaptureSession('w', 'g', { seconds: 1 }); // 50 samples at 50 Hz
    let rows = 0;
    for (let f = 1000; !s.complete; f += 25) rows += s.add(batch(f, 25), f).split('\n').length - 1;
    expect(rows).toBe(50);
    expect(s.add(batch(1075, 25), 2000)).toBe('');
    expect(s.summary()).toMatchObject({ samples: 50, seconds: 1, missingSamples: 0 });
  });
  it('lost samples count as sensor time; a batch lost across the end still completes it', () => {
    const s = new CaptureSession('w', 'g', { seconds: 2 }); // 100 samples at 50 Hz from 0
    s.add(batch(0, 25), 0);
    s.add(batch(50, 25), 1); // 25..49 lost
    expect(s.complete).toBe(false);
    s.add(batch(100, 25), 2); // 75..99 lost, and this one is past the end
    expect(s.complete).toBe(true);
    expect(s.summary()).toMatchObject({ samples: 50, missingSamples: 50, seconds: 2 });
  });
  it('captureStage on the fake board (200 Hz): --seconds 0.5 gives exactly 100 samples, stopped by time', async () => {
    const device = new FakeDevice({ engine: (x) => testEngineOutput(x, 2), info: { inputBytes: 4, outputBytes: 2, board: 'fake', engine: 'test' }, imuRateHz: 200 });
    const client = await DeviceClient.connect(new FakeTransport(device), { handshakeMs: 20_000 });
    let rows = 0;
    const seen: number[] = [];
    const r = await captureStage(client, { label: 'w', group: 'g', seconds: 0.5, rateHz: 0, port: 'fake', onProgress: (p) => seen.push(p.seconds) }, (x) => (rows += x.split('\n').length - 1), new Promise(() => {}));
    expect([r.stopReason, r.summary.samples, rows, r.summary.seconds]).toEqual(['time', 100, 100, 0.5]);
    expect(seen.length).toBeGreaterThan(5); // progress after every batch (5 samples each)
    expect(seen[seen.length - 1]).toBe(0.5);
  });
});

describe('capture through a link that repeats frames (a relay in the test)', () => {
  it('every device sample once, in order; the repeats counted in the summary and the sidecar', async () => {
    // FakeDevice streams 5-sample IMU_SAMPLES frames; the relay delivers every third one twice.
    const device = new FakeDevice({ engine: (x) => testEngineOutput(x, 2), info: { inputBytes: 4, outputBytes: 2, board: 'relay', engine: 'test' }, imuRateHz: 200 });
    const transport = new FakeTransport(device);
    let imuFrames = 0;
    let repeated = 0;
    transport.tamper = (chunk, dir) => {
      if (dir !== 'to-host') return chunk;
      const f = decodeFrameBytes(chunk.subarray(1, chunk.length - 1));
      if (f.kind !== 'frame' || f.type !== MSG.IMU_SAMPLES || ++imuFrames % 3) return chunk;
      repeated++;
      return Uint8Array.from([...chunk, ...chunk]);
    };
    const client = await DeviceClient.connect(transport, { handshakeMs: 20_000 });
    let rows = '';
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const r = await captureStage(client, { label: 'walking', group: 's1', seconds: Infinity, rateHz: 0, port: 'relay' }, (x) => {
      rows += x;
      if (rows.split('\n').length > 120) stop();
    }, stopped);
    const got = rows.trim().split('\n').map((l) => l.split(',').map(Number));
    expect(repeated).toBeGreaterThan(5);
    // The fake's sample n is (0.5 sin(2πn/50), 0.5 cos(2πn/50), 1) g, from n = 0: row k is sample k.
    got.forEach((v, k) => {
      const ph = (2 * Math.PI * (k % 50)) / 50;
      const mg = (x: number) => Math.round(Math.fround(x) * 1000) / 1000;
      expect([v[0], v[1], v[2]]).toEqual([mg(0.5 * Math.sin(ph)), mg(0.5 * Math.cos(ph)), 1]);
    });
    expect(r.summary.samples).toBe(got.length);
    // Each repeat arrived whole after its original: 5 samples dropped per repeat (frames repeated after the stop never reached the session).
    expect(r.summary.duplicateSamples % 5).toBe(0);
    expect(r.summary.duplicateSamples).toBeGreaterThanOrEqual(5 * (repeated - 2));
    expect(r.summary.duplicateSamples).toBeLessThanOrEqual(5 * repeated);
    expect(r.summary).toMatchObject({ missingSamples: 0, gaps: [] });
    expect(r.sidecar('walk.csv')).toMatchObject({ samples: got.length, duplicateSamples: r.summary.duplicateSamples });
  });
});

describe('capture through a noisy link (issue 18 item 10: it gave up where verify copes)', () => {
  it('a burst in which every frame arrives damaged: skipped and counted, the capture goes on (the board is plainly there)', async () => {
    // Every frame to the host is damaged (one byte flipped: CRC fails) from the 10th IMU frame for
    // four silences' time, then the link is clean again. Bytes keep flowing all along.
    const device = new FakeDevice({ engine: (x) => testEngineOutput(x, 2), info: { inputBytes: 4, outputBytes: 2, board: 'noisy', engine: 'test' }, imuRateHz: 200 });
    const transport = new FakeTransport(device);
    const silenceMs = 300;
    let imuFrames = 0;
    let burstEnds = Infinity;
    let damaged = 0;
    transport.tamper = (chunk, dir) => {
      if (dir !== 'to-host') return chunk;
      const f = decodeFrameBytes(chunk.subarray(1, chunk.length - 1));
      if (f.kind === 'frame' && f.type === MSG.IMU_SAMPLES && ++imuFrames === 10) burstEnds = Date.now() + 4 * silenceMs;
      if (Date.now() >= burstEnds || imuFrames < 10) return chunk;
      damaged++;
      const c = chunk.slice();
      const m = c.length >> 1;
      c[m] = c[m] === 0x5a ? 0x33 : c[m] ^ 0x5a; // never 0: the frame keeps its length, fails its CRC
      return c;
    };
    const client = await DeviceClient.connect(transport, { handshakeMs: 200, helloAttemptMs: 100 });
    let rows = 0;
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const r = await captureStage(client, { label: 'w', group: 'g', seconds: Infinity, rateHz: 0, port: 'noisy', silenceMs }, (x) => {
      rows += x.split('\n').length - 1;
      // Well after the burst: 200 Hz × 4 silences ≈ 240 samples lost in it.
      if (Date.now() > burstEnds + 200 && rows > 100) stop();
    }, stopped);
    expect(damaged).toBeGreaterThan(10);
    expect(r.stopReason).toBe('interrupted'); // not 'link closed'
    expect(r.summary.corruptFrames).toBeGreaterThanOrEqual(damaged - 2); // the last ones may arrive after the stop
    expect(r.summary.corruptFrames).toBeLessThanOrEqual(damaged);
    expect(r.summary.missingSamples).toBeGreaterThan(0); // the damaged frames' samples, as gaps
    expect(r.summary.samples).toBe(rows);
    expect(r.sidecar('n.csv')).toMatchObject({ corruptFrames: r.summary.corruptFrames });
  });
});

describe('capture with a dropped batch → data import (round trip)', () => {
  it('the gap lands at the right frame of the file\'s data, whatever the device\'s first sample number', () => {
    // A stream that started before this capture (first sample 1000), 25-sample batches at 119 Hz,
    // the third batch (samples 1050..1074) lost on the link.
    const s = new CaptureSession('walking', 's1');
    const rate = 119;
    let csv = CAPTURE_CSV_HEADER + '\n';
    let t = 0;
    for (let b = 0; b < 6; b++) {
      const first = 1000 + b * 25;
      const mg = Int16Array.from({ length: 75 }, (_, i) => first * 3 + i - 3000); // value = 3·sample + axis (mg)
      t += (25 / rate) * 1000;
      if (b === 2) continue;
      csv += s.add({ firstSample: first, rateMilliHz: rate * 1000, samplesMg: mg }, t);
    }
    const sum = s.summary();
    expect(sum.gaps).toEqual([{ at: 50, missing: 25 }]); // frame 50 of the file, not device sample 1075
    // The sidecar exactly as `tinyforge device capture` writes it (src/cli/commands/device.ts).
    const sidecar = {
      format: 'tinyforge-capture/1', label: sum.label, group: sum.group, sampleRateHz: sum.deviceRateHz, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'],
      deviceRateHz: sum.deviceRateHz, measuredRateHz: sum.measuredRateHz, board: 'host', device: { port: '/dev/null', engine: 'test' }, startedAt: new Date(0).toISOString(),
      samples: sum.samples, seconds: sum.seconds, gaps: sum.gaps, missingSamples: sum.missingSamples, stopReason: 'time', file: 'walk.csv',
    };
    const r = importCaptureCsv(csv, JSON.stringify(sidecar), { source: 'walk.csv' });
    // Only the importer's notice that it split at the gap: nothing out of range, no count or rate mismatch.
    expect(r.report.warnings).toEqual(['1 sequence gap(s), 25 frame(s) lost: split into 2 recordings']);
    expect(r.recordings.map((x) => x.samples.length / 3)).toEqual([50, 75]);
    // Frame 50 of the file (the first after the gap) is device sample 1075: 3·75 = 225 mg on aX.
    expect(r.recordings[1].samples[0]).toBeCloseTo(0.225, 6);
    expect(r.recordings[0].samples[49 * 3]).toBeCloseTo(0.147, 6); // device sample 1049
    expect(r.report.rateHz).toBe(119);
  });
});

describe('monitor helpers', () => {
  it('confidence is the dequantised score of the predicted class', () => {
    const l = describePrediction({ window: 3, lastSample: 40, micros: 9, classIndex: 1, scores: Int8Array.of(-128, 64, -100) }, { labels: ['idle', 'walking', 'running'], outputScale: 1 / 256, outputZeroPoint: -128 });
    // (64 - (-128)) / 256 = 0.75
    expect(l).toMatchObject({ label: 'walking', confidence: 0.75 });
  });
  it('energy: an ESTIMATE for a known MCU, the board\'s µs × 3.3 mA × 3.0 V; none for an unknown board', () => {
    const p = { window: 0, lastSample: 19, micros: 1000, classIndex: 0, scores: Int8Array.of(0) };
    // 1000 µs × 3.3 mA × 3.0 V = 9.9 µJ.
    expect(describePrediction(p, { labels: ['a'], outputScale: 1, outputZeroPoint: 0, board: 'nano33ble' }).microjoules).toBeCloseTo(9.9, 9);
    expect(describePrediction(p, { labels: ['a'], outputScale: 1, outputZeroPoint: 0, board: 'cortex-m4' }).microjoules).toBeUndefined();
    expect(formatPrediction(describePrediction(p, { labels: ['a'], outputScale: 1, outputZeroPoint: 0, board: 'nano33ble' }))).toContain('(1000 µs, ≈9.9 µJ est.)');
  });
  it('monitor: each prediction carries its window\'s anomaly score (the ANOMALY_SCORE after it); firmware without a block gives none', async () => {
    for (const withBlock of [true, false]) {
      const device = new FakeDevice({
        engine: (x) => testEngineOutput(x, 2),
        info: { inputBytes: 6, outputBytes: 2, board: 'fake', engine: 'test', labels: ['a', 'b'], numClasses: 2, numAxes: 3 },
        windowing: { windowLength: 2, windowStride: 1, numAxes: 3, mean: [0, 0, 0], std: [1, 1, 1], inputScale: 0.1, inputZeroPoint: 0 },
        // distance = the sum of the window's int8 input, flagged above 20.
        ...(withBlock ? { anomaly: (q: Uint8Array) => { const d = Array.from(new Int8Array(q.buffer)).reduce((s, v) => s + Math.abs(v), 0); return { distance: d, threshold: 20, cluster: d % 3, flagged: d > 20 }; } } : {}),
      });
      const client = await DeviceClient.connect(new FakeTransport(device), { baseTimeoutMs: 300 });
      const lines: PredictionLine[] = [];
      // Samples i = 0…4: (0.1·i, 0, 0) → int8 (i, 0, 0); window ending at i sums (i − 1) + i.
      const feed = Float32Array.from({ length: 15 }, (_, k) => (k % 3 === 0 ? (k / 3) * 0.1 : 0));
      const n = await monitorStage(client, { feed }, (l) => lines.push(l), new Promise(() => undefined));
      expect(n).toBe(4);
      if (withBlock) expect(lines.map((l) => l.anomaly?.distance)).toEqual([1, 3, 5, 7]);
      else expect(lines.every((l) => l.anomaly === undefined)).toBe(true);
    }
  });
  it('feed CSV: picks the model axes from an IMU_Capture header, rejects bad cells with the line', () => {
    expect(Array.from(parseFeedCsv('aX,aY,aZ,gX\n1,2,3,9\n4,5,6,9\n', ['aX', 'aY', 'aZ']))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => parseFeedCsv('aX,aY\n1,2\n', ['aX', 'aY', 'aZ'])).toThrow(/lacks column\(s\) aZ/);
    expect(() => parseFeedCsv('aX\n1\nfoo\n', ['aX'])).toThrow(/line 3/);
  });
});
