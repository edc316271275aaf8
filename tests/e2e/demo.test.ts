// The README's main job, exactly as `npm start` runs it (defaults: seed 1, conv1d, up to 30 epochs
// on the full built-in data): trains, quantises, writes the .tflite, C array and settings, builds
// native firmware, starts the virtual board and verifies held-out windows bit for bit.
// Expected values are properties, not numbers copied from a run: bit-exactness is absolute; the
// accuracy bar (85 % on held-out subjects, 5 classes, chance 20 %) is what a good small model must
// reach on this data (docs/data.md: spectral k-NN 93–96 %, a mean-only baseline 43–64 %).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTflite } from '../../src/tflite/reader.js';
import { startHostModelBoard } from '../support/model-boards.js';

describe('tinyforge demo (the main job, npm start defaults)', () => {
  it('runs train → int8 → firmware → virtual board → verified, and reports it as JSON', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tf-demo-')), 'demo');
    const r = spawnSync(process.execPath, ['bin/tinyforge.mjs', '--json', 'demo', '--out', out, '--verify', '60'], { encoding: 'utf8', timeout: 600_000 });
    expect(r.stderr).toBe(''); // --json: no progress or status noise
    expect(r.status, r.stdout).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.verify.n).toBe(60);
    expect(report.verify.bitExact).toBe(60);
    expect(report.verify.maxLsbDiff).toBe(0);
    expect(report.verify.modelSha256.match).toBe(true);
    expect(report.verify.counterKind).toBe('instructions');
    expect(report.verify.counter.mean).toBeGreaterThan(0);
    expect(report.train.accuracy.test).toBeGreaterThan(0.85);
    expect(report.quantize.eval.int8Accuracy).toBeGreaterThan(0.85);
    // int8 may cost a little accuracy, never much: the quantiser's contract.
    expect(report.quantize.eval.accuracyCost).toBeLessThan(0.03);
    // No subject in two splits is the data stage's contract; here: all three splits exist.
    expect(Math.min(report.data.groups.train, report.data.groups.val, report.data.groups.test)).toBeGreaterThan(0);
    // Artifacts are real files and the .tflite reads back as the model the board ran.
    const model = readTflite(new Uint8Array(readFileSync(join(out, 'model.tflite'))));
    expect(model.graph.operators.map((o) => o.op)).toContain('CONV_2D');
    expect(model.graph.operators.at(-1)?.op).toBe('SOFTMAX');
    // settings.json is what `tinyforge firmware --settings` takes: it must carry the model's own int8 I/O parameters.
    const settings = JSON.parse(readFileSync(join(out, 'settings.json'), 'utf8'));
    const inT = model.graph.tensors[model.graph.inputs[0]];
    expect(settings.inputQuant).toEqual({ scale: inT.quant!.scale[0], zeroPoint: inT.quant!.zeroPoint[0] });
    expect(settings.labels).toEqual(report.data.labels);
    for (const f of ['model_data.h', 'model_data.cc', 'settings.json', 'pipeline.json', 'train/report.html', 'firmware/build/firmware.elf']) expect(existsSync(join(out, f)), f).toBe(true);

    // The same results a user gets by hand: `tinyforge verify --data <train dir>` quantises the
    // held-out windows for the model and checks a board (here the host-built native firmware).
    const board = await startHostModelBoard(new Uint8Array(readFileSync(join(out, 'model.tflite'))));
    try {
      const v = spawnSync(process.execPath, ['bin/tinyforge.mjs', '--json', 'verify', '--port', board.path, '--model', join(out, 'model.tflite'), '--data', join(out, 'train'), '-n', '30'], { encoding: 'utf8', timeout: 300_000 });
      expect(v.status, v.stderr).toBe(0);
      const vr = JSON.parse(v.stdout);
      expect([vr.n, vr.bitExact]).toEqual([30, 30]);
      expect(vr.accuracy.n).toBe(30);
      expect(vr.accuracy.device).toBe(vr.accuracy.reference);
    } finally {
      await board.stop();
    }
  });

  it('rejects a bad flag value with the usage exit code and a remedy, before doing any work', () => {
    const r = spawnSync(process.execPath, ['bin/tinyforge.mjs', 'demo', '--epochs', 'many'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--epochs must be a whole number/);
    expect(r.stderr).toMatch(/remedy:/);
  });
});
