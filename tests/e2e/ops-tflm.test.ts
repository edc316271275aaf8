// Issue 17's "any converter model" ops on TensorFlow Lite Micro itself: int8 models tinyforge makes
// with PAD / PADV2, SUB, MAXIMUM / MINIMUM, LEAKY_RELU, HARD_SWISH, LOG_SOFTMAX, PRELU,
// STRIDED_SLICE, TRANSPOSE, SPLIT / SPLIT_V, PACK / UNPACK and RESIZE_NEAREST_NEIGHBOR (several
// shapes and quantisations per op, the edge cases named in each case) are built into virtual-board
// firmware on the TFLM engine (`firmware --engine tflm`, the generated Makefile with TFLM_DIR and
// TFLM_LIB) and verified over the link: every output byte TFLM computes on the board must equal
// tinyforge's host interpreter (the op modules' reference kernels). TFLM is the contract, so a
// mismatch is a bug in tinyforge's host kernel. The same firmware is then built on the native
// engine, whose kernels must match too. Element-wise ops get all 256 int8 values in one input; the
// rest random inputs plus the two extremes. TINYFORGE_OPS_TFLM_SWEEP=N adds N models per op with
// random quantisations (default 1).
//
// Needs TFLM_DIR (a tflite-micro checkout) and TFLM_LIB (its libtensorflow-microlite.a for
// cortex_m_generic cortex-m4+fp, reference kernels or CMSIS-NN, with these ops' kernels; built by
// hand, tinyforge never builds fetched code: docs/tflm-engine.md). Without TFLM_DIR it skips
// visibly; TINYFORGE_REQUIRE_TFLM=1 makes that a failure.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph, Operator, Tensor } from '../../src/core/graph.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { createInterpreter } from '../../src/interp/index.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { verifyElfOnVirtualBoard } from '../support/model-boards.js';

const tflmDir = process.env.TFLM_DIR && existsSync(join(process.env.TFLM_DIR, 'tensorflow/lite/micro/micro_interpreter.h')) ? process.env.TFLM_DIR : null;
const tflmLib = process.env.TFLM_LIB && existsSync(process.env.TFLM_LIB) ? process.env.TFLM_LIB : undefined;
if (!tflmDir && process.env.TINYFORGE_REQUIRE_TFLM === '1') {
  throw new Error('TFLM_DIR (a tflite-micro checkout with libtensorflow-microlite.a built for cortex_m_generic cortex-m4+fp) is required (TINYFORGE_REQUIRE_TFLM=1) but not set or not a tflite-micro tree');
}

const bytesOf = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
function lcg(seed: number): () => number {
  let s = seed | 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) | 0), (s >>> 8) & 0xff);
}
const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });
const act = (shape: number[], scale: number, zp: number, name = 'a'): Tensor => ({ name, dtype: 'int8', shape, quant: q(scale, zp) });
const i32 = (values: number[], shape = [values.length], name = 'c'): Tensor => ({ name, dtype: 'int32', shape, data: bytesOf(Int32Array.from(values)) });
const constI8 = (t: Tensor, values: number[]): Tensor => ({ ...t, data: bytesOf(Int8Array.from(values)) });
const ALL = Array.from({ length: 256 }, (_, i) => i - 128);

/**
 * One graph: `x` is the single input; each branch adds its tensors and one operator and names the
 * outputs it contributes. Branches share the input, so one firmware checks several cases of an op.
 */
class G {
  tensors: Tensor[];
  operators: Operator[] = [];
  outputs: number[] = [];
  constructor(x: Tensor) {
    this.tensors = [x];
  }
  t(t: Tensor): number {
    this.tensors.push(t);
    return this.tensors.length - 1;
  }
  op(op: string, inputs: number[], outs: Tensor[], options: Record<string, unknown> = {}, graphOutputs = true): number[] {
    const o = outs.map((t) => this.t(t));
    this.operators.push({ op, inputs, outputs: o, options } as Operator);
    if (graphOutputs) this.outputs.push(...o);
    return o;
  }
  graph(): Graph {
    return { tensors: this.tensors, operators: this.operators, inputs: [0], outputs: this.outputs };
  }
}

