// The recordings service (src/service/recordings.ts) on real files in a temporary dataset folder:
// crop and split write complete new captures and move the original into .originals/ (nothing
// deleted), refuse a name clash or a bad range before touching anything, and the window spectrum
// of a pure tone peaks in the FFT bin the tone's frequency gives (f·L/fs, worked out below).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thrown as err } from '../data/helpers.js';
import { fsImportIo } from '../../src/adapters/import-fs.js';
import { importRecordings } from '../../src/data/import/description.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { cropRecording, editWindow, recordingSamples, recordingSpectrum, splitRecording } from '../../src/service/recordings.js';

const files = nodePlatform().files;
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A capture at `rate` Hz whose aX is `f(t)` (g), aY 0, aZ 1; written as the studio writes one. */
function capture(n: number, rate = 50, f: (t: number) => number = (t) => t / 1000): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-rec-edit-'));
  dirs.push(dir);
  const file = 'wave.ann.20261207T120000.csv';
  writeFileSync(join(dir, file), 'aX,aY,aZ\n' + Array.from({ length: n }, (_, t) => `${f(t).toFixed(3)},0.000,1.000\n`).join(''));
  writeFileSync(join(dir, file + '.json'), JSON.stringify({ format: 'tinyforge-capture/1', label: 'wave', group: 'ann', sampleRateHz: rate, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], samples: n, seconds: n / rate, gaps: [], missingSamples: 0, file }));
  return { dir, path: join(dir, file) };
}

describe('crop and split on files', () => {
  it('crop writes a complete capture that imports back with exactly the kept samples, and moves the original to .originals/', () => {
    const { dir, path } = capture(300);
    const before = readFileSync(path, 'utf8');
    const r = cropRecording(files, path, { start: 50, end: 200 }, { minSamples: 100 });
    expect(r.pieces).toEqual([{ file: 'wave.ann.20261207T120000-crop.csv', start: 50, end: 200, samples: 150, seconds: 3 }]);
    expect(r.backup).toBe(join('.originals', 'wave.ann.20261207T120000.csv'));
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(join(dir, r.backup), 'utf8')).toBe(before);
    expect(existsSync(join(dir, r.backup + '.json'))).toBe(true);
    // The folder import (what train and data split read) sees the new recording only: hidden .originals/ is skipped.
    const got = importRecordings({ files: [dir] }, fsImportIo());
    expect(got.recordings).toHaveLength(1);
    const aX = Array.from({ length: 150 }, (_, t) => got.recordings[0].samples[t * 3]);
    expect(aX).toEqual(Array.from({ length: 150 }, (_, t) => Math.fround((t + 50) / 1000)));
    expect(got.recordings[0]).toMatchObject({ label: 'wave', group: 'ann', sampleRateHz: 50 });
    const view = recordingSamples(files, join(dir, r.pieces[0].file));
    expect(view).toMatchObject({ samples: 150, seconds: 3 });
    // The chart gets the file's decimals (row 3 of the crop is original row 53: "0.053"), not float32's 0.0529999993…
    expect(view.columns[0][3]).toBe(0.053);
  });

  it('split every 2 s: pieces that together hold every row of the original, in order', () => {
    const { dir, path } = capture(520);
    const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
    const r = splitRecording(files, path, { every: 100 }, { minSamples: 100 });
    // 520 = 100 × 5 + 20: the 20-sample tail is shorter than the window and joins the fifth piece.
    expect(r.pieces.map((p) => p.samples)).toEqual([100, 100, 100, 100, 120]);
    expect(r.notes[0]).toMatch(/last 20 samples/);
    const back = r.pieces.flatMap((p) => readFileSync(join(dir, p.file), 'utf8').trim().split('\n').slice(1));
    expect(back).toEqual(rows);
    expect(readdirSync(dir).filter((f) => f.endsWith('.csv'))).toEqual(r.pieces.map((p) => p.file));
  });

  it('a name clash, a bad point and a too-short crop change nothing on disk', () => {
    const { dir, path } = capture(300);
    const listing = () => readdirSync(dir).sort();
    writeFileSync(join(dir, 'wave.ann.20261207T120000-crop.csv'), 'aX,aY,aZ\n');
    const before = listing();
    const clash = err(() => cropRecording(files, path, { start: 0, end: 150 }, { minSamples: 100 }));
    expect(clash.message).toMatch(/a recording named wave\.ann\.20261207T120000-crop\.csv already exists/);
    expect(clash.remedy).toMatch(/another name .*--name NAME.*or delete/);
    expect(err(() => splitRecording(files, path, { at: [400] }, { minSamples: 100 })).message).toMatch(/split point 8\.00 s \(sample 400\) is outside the recording/);
    expect(err(() => cropRecording(files, path, { start: 0, end: 60 }, { minSamples: 100, name: 'short' })).message).toMatch(/fewer than one window/);
    expect(err(() => cropRecording(files, path, { start: 0, end: 150 }, { name: '../escape' })).message).toMatch(/not a plain file name/);
    expect(listing()).toEqual(before);
    // With another name the crop goes through.
    expect(cropRecording(files, path, { start: 0, end: 150 }, { minSamples: 100, name: 'kept' }).pieces[0].file).toBe('kept.csv');
  });

  it('refuses a file without a sidecar, naming what crop and split take', () => {
    const { dir } = capture(10);
    writeFileSync(join(dir, 'plain.csv'), 'aX,aY,aZ\n0,0,1\n');
    expect(err(() => cropRecording(files, join(dir, 'plain.csv'), { start: 0, end: 1 })).remedy).toMatch(/tinyforge capture or the studio/);
  });

  it('the shortest piece is the model\'s window (scaled to the recording\'s rate), else 2 s', () => {
    expect(editWindow({ windowLength: 20, sampleRateHz: 50 }, 50)).toBe(20);
    expect(editWindow({ windowLength: 20, sampleRateHz: 50 }, 100)).toBe(40);
    expect(editWindow(null, 119)).toBe(238);
  });
});

