// `tinyforge run` with `features: spectral` in the project file (the README's example, fewer epochs):
// data → train → int8 → firmware → build → virtual board → verify, where the board gets RAW windows
// and runs the integer DSP block and the model itself. Every output byte and every feature byte
// (FEATURES → FEATURE_VECTOR) must equal the host's; then `verify --data` against the host-built
// firmware (gcc) of the same model checks the same through the CLI. The run trains an anomaly
// block too (train.anomaly): the board's K-means score of every window (ANOMALY_READ) must equal
// the host's anomalyDistance, and live windows (SAMPLES_IN) carry it as ANOMALY_SCORE events.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHostModelBoard } from '../support/model-boards.js';

describe('tinyforge run with a spectral front-end', () => {
  it('goes data → verify on the virtual board, bit-exact in every feature and output byte', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-feat-run-'));
    writeFileSync(join(dir, 'tinyforge.config.json'), JSON.stringify({
      version: 1,
      out: 'out',
      features: { block: 'spectral', fftLength: 32, filterType: 'low', filterCutoff: 10, filterOrder: 4, magnitude: true },
      data: { builtin: { subjects: 6 } },
      train: { epochs: 4, anomaly: { clusters: 8 } },
      verify: { windows: 20 },
    }));
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/tinyforge.mjs'), '--json', 'run'], { cwd: dir, encoding: 'utf8', timeout: 600_000 });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(r.stdout);
    expect([report.verify.n, report.verify.bitExact, report.verify.maxLsbDiff]).toEqual([20, 20, 0]);
    expect([report.verify.features.n, report.verify.features.bitExact]).toEqual([20, 20]);
    expect([report.verify.anomaly.n, report.verify.anomaly.bitExact]).toEqual([20, 20]);
    expect(report.verify.anomaly.threshold).toBeGreaterThan(0);
    // The DSP's own instructions are measured apart and are part of the inference's.
    expect(report.verify.features.counter.mean).toBeGreaterThan(0);
    expect(report.verify.counter.mean).toBeGreaterThan(report.verify.features.counter.mean);
    // 4 channels (aX, aY, aZ, |a|) × (mean (includeMean, on by default), rms, skew, kurt, bins 1…6 at 32/50 Hz up to 10 Hz, sskew, skurt).
    const settings = JSON.parse(readFileSync(join(dir, 'out', 'settings.json'), 'utf8'));
    expect(settings.features.block).toBe('spectral');
    expect(settings.features.names).toHaveLength(4 * (1 + 3 + 6 + 2));
    const train = JSON.parse(readFileSync(join(dir, 'out', 'train', 'report.json'), 'utf8'));
    expect(train.frontEnd).toMatchObject({ block: 'spectral', features: 48 });
    expect(report.train.accuracy.test).toBeGreaterThan(0.5);

    const model = new Uint8Array(readFileSync(join(dir, 'out', 'model.tflite')));
    const board = await startHostModelBoard(model, settings);
    try {
      const v = spawnSync(process.execPath, ['bin/tinyforge.mjs', '--json', 'verify', '--port', board.path, '--model', join(dir, 'out', 'model.tflite'), '--data', join(dir, 'out', 'train'), '-n', '15'], { encoding: 'utf8', timeout: 300_000 });
      expect(v.status, v.stderr).toBe(0);
      const vr = JSON.parse(v.stdout);
      expect([vr.n, vr.bitExact, vr.features.bitExact, vr.anomaly.bitExact]).toEqual([15, 15, 15, 15]);
    } finally {
      await board.stop();
    }
  });
});