interface Case {
  name: string;
  graph: Graph;
  /** Inputs: exhaustive ones (all 256 int8 values) and random ones. */
  inputs: Uint8Array[];
}

/** `n` random inputs of `size` bytes plus all −128 and all 127; sizes that are a multiple of 256 also get every value in order. */
function inputsFor(size: number, n: number, seed: number): Uint8Array[] {
  const rnd = lcg(seed);
  const out = [Uint8Array.from({ length: size }, () => 0x80), Uint8Array.from({ length: size }, () => 0x7f)];
  if (size % 256 === 0) out.push(Uint8Array.from({ length: size }, (_, i) => (i % 256) ^ 0x80));
  for (let k = 0; k < n; k++) out.push(Uint8Array.from({ length: size }, () => rnd()));
  return out;
}

function cases(): Case[] {
  const list: Case[] = [];
  const add = (name: string, g: G, n = 6, seed = list.length + 1) => {
    const size = g.tensors[0].shape.reduce((a, b) => a * b, 1);
    list.push({ name, graph: g.graph(), inputs: inputsFor(size, n, seed) });
  };

  // PAD / PADV2: asymmetric pads on every axis of a 4-D map, 2-D, PADV2 with a constant ≠ zero point.
  {
    const g = new G(act([1, 3, 4, 2], 0.05, -5, 'x'));
    g.op('PAD', [0, g.t(i32([0, 0, 1, 2, 2, 0, 0, 1], [4, 2], 'p1'))], [act([1, 6, 6, 3], 0.05, -5, 'pad')]);
    g.op('PADV2', [0, g.t(i32([1, 0, 0, 1, 1, 1, 2, 0], [4, 2], 'p2')), g.t(constI8(act([1], 0.05, -5, 'v'), [50]))], [act([2, 4, 6, 4], 0.05, -5, 'padv2')]);
    g.op('PADV2', [0, g.t(i32([0, 0, 0, 0, 3, 0, 0, 0], [4, 2], 'p3')), g.t(constI8(act([], 0.05, -5, 'v0'), [-128]))], [act([1, 3, 7, 2], 0.05, -5, 'padv2b')]);
    add('PAD/PADV2 4-D asymmetric, PADV2 constants 50 and −128', g);
    const h = new G(act([5, 7], 0.2, 100, 'x'));
    h.op('PAD', [0, h.t(i32([2, 1, 0, 3], [2, 2], 'p'))], [act([8, 10], 0.2, 100, 'pad')]);
    add('PAD 2-D, zero point 100', h);
  }

  // SUB: every pair of values (x against a constant row of all 256), several scale ratios,
  // fused activations, broadcasting both ways.
  for (const [sx, zx, sc, zc, so, zo, actv] of [
    [0.07, 11, 0.03, -40, 0.09, -6, 'NONE'],
    [0.02, -128, 0.5, 0, 0.5, 3, 'NONE'],
    [0.1, 0, 0.1, 0, 0.2, -128, 'RELU'],
    [1, 5, 0.004, -3, 0.03, 0, 'RELU6'],
  ] as const) {
    const g = new G(act([256, 1], sx, zx, 'x'));
    g.op('SUB', [0, g.t(constI8(act([1, 64], sc, zc, 'c'), ALL.filter((_, i) => i % 4 === 1)))], [act([256, 64], so, zo, 'y')], { fusedActivation: actv });
    add(`SUB x − c over 256 × 64 pairs, scales ${sx}/${sc}→${so}, ${actv}`, g, 0);
  }
  {
    const g = new G(act([1, 2, 3, 4], 0.05, -3, 'x'));
    g.op('SUB', [g.t(constI8(act([1, 1, 1, 4], 0.08, 5, 'c'), [-100, 3, 77, 127])), 0], [act([1, 2, 3, 4], 0.1, 2, 'y')], { fusedActivation: 'RELU_N1_TO_1' });
    add('SUB c − x, broadcast on the left, RELU_N1_TO_1', g);
  }

  // MAXIMUM / MINIMUM: scalar and per-axis broadcast.
  {
    const g = new G(act([1, 2, 3, 4], 0.1, 2, 'x'));
    const m = g.t(constI8(act([1, 1, 3, 1], 0.1, 2, 'm'), [-20, 0, 40]));
    g.op('MAXIMUM', [0, m], [act([1, 2, 3, 4], 0.1, 2, 'max')]);
    g.op('MINIMUM', [m, 0], [act([1, 2, 3, 4], 0.1, 2, 'min')]);
    const s = g.t(constI8(act([], 0.1, 2, 's'), [2]));
    g.op('MAXIMUM', [0, s], [act([1, 2, 3, 4], 0.1, 2, 'maxs')]);
    g.op('MINIMUM', [0, s], [act([1, 2, 3, 4], 0.1, 2, 'mins')]);
    add('MAXIMUM/MINIMUM per-axis and scalar broadcast', g, 8);
  }

  // LEAKY_RELU over all 256 values: alphas 0.2, 0.01, −0.3, 1.5 (>1), several output quantisations.
  for (const [sx, zx, outs] of [
    [0.05, -7, [[0.2, 0.03, 12], [0.01, 0.05, -128], [1.5, 0.1, 0]]],
    [0.04, 20, [[-0.3, 0.05, 0], [0.2, 0.001, 5], [0.1, 0.04, 20]]],
  ] as const) {
    const g = new G(act([256], sx, zx, 'x'));
    for (const [alpha, so, zo] of outs) g.op('LEAKY_RELU', [0], [act([256], so, zo, 'y')], { alpha: Math.fround(alpha) });
    add(`LEAKY_RELU all 256 values, input ${sx}/${zx}`, g, 0);
  }

  // HARD_SWISH over all 256 values, input scales from 0.01 to 0.2.
  for (const [sx, zx, outs] of [
    [0.05, -7, [[0.03, 12], [0.05, -128], [0.2, 0]]],
    [1 / 16, 0, [[1 / 16, 0], [0.01, -100]]],
    [0.2, 10, [[0.1, -100], [0.15, -120]]],
    [0.01, -128, [[0.02, -20], [0.005, -128]]],
  ] as const) {
    const g = new G(act([256], sx, zx, 'x'));
    for (const [so, zo] of outs) g.op('HARD_SWISH', [0], [act([256], so, zo, 'y')]);
    add(`HARD_SWISH all 256 values, input ${sx}/${zx}`, g, 0);
  }

  // LOG_SOFTMAX (output 16/256, zero point 127 as TFLM requires): narrow and wide rows, input
  // scales 0.02 … 1 (scale 1: spreads of up to 255 saturate the output at −128).
  for (const [scale, zp, outer, depth] of [[0.1, 0, 16, 10], [0.02, -3, 2, 300], [1, 0, 64, 3], [0.5, 40, 8, 32], [0.004, 0, 4, 64]] as const) {
    const g = new G(act([outer, depth], scale, zp, 'x'));
    g.op('LOG_SOFTMAX', [0], [act([outer, depth], 16 / 256, 127, 'y')]);
    add(`LOG_SOFTMAX [${outer}, ${depth}] input scale ${scale}`, g, 8);
  }

  // PRELU: per-channel alpha (negative, > 1), scalar alpha, alpha over two axes.
  {
    const g = new G(act([1, 4, 5, 3], 0.05, -10, 'x'));
    g.op('PRELU', [0, g.t(constI8(act([1, 1, 3], 0.01, 3, 'alpha'), [20, -50, 90]))], [act([1, 4, 5, 3], 0.04, 7, 'y')]);
    g.op('PRELU', [0, g.t(constI8(act([1], 0.02, 0, 'alpha1'), [100]))], [act([1, 4, 5, 3], 0.1, -20, 'y1')]);
    g.op('PRELU', [0, g.t(constI8(act([5, 3], 0.03, -5, 'alpha2'), Array.from({ length: 15 }, (_, i) => i * 17 - 120)))], [act([1, 4, 5, 3], 0.06, 0, 'y2')]);
    add('PRELU per-channel, scalar and [5, 3] alpha', g, 8);
  }

  // STRIDED_SLICE: negative strides and indices, begin/end/shrink masks, strides past the end.
  {
    const g = new G(act([2, 6, 7, 3], 0.1, 0, 'x'));
    const ss = (b: number[], e: number[], s: number[], masks: Record<string, number>, out: number[]) =>
      g.op('STRIDED_SLICE', [0, g.t(i32(b, [b.length], 'b')), g.t(i32(e, [e.length], 'e')), g.t(i32(s, [s.length], 's'))], [act(out, 0.1, 0, 'y')], {
        beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 0, offset: false, ...masks,
      });
    ss([1, 0, -1, 0], [2, 4, 0, 2], [1, 2, -2, 1], { beginMask: 0b0010, endMask: 0b1000, shrinkAxisMask: 0b0001 }, [2, 3, 3]);
    ss([0, -1, 6, 2], [2, -7, 0, -4], [1, -1, -3, -1], { endMask: 0b0001 }, [2, 6, 2, 3]);
    ss([0, 1, 0, 0], [0, 6, 7, 3], [1, 4, 5, 2], { beginMask: 0b0001, endMask: 0b0001 }, [2, 2, 2, 2]);
    ss([-1, 0, 3, 1], [0, 0, 0, 0], [1, 1, 1, 1], { endMask: 0b0110, shrinkAxisMask: 0b1001 }, [6, 4]);
    add('STRIDED_SLICE negative strides, masks, shrink', g);
  }

  // TRANSPOSE: 4-D, 3-D and 2-D permutations.
  {
    const g = new G(act([2, 3, 4, 5], 0.1, 0, 'x'));
    g.op('TRANSPOSE', [0, g.t(i32([2, 0, 3, 1], [4], 'perm'))], [act([4, 2, 5, 3], 0.1, 0, 'y')]);
    g.op('TRANSPOSE', [0, g.t(i32([3, 2, 1, 0], [4], 'perm2'))], [act([5, 4, 3, 2], 0.1, 0, 'y2')]);
    add('TRANSPOSE 4-D', g);
    const h = new G(act([6, 7, 3], 0.1, 0, 'x'));
    h.op('TRANSPOSE', [0, h.t(i32([1, 2, 0], [3], 'perm'))], [act([7, 3, 6], 0.1, 0, 'y')]);
    add('TRANSPOSE 3-D', h);
  }

  // SPLIT / SPLIT_V (negative axis, a −1 size), UNPACK and PACK, the pieces as graph outputs.
  {
    const g = new G(act([1, 4, 6, 3], 0.1, 0, 'x'));
    g.op('SPLIT', [g.t(i32([-2], [], 'axis')), 0], [0, 1, 2].map(() => act([1, 4, 2, 3], 0.1, 0, 'piece')), { numSplits: 3 });
    g.op('SPLIT_V', [0, g.t(i32([1, -1, 2], [3], 'sizes')), g.t(i32([1], [], 'axis1'))], [act([1, 1, 6, 3], 0.1, 0), act([1, 1, 6, 3], 0.1, 0), act([1, 2, 6, 3], 0.1, 0)], { numSplits: 3 });
    g.op('UNPACK', [0], [0, 1, 2].map(() => act([1, 4, 6], 0.1, 0, 'u')), { valuesCount: 3, axis: 3 });
    const c = g.t(constI8(act([1, 4, 6, 3], 0.1, 0, 'k'), Array.from({ length: 72 }, (_, i) => i - 36)));
    g.op('PACK', [c, 0, c], [act([1, 4, 3, 6, 3], 0.1, 0, 'packed')], { valuesCount: 3, axis: 2 });
    g.op('PACK', [0, c], [act([1, 4, 6, 3, 2], 0.1, 0, 'packed2')], { valuesCount: 2, axis: -1 });
    add('SPLIT, SPLIT_V, UNPACK, PACK (new axis inside and last)', g);
  }

  // RESIZE_NEAREST_NEIGHBOR: up and down, align_corners, half_pixel_centers.
  for (const [h, w] of [[7, 4], [2, 9], [1, 1]] as const) {
    const g = new G(act([2, 3, 5, 3], 0.1, 0, 'x'));
    for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]]) {
      g.op('RESIZE_NEAREST_NEIGHBOR', [0, g.t(i32([h, w], [2], 'size'))], [act([2, h, w, 3], 0.1, 0, 'y')], { alignCorners, halfPixelCenters });
    }
    add(`RESIZE_NEAREST_NEIGHBOR 3×5 → ${h}×${w}, plain / align_corners / half_pixel_centers`, g, 4);
  }

  // Random quantisations: TINYFORGE_OPS_TFLM_SWEEP models per op (default 1), each with its own
  // input quantisation and several branches of random output quantisation / alpha / constants
  // (scales spread over 2^±3 around the input's, zero points anywhere), inputs every int8 value.
  const sweeps = Math.max(0, Number(process.env.TINYFORGE_OPS_TFLM_SWEEP ?? 1) | 0);
  const r = lcg(20261207);
  const u = () => r() / 256 + r() / 65536; // [0, 1)
  const zp = () => r() - 128;
  const around = (s: number, octaves: number) => s * 2 ** ((u() * 2 - 1) * octaves);
  const activations = ['NONE', 'RELU', 'RELU6', 'RELU_N1_TO_1'] as const;
  for (let k = 0; k < sweeps; k++) {
    const sx = 2 ** (-8 + 8 * u());
    const lr = new G(act([256], sx, zp(), 'x'));
    for (let b = 0; b < 8; b++) lr.op('LEAKY_RELU', [0], [act([256], around(sx, 3), zp(), 'y')], { alpha: Math.fround(u() * 3 - 1.5) });
    add(`sweep ${k}: LEAKY_RELU, 8 random alphas / output quantisations`, lr, 0);

    const hx = 2 ** (-8 + 7 * u());
    const hs = new G(act([256], hx, zp(), 'x'));
    for (let b = 0; b < 8; b++) hs.op('HARD_SWISH', [0], [act([256], around(hx, 2), zp(), 'y')]);
    add(`sweep ${k}: HARD_SWISH, 8 random output quantisations`, hs, 0);

    const bx = 2 ** (-8 + 8 * u());
    const sb = new G(act([256, 1], bx, zp(), 'x'));
    for (let b = 0; b < 6; b++) {
      const c = sb.t(constI8(act([1, 16], around(bx, 3), zp(), 'c'), Array.from({ length: 16 }, () => r() - 128)));
      sb.op('SUB', b % 2 ? [c, 0] : [0, c], [act([256, 16], around(bx, 3), zp(), 'y')], { fusedActivation: activations[r() % 4] });
    }
    add(`sweep ${k}: SUB, 6 random constants / quantisations / activations, both operand orders`, sb, 0);

    const px = 2 ** (-8 + 8 * u());
    const pr = new G(act([16, 16], px, zp(), 'x'));
    for (let b = 0; b < 8; b++) {
      const alpha = pr.t(constI8(act([16], 2 ** (-9 + 7 * u()), zp(), 'alpha'), Array.from({ length: 16 }, () => r() - 128)));
      pr.op('PRELU', [0, alpha], [act([16, 16], around(px, 3), zp(), 'y')]);
    }
    add(`sweep ${k}: PRELU, 8 random per-channel alphas / quantisations`, pr, 4);

    const [outer, depth] = [1 + (r() % 8), 1 + (r() % 40)];
    const ls = new G(act([outer, depth], 2 ** (-9 + 10 * u()), zp(), 'x'));
    ls.op('LOG_SOFTMAX', [0], [act([outer, depth], 16 / 256, 127, 'y')]);
    add(`sweep ${k}: LOG_SOFTMAX [${outer}, ${depth}], random input quantisation`, ls, 8);

    const rz = new G(act([1, 1 + (r() % 6), 1 + (r() % 6), 2], 0.1, 0, 'x'));
    for (let b = 0; b < 4; b++) {
      const [h, w] = [1 + (r() % 12), 1 + (r() % 12)];
      rz.op('RESIZE_NEAREST_NEIGHBOR', [0, rz.t(i32([h, w], [2], 'size'))], [act([1, h, w, 2], 0.1, 0, 'y')], { alignCorners: r() % 2 === 1, halfPixelCenters: r() % 2 === 1 });
    }
    add(`sweep ${k}: RESIZE_NEAREST_NEIGHBOR, 4 random sizes and flag pairs`, rz, 4);
  }

  // Added after the first by-hand run, last and with their own generator so that the cases above keep
  // their inputs and parameters.
  // Every permutation of a 4-D [2, 3, 4, 5] tensor (12 per model) and of a 3-D one: CMSIS-NN's
  // transpose takes a different path for several of them.
  {
    const perms = (n: number): number[][] => (n === 1 ? [[0]] : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));
    const all = (shape: number[], ps: number[][], name: string) => {
      const g = new G(act(shape, 0.1, 0, 'x'));
      for (const p of ps) g.op('TRANSPOSE', [0, g.t(i32(p, [p.length], 'perm'))], [act(p.map((a) => shape[a]), 0.1, 0, 'y')]);
      add(name, g, 4);
    };
    const p4 = perms(4);
    all([2, 3, 4, 5], p4.slice(0, 12), 'TRANSPOSE 4-D, permutations 1–12 of 24');
    all([2, 3, 4, 5], p4.slice(12), 'TRANSPOSE 4-D, permutations 13–24 of 24');
    all([3, 4, 5], perms(3), 'TRANSPOSE 3-D, all 6 permutations');
  }
  for (let k = 0; k < sweeps; k++) {
    const rp = lcg(7000 + k);
    const shape = [1 + (rp() % 2), 1 + (rp() % 5), 1 + (rp() % 5), 1 + (rp() % 4)];
    const pzp = rp() - 128;
    const pd = new G(act(shape, 0.1, pzp, 'x'));
    for (let b = 0; b < 4; b++) {
      const pads = shape.flatMap(() => [rp() % 4, rp() % 4]);
      const out = shape.map((d, a) => d + pads[2 * a] + pads[2 * a + 1]);
      if (b % 2) pd.op('PAD', [0, pd.t(i32(pads, [4, 2], 'p'))], [act(out, 0.1, pzp, 'y')]);
      else pd.op('PADV2', [0, pd.t(i32(pads, [4, 2], 'p')), pd.t(constI8(act([1], 0.1, pzp, 'v'), [rp() - 128]))], [act(out, 0.1, pzp, 'y')]);
    }
    add(`sweep ${k}: PAD / PADV2 [${shape}], 4 random paddings`, pd, 4);
  }
  return list;
}

