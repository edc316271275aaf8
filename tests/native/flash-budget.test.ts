// The native engine packs weights to fit the board's flash (issue 17): a layer whose int16 widening
// would overflow a 1 MB board gets int8 weights (SXTB16 unpacked in the loop) and the image fits;
// a model whose weights cannot fit even as int8 is refused before anything is generated. The
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

const arm = hasTool('arm-none-eabi-gcc');
const sources = readFirmwareSources();
function project(board: string, model: TfliteModel) {
  const modelBytes = writeTflite(model);
  return emitFirmware({ board, engine: 'native', model, modelBytes, settings: settingsFromGraph(model.graph), sources, nativeEngine: emitNativeEngine });
}

describe('weight packing by the board\'s flash budget', () => {
  // 1024 × 600 weights: 1,228,800 B as int16 (over the generic board's 1 MiB), 614,400 B as int8.
  const big = denseModel(1024, 600);

  it('a dense layer whose int16 widening would overflow a 1 MB board gets int8 weights; the plan says so; it builds and fits', async () => {
    const p = project('cortex-m4', big);
    // Only the big layer needs int8 to fit; the small one (few MACs per byte too) keeps int16 as long as it fits.
    expect(p.native?.kernels[0]).toEqual({ op: 'FULLY_CONNECTED', kernel: 'tf_dsp_fc_s8', scratchBytes: 2056, weights: 'int8', weightBytes: 614_400 }); // scratch: 1024 inputs widened to int16 + 8
    expect(p.native?.kernels[1]).toEqual({ op: 'FULLY_CONNECTED', kernel: 'tf_dsp_fc_s8', scratchBytes: 1208, weights: 'int16', weightBytes: 12_000 });
    expect(p.flash!.limit).toBe(1024 * 1024);
    expect(p.flash!.bytes).toBeLessThan(p.flash!.limit);
    expect(p.flash!.dataBytes).toBeGreaterThanOrEqual(614_400);
    // The same model on the virtual board (4 MiB of flash) keeps the faster int16 weights.
    expect(project('qemu-mps2-an386', big).native?.kernels[0]).toMatchObject({ weights: 'int16', weightBytes: 1_228_800 });
    if (!arm) return;
    const dir = writeProject(join(tempDir('tf-flash-'), 'fw'), p.files);
    await runPlan(buildPlan(dir, 'cortex-m4', { engine: 'native' }));
    const fp = elfFootprint(readFileSync(join(dir, 'build/firmware.elf')));
    expect(fp.flash).toBeLessThanOrEqual(1024 * 1024);
    expect(fp.flash).toBeLessThanOrEqual(p.flash!.bytes); // the estimate errs on the safe side
  }, 300_000);

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
