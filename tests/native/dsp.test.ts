// The Cortex-M DSP kernels (firmware/native/dsp/) on the host, through the portable emulation of
// the ACLE intrinsics (tf_acle_emul.h: gcc on x86 has no __ARM_FEATURE_DSP). Expected bytes:
// - shared vectors: TFLM 90b983c reference-kernel outputs (shared/vectors/README.md);
// - tinyforge's own vectors: the host interpreter's outputs (vectors/, itself checked against TFLM);
// - random graphs (fast-check, fixed seed): the portable kernels, the reference implementation, run
//   on the same inputs in a second executable.
// The virtual board runs the same kernels compiled with the real intrinsics
// (tests/e2e/virtual-board-vectors.test.ts).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Activation, Graph, Operator, Tensor, TfliteModel } from '../../src/core/graph.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { sharedForTests } from '../support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { computeOutSize, emitNativeEngine } from '../../src/firmware/native/index.js';
import { packInt8Taps, packSxtb16, packOffsetBinaryTaps, offsetBinaryStart, foldInputOffset, solveRequant } from '../../src/firmware/native/dsp/pack.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { armCompile, buildRunner, bytesOf, hasTool, HOST_FLAGS, hostKernelObjects, INCLUDES, lcg, qp as q, runEngine, tempDir, UBSAN_FLAGS, ubsanAvailable } from './helpers.js';

const shared = sharedForTests();
const arm = hasTool('arm-none-eabi-gcc');
const DSP_DIR = join(REPO_ROOT, 'firmware', 'native', 'dsp');
const DSP_C = [join(DSP_DIR, 'tf_k_depthwise_dsp.c')];
const SHA = 'cd'.repeat(32);

function vectorDirs(): string[] {
  const own = join(REPO_ROOT, 'vectors');
  const dirs = readdirSync(own).map((f) => join(own, f));
  if (shared) dirs.push(...readdirSync(join(shared, 'vectors'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(shared, 'vectors', d.name)));
  return dirs.sort();
}

describe('optimised code depends on the reference, never the reverse', () => {
  it('no op module (src/ops/) imports the DSP emitters; DSP_OPS names only registry ops', async () => {
    const dir = join(REPO_ROOT, 'src', 'ops');
    const offenders = readdirSync(dir).filter((f) => /from '\.\.\/firmware\//.test(readFileSync(join(dir, f), 'utf8')));
    expect(offenders).toEqual([]);
    const { DSP_OPS } = await import('../../src/firmware/native/dsp/emit.js');
    const { OP_NAMES } = await import('../../src/ops/registry.js');
    expect(Object.keys(DSP_OPS).filter((n) => !(OP_NAMES as readonly string[]).includes(n))).toEqual([]);
  });
});

describe('DSP packing (generation time)', () => {
  it('packs in SXTB16 order with channel pairs interleaved and folds the input offset', () => {
    // By hand from tf_dsp.h: group of 4 taps → words (v0,v2), (v1,v3); rows 0,1 interleaved; row 2 alone; k=5 pads to 8 with 0.
    const rows = [[1, 2, 3, 4, 5], [-1, -2, -3, -4, -5], [10, 20, 30, 40, 50]];
    const w = (lo: number, hi: number) => ((lo & 0xffff) | (hi << 16)) | 0;
    expect(Array.from(packSxtb16(rows, 5))).toEqual([
      w(1, 3), w(2, 4), w(-1, -3), w(-2, -4), w(5, 0), w(0, 0), w(-5, 0), w(0, 0),
      w(10, 30), w(20, 40), w(50, 0), w(0, 0),
    ]);
    // bias + off × Σrow: 7 + 3×15 = 52; -7 + 3×(-15) = -52; 0 + 3×150 = 450.
    expect(Array.from(foldInputOffset([7, -7, 0], rows, 3))).toEqual([52, -52, 450]);
    expect(Array.from(foldInputOffset(null, [[2 ** 15 - 1]], 2 ** 16 + 1))).toEqual([((2 ** 15 - 1) * (2 ** 16 + 1)) | 0]);
    expect(() => packSxtb16([[40000]], 1)).toThrow(RangeError);
  });
});

describe('DSP requantisation', () => {
  it('tf_dsp_mbqm (no int64 division) and the depthwise solved requantisation equal the portable tf_fp_mbqm (edge values, 4 M random cases each); the ADD rescales equal their portable composition', () => {
    const exe = join(tempDir('tf-dsp-rq-'), 'rq');
    execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, join(REPO_ROOT, 'tests', 'native', 'dsp_requant_driver.c'), '-o', exe]);
    // add cases: (20,000 random + 32 edge tuples) × 256 int8 inputs + 2 M output sums.
    expect(execFileSync(exe, { encoding: 'utf8' }).trim()).toBe('cases 4003840 mismatches 0\ndw cases 3284680 mismatches 0\nadd cases 7128192 mismatches 0');
  }, 60_000);

  it('solves the requantisation only where it is exact (solveRequant, the conv and depthwise kernels\' one check)', () => {
    // One tap per channel, weights 100 and -128, input zero point -128 (offset 128: x + offset in [0, 255]).
    // By hand: K = 2^(e-1) + zp·2^e; channel 0's accumulator lies in [bias, bias + 25,500].
    const layer = (shift: number, bias: number, outZp = 3, m0 = 1 << 30) => ({
      multipliers: [{ multiplier: m0, shift }, { multiplier: 1 << 30, shift: -1 }],
      biasValues: Int32Array.from([bias, -5]), inputOffset: 128, outputOffset: outZp, actMin: -128, actMax: 127,
    });
    const rows = [[100], [-128]];
    expect(Array.from(solveRequant(layer(-7, 10), rows)!)).toEqual([1 << 30, 64 + 3 * 128, 7, 1 << 30, 1 + 3 * 2, 1]);
    expect(solveRequant(layer(0, 10), rows)).toBeNull(); // no right shift: (t + (t >> 31)) would be off by one
    expect(solveRequant(layer(1, 10), rows)).toBeNull(); // a left shift
    // The accumulator reaches 2^30 (2·acc could wrap): not the {m, K, e} form; there every output saturates
    // (acc / 2^8 + 3 > 127), so the channel is stored as the constant 127: {0, 254, 1}.
    expect(Array.from(solveRequant(layer(-7, 2 ** 30 - 25_500), rows)!.subarray(0, 3))).toEqual([0, 254, 1]);
    expect(Array.from(solveRequant(layer(-7, 2 ** 30 - 25_501), rows)!.subarray(0, 3))).toEqual([1 << 30, 64 + 3 * 128, 7]);
    // K = 2^24 + 64·2^25 leaves int32: not the {m, K, e} form; acc / 2^26 rounds to 0 everywhere: the constant 64.
    expect(Array.from(solveRequant(layer(-25, 10, 64), rows)!.subarray(0, 3))).toEqual([0, 128, 1]);
    expect(solveRequant(layer(-25, 10, 63), rows)).not.toBeNull(); // K = 2^31 - 2^24, |acc| <= 25,510
    // The input offset sets the range: offset -127 (zp 127) puts channel 0 in [bias - 25,500, bias].
    expect(Array.from(solveRequant({ ...layer(-7, -(2 ** 30) + 25_500), inputOffset: -127 }, rows)!.subarray(0, 3))).toEqual([0, -256, 1]);
    expect(Array.from(solveRequant({ ...layer(-7, -(2 ** 30) + 25_501), inputOffset: -127 }, rows)!.subarray(0, 3))).toEqual([1 << 30, 64 + 3 * 128, 7]);
    // A constant channel: bias 2^30 - 25,500 with multiplier 2^30 and shift -31 gives
    // round(acc / 2^32) = 0 over [2^30 - 25,500, 2^30] (acc / 2^32 <= 1/4), so the output is the zero point 3: {0, 6, 1}.
    expect(Array.from(solveRequant(layer(-31, 2 ** 30 - 25_500), rows)!.subarray(0, 3))).toEqual([0, 6, 1]);
    // e = 1 with |acc| >= 2^30: only the constant form; acc / 4 saturates to 127 over the whole range: {0, 254, 1} …
    expect(Array.from(solveRequant(layer(-1, 2 ** 31 - 25_601), rows)!.subarray(0, 3))).toEqual([0, 254, 1]);
    // … unless the range passes 2^31 - 1: the reference's int32 accumulator wraps to -2^31 (output -128).
    expect(solveRequant(layer(-1, 2 ** 31 - 25_500), rows)).toBeNull();
  });
});

