/**
 * Host TypeScript (src/features/) and device C (firmware/features/tf_features.c, host gcc) give the
 * same feature bytes: random windows (fast-check: noise, sinusoids, steps, saturated and constant
 * signals) × every FFT length 16–256 × filter type/order × window/overlap/spectrum/log/magnitude
 * options (spectrum mean, max and 'frames'), and the flatten block; then real recordings (shared Nano 33 BLE gestures).
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { fsImportIo } from '../../src/adapters/import-fs.js';
import { importRecordings } from '../../src/data/import/description.js';
import { windowRecordings } from '../../src/data/window.js';
import { resolveBlock, windowCounts } from '../../src/features/index.js';
import { hasTool } from '../native/helpers.js';
import { armCompileFeatures, blockSettings, buildFeatureDriver, runFeatureDriver } from './helpers.js';

const gcc = hasTool('gcc');
const arm = hasTool('arm-none-eabi-gcc');

/** A window of int16 counts [n × axes]: per axis one of several signal kinds. */
function windowArb(n: number, axes: number): fc.Arbitrary<Int16Array> {
  const axis = fc.oneof(
    fc.record({ kind: fc.constant('noise' as const), amp: fc.integer({ min: 0, max: 32767 }), seed: fc.integer() }),
    fc.record({ kind: fc.constant('sine' as const), amp: fc.integer({ min: 1, max: 30000 }), freq: fc.double({ min: 0, max: 0.5, noNaN: true }), dc: fc.integer({ min: -8000, max: 8000 }), seed: fc.integer() }),
    fc.record({ kind: fc.constant('step' as const), lo: fc.integer({ min: -32768, max: 32767 }), hi: fc.integer({ min: -32768, max: 32767 }), at: fc.integer({ min: 0, max: n }) }),
    fc.record({ kind: fc.constant('const' as const), v: fc.integer({ min: -32768, max: 32767 }) }),
    fc.record({ kind: fc.constant('rail' as const), seed: fc.integer() }),
  );
  return fc.array(axis, { minLength: axes, maxLength: axes }).map((specs) => {
    const w = new Int16Array(n * axes);
    specs.forEach((s, a) => {
      let r = (('seed' in s ? s.seed : 1) >>> 0) || 1;
      const rnd = () => ((r = (Math.imul(r, 1103515245) + 12345) >>> 0) / 2 ** 32);
      for (let t = 0; t < n; t++) {
        let v = 0;
        if (s.kind === 'noise') v = Math.round((rnd() * 2 - 1) * s.amp);
        else if (s.kind === 'sine') v = Math.round(s.dc + s.amp * Math.sin(2 * Math.PI * s.freq * t) + (rnd() - 0.5) * 50);
        else if (s.kind === 'step') v = t < s.at ? s.lo : s.hi;
        else if (s.kind === 'const') v = s.v;
        else v = rnd() < 0.5 ? -32768 : 32767;
        w[t * axes + a] = Math.max(-32768, Math.min(32767, v));
      }
    });
    return w;
  });
}

interface Case {
  name: string;
  block: 'spectral' | 'flatten';
  params: Record<string, unknown>;
  n: number;
  rate: number;
  axes: string[];
}

