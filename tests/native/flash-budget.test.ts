// The native engine packs weights per layer (issue 17): by default the fastest packing whose image
// stays within what TFLM would take for the model (.tflite + the smallest measured TFLM runtime) and
// the board's flash — int8 weights (SXTB16 unpacked in the loop) where int16 would pass it; a model
// whose weights cannot fit even as int8 is refused before anything is generated. The
// int8-packed kernels are checked bit for bit against the portable kernels here (host, emulated
// intrinsics), in dsp.test.ts (random layers) and on the virtual board (virtual-board-vectors).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TfliteModel } from '../../src/core/graph.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { elfFootprint } from '../../src/firmware/footprint.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { buildRunner, denseModel, hasTool, runEngine, tempDir } from './helpers.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { getBoard } from '../../src/firmware/boards.js';
import { readTflite } from '../../src/tflite/reader.js';
import { TFLM_MIN_RUNTIME, tflmImageFloor, weightBudget, type WeightPolicy } from '../../src/firmware/flash-budget.js';

const arm = hasTool('arm-none-eabi-gcc');
const sources = readFirmwareSources();

function project(board: string, model: TfliteModel, o: { weights?: WeightPolicy; flashBudget?: number } = {}) {
  const modelBytes = writeTflite(model);
  return emitFirmware({ board, engine: 'native', model, modelBytes, settings: settingsFromGraph(model.graph), sources, nativeEngine: emitNativeEngine, ...o });
}

describe('weight packing by the flash budget', () => {
  // 1024 × 600 weights: 1,228,800 B as int16 (over the generic board's 1 MiB), 614,400 B as int8.
  const big = denseModel(1024, 600);

  it('auto: the big layer stays int8 (its int16 widening would pass what TFLM takes and the 1 MB board), the small one is widened; it builds and fits', async () => {
    const p = project('cortex-m4', big);
    // scratchBytes: the FC kernel's widened input (2 B per input + 8).
    expect(p.native?.kernels[0]).toEqual({ op: 'FULLY_CONNECTED', kernel: 'tf_dsp_fc_s8', scratchBytes: 2056, weights: 'int8', weightBytes: 614_400, weightSizes: { int8: 614_400, int16: 1_228_800 } });
    expect(p.native?.kernels[1]).toEqual({ op: 'FULLY_CONNECTED', kernel: 'tf_dsp_fc_s8', scratchBytes: 1208, weights: 'int16', weightBytes: 12_000, weightSizes: { int8: 6_000, int16: 12_000 } });
    // The .tflite (≈ 620 KB) + 60 KiB is below the board's 1 MiB: the TFLM floor decided.
    expect(p.native?.weightPlan?.budget?.source).toBe('tflm');
    expect(p.flash!.limit).toBe(1024 * 1024);
    expect(p.flash!.bytes).toBeLessThanOrEqual(p.native!.weightPlan!.budget!.imageBytes);
    expect(p.flash!.dataBytes).toBeGreaterThanOrEqual(614_400);
    if (!arm) return;
    const dir = writeProject(join(tempDir('tf-flash-'), 'fw'), p.files);
    await runPlan(buildPlan(dir, 'cortex-m4', { engine: 'native' }));
    const fp = elfFootprint(readFileSync(join(dir, 'build/firmware.elf')));
    expect(fp.flash).toBeLessThanOrEqual(1024 * 1024);
    expect(fp.flash).toBeLessThanOrEqual(p.flash!.bytes); // the estimate errs on the safe side
  }, 300_000);

  it('fastest: only the board decides — int8 where the 1 MB board needs it, all int16 on the virtual board (4 MiB)', () => {
    const m4 = project('cortex-m4', big, { weights: 'fastest' });
    expect(m4.native?.kernels.map((k) => k.weights)).toEqual(['int8', 'int16']);
    expect(m4.native?.weightPlan?.budget?.source).toBe('board');
    const vb = project('qemu-mps2-an386', big, { weights: 'fastest' });
    expect(vb.native?.kernels.map((k) => k.weights)).toEqual(['int16', 'int16']);
    // auto on the virtual board: the 4 MiB would take int16, what TFLM would take does not.
    expect(project('qemu-mps2-an386', big).native?.kernels.map((k) => k.weights)).toEqual(['int8', 'int16']);
    // A forced packing has no budget.
    const w16 = project('qemu-mps2-an386', big, { weights: 'int16' });
    expect(w16.native?.kernels.map((k) => k.weights)).toEqual(['int16', 'int16']);
    expect(w16.native?.weightPlan).toEqual({ policy: 'int16' });
  });

  it('--flash-budget replaces what TFLM would take (the board still caps it)', () => {
    const wide = project('qemu-mps2-an386', big, { flashBudget: 2_000_000 });
    expect(wide.native?.kernels.map((k) => k.weights)).toEqual(['int16', 'int16']);
    expect(wide.native?.weightPlan?.budget).toMatchObject({ source: 'flag', imageBytes: 2_000_000 });
    const capped = project('cortex-m4', big, { flashBudget: 2_000_000 });
    expect(capped.native?.weightPlan?.budget).toMatchObject({ source: 'board', imageBytes: 1024 * 1024 });
    expect(capped.native?.kernels[0].weights).toBe('int8');
  });

  it('int8-packed weights give the portable kernels\' bytes (host, emulated intrinsics)', () => {
    const m = denseModel(1024, 600);
    const sha = 'ab'.repeat(32);
    const inputs = [0, 1, 2].map((k) => Uint8Array.from({ length: 1024 }, (_, i) => (i * 29 + k * 71) & 0xff));
    const run = (target: 'dsp' | 'portable', weights: 'int8' | 'int16') => {
      const res = emitNativeEngine(m, { modelSha256: sha, target, weights });
      const dir = tempDir('tf-flash-h-');
      return runEngine(buildRunner(res.files, dir, target === 'dsp' ? { sources: [join(REPO_ROOT, 'firmware/native/dsp/tf_k_depthwise_dsp.c')] } : {}), inputs, dir).outputs.map((o) => Buffer.from(o).toString('hex'));
    };
    const want = run('portable', 'int16');
    expect(run('dsp', 'int8')).toEqual(want);
    expect(run('dsp', 'int16')).toEqual(want);
  }, 300_000);

  it('weights that cannot fit even as int8 are refused before anything is generated (exit 3, with a remedy)', () => {
    // 1024 × 1100 int8 weights = 1,126,400 B > 1 MiB.
    let err: unknown;
    try {
      project('cortex-m4', denseModel(1024, 1100));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinyforgeError);
    const te = err as TinyforgeError;
    expect(te.kind).toBe('bad-input');
    expect(te.message).toMatch(/will not fit the cortex-m4: estimated \d+ B of flash .*every layer it could on int8 weights.* > 1048576 B/);
    expect(te.remedy).toMatch(/smaller model/);
  });

  it('close to the limit: a warning in the plan', () => {
    // 1024 × 900 int8 = 921,600 B: fits 1 MiB with the code allowance, above 90 %.
    const p = project('cortex-m4', denseModel(1024, 900));
    expect(p.native?.kernels[0].weights).toBe('int8');
    expect(p.flash?.warning).toMatch(/may not fit/);
  });
});