describe('strong DSP kernels replace the weak portable ones by name', () => {
  it('linking tf_k_depthwise_dsp.c next to the portable kernels runs the DSP definition, with the same output', () => {
    const dir = tempDir('tf-dsp-ovr-');
    const driver = join(REPO_ROOT, 'tests', 'native', 'override_driver.c');
    const both = join(dir, 'both');
    const portable = join(dir, 'portable');
    execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, '-DTF_DSP_TRACE', driver, ...DSP_C, ...hostKernelObjects(), '-o', both]);
    execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, driver, ...hostKernelObjects(), '-o', portable]);
    const a = execFileSync(both, { encoding: 'utf8' }).trim();
    const b = execFileSync(portable, { encoding: 'utf8' }).trim();
    expect(a.endsWith('trace=1')).toBe(true);
    expect(b.endsWith('trace=absent')).toBe(true);
    expect(a.replace(/trace=.*/, '')).toBe(b.replace(/trace=.*/, ''));
    expect(new Set(a.split(' ').slice(0, 16)).size).toBeGreaterThan(4); // not all clamped to one value
  });
});

describe('firmware projects for DSP boards', () => {
  it.each(['qemu-mps2-an386', 'cortex-m4', 'nano33ble'])('%s: DSP kernels compiled in, scratch per kernel reported', (board) => {
    const bytes = new Uint8Array(readFileSync(join(REPO_ROOT, 'vectors', 'conv1d', 'model.tflite')));
    const model = readTflite(bytes);
    const project = emitFirmware({ board, engine: 'native', model, modelBytes: bytes, settings: settingsFromGraph(model.graph), sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
    const paths = project.files.map((f) => f.path);
    for (const f of ['src/tf_dsp.h', 'src/tf_acle_asm.h', 'src/tf_acle_emul.h', 'src/tf_k_depthwise_dsp.c']) expect(paths).toContain(f);
    expect(project.native?.target).toBe('dsp');
    // conv1d: three CONV_2D with 1×5×3, 1×5×16, 1×3×32 filters → k4 = 16, 80, 96 → 5·k4 bytes each;
    // the first two each with their MAX_POOL_2D fused (tests/native/fuse-pool.test.ts).
    const kernels = project.native!.kernels;
    expect(kernels.filter((k) => k.kernel.startsWith('tf_dsp_conv_')).map((k) => [k.kernel, k.scratchBytes])).toEqual([
      ['tf_dsp_conv_max_pool_s8', 80], ['tf_dsp_conv_max_pool_s8', 400], ['tf_dsp_conv_s8', 480],
    ]);
    expect(kernels.filter((k) => k.op === 'MAX_POOL_2D').map((k) => k.kernel)).toEqual(['fused', 'fused']);
    expect(project.files.find((f) => f.path === 'src/tf_model_native.c')!.contents).toContain('#include "tf_dsp.h"');
  });
});

describe('DSP engine on every vector (host, emulated intrinsics)', () => {
  const dirs = vectorDirs();
  it('finds the shared and own vector folders', () => {
    expect(dirs.length).toBeGreaterThanOrEqual(shared ? 15 : 6);
  });
  for (const dir of dirs) {
    it(`${dir.split('/').slice(-2).join('/')}: bit-exact, DSP kernels used, arm build clean`, () => {
      const bytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
      const res = emitNativeEngine(readTflite(bytes), { modelSha256: createHash('sha256').update(bytes).digest('hex'), target: 'dsp' });
      expect(res.schedule.some((s) => s.kernel.startsWith('tf_dsp_'))).toBe(true);
      for (const s of res.schedule) {
        const bytes = s.scratchBytes ?? 0;
        if (s.kernel === 'tf_dsp_conv_s8' || s.kernel === 'tf_dsp_conv_max_pool_s8') expect(bytes > 0 && bytes % 20 === 0).toBe(true); // 5 × taps rounded up to 4
        // FC: 2 × inputs rounded up to 4, + 8, up to 1,024 inputs; longer inputs in chunks of 256 groups (2,056 B) + 4 B per output row.
        else if (s.kernel === 'tf_dsp_fc_s8') expect(bytes > 8 && (bytes <= 2056 ? bytes % 8 === 0 : (bytes - 2056) % 4 === 0)).toBe(true);
        else expect(bytes).toBe(0);
      }
      const work = tempDir('tf-dsp-v-');
      const names = readdirSync(dir).filter((f) => /^in-\d+\.bin$/.test(f)).sort();
      const { outputs, info } = runEngine(buildRunner(res.files, work, { sources: DSP_C }), names.map((n) => new Uint8Array(readFileSync(join(dir, n)))), work);
      expect(info.arena_bytes).toBe(res.arenaBytes);
      names.forEach((n, k) => {
        expect(Buffer.from(outputs[k]).toString('hex'), n).toBe(readFileSync(join(dir, n.replace('in-', 'out-'))).toString('hex'));
      });
      if (arm) expect(armCompile(res.files, join(work, 'arm'))).toBe('');
    }, 120_000);
  }
});

// ---- random graphs: DSP engine == portable engine ----

interface Case {
  kind: 'conv' | 'dw1' | 'dw' | 'fc' | 'maxpool' | 'mean';
  inH: number; inW: number; inC: number; outC: number; fH: number; fW: number;
  stride: [number, number]; dilation: [number, number]; padding: 'SAME' | 'VALID';
  act: Activation; inZp: number; outZp: number; filterZp: number; perChannel: boolean; withBias: boolean; batches: number; seed: number;
  /** Depth multiplier of a 'dw' case (default 1). */
  dm?: number;
}

const caseArb: fc.Arbitrary<Case> = fc.record({
  kind: fc.constantFrom('conv', 'dw1', 'dw', 'fc', 'maxpool', 'mean'),
  inH: fc.integer({ min: 1, max: 7 }), inW: fc.integer({ min: 1, max: 11 }), inC: fc.integer({ min: 1, max: 9 }), outC: fc.integer({ min: 1, max: 7 }),
  fH: fc.integer({ min: 1, max: 4 }), fW: fc.integer({ min: 1, max: 5 }),
  stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  dilation: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
  padding: fc.constantFrom('SAME', 'VALID'),
  act: fc.constantFrom('NONE', 'RELU', 'RELU6'),
  inZp: fc.integer({ min: -128, max: 127 }), outZp: fc.integer({ min: -128, max: 127 }), filterZp: fc.integer({ min: -3, max: 3 }),
  perChannel: fc.boolean(), withBias: fc.boolean(), batches: fc.integer({ min: 1, max: 2 }), seed: fc.integer(),
});

/** A one-op graph for the case, or null when the shapes give no output. */
function graphOf(c: Case): Graph | null {
  const rnd = lcg(c.seed);
  const i8 = (n: number) => Int8Array.from({ length: n }, () => (rnd() % 255) - 127);
  const inScale = 0.02 + (rnd() % 100) / 2000;
  if (c.kind === 'fc') {
    const accum = c.inC * c.inW;
    const units = c.outC;
    const fScale = 0.004;
    const tensors: Tensor[] = [
      { name: 'in', dtype: 'int8', shape: [c.batches, accum], quant: q(inScale, c.inZp) },
      { name: 'w', dtype: 'int8', shape: [units, accum], data: bytesOf(i8(units * accum)), quant: q(fScale, c.perChannel ? 0 : c.filterZp) },
      // TFLM (and the registry's Prepare) check a per-tensor FC's bias scale = input scale × filter scale.
      { name: 'b', dtype: 'int32', shape: [units], data: bytesOf(Int32Array.from({ length: units }, () => (rnd() % 4001) - 2000)), quant: q(Math.fround(inScale) * Math.fround(fScale), 0) },
      { name: 'out', dtype: 'int8', shape: [c.batches, units], quant: q(inScale * fScale * Math.sqrt(accum) * 40, c.outZp) },
    ];
    if (c.perChannel) tensors[1].quant = { scale: Array.from({ length: units }, (_, k) => Math.fround(fScale * (1 + k / 4))), zeroPoint: Array(units).fill(0), quantizedDimension: 0 };
    return { tensors, operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, c.withBias ? 2 : -1], outputs: [3], options: { fusedActivation: c.act, keepNumDims: false } }], inputs: [0], outputs: [3] };
  }
  if (c.kind === 'maxpool' || c.kind === 'mean') {
    // Channels a multiple of 4 half the time (the DSP paths), otherwise the portable fallback.
    const ch = c.perChannel ? 4 * c.outC : c.inC;
    const input: Tensor = { name: 'in', dtype: 'int8', shape: [c.batches, c.inH, c.inW, ch], quant: q(inScale, c.inZp) };
    if (c.kind === 'maxpool') {
      const outH = computeOutSize(c.padding, c.inH, c.fH, c.stride[0]);
      const outW = computeOutSize(c.padding, c.inW, c.fW, c.stride[1]);
      if (outH < 1 || outW < 1) return null;
      const tensors: Tensor[] = [input, { name: 'out', dtype: 'int8', shape: [c.batches, outH, outW, ch], quant: q(inScale, c.inZp) }];
      const options = { padding: c.padding, strideH: c.stride[0], strideW: c.stride[1], filterH: c.fH, filterW: c.fW, fusedActivation: c.act };
      return { tensors, operators: [{ op: 'MAX_POOL_2D', inputs: [0], outputs: [1], options }], inputs: [0], outputs: [1] };
    }
    const axes = c.withBias ? [1, 2] : [[1], [2], [3], [1, 2]][c.fW % 4];
    const outShape = input.shape.filter((_, k) => !axes.includes(k));
    const tensors: Tensor[] = [
      input,
      { name: 'axes', dtype: 'int32', shape: [axes.length], data: bytesOf(Int32Array.from(axes)) },
      { name: 'out', dtype: 'int8', shape: outShape, quant: q(inScale * (0.5 + (rnd() % 100) / 100), c.outZp) },
    ];
    return { tensors, operators: [{ op: 'MEAN', inputs: [0, 1], outputs: [2], options: { keepDims: false } }], inputs: [0], outputs: [2] };
  }
  const dw = c.kind !== 'conv';
  // Depthwise: channels a multiple of 4 half the time (tf_dsp_depthwise_s8), else the strong generic kernel.
  const inC = c.kind === 'dw1' ? 1 : c.kind === 'dw' && c.perChannel ? 4 * Math.ceil(c.inC / 4) : c.inC;
  const outC = c.kind === 'dw1' ? c.outC : c.kind === 'dw' ? inC * (c.dm ?? 1) : c.outC;
  const outH = computeOutSize(c.padding, c.inH, c.fH, c.stride[0], c.dilation[0]);
  const outW = computeOutSize(c.padding, c.inW, c.fW, c.stride[1], c.dilation[1]);
  if (outH < 1 || outW < 1) return null;
  const fShape = dw ? [1, c.fH, c.fW, outC] : [outC, c.fH, c.fW, inC];
  const k = c.fH * c.fW * (dw ? 1 : inC);
  const scales = Array.from({ length: c.perChannel ? outC : 1 }, (_, j) => Math.fround(0.003 * (1 + j / 3)));
  const tensors: Tensor[] = [
    { name: 'in', dtype: 'int8', shape: [c.batches, c.inH, c.inW, inC], quant: q(inScale, c.inZp) },
    { name: 'w', dtype: 'int8', shape: fShape, data: bytesOf(i8(fShape.reduce((a, b) => a * b, 1))), quant: { scale: scales, zeroPoint: scales.map(() => 0), quantizedDimension: dw ? 3 : 0 } },
    { name: 'b', dtype: 'int32', shape: [outC], data: bytesOf(Int32Array.from({ length: outC }, () => (rnd() % 4001) - 2000)) },
    // filterZp -3 or -2: an output scale so small that multipliers need a left shift (the kernels' general requantisation).
    { name: 'out', dtype: 'int8', shape: [c.batches, outH, outW, outC], quant: q(inScale * 0.003 * Math.sqrt(k) * (c.filterZp <= -2 ? 0.01 : 40), c.outZp) },
  ];
  const options = { padding: c.padding, strideH: c.stride[0], strideW: c.stride[1], dilationH: c.dilation[0], dilationW: c.dilation[1], fusedActivation: c.act };
  const op: Operator = dw
    ? { op: 'DEPTHWISE_CONV_2D', inputs: [0, 1, c.withBias ? 2 : -1], outputs: [3], options: { ...options, depthMultiplier: outC / inC } }
    : { op: 'CONV_2D', inputs: [0, 1, c.withBias ? 2 : -1], outputs: [3], options };
  return { tensors, operators: [op], inputs: [0], outputs: [3] };
}