const AX3 = ['aX', 'aY', 'aZ'];
const AX6 = ['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ'];
const CASES: Case[] = [
  ...[16, 32, 64, 128, 256].map((L) => ({ name: `fft ${L}, low-pass 6`, block: 'spectral' as const, params: { fftLength: L }, n: 256, rate: 100, axes: AX3 })),
  ...[1, 2, 3, 5, 8].map((order) => ({ name: `high-pass order ${order}, fft 32`, block: 'spectral' as const, params: { filterType: 'high', filterOrder: order, filterCutoff: 2, fftLength: 32 }, n: 100, rate: 50, axes: AX3 })),
  ...[1, 4, 7].map((order) => ({ name: `low-pass order ${order} at 1 Hz, fft 64`, block: 'spectral' as const, params: { filterType: 'low', filterOrder: order, filterCutoff: 1, fftLength: 64 }, n: 100, rate: 50, axes: AX3 })),
  { name: 'no filter, no window, no overlap, max-hold, amplitude', block: 'spectral', params: { filterType: 'none', window: 'none', doFftOverlap: false, spectrum: 'max', doLog: false, fftLength: 16 }, n: 119, rate: 119, axes: AX6 },
  { name: 'magnitude + mean, 6 axes, fft 128', block: 'spectral', params: { magnitude: true, includeMean: true, fftLength: 128, filterCutoff: 20 }, n: 200, rate: 100, axes: AX6 },
  { name: 'fft 256 over a 2048-sample window (max frames)', block: 'spectral', params: { fftLength: 256, filterType: 'high', filterCutoff: 0.5, filterOrder: 2 }, n: 2048, rate: 100, axes: ['aX'] },
  // spectrum 'frames' (a log-spectrogram, one row per frame): every FFT length, log and amplitude, magnitude.
  ...[16, 32, 64, 128, 256].map((L) => ({ name: `frames, fft ${L}, low-pass 20`, block: 'spectral' as const, params: { spectrum: 'frames', fftLength: L, filterCutoff: 20 }, n: 300, rate: 100, axes: AX3 })),
  { name: 'frames, no filter, no overlap, amplitude, magnitude, 6 axes', block: 'spectral', params: { spectrum: 'frames', filterType: 'none', doFftOverlap: false, doLog: false, magnitude: true, fftLength: 16 }, n: 100, rate: 100, axes: AX6 },
  { name: 'frames, high-pass, no window, no mean, fft 32', block: 'spectral', params: { spectrum: 'frames', filterType: 'high', filterCutoff: 3, window: 'none', includeMean: false, fftLength: 32 }, n: 100, rate: 50, axes: AX3 },
  { name: 'flatten, 3 axes', block: 'flatten', params: {}, n: 100, rate: 50, axes: AX3 },
  { name: 'flatten, 6 axes, long', block: 'flatten', params: {}, n: 2048, rate: 100, axes: AX6 },
];

describe.skipIf(!gcc)('feature blocks: TypeScript == C (host gcc), byte for byte', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const block = resolveBlock(c.block, c.params, { windowLength: c.n, sampleRateHz: c.rate, axes: c.axes });
      const settings = blockSettings(c.block, block.params, block.names, { windowLength: c.n, sampleRateHz: c.rate, axes: c.axes });
      const exe = buildFeatureDriver(settings, { ubsan: true });
      // The same generated configuration compiles for the Cortex-M4F without a warning.
      if (arm) armCompileFeatures(settings);
      const windows = fc.sample(windowArb(c.n, c.axes.length), { numRuns: c.n > 1000 ? 8 : 40, seed: 42 });
      const got = runFeatureDriver(exe, windows, block.count);
      windows.forEach((w, i) => {
        const want = block.compute(w);
        if (Buffer.compare(Buffer.from(got[i].buffer), Buffer.from(want.buffer)) !== 0) {
          const j = want.findIndex((v, k) => v !== got[i][k]);
          expect.fail(`window ${i}: feature ${block.names[j]} TS ${want[j]} ≠ C ${got[i][j]}`);
        }
      });
      // The check can fail: the features are not all equal across windows (they carry the signal).
      expect(new Set(got.map((f) => f.join())).size).toBeGreaterThan(windows.length / 2);
    });
  }
});

const shared = sharedForTests();
describe.skipIf(!gcc || !shared)('feature blocks on real recordings (shared nano33ble-gestures): TypeScript == C', () => {
  it('every gesture window, spectral (default and 6-axis magnitude) and flatten', () => {
    const recs = importRecordings({ files: [join(shared!, 'data', 'nano33ble-gestures')] }, fsImportIo()).recordings;
    const ws = windowRecordings(recs, { length: 119, stride: 119, labels: ['flex', 'punch'] });
    const units = ws.axes.map((a) => (a.startsWith('g') ? 'deg/s' : 'g'));
    for (const [name, params] of [['spectral', { fftLength: 32, filterCutoff: 20 }], ['spectral', { fftLength: 64, magnitude: true, includeMean: true, filterType: 'none' }], ['flatten', {}]] as const) {
      const block = resolveBlock(name, params, { windowLength: ws.windowLength, sampleRateHz: ws.sampleRateHz, axes: ws.axes, units });
      const exe = buildFeatureDriver(blockSettings(name, block.params, block.names, { windowLength: ws.windowLength, sampleRateHz: ws.sampleRateHz, axes: ws.axes }));
      const windows = Array.from({ length: ws.y.length }, (_, w) => windowCounts(ws.x, w, ws.windowLength, block.inputScale));
      const got = runFeatureDriver(exe, windows, block.count);
      expect(windows.length).toBe(35);
      windows.forEach((w, i) => expect(Array.from(got[i]), `${name} window ${i}`).toEqual(Array.from(block.compute(w))));
    }
  });
});