describe.skipIf(!tflmDir)(`the new ops on TFLM (${tflmLib ?? 'TFLM_DIR\'s default library'}) and on the native engine, on the virtual board == host interpreter`, () => {
  for (const c of cases()) {
    it(c.name, async () => {
      const modelBytes = writeTflite(c.graph);
      const model = readTflite(modelBytes, { tflmOnlyOps: true });
      const interp = createInterpreter(model.graph);
      const reference = (x: Uint8Array) => Buffer.concat(interp.invoke([x]).map((o) => Buffer.from(o.buffer, o.byteOffset, o.byteLength)));
      // The same model on both engines: TFLM (the contract) and tinyforge's native engine (its DSP kernels on the Cortex-M4).
      for (const engine of ['tflm', 'native'] as const) {
        const project = emitFirmware({
          board: 'qemu-mps2-an386', engine, model, modelBytes, settings: settingsFromGraph(model.graph), sources: readFirmwareSources(), nativeEngine: emitNativeEngine,
        });
        const fw = writeProject(join(mkdtempSync(join(tmpdir(), `tf-ops-${engine}-`)), 'fw'), project.files);
        await runPlan(buildPlan(fw, 'qemu-mps2-an386', engine === 'tflm' ? { engine, tflmDir: tflmDir!, tflmLib } : { engine }));
        const report = await verifyElfOnVirtualBoard(join(fw, 'build/firmware.elf'), modelBytes, c.inputs, reference, { inferenceMs: 30_000 });
        console.log(`[ops-tflm] ${c.name}: ${report.engine} ${report.bitExact}/${report.n} bit-exact, ${reference(c.inputs[0]).length} output bytes per input`);
        expect(report.engine).toMatch(engine === 'tflm' ? /^tflm/ : /^native/);
        expect(report.mismatches).toEqual([]);
        expect(report.bitExact).toBe(c.inputs.length);
      }
    }, 300_000);
  }
});