function run(graph: Graph, dsp: boolean, inputs: Uint8Array[], weights: 'int8' | 'int16' = 'int16'): { outputs: Uint8Array[]; kernel: string; weights?: string; solved: boolean } {
  const model: TfliteModel = { graph, version: 3, description: 'dsp property test', metadata: [] };
  const res = emitNativeEngine(model, { modelSha256: SHA, target: dsp ? 'dsp' : 'portable', weights });
  const dir = tempDir('tf-dsp-p-');
  const exe = buildRunner(res.files, dir, dsp ? { sources: DSP_C } : {});
  const solved = res.files.some((f) => f.contents.includes('tf_op0_rq['));
  return { outputs: runEngine(exe, inputs, dir).outputs, kernel: res.schedule[0].kernel, weights: res.schedule[0].weights, solved };
}

describe('DSP engine == portable engine on depthwise layers with depth multiplier > 1', () => {
  it('depth multiplier 2 and 3, 3×3 and 2×4 windows, strides and padding: the strong DSP twin, identical outputs', () => {
    const base: Case = { kind: 'dw', inH: 6, inW: 7, inC: 4, outC: 1, fH: 3, fW: 3, stride: [1, 1], dilation: [1, 1], padding: 'SAME', act: 'RELU', inZp: -3, outZp: 7, filterZp: 0, perChannel: true, withBias: true, batches: 1, seed: 11 };
    const cases: Case[] = [
      { ...base, dm: 2 },
      { ...base, dm: 3, inC: 5, perChannel: false, stride: [2, 2], act: 'NONE', seed: 12 },
      { ...base, dm: 2, fH: 2, fW: 4, padding: 'VALID', dilation: [2, 1], inZp: 100, seed: 13 },
      { ...base, dm: 2, batches: 2, stride: [1, 2], act: 'RELU6', outZp: -128, seed: 14 },
    ];
    for (const c of cases) {
      const graph = graphOf(c)!;
      expect(graph.tensors[3].shape[3]).toBe(graph.tensors[0].shape[3] * c.dm!);
      const rnd = lcg(c.seed);
      const n = graph.tensors[0].shape.reduce((a, b) => a * b, 1);
      const inputs = [0, 1].map(() => Uint8Array.from({ length: n }, () => rnd() & 0xff));
      const want = run(graph, false, inputs);
      const got = run(graph, true, inputs);
      expect(got.kernel).toBe('tf_k_depthwise_conv2d_s8');
      got.outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `${JSON.stringify(c)} input ${k}`).toBe(Buffer.from(want.outputs[k]).toString('hex')));
    }
  }, 120_000);
});

