// The README's main job, as a user runs it: `tinyforge demo` (quick size) trains on the built-in
// data, quantises, writes the .tflite and C array, builds native firmware, starts the virtual
// board and verifies every sent window bit for bit. Expected values are properties, not numbers
// copied from a run: bit-exactness is absolute; accuracy must clearly beat chance (5 classes → 20 %).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTflite } from '../../src/tflite/reader.js';

describe('tinyforge demo (main job, quick)', () => {
  it('runs train → int8 → firmware → virtual board → verified, and reports it as JSON', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tf-demo-')), 'demo');
    const r = spawnSync(process.execPath, ['bin/tinyforge.mjs', '--json', 'demo', '--quick', '--out', out, '--verify', '40'], { encoding: 'utf8', timeout: 600_000 });
    expect(r.stderr).toBe(''); // --json: no progress or status noise
    expect(r.status, r.stdout).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.verify.n).toBe(40);
    expect(report.verify.bitExact).toBe(40);
    expect(report.verify.maxLsbDiff).toBe(0);
    expect(report.verify.modelSha256.match).toBe(true);
    expect(report.verify.counterKind).toBe('instructions');
    expect(report.verify.counter.mean).toBeGreaterThan(0);
    expect(report.quantize.eval.int8Accuracy).toBeGreaterThan(0.6);
    expect(report.train.accuracy.test).toBeGreaterThan(0.6);
    // No subject in two splits is the data stage's contract; here: all three splits exist.
    expect(Math.min(report.data.groups.train, report.data.groups.val, report.data.groups.test)).toBeGreaterThan(0);
    // Artifacts are real files and the .tflite reads back as the model the board ran.
    const model = readTflite(new Uint8Array(readFileSync(join(out, 'model.tflite'))));
    expect(model.graph.operators.map((o) => o.op)).toContain('CONV_2D');
    expect(model.graph.operators.at(-1)?.op).toBe('SOFTMAX');
    for (const f of ['model_data.h', 'model_data.cc', 'pipeline.json', 'train/report.html', 'firmware/build/firmware.elf']) expect(existsSync(join(out, f)), f).toBe(true);
  });

  it('rejects a bad flag value with the usage exit code and a remedy, before doing any work', () => {
    const r = spawnSync(process.execPath, ['bin/tinyforge.mjs', 'demo', '--epochs', 'many'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--epochs must be a whole number/);
    expect(r.stderr).toMatch(/remedy:/);
  });
});