describe('the budget (flash-budget.ts)', () => {
  const vb = getBoard('qemu-mps2-an386');
  const nano = getBoard('nano33ble-sense-rev2');
  const limits = { flashBytes: 4 * 1024 * 1024, ramBytes: 4 * 1024 * 1024, source: 'test' };

  it('auto takes the smaller of the board and what TFLM would take; fastest the board; int8/int16 none', () => {
    // 100,000 B of .tflite + 61,440 B = 161,440 B; minus a 20,000 B code allowance = 141,440 B of constant data.
    expect(weightBudget({ policy: 'auto', board: vb, limits, code: 20_000, tfliteBytes: 100_000 })).toMatchObject({ source: 'tflm', imageBytes: 161_440, constBytes: 141_440 });
    expect(weightBudget({ policy: 'auto', board: vb, limits: { ...limits, flashBytes: 150_000 }, code: 20_000, tfliteBytes: 100_000 })).toMatchObject({ source: 'board', imageBytes: 150_000, constBytes: 130_000 });
    expect(weightBudget({ policy: 'auto', board: vb, limits, code: 20_000, tfliteBytes: 100_000, flashBudget: 90_000 })).toMatchObject({ source: 'flag', constBytes: 70_000 });
    expect(weightBudget({ policy: 'fastest', board: vb, limits, code: 20_000, tfliteBytes: 100_000 })).toMatchObject({ source: 'board', imageBytes: 4 * 1024 * 1024 });
    expect(weightBudget({ policy: 'fastest', board: vb, code: 20_000, tfliteBytes: 100_000 })).toBeUndefined();
    expect(weightBudget({ policy: 'int8', board: vb, limits, code: 1, tfliteBytes: 1 })).toBeUndefined();
    expect(weightBudget({ policy: 'int16', board: vb, limits, code: 1, tfliteBytes: 1 })).toBeUndefined();
    // Below the code allowance: nothing left for widening (int8 everywhere), never negative.
    expect(weightBudget({ policy: 'auto', board: vb, limits, code: 20_000, tfliteBytes: 100_000, flashBudget: 5_000 })?.constBytes).toBe(0);
  });

  it('the TFLM floor is below the smallest runtime measured (hello_world: 66,492 − 2,704 B, flash-budget.ts); an Arduino core adds its own code', () => {
    expect(TFLM_MIN_RUNTIME).toBeLessThanOrEqual(66_492 - 2_704);
    expect(tflmImageFloor(vb, 1000)).toBe(1000 + TFLM_MIN_RUNTIME);
    expect(tflmImageFloor(nano, 1000)).toBeGreaterThan(1000 + TFLM_MIN_RUNTIME);
  });
});