describe('DSP engine == portable engine on random conv / depthwise / FC / max-pool / mean layers', () => {
  it('fast-check, seed 20261201, 80 cases (shapes, padding, strides, dilations, odd channels and taps, zero points)', () => {
    const kernels = new Set<string>();
    const packings = new Set<string>();
    const requant = new Set<string>();
    fc.assert(
      fc.property(caseArb, (c) => {
        const graph = graphOf(c);
        if (!graph) return true;
        const rnd = lcg(c.seed ^ 0x5a5a);
        const n = graph.tensors[0].shape.reduce((a, b) => a * b, 1);
        const inputs = [0, 1, 2].map(() => Uint8Array.from({ length: n }, () => rnd() & 0xff));
        const want = run(graph, false, inputs);
        // Odd seeds: the int8 weight packing (unpacked in the loop); even: pre-widened int16.
        const got = run(graph, true, inputs, c.seed & 1 ? 'int8' : 'int16');
        kernels.add(got.kernel);
        if (got.kernel === 'tf_dsp_depthwise_s8' || got.kernel === 'tf_dsp_conv_s8') requant.add(`${got.kernel} ${got.solved ? 'solved' : 'general'}`);
        if (got.weights) packings.add(`${got.kernel} ${got.weights}`);
        got.outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `${JSON.stringify(c)} input ${k}`).toBe(Buffer.from(want.outputs[k]).toString('hex')));
      }),
      { seed: 20261201, numRuns: 80 },
    );
    // The cases reach every DSP path: specialised conv, FC, max pool and mean, and the strong depthwise override.
    expect([...kernels].sort()).toEqual(['tf_dsp_conv_s8', 'tf_dsp_depthwise_s8', 'tf_dsp_fc_s8', 'tf_dsp_max_pool_s8', 'tf_dsp_mean_s8', 'tf_k_depthwise_conv2d_s8']);
    // … with both weight packings of the weighted kernels.
    expect([...packings].sort()).toEqual(['tf_dsp_conv_s8 int16', 'tf_dsp_conv_s8 int8', 'tf_dsp_fc_s8 int16', 'tf_dsp_fc_s8 int8']);
    // … and the conv and depthwise kernels' requantisation both solved per layer and general.
    expect([...requant].sort()).toEqual(['tf_dsp_conv_s8 general', 'tf_dsp_conv_s8 solved', 'tf_dsp_depthwise_s8 general', 'tf_dsp_depthwise_s8 solved']);
  }, 600_000);
});

// ---- ADD / SUB / MUL and AVERAGE_POOL_2D: DSP engine == portable engine ----

interface EltCase {
  op: 'ADD' | 'SUB' | 'MUL' | 'AVERAGE_POOL_2D';
  shape: [number, number, number, number];
  /** Input 2's shape: 0 the output's, 1 one value, 2 per channel, 3 per row (broadcast along W). */
  bcast: 0 | 1 | 2 | 3;
  zp: [number, number, number];
  /** log2 of input 1, input 2 and output scales. */
  lg: [number, number, number];
  act: Activation;
  pool: [number, number, number, number];
  padding: 'SAME' | 'VALID';
  seed: number;
}