describe('window spectrum', () => {
  it('a 3.90625 Hz tone on aX peaks in bin 5 (= 3.90625 Hz · 64 / 50 Hz) and aY stays at zero power', () => {
    const rate = 50;
    const f0 = (5 * rate) / 64;
    const { path } = capture(300, rate, (t) => 0.5 * Math.sin((2 * Math.PI * f0 * t) / rate));
    const s = recordingSpectrum(files, path, 40, { windowLength: 128 });
    expect(s.paramsFrom).toBe('defaults');
    expect(s.params.fftLength).toBe(64);
    // Default low-pass at 8 Hz: bins 1…floor(8 · 64 / 50) = 10, 0.78125 Hz apart; 128 samples, hop 32 → 3 frames.
    expect(s.bins).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.freqHz[4]).toBeCloseTo(f0, 9);
    expect(s.frames).toBe(3);
    expect(s.channels.map((c) => c.name)).toEqual(['aX', 'aY', 'aZ']);
    const aX = s.channels[0].values;
    expect(aX.indexOf(Math.max(...aX))).toBe(4);
    expect(s.channels[1].values.every((v) => v === 0)).toBe(true);
    expect(err(() => recordingSpectrum(files, path, 250, { windowLength: 128 })).message).toMatch(/window 5\.00–7\.56 s .* is not inside the recording \(0–6\.00 s, 300 samples\)/);
    expect(err(() => recordingSpectrum(files, path, 0, { windowLength: 128, fftLength: 48 })).message).toMatch(/fftLength is 48; it must be a power of two/);
  });
  it('a model with a spectral front-end: its parameters and window', () => {
    const { path } = capture(300);
    const settings = { windowLength: 100, sampleRateHz: 50, features: { block: 'spectral', params: { fftLength: 32, filterType: 'none', inputScale: [4096, 4096, 4096] }, names: [], standardisation: { mean: [], std: [] } } };
    const s = recordingSpectrum(files, path, 0, { settings: settings as never });
    expect(s).toMatchObject({ paramsFrom: 'settings', windowLength: 100 });
    expect(s.params.fftLength).toBe(32);
    // No filter: bins 1…16 (L/2).
    expect(s.bins).toHaveLength(16);
  });
});
