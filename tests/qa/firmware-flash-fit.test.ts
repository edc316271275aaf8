// QA (issue 17): `tinyforge firmware` says before generating when the image will not fit the board.
// The sizes are known exactly before any file is written (the native engine's packed constant data,
// or the .tflite for TFLM, plus the code allowance of src/firmware/flash-budget.ts): near the limit
// it warns on stderr and writes the project; over it, exit 3 (bad input) naming the estimate, the
// limit and a remedy, and nothing is written. The limits are the boards' own: cortex-m4's linker
// script (FLASH 1024K), the Nano's boards.txt (983,040 B).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTflite } from '../../src/tflite/writer.js';
import { denseModel } from '../native/helpers.js';
import { cli, tempDir } from './helpers.js';

function modelFile(dir: string, inputs: number, units: number): string {
  const p = join(dir, `dense-${units}.tflite`);
  writeFileSync(p, writeTflite(denseModel(inputs, units)));
  return p;
}

describe('firmware: the flash budget is checked before anything is generated', () => {
  const dir = tempDir('tf-qa-fit-');

  it('near the limit: a warning on stderr, the project written (native, int8 weights chosen)', () => {
    // 1024 × 900 int8 weights = 921,600 B + code allowance: fits 1 MiB, above 90 %.
    const out = join(dir, 'near');
    const r = cli(['--json', 'firmware', '--board', 'cortex-m4', '--engine', 'native', '--model', modelFile(dir, 1024, 900), '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the image is estimated at \d+ B of 1048576 B flash \(9\d %\): it may not fit/);
    const j = JSON.parse(r.stdout);
    expect(j.flash.limit).toBe(1048576);
    expect(j.native.kernels[0].weights).toBe('int8');
    expect(existsSync(join(out, 'Makefile'))).toBe(true);
  });

  it('over the limit even with int8 weights: exit 3, the estimate and the limit named, nothing written', () => {
    // 1024 × 1100 int8 weights = 1,126,400 B > 1 MiB.
    const out = join(dir, 'over');
    const r = cli(['firmware', '--board', 'cortex-m4', '--engine', 'native', '--model', modelFile(dir, 1024, 1100), '--out', out]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/will not fit the cortex-m4: estimated \d+ B of flash .* > 1048576 B/);
    expect(r.stderr).toMatch(/smaller model/);
    expect(existsSync(out)).toBe(false);
  });

  it('TFLM on the Nano: a .tflite too large for its 983,040 B is refused before generating, pointing at the native engine', () => {
    // 1024 × 800 int8 weights: an ~820 KB .tflite + TFLM + the Arduino core > 983,040 B.
    const out = join(dir, 'tflm');
    const r = cli(['firmware', '--board', 'nano33ble', '--engine', 'tflm', '--model', modelFile(dir, 1024, 800), '--out', out]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/will not fit the nano33ble: estimated \d+ B of flash \(tflm engine: \d+ B of model data .*> 983040 B/);
    expect(r.stderr).toMatch(/--engine native/);
    expect(existsSync(out)).toBe(false);
  });
});
