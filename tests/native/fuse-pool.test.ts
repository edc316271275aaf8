// CONV_2D → MAX_POOL_2D fusion on the DSP target (src/firmware/native/fuse-pool.ts,
// tf_dsp_conv_max_pool_s8): models tinyforge makes (written with the tflite writer and read back),
// the DSP engine compiled on the host (tf_acle_emul.h) against the host interpreter, which runs the
// two operators unfused — the expected bytes are the interpreter's (itself checked against TFLM's
// reference kernels on the shared vectors). Each refusal reason has its own case: the pool then
// stays a pool, and the outputs stay bit-exact. The virtual board runs the fused kernel with the real
// intrinsics in tests/e2e/virtual-board-vectors.test.ts (vectors/conv1d fuses both of its pools).
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Activation, Graph, Operator, Tensor, TfliteModel } from '../../src/core/graph.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { computeOutSize, emitNativeEngine } from '../../src/firmware/native/index.js';
import { poolFusion } from '../../src/firmware/native/fuse-pool.js';
import { checkGraph } from '../../src/interp/check.js';
import { createInterpreter } from '../../src/interp/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import type { NativeRequant } from '../../src/ops/types.js';
import { buildRunner, bytesOf, hasTool, lcg, qp as q, runEngine, tempDir, UBSAN_FLAGS, ubsanAvailable } from './helpers.js';

const DSP_C = [join(REPO_ROOT, 'firmware', 'native', 'dsp', 'tf_k_depthwise_dsp.c')];
const SHA = '5e'.repeat(32);
const gcc = hasTool('gcc');
const ubsan = gcc && ubsanAvailable();

interface Case {
  inH: number; inW: number; inC: number; outC: number; kH: number; kW: number;
  convStride: [number, number]; convPadding: 'SAME' | 'VALID'; act: Activation;
  pool: { fH: number; fW: number; sH: number; sW: number; padding: 'SAME' | 'VALID'; act?: Activation };
  batches?: number;
  /** 'left': an output scale so small that the multipliers shift left (the general requantisation). */
  requant?: 'solved' | 'left';
  depthwise?: boolean;
  /** Extra wiring that must stop the fusion. */
  extra?: 'conv-output-is-graph-output' | 'second-reader';
  seed: number;
}

/** input → CONV_2D (or a one-channel DEPTHWISE_CONV_2D) → MAX_POOL_2D, per-channel weights. */
function model(c: Case): Graph {
  const rnd = lcg(c.seed);
  const b = c.batches ?? 1;
  const inC = c.depthwise ? 1 : c.inC;
  const oh = computeOutSize(c.convPadding, c.inH, c.kH, c.convStride[0]);
  const ow = computeOutSize(c.convPadding, c.inW, c.kW, c.convStride[1]);
  const ph = computeOutSize(c.pool.padding, oh, c.pool.fH, c.pool.sH);
  const pw = computeOutSize(c.pool.padding, ow, c.pool.fW, c.pool.sW);
  const k = c.kH * c.kW * inC;
  const scales = Array.from({ length: c.outC }, (_, j) => Math.fround(0.004 * (1 + j / 5)));
  // 'left': real multipliers 1.5·(1 + j/5) > 1. Otherwise well inside (0, 1): the solved requantisation.
  const outScale = c.requant === 'left' ? (0.05 * 0.004) / 1.5 : 0.05 * 0.004 * Math.sqrt(k) * 30;
  const fShape = c.depthwise ? [1, c.kH, c.kW, c.outC] : [c.outC, c.kH, c.kW, inC];
  const tensors: Tensor[] = [
    { name: 'x', dtype: 'int8', shape: [b, c.inH, c.inW, inC], quant: q(0.05, (rnd() % 41) - 20) },
    { name: 'w', dtype: 'int8', shape: fShape, data: bytesOf(Int8Array.from({ length: c.outC * k }, () => (rnd() % 255) - 127)), quant: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: c.depthwise ? 3 : 0 } },
    { name: 'b', dtype: 'int32', shape: [c.outC], data: bytesOf(Int32Array.from({ length: c.outC }, () => (rnd() % 8001) - 4000)) },
    { name: 'conv', dtype: 'int8', shape: [b, oh, ow, c.outC], quant: q(outScale, c.act === 'NONE' ? (rnd() % 21) - 10 : -128) },
    { name: 'pool', dtype: 'int8', shape: [b, ph, pw, c.outC], quant: q(outScale, c.act === 'NONE' ? 0 : -128) },
  ];
  tensors[4].quant = tensors[3].quant;
  const convOptions = { padding: c.convPadding, strideH: c.convStride[0], strideW: c.convStride[1], dilationH: 1, dilationW: 1, fusedActivation: c.act };
  const operators: Operator[] = [
    c.depthwise
      ? { op: 'DEPTHWISE_CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { ...convOptions, depthMultiplier: c.outC } }
      : { op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options: convOptions },
    { op: 'MAX_POOL_2D', inputs: [3], outputs: [4], options: { padding: c.pool.padding, strideH: c.pool.sH, strideW: c.pool.sW, filterH: c.pool.fH, filterW: c.pool.fW, fusedActivation: c.pool.act ?? 'NONE' } },
  ];
  const outputs = [4];
  if (c.extra === 'conv-output-is-graph-output') outputs.push(3);
  if (c.extra === 'second-reader') {
    tensors.push({ name: 'pool2', dtype: 'int8', shape: [b, oh, ow, c.outC], quant: tensors[3].quant });
    operators.push({ op: 'MAX_POOL_2D', inputs: [3], outputs: [5], options: { padding: 'SAME', strideH: 1, strideW: 1, filterH: 1, filterW: 1, fusedActivation: 'NONE' } });
    outputs.push(5);
  }
  const g: Graph = { tensors, operators, inputs: [0], outputs };
  return readTflite(writeTflite(g)).graph;
}