const eltArb: fc.Arbitrary<EltCase> = fc.record({
  op: fc.constantFrom('ADD', 'SUB', 'MUL', 'AVERAGE_POOL_2D'),
  shape: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 12 })),
  bcast: fc.constantFrom(0, 0, 1, 2, 3),
  // Zero points at the rails included (offsets -127 and 128).
  zp: fc.tuple(fc.constantFrom(-128, 127, 0), fc.integer({ min: -128, max: 127 }), fc.integer({ min: -128, max: 127 })).map(([a, b, c]) => [a, b, c] as [number, number, number]),
  // Scales from 2^-12 to 2^2, input scales up to 2^10 apart (Prepare refuses ADD rescales ≥ 1; such cases are skipped).
  lg: fc.tuple(fc.double({ min: -12, max: 2, noNaN: true }), fc.double({ min: -12, max: 2, noNaN: true }), fc.double({ min: -12, max: 2, noNaN: true })),
  act: fc.constantFrom('NONE', 'RELU', 'RELU6'),
  pool: fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  padding: fc.constantFrom('SAME', 'VALID'),
  seed: fc.integer(),
});

function eltGraph(c: EltCase): Graph | null {
  const [n, h, w, ch0] = c.shape;
  // Channels a multiple of 4 for most pools (the DSP path); the rest the kernel's portable fallback.
  const ch = c.op === 'AVERAGE_POOL_2D' && c.seed % 4 !== 0 ? 4 * Math.ceil(ch0 / 4) : ch0;
  const [s1, s2, so] = c.lg.map((l) => 2 ** l);
  if (c.op === 'AVERAGE_POOL_2D') {
    const [fH, fW, sH, sW] = c.pool;
    const outH = computeOutSize(c.padding, h, fH, sH);
    const outW = computeOutSize(c.padding, w, fW, sW);
    if (outH < 1 || outW < 1) return null;
    const tensors: Tensor[] = [
      { name: 'in', dtype: 'int8', shape: [n, h, w, ch], quant: q(s1, c.zp[0]) },
      { name: 'out', dtype: 'int8', shape: [n, outH, outW, ch], quant: q(s1, c.zp[0]) },
    ];
    const options = { padding: c.padding, strideH: sH, strideW: sW, filterH: fH, filterW: fW, fusedActivation: c.act };
    return { tensors, operators: [{ op: 'AVERAGE_POOL_2D', inputs: [0], outputs: [1], options }], inputs: [0], outputs: [1] };
  }
  if (c.op !== 'MUL' && 2 * Math.max(s1, s2) / (2 ** 20 * so) >= 0.5) return null;
  const shape2 = [[n, h, w, ch], [1], [ch], [n, h, 1, ch]][c.bcast];
  const rnd = lcg(c.seed);
  const b = Int8Array.from({ length: shape2.reduce((x, y) => x * y, 1) }, () => (rnd() & 0xff) - 128);
  const tensors: Tensor[] = [
    { name: 'a', dtype: 'int8', shape: [n, h, w, ch], quant: q(s1, c.zp[0]) },
    // Input 2 a constant (the engine takes one graph input): the output's shape or broadcast.
    { name: 'b', dtype: 'int8', shape: shape2, quant: q(s2, c.zp[1]), data: bytesOf(b) },
    { name: 'y', dtype: 'int8', shape: [n, h, w, ch], quant: q(so, c.zp[2]) },
  ];
  return { tensors, operators: [{ op: c.op, inputs: [0, 1], outputs: [2], options: { fusedActivation: c.act } }], inputs: [0], outputs: [2] };
}

describe('DSP engine == portable engine on random ADD / SUB / MUL / AVERAGE_POOL_2D layers', () => {
  it('fast-check, seed 20261207, 60 cases (same shapes and broadcasts, zero points at the rails, scales 2^-12..2^2, activations)', () => {
    const kernels = new Set<string>();
    let ran = 0;
    fc.assert(
      fc.property(eltArb, (c) => {
        const graph = eltGraph(c);
        if (!graph) return true;
        ran++;
        const rnd = lcg(c.seed ^ 0x3c3c);
        const n = graph.tensors[0].shape.reduce((a, b) => a * b, 1);
        // Inputs: random, all -128 and all 127 (the saturating ends of every rescale).
        const inputs = [Uint8Array.from({ length: n }, () => rnd() & 0xff), new Uint8Array(n).fill(0x80), new Uint8Array(n).fill(0x7f)];
        const want = run(graph, false, inputs);
        const got = run(graph, true, inputs);
        kernels.add(got.kernel);
        got.outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `${JSON.stringify(c)} input ${k}`).toBe(Buffer.from(want.outputs[k]).toString('hex')));
      }),
      { seed: 20261207, numRuns: 60 },
    );
    expect(ran).toBeGreaterThan(40);
    expect([...kernels].sort()).toEqual(['tf_dsp_avg_pool_s8', 'tf_dsp_binary_s8']);
  }, 600_000);
});

// ---- the conv kernel's solved requantisation (solveRequant, tf_dsp_rq_solved) and its fallbacks ----

describe('DSP conv requantisation: fast table, constant channels, fallback', () => {
  // A 1×1 conv, 8 → 4 channels, per-channel scales: channel 0 ordinary; 1 dead (zero weights, bias
  // 2^30, a tiny scale: k ≈ 30); 2 one weight of ±1 with bias 2^30 and a tiny scale (constant output
  // over its whole accumulator range, not zero); 3 ordinary or, in the fallback variant, a real
  // multiplier above 1 (a left shift: neither form, so the layer keeps tf_dsp_requant_l).
  function deadChannels(fallback: boolean): Graph {
    const w = Int8Array.from({ length: 32 }, (_, t) => [((t * 37) % 255) - 127, 0, t === 16 ? 1 : 0, ((t * 91) % 255) - 127][t >> 3]);
    const scales = [0.004, 1e-12, 1e-12, fallback ? 40 : 0.003].map(Math.fround);
    const bias = Int32Array.from([1234, 2 ** 30, -(2 ** 30), -777]);
    const tensors: Tensor[] = [
      { name: 'in', dtype: 'int8', shape: [1, 3, 5, 8], quant: q(0.05, 7) },
      { name: 'w', dtype: 'int8', shape: [4, 1, 1, 8], data: bytesOf(w), quant: { scale: scales, zeroPoint: [0, 0, 0, 0], quantizedDimension: 0 } },
      { name: 'b', dtype: 'int32', shape: [4], data: bytesOf(bias) },
      { name: 'out', dtype: 'int8', shape: [1, 3, 5, 4], quant: q(0.1, -5) },
    ];
    const options = { padding: 'VALID' as const, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1, fusedActivation: 'NONE' as const };
    return { tensors, operators: [{ op: 'CONV_2D', inputs: [0, 1, 2], outputs: [3], options }], inputs: [0], outputs: [3] };
  }
  const rqOf = (g: Graph) => {
    const model: TfliteModel = { graph: g, version: 3, description: 'rq', metadata: [] };
    const c = emitNativeEngine(model, { modelSha256: SHA, target: 'dsp' }).files[0].contents;
    return /\.rq = (\w+)/.exec(c)![1];
  };
  it.each([false, true])('fallback %s: bit-exact with the portable kernel on random inputs and the rails', (fallback) => {
    const g = deadChannels(fallback);
    // The table holds channel 1 and 2 as constants; with a k = 0 channel there is no table.
    expect(rqOf(g)).toBe(fallback ? 'NULL' : 'tf_op0_rq');
    const rnd = lcg(99);
    const inputs = [Uint8Array.from({ length: 120 }, () => rnd() & 0xff), new Uint8Array(120).fill(0x80), new Uint8Array(120).fill(0x7f)];
    const want = run(g, false, inputs);
    const got = run(g, true, inputs);
    got.outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `input ${k}`).toBe(Buffer.from(want.outputs[k]).toString('hex')));
    // Not everything one value: channel 0 varies with the input.
    expect(new Set(Array.from(want.outputs[0]).filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(3);
  }, 60_000);
});

