// A spectral-features model on the TFLM engine, run (not only compiled) on the virtual board:
// `tinyforge run` with `features: spectral` and `firmware.engine: tflm` builds the firmware against a
// TensorFlow Lite Micro build (firmware.tflmDir = $TFLM_DIR: a tflite-micro checkout with libtensorflow-microlite.a for
// cortex_m_generic cortex-m4+fp, built by hand — tinyforge never builds fetched code, see
// docs/tflm-engine.md), starts QEMU and verifies: the board computes the integer features from the
// raw window (tf_features.c) and TFLM runs the network on them; every feature vector and every
// output byte must equal the host's (integer DSP + tinyforge's interpreter). Small: 3 subjects,
// 2 epochs, 12 windows. Without TFLM_DIR it skips visibly; TINYFORGE_REQUIRE_TFLM=1 makes that a failure.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tflmDir = process.env.TFLM_DIR && existsSync(join(process.env.TFLM_DIR, 'tensorflow/lite/micro/micro_interpreter.h')) ? process.env.TFLM_DIR : null;
if (!tflmDir && process.env.TINYFORGE_REQUIRE_TFLM === '1') {
  throw new Error('TFLM_DIR (a tflite-micro checkout with libtensorflow-microlite.a built for cortex_m_generic cortex-m4+fp) is required (TINYFORGE_REQUIRE_TFLM=1) but not set or not a tflite-micro tree');
}

describe.skipIf(!tflmDir)('tinyforge run with a spectral front-end on the TFLM engine (virtual board)', () => {
  it('goes data → verify, bit-exact in every feature and output byte', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-feat-tflm-'));
    writeFileSync(join(dir, 'tinyforge.config.json'), JSON.stringify({
      version: 1,
      out: 'out',
      features: { block: 'spectral', fftLength: 32, filterCutoff: 10, includeMean: true },
      data: { builtin: { subjects: 3 } },
      train: { epochs: 2 },
      firmware: { engine: 'tflm', tflmDir },
      verify: { windows: 12 },
    }));
    const r = spawnSync(process.execPath, [join(process.cwd(), 'bin/tinyforge.mjs'), '--json', 'run'], { cwd: dir, encoding: 'utf8', timeout: 900_000});
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.firmware.engine).toBe('tflm');
    expect(readFileSync(join(dir, 'out', 'firmware', 'src', 'tf_features_config.h'), 'utf8')).toMatch(/#define TF_FEATURES_BLOCK 1\b/);
    expect([report.verify.n, report.verify.bitExact, report.verify.maxLsbDiff]).toEqual([12, 12, 0]);
    expect([report.verify.features.n, report.verify.features.bitExact]).toEqual([12, 12]);
    expect(report.verify.features.counter.mean).toBeGreaterThan(0);
  });
});
