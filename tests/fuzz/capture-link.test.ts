// Property test (fast-check, seeded; tests/fuzz/fuzz-config.ts) of the capture recorder
// (src/device/capture.ts CaptureSession) behind a faulty link (issue 18 item 4's input class): the
// board's IMU_SAMPLES batches arrive repeated, dropped or late, in any mix. Whatever arrives, the rows
// hold each device sample at most once and in order, every sample delivered is either a row or
// counted as a repeat, and rows + counted gaps cover the sensor time from the first to the last
// sample taken.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureSession } from '../../src/device/capture.js';
import { FUZZ_TIMEOUT, runs } from './fuzz-config.js';

/** Batch k of B samples: sample i carries its own index in the x axis (milli-g), so rows name their sample. */
function batch(k: number, B: number) {
  const samplesMg = new Int16Array(B * 3);
  for (let j = 0; j < B; j++) samplesMg.set([k * B + j, 1000, -(k * B + j)], j * 3);
  return { firstSample: k * B, rateMilliHz: 50_000, samplesMg };
}

/** What the link does to each batch the board sends. */
const fate = fc.constantFrom('deliver', 'deliver', 'deliver', 'repeat', 'drop', 'late');

describe('fuzz: capture behind a link that repeats, drops and reorders frames', () => {
  it('each sample at most once, in order; repeats counted; rows + gaps = the sensor time taken', () => {
    let repeatsSeen = 0;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(fate, { minLength: 1, maxLength: 60 }), (B, fates) => {
        const s = new CaptureSession('walking', 'p1');
        const sent: number[] = [];
        const held: number[] = [];
        for (let k = 0; k < fates.length; k++) {
          const f = fates[k];
          if (f === 'deliver' || f === 'repeat') sent.push(k);
          if (f === 'repeat') sent.push(k);
          if (f === 'late') held.push(k);
          // A held batch arrives after the next one.
          if (f !== 'late' && held.length) sent.push(...held.splice(0));
        }
        sent.push(...held);
        let rows = '';
        let t = 0;
        for (const k of sent) rows += s.add(batch(k, B), (t += 20));
        const xs = rows.split('\n').filter(Boolean).map((r) => Math.round(Number(r.split(',')[0]) * 1000));
        // In order, each sample once.
        for (let i = 1; i < xs.length; i++) expect(xs[i]).toBeGreaterThan(xs[i - 1]);
        const sum = s.summary();
        expect(sum.samples).toBe(xs.length);
        // Every delivered sample is a row or a counted repeat (nothing silently vanishes or doubles).
        expect(sum.samples + sum.duplicateSamples).toBe(sent.length * B);
        // Rows + gaps span exactly from the first to the last sample taken.
        if (xs.length) expect(sum.samples + sum.missingSamples).toBe(xs[xs.length - 1] - xs[0] + 1);
        repeatsSeen += sum.duplicateSamples;
      }),
      runs(300),
    );
    // Not vacuous: repeated and late frames were really dropped as repeats.
    expect(repeatsSeen).toBeGreaterThan(100);
  }, FUZZ_TIMEOUT);
});