// ---- FULLY_CONNECTED: 4-row blocks, input widened once, solved requantisation ----

describe('DSP FC kernel (tf_dsp_fc_s8) == portable kernel on odd shapes', () => {
  it('packs rows in 4-row blocks (int16 and int8), the last block holding the rest', () => {
    // By hand from tf_dsp.h (TF_DSP_FC_ROWS): 5 rows × k = 5 (2 groups): block rows 0-3 per group, then row 4 alone.
    const rows = [0, 1, 2, 3, 4].map((r) => [1, 2, 3, 4, 5].map((t) => (r + 1) * 10 + t));
    const w = (lo: number, hi: number) => ((lo & 0xffff) | (hi << 16)) | 0;
    const b = (v: number[]) => (v[0] & 0xff) | ((v[1] & 0xff) << 8) | ((v[2] & 0xff) << 16) | (v[3] << 24);
    const grp = (r: number, g: number) => (g === 0 ? [r * 10 + 11, r * 10 + 12, r * 10 + 13, r * 10 + 14] : [r * 10 + 15, 0, 0, 0]);
    const int16: number[] = [];
    const int8: number[] = [];
    for (const block of [[0, 1, 2, 3], [4]]) {
      for (const g of [0, 1]) for (const r of block) {
        const v = grp(r, g);
        int16.push(w(v[0], v[2]), w(v[1], v[3]));
        int8.push(b(v));
      }
    }
    expect(Array.from(packSxtb16(rows, 5, 4))).toEqual(int16);
    expect(Array.from(packInt8Taps(rows, 5, 4))).toEqual(int8);
  });

  // accum 1..37 (every residue mod 4; 1..10 groups, so the assembly's one-, two- and four-group
  // paths all run), rows 1..9 (4-row blocks plus 1-3 row tails), batches 1 and 2, per-tensor and
  // per-channel, filter zero points (int16 only), activations. Expected: the portable kernel
  // (tf_k_fully_connected, TFLM reference semantics), same inputs, second executable.
  const shapes: [number, number][] = [[1, 1], [2, 9], [3, 4], [4, 5], [5, 8], [7, 3], [8, 6], [9, 7], [13, 2], [16, 9], [17, 4], [21, 1], [24, 8], [33, 5], [37, 9], [36, 12]];
  const acts: Activation[] = ['NONE', 'RELU', 'RELU6'];
  const cases: Case[] = shapes.map(([accum, rows], k) => ({
    kind: 'fc', inH: 1, inW: accum, inC: 1, outC: rows, fH: 1, fW: 1, stride: [1, 1], dilation: [1, 1], padding: 'VALID',
    act: acts[k % 3], inZp: [-128, 5, 127, -17][k % 4], outZp: [3, -128, 60, -9][k % 4], filterZp: k % 4 === 0 ? 2 : 0,
    perChannel: k % 2 === 1, withBias: k % 3 !== 2, batches: 1 + (k % 2), seed: 1000 + k,
  }));
  it.each([['int8'], ['int16']] as const)('%s weights: %#', (packing) => {
    const seen = { solved: 0, shared: 0, general: 0 };
    const layouts = new Set<string>();
    const accum = (c: Case) => c.inW * c.inC;
    cases.forEach((c, k) => {
      const graph = graphOf(c)!;
      // Every fourth case: an output scale so small the multiplier needs a left shift (general requantisation).
      if (k % 4 === 3) graph.tensors[3].quant = q(1e-5, c.outZp);
      const rnd = lcg(c.seed);
      const n = graph.tensors[0].shape.reduce((a, b) => a * b, 1);
      const inputs = [Uint8Array.from({ length: n }, () => rnd() & 0xff), new Uint8Array(n).fill(0x80), new Uint8Array(n).fill(0x7f)];
      const want = run(graph, false, inputs);
      const got = run(graph, true, inputs, packing);
      expect(got.kernel).toBe('tf_dsp_fc_s8');
      // graphOf gives per-channel filters zero point 0; a per-tensor one filterZp (int8 packing needs 0).
      expect(got.weights).toBe(packing === 'int8' && (c.perChannel || c.filterZp === 0) ? 'int8' : 'int16');
      const files = emitNativeEngine({ graph, version: 3, description: 'fc', metadata: [] }, { modelSha256: SHA, target: 'dsp', weights: packing }).files;
      const src = files[0].contents;
      seen[/\.rq = NULL/.test(src) ? 'general' : /\.rq_per_row = 1/.test(src) ? 'solved' : 'shared']++;
      // The layout taken: int8 rows here always fit the offset-binary bounds (graphOf: weights in [-127, 127],
      // bias in [-2000, 2000], accum <= 37, so |folded bias| + 128·Σ|w| < 2^23; pack.ts offsetBinaryStart),
      // so emitDspFc's cost rule decides: full 4-row blocks × groups >= 2·rows + 4·groups.
      const groups = Math.ceil(accum(c) / 4);
      const pays = (c.outC - (c.outC % 4)) * groups >= 2 * c.outC + 4 * groups;
      const layout = got.weights === 'int8' ? (pays ? '2' : '1') : '0';
      expect(/\.w8 = (\d)/.exec(src)?.[1], `case ${k}`).toBe(layout);
      layouts.add(layout);
      // The Cortex-M4 build of the same layer (the assembly's register allocation in every requantisation context).
      if (arm) expect(armCompile(files, join(tempDir('tf-dsp-fc-'), 'arm'))).toBe('');
      got.outputs.forEach((o, j) => expect(Buffer.from(o).toString('hex'), `${JSON.stringify(c)} input ${j}`).toBe(Buffer.from(want.outputs[j]).toString('hex')));
    });
    // All three requantisations ran: per-row table, one shared triple, general; int8: both int8 layouts.
    expect(Object.values(seen).every((v) => v > 0)).toBe(true);
    expect([...layouts].sort()).toEqual(packing === 'int8' ? ['0', '1', '2'] : ['0']);
  }, 300_000);
});

