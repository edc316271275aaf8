// requant 'uniform' (the firmware `tinyforge tune` measures and `run --trial` builds): the DSP
// layers' code hides the quantisation values (weights, biases, multipliers, shifts, zero points)
// from the compiler, so two models of one architecture compile to the same code size whatever
// their trained values — and their outputs stay those of the portable reference kernels.
// Expected values: sizes are compared between the two variants of each layer (no fixed numbers);
// outputs against the portable engine (the reference, itself checked against TFLM's vectors).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Graph, Tensor, TfliteModel } from '../../src/core/graph.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import type { NativeRequant } from '../../src/ops/types.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { ARM_FLAGS, INCLUDES, buildRunner, hasTool, runEngine, tempDir } from './helpers.js';
import { writeFileSync } from 'node:fs';

const gcc = hasTool('gcc');
const arm = hasTool('arm-none-eabi-gcc') && hasTool('arm-none-eabi-size');
if (!arm) console.warn('[tinyforge tests] arm-none-eabi-gcc missing: the uniform-requantisation code-size checks are skipped (scripts/setup.sh installs it).');
const DSP_C = [join(REPO_ROOT, 'firmware', 'native', 'dsp', 'tf_k_depthwise_dsp.c')];
const SHA = 'ab'.repeat(32);

function lcg(seed: number) {
  let s = seed | 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) | 0), (s >>> 8) & 0xffffff);
}
const bytesOf = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });

type Kind = 'conv' | 'dw' | 'fc' | 'mean';

/**
 * One layer of fixed shapes (small: the compiler unrolls its channel loops, as in tune's tiny
 * models). Variant 'a': output scale below input × filter scale (every shift > 0: real multiplier
 * 1.5), small weights, zero points 0 (its inputs stay near the zero point: inputsOf); variant 'b':
 * a wide output range (every shift < 0), other zero points and weights.
 */