/** The DSP engine on the host against the interpreter on random inputs and the two rails; returns the schedule's kernels. */
function dspMatches(g: Graph, opts: { requant?: NativeRequant; weights?: 'int8' | 'int16'; ubsan?: boolean } = {}): string[] {
  const m: TfliteModel = { graph: g, version: 3, description: 'fuse-pool', metadata: [] };
  const res = emitNativeEngine(m, { modelSha256: SHA, target: 'dsp', requant: opts.requant, weights: opts.weights });
  const dir = tempDir('tf-fuse-pool-');
  const n = g.tensors[g.inputs[0]].shape.reduce((a, b) => a * b, 1);
  const rnd = lcg(n);
  const inputs = [...[0, 1, 2].map(() => Uint8Array.from({ length: n }, () => rnd() & 0xff)), new Uint8Array(n).fill(0x80), new Uint8Array(n).fill(0x7f)];
  const flags = opts.ubsan ? { cflags: UBSAN_FLAGS, kernelFlags: UBSAN_FLAGS } : {};
  const { outputs } = runEngine(buildRunner(res.files, dir, { sources: DSP_C, ...flags }), inputs, dir);
  const interp = createInterpreter(g);
  // Every graph output, in order (the runner writes them one after the other).
  outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `input ${k}`).toBe(Buffer.concat(interp.invoke([inputs[k]])).toString('hex')));
  return res.schedule.map((s) => s.kernel);
}

const base: Case = { inH: 7, inW: 9, inC: 3, outC: 5, kH: 3, kW: 2, convStride: [1, 1], convPadding: 'SAME', act: 'RELU', pool: { fH: 2, fW: 2, sH: 2, sW: 2, padding: 'VALID' }, seed: 1 };
const FUSED = ['tf_dsp_conv_max_pool_s8', 'fused'];