// ---- FULLY_CONNECTED on long inputs: chunked widening (tf_dsp_fc_params_t chunk_groups) ----

describe('DSP FC kernel on long inputs (widened in chunks of 256 groups) == portable kernel', () => {
  // Inputs of more than 1,024 taps (2,048 widened bytes) are widened 256 groups at a time, the rows'
  // accumulators kept in the scratch between chunks. Shapes: a one-group last chunk with the tail
  // group (1,025), 1,030 / 2,049 (tails; 2,049 = 512 groups + 1: 3 chunks), micro_speech's
  // 4,000 × 4; rows 1..9 (4-row blocks and 1-3 row tails); batches 2 (the accumulators restart);
  // 1,024 stays one chunk. small: weights in [-15, 15] so the offset-binary bound holds (w8 2).
  // Expected: the portable kernel (tf_k_fully_connected, TFLM reference semantics) on the same inputs;
  // scratch: 8·chunk_groups + 8 + 4·rows (TF_DSP_FC_SCRATCH_BYTES) from the kernel's layout, by hand.
  const long: { accum: number; rows: number; batches: number; small?: boolean; general?: boolean }[] = [
    { accum: 1025, rows: 6, batches: 2 },
    { accum: 1030, rows: 9, batches: 1, general: true },
    { accum: 2049, rows: 5, batches: 2 },
    { accum: 4000, rows: 4, batches: 1 },
    { accum: 4000, rows: 1, batches: 2 },
    { accum: 2049, rows: 8, batches: 2, small: true },
    { accum: 1030, rows: 9, batches: 1, small: true },
    { accum: 1024, rows: 3, batches: 1 },
    { accum: 1021, rows: 7, batches: 1 }, // one chunk, 255 full groups: the hand-unrolled widening's remainder
  ];
  it.each([['int8'], ['int16']] as const)('%s weights', (packing) => {
    const layouts = new Set<string>();
    long.forEach((l, k) => {
      const c: Case = { kind: 'fc', inH: 1, inW: l.accum, inC: 1, outC: l.rows, fH: 1, fW: 1, stride: [1, 1], dilation: [1, 1], padding: 'VALID', act: (['NONE', 'RELU', 'RELU6'] as const)[k % 3], inZp: [-3, 5, 11, -17][k % 4], outZp: [3, -128, 60, -9][k % 4], filterZp: 0, perChannel: k % 2 === 0, withBias: true, batches: l.batches, seed: 3000 + k };
      const graph = graphOf(c)!;
      if (l.small) graph.tensors[1].data = bytesOf(Int8Array.from({ length: l.rows * l.accum }, (_, j) => ((j * 7919) % 31) - 15));
      if (l.general) graph.tensors[3].quant = q(1e-5, c.outZp);
      const rnd = lcg(c.seed);
      const n = l.batches * l.accum;
      const inputs = [Uint8Array.from({ length: n }, () => rnd() & 0xff), new Uint8Array(n).fill(0x80), new Uint8Array(n).fill(0x7f)];
      const want = run(graph, false, inputs);
      const got = run(graph, true, inputs, packing);
      expect(got.kernel).toBe('tf_dsp_fc_s8');
      const res = emitNativeEngine({ graph, version: 3, description: 'fc', metadata: [] }, { modelSha256: SHA, target: 'dsp', weights: packing });
      const src = res.files[0].contents;
      const groups = Math.ceil(l.accum / 4);
      const chunked = groups > 256;
      expect(/\.chunk_groups = (\d+)/.exec(src)?.[1], `case ${k}`).toBe(String(chunked ? 256 : groups));
      expect(res.schedule[0].scratchBytes, `case ${k}`).toBe(chunked ? 8 * 256 + 8 + 4 * l.rows : 8 * groups + 8);
      const layout = /\.w8 = (\d)/.exec(src)?.[1] ?? '?';
      layouts.add(layout);
      if (arm) expect(armCompile(res.files, join(tempDir('tf-dsp-fcl-'), 'arm'))).toBe('');
      got.outputs.forEach((o, j) => expect(Buffer.from(o).toString('hex'), `case ${k} input ${j}`).toBe(Buffer.from(want.outputs[j]).toString('hex')));
      // The Arduino core's compiler has no unroll pragma: the widening's hand-unrolled loop (TF_DSP_NO_UNROLL), same bytes.
      const dir = tempDir('tf-dsp-fcl-nounroll-');
      const gcc7 = runEngine(buildRunner(res.files, dir, { sources: DSP_C, cflags: ['-DTF_DSP_NO_UNROLL'] }), inputs, dir).outputs;
      gcc7.forEach((o, j) => expect(Buffer.from(o).toString('hex'), `case ${k} input ${j}, no unroll pragma`).toBe(Buffer.from(want.outputs[j]).toString('hex')));
      // The chunked driver's wrapping accumulators under UBSan (the offset-binary case: stored T modulo 2^32).
      if (l.small && ubsanAvailable()) {
        const sdir = tempDir('tf-dsp-fcl-ubsan-');
        const san = runEngine(buildRunner(res.files, sdir, { sources: DSP_C, cflags: UBSAN_FLAGS, kernelFlags: UBSAN_FLAGS }), inputs, sdir).outputs;
        san.forEach((o, j) => expect(Buffer.from(o).toString('hex'), `case ${k} input ${j}, UBSan`).toBe(Buffer.from(want.outputs[j]).toString('hex')));
      }
      expect(new Set(want.outputs.flatMap((o) => Array.from(o))).size, `case ${k}: outputs vary`).toBeGreaterThan(1);
    });
    // Every layout ran chunked: int16, and both int8 layouts (small weights pass the offset-binary bound).
    expect([...layouts].sort()).toEqual(packing === 'int8' ? ['1', '2'] : ['0']);
  }, 600_000);
});

// ---- FULLY_CONNECTED, offset-binary int8 layout (tf_dsp_fc_params_t w8 2) ----