function layer(kind: Kind, variant: 'a' | 'b'): Graph {
  const rnd = lcg(variant === 'a' ? 7 : 99);
  const i8 = (n: number) => Int8Array.from({ length: n }, () => (variant === 'a' ? (rnd() % 7) - 3 : (rnd() % 255) - 127));
  const inZp = variant === 'a' ? 0 : 11;
  const outZp = variant === 'a' ? 0 : -37;
  const inScale = 0.05;
  const outScale = (k: number) => (variant === 'a' ? (inScale * 0.004) / 1.5 : inScale * 0.004 * Math.sqrt(k) * 40);
  if (kind === 'mean') {
    const tensors: Tensor[] = [
      { name: 'in', dtype: 'int8', shape: [1, 6, 1, 8], quant: q(inScale, inZp) },
      { name: 'axes', dtype: 'int32', shape: [2], data: bytesOf(Int32Array.from([1, 2])) },
      { name: 'out', dtype: 'int8', shape: [1, 8], quant: q(variant === 'a' ? inScale * 0.3 : inScale * 1.7, outZp) },
    ];
    return { tensors, operators: [{ op: 'MEAN', inputs: [0, 1], outputs: [2], options: { keepDims: false } }], inputs: [0], outputs: [2] };
  }
  if (kind === 'fc') {
    const tensors: Tensor[] = [
      { name: 'in', dtype: 'int8', shape: [1, 12], quant: q(inScale, inZp) },
      { name: 'w', dtype: 'int8', shape: [4, 12], data: bytesOf(i8(48)), quant: q(0.004, 0) },
      { name: 'b', dtype: 'int32', shape: [4], data: bytesOf(Int32Array.from({ length: 4 }, () => (rnd() % 41) - 20)), quant: q(Math.fround(inScale) * Math.fround(0.004), 0) },
      { name: 'out', dtype: 'int8', shape: [1, 4], quant: q(outScale(12), outZp) },
    ];
    return { tensors, operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } }], inputs: [0], outputs: [3] };
  }
  const dw = kind === 'dw';
  const inC = dw ? 8 : 3;
  const outC = dw ? 8 : 4;
  const fShape = dw ? [1, 3, 1, outC] : [outC, 3, 1, inC];
  const k = 3 * (dw ? 1 : inC);
  const scales = Array.from({ length: outC }, (_, j) => Math.fround(0.004 * (1 + j / 8)));
  const tensors: Tensor[] = [
    { name: 'in', dtype: 'int8', shape: [1, 10, 1, inC], quant: q(inScale, inZp) },
    { name: 'w', dtype: 'int8', shape: fShape, data: bytesOf(i8(fShape.reduce((a, b) => a * b, 1))), quant: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: dw ? 3 : 0 } },
    { name: 'b', dtype: 'int32', shape: [outC], data: bytesOf(Int32Array.from({ length: outC }, () => (rnd() % 41) - 20)) },
    { name: 'out', dtype: 'int8', shape: [1, 8, 1, outC], quant: q(outScale(k), outZp) },
  ];
  const options = { padding: 'VALID' as const, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, fusedActivation: 'RELU' as const };
  return {
    tensors,
    operators: [dw ? { op: 'DEPTHWISE_CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { ...options, depthMultiplier: 1 } } : { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options }],
    inputs: [0],
    outputs: [3],
  };
}

const model = (graph: Graph): TfliteModel => ({ graph, version: 3, description: 'requant uniform test', metadata: [] });

/** Bytes of code and read-only data of the generated file compiled for the Cortex-M4 (arm-none-eabi-size: text). */
function codeBytes(graph: Graph, requant: NativeRequant): number {
  const res = emitNativeEngine(model(graph), { modelSha256: SHA, target: 'dsp', requant });
  const dir = tempDir('tf-rq-u-');
  const f = res.files.find((x) => x.path.endsWith('.c'))!;
  const src = join(dir, f.path);
  writeFileSync(src, f.contents);
  execFileSync('arm-none-eabi-gcc', [...ARM_FLAGS, ...INCLUDES, '-c', src, '-o', `${src}.o`]);
  const out = execFileSync('arm-none-eabi-size', [`${src}.o`], { encoding: 'utf8' });
  return Number(out.trim().split('\n')[1].trim().split(/\s+/)[0]);
}

const KINDS: Kind[] = ['conv', 'dw', 'fc', 'mean'];

describe.skipIf(!arm)('requant uniform: code size depends on the architecture only', () => {
  it('each DSP layer: the two variants compile to the same size uniform; specialised, the values change the code', () => {
    const specialisedDiffers: Kind[] = [];
    for (const kind of KINDS) {
      const ua = codeBytes(layer(kind, 'a'), 'uniform');
      const ub = codeBytes(layer(kind, 'b'), 'uniform');
      expect(ub, `${kind}: uniform`).toBe(ua);
      if (codeBytes(layer(kind, 'a'), 'specialised') !== codeBytes(layer(kind, 'b'), 'specialised')) specialisedDiffers.push(kind);
    }
    // What uniform is for: the specialised build of the same layers differs with the values (the
    // left-shift path, folded zero points and shifts), so a size measured before training would not hold.
    expect(specialisedDiffers.length).toBeGreaterThan(0);
  }, 120_000);
});

describe.skipIf(!gcc)('requant uniform: outputs bit-exact', () => {
  it('each DSP layer and variant: uniform DSP code == the portable kernels (host, emulated intrinsics)', () => {
    for (const kind of KINDS) {
      for (const variant of ['a', 'b'] as const) {
        const g = layer(kind, variant);
        const rnd = lcg(kind.length * 31 + variant.charCodeAt(0));
        const n = g.tensors[0].shape.reduce((a, b) => a * b, 1);
        // Variant 'a' multiplies by 1.5: inputs within ±6 of its zero point keep the outputs off the rails.
        const inputs = [0, 1, 2].map(() => Uint8Array.from({ length: n }, () => (variant === 'a' ? ((rnd() % 13) - 6) & 0xff : rnd() & 0xff)));
        const run = (target: 'dsp' | 'portable', requant: NativeRequant) => {
          const res = emitNativeEngine(model(g), { modelSha256: SHA, target, requant });
          if (target === 'dsp') expect(res.schedule[0].kernel).toMatch(/^tf_dsp_/);
          const dir = tempDir('tf-rq-x-');
          return runEngine(buildRunner(res.files, dir, target === 'dsp' ? { sources: DSP_C } : {}), inputs, dir).outputs.map((o) => Buffer.from(o).toString('hex'));
        };
        const want = run('portable', 'specialised');
        // Not all one value (a saturated layer would prove little).
        expect(new Set(want.join('').match(/../g)).size, `${kind}/${variant}`).toBeGreaterThan(2);
        expect(run('dsp', 'uniform'), `${kind}/${variant}`).toEqual(want);
      }
    }
  }, 300_000);
});