describe.skipIf(!gcc)('CONV_2D → MAX_POOL_2D fused on the DSP target, bit-exact with the unfused interpreter', () => {
  it.each<[string, Partial<Case>]>([
    ['2×2 / 2 VALID over an odd 7×9 output (the last row and column are in no window)', {}],
    ['2×2 / 2 SAME (clipped border windows of 1 and 2 positions)', { pool: { fH: 2, fW: 2, sH: 2, sW: 2, padding: 'SAME' }, seed: 2 }],
    ['1×2 / 1×2 (the demo\'s pools), VALID conv, 16 channels', { inH: 1, inW: 40, inC: 3, outC: 16, kH: 1, kW: 5, convPadding: 'VALID', pool: { fH: 1, fW: 2, sH: 1, sW: 2, padding: 'VALID' }, seed: 3 }],
    ['2×1 / 3×2 (stride above the filter: gaps), strided SAME conv, 2 batches', { convStride: [2, 1], pool: { fH: 2, fW: 1, sH: 3, sW: 2, padding: 'SAME' }, batches: 2, seed: 4 }],
    ['2×2 / 2 with the pool\'s own RELU6 and a conv without activation', { act: 'NONE', pool: { fH: 2, fW: 2, sH: 2, sW: 2, padding: 'SAME', act: 'RELU6' }, seed: 5 }],
    ['4×2 / 4×2, general requantisation (left shifts: outputs compared, not accumulators)', { inH: 9, requant: 'left', pool: { fH: 4, fW: 2, sH: 4, sW: 2, padding: 'SAME' }, seed: 6 }],
    ['one-channel DEPTHWISE_CONV_2D (the DSP conv kernel), odd channel count', { depthwise: true, outC: 7, pool: { fH: 2, fW: 2, sH: 2, sW: 2, padding: 'SAME' }, seed: 7 }],
  ])('%s', (_, over) => {
    const c = { ...base, ...over };
    expect(dspMatches(model(c)).slice(0, 2)).toEqual(FUSED);
  }, 60_000);

  it('with int8 weights and with requant \'uniform\' (hidden quantisation values) too', () => {
    const g = model({ ...base, pool: { fH: 2, fW: 2, sH: 2, sW: 2, padding: 'SAME' }, seed: 8 });
    expect(dspMatches(g, { weights: 'int8' }).slice(0, 2)).toEqual(FUSED);
    expect(dspMatches(g, { requant: 'uniform' }).slice(0, 2)).toEqual(FUSED);
  }, 60_000);

  it.skipIf(!ubsan)('no undefined behaviour (UBSan aborts at the first report): clipped windows, both requantisations', () => {
    expect(dspMatches(model({ ...base, pool: { fH: 2, fW: 2, sH: 2, sW: 2, padding: 'SAME' }, seed: 10 }), { ubsan: true }).slice(0, 2)).toEqual(FUSED);
    expect(dspMatches(model({ ...base, requant: 'left', pool: { fH: 2, fW: 2, sH: 2, sW: 2, padding: 'SAME' }, seed: 11 }), { ubsan: true }).slice(0, 2)).toEqual(FUSED);
  }, 120_000);

  it('after a PAD fused into the convolution\'s padding (both fusions on one convolution)', () => {
    const g0 = model({ ...base, convPadding: 'VALID', seed: 12 });
    // x [1,7,9,3] → PAD (1 row top, 2 columns right, with the input zero point) → [1,8,11,3] → the conv (VALID, 3×2) → [1,6,10,5] → pool 2×2 / 2 → [1,3,5,5].
    const x = g0.tensors[0];
    const tensors: Tensor[] = [
      x,
      { name: 'pads', dtype: 'int32', shape: [4, 2], data: bytesOf(Int32Array.from([0, 0, 1, 0, 0, 2, 0, 0])) },
      { ...x, name: 'padded', shape: [1, 8, 11, 3] },
      g0.tensors[1],
      g0.tensors[2],
      { ...g0.tensors[3], shape: [1, 6, 10, 5] },
      { ...g0.tensors[4], shape: [1, 3, 5, 5] },
    ];
    const operators: Operator[] = [
      { op: 'PAD', inputs: [0, 1], outputs: [2], options: {} },
      { ...g0.operators[0], inputs: [2, 3, 4], outputs: [5] },
      { ...g0.operators[1], inputs: [5], outputs: [6] },
    ];
    const g = readTflite(writeTflite({ tensors, operators, inputs: [0], outputs: [6] })).graph;
    expect(dspMatches(g)).toEqual(['fused', ...FUSED]);
  }, 60_000);

  it('saves the convolution\'s output tensor in the arena', () => {
    const g = model({ ...base, inH: 12, inW: 12, outC: 8, seed: 9 });
    const m: TfliteModel = { graph: g, version: 3, description: 'fuse-pool', metadata: [] };
    const fused = emitNativeEngine(m, { modelSha256: SHA, target: 'dsp' });
    const portable = emitNativeEngine(m, { modelSha256: SHA, target: 'portable' });
    // Unfused (portable): the input 12·12·3 = 432 and the conv output 12·12·8 = 1152 live together.
    // Fused: input 432 + pool output 6·6·8 = 288 + the conv kernel's scratch 5·k4 = 5·20 = 100 (k = 3·2·3).
    expect(portable.arenaBytes).toBeGreaterThanOrEqual(432 + 1152);
    expect(fused.arenaBytes).toBeLessThanOrEqual(432 + 288 + 100 + 16); // + alignment padding
  });
});

