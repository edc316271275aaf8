// The DSP depthwise kernel's Arm assembly (3×3 windows: interior pixels with the tap offsets as
// immediates, border pixels through a table of tap pointers, the solved requantisation) only runs
// on the board; the host tests run its C twin. Here a chain of depthwise layers over every window
// position class — stride 1 and 2, SAME padding on all sides and on the bottom/right only, VALID,
// dilation 2, 1- and 2-pixel-wide maps, a 5×5 window and a RELU6 clamp (the C path on the board),
// 12 channels (3 groups of 4) — is built into virtual-board firmware and every output byte must
// equal the host interpreter's (the op modules' reference kernels, themselves checked against TFLM).
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Activation, Graph, Operator, Padding, Tensor } from '../../src/core/graph.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { computeOutSize, emitNativeEngine } from '../../src/firmware/native/index.js';
import { createInterpreter } from '../../src/interp/index.js';
import { verifyElfOnVirtualBoard } from '../support/model-boards.js';

interface Layer { k: number; stride: number; dilation: number; padding: Padding; act: Activation }

const C = 12;
const LAYERS: Layer[] = [
  { k: 3, stride: 1, dilation: 1, padding: 'SAME', act: 'RELU' }, // 9×7: interior + every border class (RELU at zero point -128: no clamp)
  { k: 3, stride: 1, dilation: 1, padding: 'VALID', act: 'NONE' }, // interior only → 7×5
  { k: 3, stride: 2, dilation: 1, padding: 'SAME', act: 'NONE' }, // odd sizes: padded on all sides → 4×3
  { k: 3, stride: 1, dilation: 2, padding: 'SAME', act: 'NONE' }, // dilation 2: every pixel clipped
  { k: 3, stride: 2, dilation: 1, padding: 'SAME', act: 'NONE' }, // even height: bottom padding only → 2×2
  { k: 5, stride: 1, dilation: 1, padding: 'SAME', act: 'NONE' }, // 5×5: the C path with the tap table
  { k: 3, stride: 1, dilation: 1, padding: 'SAME', act: 'RELU6' }, // a clamp the assembly does not take
  { k: 3, stride: 2, dilation: 1, padding: 'SAME', act: 'NONE' }, // → 1×1
];

function lcg(seed: number): () => number {
  let s = seed | 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) | 0), (s >>> 8) & 0xffffff);
}

const bytes = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });

/** The chain over a [1, 9, 7, C] input. */
function chain(seed: number): Graph {
  const rnd = lcg(seed);
  let scale = 0.05;
  let zp = 5;
  let [h, w] = [9, 7];
  const tensors: Tensor[] = [{ name: 'in', dtype: 'int8', shape: [1, h, w, C], quant: q(scale, zp) }];
  const operators: Operator[] = [];
  let x = 0;
  for (const [n, l] of LAYERS.entries()) {
    const oh = computeOutSize(l.padding, h, l.k, l.stride, l.dilation);
    const ow = computeOutSize(l.padding, w, l.k, l.stride, l.dilation);
    const wScales = Array.from({ length: C }, (_, j) => Math.fround(0.003 * (1 + j / 3)));
    const filter = Int8Array.from({ length: l.k * l.k * C }, () => (rnd() % 255) - 127);
    const bias = Int32Array.from({ length: C }, () => (rnd() % 4001) - 2000);
    const outScale = scale * 0.003 * l.k * 12;
    const outZp = l.act === 'RELU' ? -128 : l.act === 'RELU6' ? -100 : (rnd() % 41) - 20;
    const base = tensors.length;
    tensors.push(
      { name: `w${n}`, dtype: 'int8', shape: [1, l.k, l.k, C], data: bytes(filter), quant: { scale: wScales, zeroPoint: wScales.map(() => 0), quantizedDimension: 3 } },
      { name: `b${n}`, dtype: 'int32', shape: [C], data: bytes(bias) },
      { name: `y${n}`, dtype: 'int8', shape: [1, oh, ow, C], quant: q(outScale, outZp) },
    );
    operators.push({
      op: 'DEPTHWISE_CONV_2D',
      inputs: [x, base, base + 1],
      outputs: [base + 2],
      options: { padding: l.padding, strideH: l.stride, strideW: l.stride, dilationH: l.dilation, dilationW: l.dilation, fusedActivation: l.act, depthMultiplier: 1 },
    });
    [x, h, w, scale, zp] = [base + 2, oh, ow, outScale, outZp];
  }
  return { tensors, operators, inputs: [0], outputs: [x] };
}

describe('virtual board: DSP depthwise assembly (3×3 interior and border, strides, dilation) == host interpreter', () => {
  it('a 12-channel depthwise chain, 6 random inputs, bit-exact', async () => {
    const modelBytes = writeTflite(chain(20261207));
    const model = readTflite(modelBytes);
    const project = emitFirmware({
      board: 'qemu-mps2-an386', engine: 'native', model, modelBytes, settings: settingsFromGraph(model.graph), sources: readFirmwareSources(),
      nativeEngine: (m, o) => emitNativeEngine(m, o),
    });
    const kernels = project.native!.kernels.map((k) => k.kernel);
    expect(kernels.filter((k) => k === 'tf_dsp_depthwise_s8').length).toBe(model.graph.operators.length);
    // Every layer takes the solved requantisation (the assembly's requirement).
    const c = project.files.find((f) => f.path.endsWith('tf_model_native.c'))!.contents;
    expect(model.graph.operators.map((_, i) => c.includes(`tf_op${i}_rq[`))).toEqual(model.graph.operators.map(() => true));
    const fw = writeProject(join(mkdtempSync(join(tmpdir(), 'tf-e2e-dw-')), 'fw'), project.files);
    await runPlan(buildPlan(fw, 'qemu-mps2-an386', { engine: 'native' }));

    const rnd = lcg(7);
    const n = 9 * 7 * C;
    const inputs = Array.from({ length: 6 }, (_, k) => Uint8Array.from({ length: n }, () => (k === 0 ? 0x80 : k === 1 ? 0x7f : rnd() & 0xff)));
    const interp = createInterpreter(model.graph);
    const report = await verifyElfOnVirtualBoard(join(fw, 'build/firmware.elf'), modelBytes, inputs, (x) => interp.invoke([x])[0], { inferenceMs: 30_000 });
    expect(report.mismatches).toEqual([]);
    expect(report.bitExact).toBe(inputs.length);
  }, 180_000);
});
