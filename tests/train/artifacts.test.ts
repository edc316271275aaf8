import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTrainArtifacts, saveTrainArtifacts } from '../../src/adapters/train-dir.js';
import { reportHtml } from '../../src/train/report-html.js';
import { predictProbabilities, trainModel, type TrainResult } from '../../src/train/train.js';
import { synthWindows } from './synthetic.js';

const dir = mkdtempSync(join(tmpdir(), 'tf-train-'));
let result: TrainResult;

beforeAll(async () => {
  const train = synthWindows({ perClassPerGroup: 8, groups: ['a', 'b'], seed: 1 });
  const val = synthWindows({ perClassPerGroup: 8, groups: ['c'], seed: 2 });
  const test = synthWindows({ perClassPerGroup: 8, groups: ['d'], seed: 3 });
  result = await trainModel({ train, val, test }, { preset: 'conv1d-small', optimizer: 'adam', learningRate: 0.01, epochs: 3, batchSize: 8, seed: 1, backend: 'wasm', windowStride: 16 });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train artifacts', () => {
  it('round-trips model, settings, report and windows; the reloaded model predicts the same', async () => {
    const paths = await saveTrainArtifacts(join(dir, 'run'), result);
    for (const p of Object.values(paths)) expect(existsSync(p)).toBe(true);
    // No staging folder is left behind.
    expect(readdirSync(dir)).toEqual(['run']);
    const a = await loadTrainArtifacts(join(dir, 'run'));
    expect(a.settings).toEqual(result.settings);
    expect(a.settings.windowStride).toBe(16);
    expect(a.report?.accuracy).toEqual(result.report.accuracy);
    expect(a.heldOut.y).toEqual(result.windows.heldOut.y);
    expect(a.heldOut.x).toEqual(result.windows.heldOut.x);
    expect(a.calibration.shape).toEqual([result.windows.representative.y.length, 32, 3]);
    // Normalised calibration input = (x − mean) / std of axis 0 of the first sample.
    const n = result.settings.normalisation;
    expect(a.calibration.x[0]).toBeCloseTo((result.windows.representative.x[0] - n.mean[0]) / n.std[0], 5);
    const p1 = predictProbabilities(result.model, a.heldOutNormalised.x, a.heldOut.y.length, [32, 3]);
    const p2 = predictProbabilities(a.model, a.heldOutNormalised.x, a.heldOut.y.length, [32, 3]);
    expect(Array.from(p2)).toEqual(Array.from(p1));
    a.model.dispose();
  });

  it('reports a damaged or missing directory as bad input with a remedy', async () => {
    await expect(loadTrainArtifacts(join(dir, 'nope'))).rejects.toMatchObject({ kind: 'bad-input', remedy: expect.stringMatching(/tinyforge train/) });
    await saveTrainArtifacts(join(dir, 'bad'), result);
    writeFileSync(join(dir, 'bad', 'heldout.bin'), Buffer.alloc(7));
    await expect(loadTrainArtifacts(join(dir, 'bad'))).rejects.toThrow(/heldout\.bin has 7 bytes/);
    writeFileSync(join(dir, 'bad', 'settings.json'), '{oops');
    await expect(loadTrainArtifacts(join(dir, 'bad'))).rejects.toThrow(/not valid JSON/);
  });
});

describe('report HTML', () => {
  it('is one self-contained page: inline SVG plots, no external URLs, scripts or links', () => {
    const html = reportHtml(result.report);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    // Two line charts + the confusion matrix.
    expect(html.match(/<svg /g)?.length).toBe(3);
    expect(html).toContain(result.report.verdict.text.replace(/&/g, '&amp;').slice(0, 20));
    // One confusion cell per class pair.
    const k = result.report.labels.length;
    const cm = html.slice(html.indexOf('aria-label="confusion matrix"'));
    expect(cm.match(/<rect /g)?.length).toBe(k * k);
    expect(reportHtml(result.report)).toBe(html);
  });
  it('escapes labels', () => {
    const r = { ...result.report, labels: ['<b>x</b>', 'y', 'z'] };
    expect(reportHtml(r)).not.toContain('<b>x</b>');
  });
});