describe.skipIf(!gcc)('refusals: the pool stays a pool (each reason), outputs still bit-exact', () => {
  const reason = (g: Graph, target: 'dsp' | 'portable' = 'dsp') => {
    const checked = checkGraph(g);
    const i = checked.graph.operators.findIndex((o) => o.op === 'MAX_POOL_2D');
    const f = poolFusion(checked.graph, checked.ops.map((o) => o!.prepared), i, target);
    return 'refused' in f ? f.refused : 'fused';
  };
  it.each<[string, Partial<Case>, string]>([
    ['overlapping windows (3×3 / 2)', { pool: { fH: 3, fW: 3, sH: 2, sW: 2, padding: 'SAME' } }, 'overlap'],
    ['an odd window (1×3 / 3)', { pool: { fH: 1, fW: 3, sH: 1, sW: 3, padding: 'VALID' } }, 'odd-window'],
    ['the convolution\'s output is also a graph output', { extra: 'conv-output-is-graph-output' }, 'graph-output'],
    ['the convolution\'s output has a second reader', { extra: 'second-reader' }, 'readers'],
    ['a multi-channel depthwise producer (not the DSP conv kernel)', { depthwise: true, inC: 4 }, 'kernel'],
  ])('%s', (_, over, why) => {
    const c = { ...base, ...over };
    const g = over.depthwise && over.inC === 4 ? depthwise4(c) : model(c);
    expect(reason(g)).toBe(why);
    expect(dspMatches(g)).not.toContain('fused');
  }, 60_000);

  it('the portable target, and a pool whose input no convolution produces', () => {
    const g = model(base);
    expect(reason(g, 'portable')).toBe('target');
    expect(reason(g)).toBe('fused'); // the same graph fuses on the DSP target
    const m: TfliteModel = { graph: g, version: 3, description: 'fuse-pool', metadata: [] };
    expect(emitNativeEngine(m, { modelSha256: SHA, target: 'portable' }).schedule.map((s) => s.kernel)).toEqual(['tf_k_conv2d_s8', 'tf_k_max_pool_s8']);
    // A pool straight on the graph input.
    const x: Tensor = { name: 'x', dtype: 'int8', shape: [1, 4, 4, 4], quant: q(0.1, 3) };
    const alone: Graph = readTflite(writeTflite({ tensors: [x, { ...x, name: 'y', shape: [1, 2, 2, 4] }], operators: [{ op: 'MAX_POOL_2D', inputs: [0], outputs: [1], options: { padding: 'VALID', strideH: 2, strideW: 2, filterH: 2, filterW: 2, fusedActivation: 'NONE' } }], inputs: [0], outputs: [1] })).graph;
    expect(reason(alone)).toBe('producer');
    expect(dspMatches(alone)).toEqual(['tf_dsp_max_pool_s8']);
  }, 60_000);
});

/** input [1, H, W, 4] → DEPTHWISE_CONV_2D (4 channels, the depthwise kernel) → MAX_POOL_2D. */
function depthwise4(c: Case): Graph {
  const rnd = lcg(c.seed);
  const [oh, ow] = [c.inH, c.inW]; // SAME, stride 1
  const ph = computeOutSize(c.pool.padding, oh, c.pool.fH, c.pool.sH);
  const pw = computeOutSize(c.pool.padding, ow, c.pool.fW, c.pool.sW);
  const scales = [0.004, 0.005, 0.006, 0.007].map(Math.fround);
  const tensors: Tensor[] = [
    { name: 'x', dtype: 'int8', shape: [1, c.inH, c.inW, 4], quant: q(0.05, 3) },
    { name: 'w', dtype: 'int8', shape: [1, c.kH, c.kW, 4], data: bytesOf(Int8Array.from({ length: 4 * c.kH * c.kW }, () => (rnd() % 255) - 127)), quant: { scale: scales, zeroPoint: [0, 0, 0, 0], quantizedDimension: 3 } },
    { name: 'b', dtype: 'int32', shape: [4], data: bytesOf(Int32Array.from([100, -100, 50, 0])) },
    { name: 'conv', dtype: 'int8', shape: [1, oh, ow, 4], quant: q(0.02, -128) },
    { name: 'pool', dtype: 'int8', shape: [1, ph, pw, 4], quant: q(0.02, -128) },
  ];
  const operators: Operator[] = [
    { op: 'DEPTHWISE_CONV_2D', inputs: [0, 1, 2], outputs: [3], options: { padding: 'SAME', strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, fusedActivation: 'RELU', depthMultiplier: 1 } },
    { op: 'MAX_POOL_2D', inputs: [3], outputs: [4], options: { padding: c.pool.padding, strideH: c.pool.sH, strideW: c.pool.sW, filterH: c.pool.fH, filterW: c.pool.fW, fusedActivation: 'NONE' } },
  ];
  return readTflite(writeTflite({ tensors, operators, inputs: [0], outputs: [4] })).graph;
}
