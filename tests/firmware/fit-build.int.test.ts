// A model too big for the board fails `tinyforge build` with exit 3 and a clear message, before
// anything is flashed. The generic cortex-m4 board has 128 KiB of RAM (tf_cortex_m4.ld); this model's
// input alone is 140,000 int8 values (and the firmware's float window of the same length 560,000 B),
// so no arena can hold it. CLI run in-process (tests/helpers/cli.ts).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph, Tensor, TfliteModel } from '../../src/core/graph.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { loadNativeEngine } from '../../src/cli/commands/firmware.js';
import { loadSettings } from '../../src/adapters/model-sources.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { cli } from '../helpers/cli.js';

const hasArm = ['arm-none-eabi-gcc', 'make'].every((t) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0);

function bigModel(n: number): TfliteModel {
  const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });
  const tensors: Tensor[] = [
    { name: 'input', dtype: 'int8', shape: [1, n], quant: q(0.05, 0) },
    { name: 'w', dtype: 'int8', shape: [2, n], data: new Uint8Array(2 * n).fill(1), quant: q(0.01, 0) },
    { name: 'b', dtype: 'int32', shape: [2], data: new Uint8Array(8) },
    { name: 'out', dtype: 'int8', shape: [1, 2], quant: q(0.5, 0) },
  ];
  const graph: Graph = { tensors, operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } }], inputs: [0], outputs: [3] };
  return { graph, version: 3, description: 'too big for 128 KiB', metadata: [] };
}

describe.skipIf(!hasArm)('a model that does not fit the board', () => {
  it('a model that fits: `build` reports flash and static RAM against the linker script limits, the stack apart', async () => {
    const n = 64;
    const dir = mkdtempSync(join(tmpdir(), 'tf-fit-'));
    const model = bigModel(n);
    const settingsPath = join(dir, 'settings.json');
    writeFileSync(settingsPath, JSON.stringify({ task: 'classification', labels: ['a', 'b'], axes: ['x'], units: ['g'], sampleRateHz: 100, windowLength: n, windowStride: n, normalisation: { mean: [0], std: [1] }, inputQuant: { scale: 0.05, zeroPoint: 0 }, outputQuant: { scale: 0.5, zeroPoint: 0 } }));
    const fw = join(dir, 'fw');
    writeProject(fw, emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model, modelBytes: writeTflite(model), settings: loadSettings(settingsPath), sources: readFirmwareSources(), nativeEngine: await loadNativeEngine(), sketch: 'fw' }).files);
    const j = await cli(['--json', 'build', fw]);
    expect(j.status, j.stderr).toBe(0);
    const r = JSON.parse(j.stdout);
    // tf_mps2.ld: 4 MiB of each; tf_cm4_sections.ld: a 32 KiB stack (TF_STACK_BYTES default 0x8000).
    expect(r.limits).toMatchObject({ flashBytes: 4 * 1024 * 1024, ramBytes: 4 * 1024 * 1024 });
    expect(r.memory).toMatchObject({ rule: 'gnu-size', flash: r.footprint.flash, reserved: { stack: 0x8000 } });
    expect(r.memory.ram).toBe(r.footprint.ram - 0x8000);
    expect(r.ramNeeded).toBe(r.footprint.ram);
  });

  it('`tinyforge build` on cortex-m4 (128 KiB RAM) exits 3 naming the overflow; no image is left to flash', async () => {
    const n = 140_000;
    const dir = mkdtempSync(join(tmpdir(), 'tf-fit-'));
    const model = bigModel(n);
    const modelBytes = writeTflite(model);
    const settingsPath = join(dir, 'settings.json');
    writeFileSync(
      settingsPath,
      // 4 axes × 35,000 samples: the window itself stays within what INFO can carry (≤ 65535).
      JSON.stringify({ task: 'classification', labels: ['a', 'b'], axes: ['x', 'y', 'z', 'w'], units: ['g', 'g', 'g', 'g'], sampleRateHz: 100, windowLength: n / 4, windowStride: n / 4, normalisation: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] }, inputQuant: { scale: 0.05, zeroPoint: 0 }, outputQuant: { scale: 0.5, zeroPoint: 0 } }),
    );
    const fw = join(dir, 'fw');
    writeProject(fw, emitFirmware({ board: 'cortex-m4', engine: 'native', model, modelBytes, settings: loadSettings(settingsPath), sources: readFirmwareSources(), nativeEngine: await loadNativeEngine(), sketch: 'fw' }).files);
    const r = await cli(['build', fw]);
    expect(r.stderr).toMatch(/does not fit the board's memory: the linker reports region RAM overflowed by \d+ bytes/);
    expect(r.stderr).toMatch(/remedy: use a smaller model/);
    expect(r.status).toBe(3);
    expect(existsSync(join(fw, 'build', 'firmware.elf'))).toBe(false);
    const j = await cli(['--json', 'build', fw]);
    expect(j.status).toBe(3);
    expect(JSON.parse(j.stdout)).toMatchObject({ error: 'bad-input', exitCode: 3, details: { overflow: expect.stringMatching(/region RAM overflowed/) } });
  });
});
