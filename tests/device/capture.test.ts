import { describe, expect, it } from 'vitest';
import { CaptureSession } from '../../src/device/capture.js';
import { describePrediction, parseFeedCsv } from '../../src/device/monitor.js';
import { CAPTURE_CSV_HEADER } from '../../src/device/capture.js';
import { importCaptureCsv } from '../../src/data/import/capture.js';

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
  it('feed CSV: picks the model axes from an IMU_Capture header, rejects bad cells with the line', () => {
    expect(Array.from(parseFeedCsv('aX,aY,aZ,gX\n1,2,3,9\n4,5,6,9\n', ['aX', 'aY', 'aZ']))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => parseFeedCsv('aX,aY\n1,2\n', ['aX', 'aY', 'aZ'])).toThrow(/lacks column\(s\) aZ/);
    expect(() => parseFeedCsv('aX\n1\nfoo\n', ['aX'])).toThrow(/line 3/);
  });
});