describe('DSP FC kernel, offset-binary int8 layout (W, UXTB16(W) against prepared X, Y)', () => {
  const s16 = (v: number) => ((v & 0xffff) << 16) >> 16;
  const smlad = (acc: number, x: number, y: number) => (acc + s16(x) * s16(y) + s16(x >>> 16) * s16(y >>> 16)) | 0;
  /** tf_dsp.h tf_dsp_fc_widen1 (w8 2), from its arithmetic definition: X = (-(a1 + 128), -(a3 + 128)), Y = (256·a0 + a1 + 128, 256·a2 + a3 + 128). */
  const prep = (a: number[]) => [(-(a[1] + 128) & 0xffff) | (-(a[3] + 128) << 16), ((256 * a[0] + a[1] + 128) & 0xffff) | ((256 * a[2] + a[3] + 128) << 16)];

  it('packs [w0 + 128, -w1, w2 + 128, -w3] per group in 4-row blocks; starts 256·bias - 32768·Σ odd taps; refuses -128 at odd taps and |S| >= 2^23', () => {
    // By hand from the tf_dsp.h header: one row, k = 5: group 0 (1, -2, 3, -127) → bytes 129, 2, 131, 127; group 1 (-128, pad…) → 0, 0, 128, 0.
    expect(Array.from(packOffsetBinaryTaps([[1, -2, 3, -127, -128]], 5)!)).toEqual([129 | (2 << 8) | (131 << 16) | (127 << 24), 128 << 16]);
    expect(packOffsetBinaryTaps([[1, -128, 3]], 3)).toBeNull();
    expect(packOffsetBinaryTaps([[-128, 5, -128]], 3)).not.toBeNull();
    // 256·10 - 32768·(-2 + -127) = 2560 + 4,227,072.
    expect(Array.from(offsetBinaryStart([10], [[1, -2, 3, -127, -128]])!)).toEqual([4_229_632]);
    // |bias| + 128·Σ|w| = 2^23 - 1 passes, 2^23 does not.
    expect(offsetBinaryStart([2 ** 23 - 1 - 128 * 6], [[1, -2, 3]])).not.toBeNull();
    expect(offsetBinaryStart([2 ** 23 - 128 * 6], [[1, -2, 3]])).toBeNull();
  });

  it('property: the kernel arithmetic (emulated SMLAD, UXTB16 on packed words) equals the plain dot product', () => {
    const row = fc.integer({ min: 1, max: 40 }).chain((k) => fc.tuple(
      fc.array(fc.oneof(fc.integer({ min: -127, max: 127 }), fc.constantFrom(-127, 127)), { minLength: k, maxLength: k }),
      fc.array(fc.oneof(fc.integer({ min: -128, max: 127 }), fc.constantFrom(-128, 127)), { minLength: k, maxLength: k }),
      fc.integer({ min: -3_000_000, max: 3_000_000 }),
    ));
    fc.assert(fc.property(row, ([w, a, bias]) => {
      const k = w.length;
      const start = offsetBinaryStart([bias], [w]);
      fc.pre(start !== null);
      const words = packOffsetBinaryTaps([w], k)!;
      let t = start![0];
      for (let g = 0; g < words.length; g++) {
        const ag = [0, 1, 2, 3].map((j) => (4 * g + j < k ? a[4 * g + j] : 0));
        t = (t - 32768 * (ag[0] + ag[2])) | 0;
        const [x, y] = prep(ag);
        t = smlad(smlad(t, words[g], x), words[g] & 0x00ff00ff, y);
      }
      expect(t >> 8).toBe(w.reduce((acc, v, j) => acc + v * a[j], bias));
    }), { numRuns: 2000 });
  });

  // Rails and the fallbacks, bit-exact against the portable kernel (TFLM reference semantics), layout asserted.
  const base: Case = { kind: 'fc', inH: 1, inW: 37, inC: 1, outC: 9, fH: 1, fW: 1, stride: [1, 1], dilation: [1, 1], padding: 'VALID', act: 'NONE', inZp: -128, outZp: 3, filterZp: 0, perChannel: true, withBias: true, batches: 2, seed: 77 };
  const variants: [string, string, (g: Graph) => void][] = [
    ['rails: w = ±127 (odd taps -127: byte 127), offset-binary', '2', (g) => { g.tensors[1].data = bytesOf(Int8Array.from({ length: 9 * 37 }, (_, j) => ((j * 7) % 3 === 0 ? 127 : -127))); g.tensors[3].quant = q(g.tensors[3].quant!.scale[0] * 200, 3); }],
    ['an odd tap -128: the SXTB16 layout', '1', (g) => { const w = new Int8Array(g.tensors[1].data!.slice().buffer); w[5 * 37 + 3] = -128; g.tensors[1].data = bytesOf(w); }],
    ['a bias of 2^23: the SXTB16 layout', '1', (g) => { const b = new Int32Array(g.tensors[2].data!.slice().buffer); b[4] = 2 ** 23; g.tensors[2].data = bytesOf(b); }],
  ];
  it.each(variants)('%s', (_, layout, edit) => {
    const graph = graphOf(base)!;
    edit(graph);
    const rnd = lcg(5);
    const n = 2 * 37;
    const inputs = [Uint8Array.from({ length: n }, () => rnd() & 0xff), new Uint8Array(n).fill(0x80), new Uint8Array(n).fill(0x7f), Uint8Array.from({ length: n }, (_, j) => (j % 2 ? 0x80 : 0x7f))];
    const want = run(graph, false, inputs);
    const got = run(graph, true, inputs, 'int8');
    const src = emitNativeEngine({ graph, version: 3, description: 'fc', metadata: [] }, { modelSha256: SHA, target: 'dsp', weights: 'int8' }).files[0].contents;
    expect(/\.w8 = (\d)/.exec(src)?.[1]).toBe(layout);
    // requant 'uniform': never the value-dependent layout.
    const uniform = emitNativeEngine({ graph, version: 3, description: 'fc', metadata: [] }, { modelSha256: SHA, target: 'dsp', weights: 'int8', requant: 'uniform' }).files;
    expect(uniform.map((f) => f.contents).join('\n')).not.toMatch(/\.w8 = 2/);
    got.outputs.forEach((o, j) => expect(Buffer.from(o).toString('hex'), `input ${j}`).toBe(Buffer.from(want.outputs[j]).toString('hex')));
    // The C twin (wrapping sums, the arithmetic shift) under UBSan: runEngine throws at its first report.
    if (ubsanAvailable()) {
      const dir = tempDir('tf-dsp-fc-ubsan-');
      const files = emitNativeEngine({ graph, version: 3, description: 'fc', metadata: [] }, { modelSha256: SHA, target: 'dsp', weights: 'int8' }).files;
      const san = runEngine(buildRunner(files, dir, { sources: DSP_C, cflags: UBSAN_FLAGS, kernelFlags: UBSAN_FLAGS }), inputs, dir).outputs;
      san.forEach((o, j) => expect(Buffer.from(o).toString('hex'), `UBSan input ${j}`).toBe(Buffer.from(want.outputs[j]).toString('hex')));
    }
    // Outputs not all one value.
    expect(new Set(Array.from(want.outputs[0])).size).toBeGreaterThan(3);
  }, 60_000);
});
