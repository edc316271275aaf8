// Bad feature parameters in the project file stop `tinyforge run` before anything is trained or
// written: exit 3 (bad input), an error naming the parameter (and, for the semantic checks, the
// numbers behind it) and a remedy; no settings.json, model or report appears. The FFT length is
// caught by the project file's schema (the allowed lengths), the cut-off and the frame by the block
// (they depend on the data's rate and window: built-in data, 50 Hz, 100-sample windows).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(process.cwd(), 'bin/tinyforge.mjs');

describe('tinyforge run with bad feature parameters', () => {
  it.each([
    ['an FFT length that is not a power of two', { block: 'spectral', fftLength: 48 }, /features\.fftLength: must be one of 16, 32, 64, 128, 256/],
    ['a cut-off above Nyquist', { block: 'spectral', filterCutoff: 30 }, /features\.filterCutoff is 30 Hz; it must be above 0 and below Nyquist \(25 Hz at 50 Hz\)/],
    ['a window shorter than one FFT frame', { block: 'spectral', fftLength: 256 }, /features\.fftLength is 256 but the window has only 100 samples \(shorter than one FFT frame\)/],
  ])('%s: exit 3, the parameter and the remedy named, nothing trained or written', (_what, features, msg) => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-feat-bad-'));
    writeFileSync(join(dir, 'tinyforge.config.json'), JSON.stringify({ version: 1, out: 'out', features, data: { builtin: { subjects: 3 } }, train: { epochs: 1 } }));
    const r = spawnSync(process.execPath, [cli, '--json', 'run'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(3);
    const err = JSON.parse(r.stdout);
    expect(err.error).toBe('bad-input');
    expect(err.message).toMatch(msg);
    expect(err.remedy).toBeTruthy();
    expect(r.stderr).not.toMatch(/\[train\]|epoch/i);
    const out = join(dir, 'out');
    expect(existsSync(out) ? readdirSync(out, { recursive: true }) : []).toEqual([]);
  });
});