describe('the greedy widening (emitNativeEngine, weights auto)', () => {
  // vectors/conv1d: three CONV_2D layers (each weight used at every output position) and two
  // FULLY_CONNECTED (each weight used once). Sizes from its all-int8 plan.
  const model = readTflite(new Uint8Array(readFileSync(join(REPO_ROOT, 'vectors/conv1d/model.tflite'))));
  const sha = 'cd'.repeat(32);
  const all8 = emitNativeEngine(model, { modelSha256: sha, target: 'dsp', weights: 'int8' });
  const layers = all8.schedule.map((s, i) => ({ i, s })).filter((x) => x.s.weightSizes);
  const extra = (i: number) => { const w = all8.schedule[i].weightSizes!; return w.int16 - w.int8!; };

  it('widens convolutions before dense layers, skipping a layer that does not fit for a smaller one that does', () => {
    expect(layers.map((x) => x.s.op)).toEqual(['CONV_2D', 'CONV_2D', 'CONV_2D', 'FULLY_CONNECTED', 'FULLY_CONNECTED']);
    const [c0, c1, c2, f0, f1] = layers.map((x) => x.i);
    // Every conv output here has more than one position (MACs per extra byte > 1 = a dense layer's).
    for (const c of [c0, c1, c2]) {
      const t = model.graph.tensors[model.graph.operators[c].outputs[0]];
      expect(t.shape.slice(0, -1).reduce((a, b) => a * b, 1)).toBeGreaterThan(1);
    }
    // Room for exactly the first dense layer's widening: the smallest conv (c0) comes first, c1 and
    // c2 do not fit what is left, neither does f0; f1 (160 B) still does.
    expect(extra(c0) + extra(f1)).toBeLessThanOrEqual(extra(f0));
    expect(extra(c1)).toBeGreaterThan(extra(f0) - extra(c0));
    const res = emitNativeEngine(model, { modelSha256: sha, target: 'dsp', constBudget: all8.constBytes + extra(f0) });
    expect(layers.map((x) => res.schedule[x.i].weights)).toEqual(['int16', 'int8', 'int8', 'int8', 'int16']);
    expect(res.constBytes).toBe(all8.constBytes + extra(c0) + extra(f1));
  });

  it('a mixed packing (int16 and int8 layers in one engine) gives the portable kernels\' bytes (host, emulated intrinsics)', () => {
    const [, , , f0] = layers.map((x) => x.i);
    const mixed = emitNativeEngine(model, { modelSha256: sha, target: 'dsp', constBudget: all8.constBytes + extra(f0) });
    expect(new Set(layers.map((x) => mixed.schedule[x.i].weights))).toEqual(new Set(['int8', 'int16']));
    const n = model.graph.tensors[model.graph.inputs[0]].shape.reduce((a, b) => a * b, 1);
    const inputs = [0, 1, 2].map((k) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + k * 101) & 0xff));
    const run = (files: typeof mixed.files, dsp: boolean) => {
      const dir = tempDir('tf-flash-mix-');
      return runEngine(buildRunner(files, dir, dsp ? { sources: [join(REPO_ROOT, 'firmware/native/dsp/tf_k_depthwise_dsp.c')] } : {}), inputs, dir).outputs.map((o) => Buffer.from(o).toString('hex'));
    };
    expect(run(mixed.files, true)).toEqual(run(emitNativeEngine(model, { modelSha256: sha, target: 'portable' }).files, false));
  }, 300_000);

  it('stays within the budget and leaves no int8 layer that would still fit (every budget from all-int8 to all-int16)', () => {
    const all16 = emitNativeEngine(model, { modelSha256: sha, target: 'dsp', weights: 'int16' }).constBytes;
    for (let b = all8.constBytes; b <= all16 + 1; b += 509) {
      const res = emitNativeEngine(model, { modelSha256: sha, target: 'dsp', constBudget: b });
      expect(res.constBytes).toBeLessThanOrEqual(b);
      for (const { i } of layers) if (res.schedule[i].weights === 'int8') expect(res.constBytes + extra(i)).toBeGreaterThan(b);
    }
    // No budget: every layer int16 (the generator alone, as the host tests use it).
    expect(emitNativeEngine(model, { modelSha256: sha, target: 'dsp' }).schedule.filter((s) => s.weights).every((s) => s.weights === 'int16')).toBe(true);
    expect(emitNativeEngine(model, { modelSha256: sha, target: 'dsp' }).constBytes).toBe(all16);
  });
});
