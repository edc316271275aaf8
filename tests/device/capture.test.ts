import { describe, expect, it } from 'vitest';
import { CaptureSession } from '../../src/device/capture.js';
import { describePrediction, parseFeedCsv } from '../../src/device/monitor.js';

describe('CaptureSession (pure)', () => {
  it('reports sequence gaps at their frame index in the data, rows in g, and the rate', () => {
    const s = new CaptureSession('walking', 's1');
    const batch = (first: number, n: number) => ({ firstSample: first, rateMilliHz: 100000, samplesMg: Int16Array.from({ length: n * 3 }, (_, i) => i - 1) });
    expect(s.add(batch(0, 2), 0)).toBe('-0.001,0.000,0.001\n0.002,0.003,0.004\n');
    s.add(batch(2, 3), 50);
    s.add(batch(9, 1), 100); // frames 5..8 lost: 4 missing, before data frame 5
    const sum = s.summary();
    expect(sum).toMatchObject({ samples: 6, gaps: [{ at: 5, missing: 4 }], missingSamples: 4, deviceRateHz: 100 });
    // Batches after the first: 3 + 1 frames over 0.1 s = 40 Hz (hand computation).
    expect(sum.measuredRateHz).toBeCloseTo(40, 9);
    expect(s.recording().samples.length).toBe(18);
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
