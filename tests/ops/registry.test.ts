// The op registry is the one op list: every other list (interpreter, native generator and its
// kernel files, writer codes/versions/option slots, TFLM resolver and CMSIS-NN references,
// inspect's resolver lines) is derived from it, and these tests fail when anything drifts.
// Expected values come from outside the registry: the TFLite schema (generated enums), the
// hand-written C header and kernel sources (parsed here), and TFLM's naming rule for resolver methods.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import type { Graph, OpName, Operator, Tensor } from '../../src/core/graph.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { NATIVE_OPS, OP_NAMES, OPS, WEIGHTED_OPS } from '../../src/ops/registry.js';
import { SUPPORTED_OPS, createInterpreter } from '../../src/interp/index.js';
import { emitNativeEngine, nativeKernelFiles } from '../../src/firmware/native/index.js';
import { cmsisNnEntryPoints, estimateArenaBytes, tflmConfigHeader } from '../../src/firmware/tflm.js';
import { buildInt8 } from '../../src/quantize/build.js';
import type { FloatGraph } from '../../src/quantize/lower.js';
import { supportedOpsHelp } from '../../src/cli/commands/infer.js';
import { cli } from '../helpers/cli.js';
import { describeTflite } from '../../src/tflite/describe.js';
import { BUILTIN_CODE, OPTIONS_SLOT, TFLM_RESOLVER_METHOD, opForCode } from '../../src/tflite/ops.js';
import { BuiltinOperator } from '../../src/tflite/generated/tflite/builtin-operator.js';
import { BuiltinOptions } from '../../src/tflite/generated/tflite/builtin-options.js';

const NATIVE_DIR = join(REPO_ROOT, 'firmware', 'native');
const OPS_DIR = join(REPO_ROOT, 'src', 'ops');
const SHA = 'ab'.repeat(32);

/**
 * TFLM's MicroMutableOpResolver naming: Add + the op name in Pascal case, digit-led tokens kept upper
 * case (CONV_2D → AddConv2D), a trailing version suffix too (PADV2 → AddPadV2).
 */
function resolverName(op: string): string {
  return 'Add' + op.split('_').map((w) => (/^[0-9]/.test(w) ? w : (w[0] + w.slice(1).toLowerCase()).replace(/v(\d+)$/, 'V$1'))).join('');
}

/** The options table each op uses in schema.fbs (BuiltinOptions union member names). */
const OPTIONS_TABLE: Record<OpName, string | null> = {
  ADD: 'AddOptions', AVERAGE_POOL_2D: 'Pool2DOptions', CONCATENATION: 'ConcatenationOptions', CONV_2D: 'Conv2DOptions',
  DEPTHWISE_CONV_2D: 'DepthwiseConv2DOptions', DEQUANTIZE: 'DequantizeOptions', FULLY_CONNECTED: 'FullyConnectedOptions',
  LOGISTIC: null, MAX_POOL_2D: 'Pool2DOptions', MEAN: 'ReducerOptions', MUL: 'MulOptions', QUANTIZE: 'QuantizeOptions',
  RELU: null, RELU6: null, RESHAPE: 'ReshapeOptions', SOFTMAX: 'SoftmaxOptions', TANH: null,
  PAD: 'PadOptions', PADV2: 'PadV2Options', SUB: 'SubOptions', MAXIMUM: 'MaximumMinimumOptions', MINIMUM: 'MaximumMinimumOptions',
  LEAKY_RELU: 'LeakyReluOptions', TRANSPOSE: 'TransposeOptions', HARD_SWISH: null, LOG_SOFTMAX: 'LogSoftmaxOptions', STRIDED_SLICE: 'StridedSliceOptions',
  SPLIT: 'SplitOptions', SPLIT_V: 'SplitVOptions', PACK: 'PackOptions', UNPACK: 'UnpackOptions',
  RESIZE_NEAREST_NEIGHBOR: 'ResizeNearestNeighborOptions', PRELU: null, SHAPE: 'ShapeOptions',
};

/** `tf_k_*` functions declared in tf_kernels.h. */
function declaredKernels(): string[] {
  const h = readFileSync(join(NATIVE_DIR, 'tf_kernels.h'), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  return [...h.matchAll(/\bint\s+(tf_k_[a-z0-9_]+)\s*\(/g)].map((m) => m[1]).sort();
}

/** `tf_k_*` functions each firmware/native/*.c defines (TF_KERNEL_WEAK int tf_k_x(...) {). */
function definedKernels(): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(NATIVE_DIR).filter((n) => n.endsWith('.c'))) {
    const src = readFileSync(join(NATIVE_DIR, f), 'utf8');
    for (const m of src.matchAll(/^TF_KERNEL_WEAK\s+int\s+(tf_k_[a-z0-9_]+)\s*\(/gm)) out.set(m[1], f);
  }
  return out;
}

describe('the op registry', () => {
  it('keys every entry by its own op name and covers exactly the interpreter\'s ops', () => {
    for (const n of OP_NAMES) expect(OPS[n].op).toBe(n);
    expect([...SUPPORTED_OPS]).toEqual([...OP_NAMES]);
    expect(OP_NAMES.length).toBe(34);
  });

  it('every op has a Prepare, a host kernel, a native emitter or an explicit tflm-only, a resolver method', () => {
    for (const n of OP_NAMES) {
      const d = OPS[n];
      expect(typeof d.prepare, n).toBe('function');
      expect(typeof d.host, n).toBe('function');
      if (d.native !== 'tflm-only') {
        expect(typeof d.native.emit, n).toBe('function');
        expect(d.native.kernels.length, n).toBeGreaterThan(0);
      }
      expect(d.tflm.resolver, n).toBe(resolverName(n));
      expect(TFLM_RESOLVER_METHOD[n]).toBe(d.tflm.resolver);
      for (const f of d.tflm.cmsisNn) expect(f, n).toMatch(/^arm_[a-z0-9_]+_s8$/);
    }
    // SHAPE never reaches the native generator: src/interp/fold.ts folds it into a constant first.
    expect(OP_NAMES.filter((n) => OPS[n].native === 'tflm-only')).toEqual(['CONCATENATION', 'SHAPE']);
  });

  it('writer facts agree with the TFLite schema: builtin codes, option slots, a min runtime for every version', () => {
    const codes = BuiltinOperator as unknown as Record<string, number>;
    const slots = BuiltinOptions as unknown as Record<string, number>;
    for (const n of OP_NAMES) {
      expect(OPS[n].builtinCode, n).toBe(codes[n]);
      expect(BUILTIN_CODE[n]).toBe(codes[n]);
      expect(opForCode(codes[n])).toBe(n);
      const table = OPTIONS_TABLE[n];
      expect(OPS[n].optionsSlot, n).toBe(table ? slots[table] : 0);
      expect(OPTIONS_SLOT[n]).toBe(OPS[n].optionsSlot);
      expect(OPS[n].minRuntime[1], `${n} v1`).toMatch(/^\d+\.\d+\.\d+$/);
      // An op with an options table reads and writes it; one without has no codec.
      expect(OPS[n].options !== undefined, `${n} options codec`).toBe(OPS[n].optionsSlot !== 0);
      if (table) expect(OPS[n].options?.table, n).toBe(table);
    }
  });

  it('every tf_k_* symbol in tf_kernels.h is named by a registry op, and every named one is declared and defined in a listed source', () => {
    const named = new Set<string>();
    const defined = definedKernels();
    for (const n of NATIVE_OPS) {
      const nat = OPS[n].native;
      if (nat === 'tflm-only') continue;
      for (const k of nat.kernels) {
        named.add(k);
        expect(nat.sources, `${n}: ${k} is defined in ${defined.get(k)}`).toContain(defined.get(k));
      }
    }
    expect(declaredKernels()).toEqual([...named].sort());
    expect([...defined.keys()].sort()).toEqual([...named].sort());
  });

  it('nativeKernelFiles() is the headers plus exactly the kernel sources in firmware/native/', () => {
    const files = nativeKernelFiles().map((p) => basename(p));
    const onDisk = readdirSync(NATIVE_DIR).filter((n) => /\.(c|h)$/.test(n)).sort();
    expect([...files].sort()).toEqual(onDisk);
  });
});

// A graph using every op once per kind, only for the op lists (never run).
function allOpsGraph(): Graph {
  const t = (dtype: Tensor['dtype']): Tensor => ({ name: 'x', dtype, shape: [1] });
  const ops = OP_NAMES.map((op) => ({ op, inputs: [0], outputs: [1], options: {} }) as unknown as Operator);
  return { tensors: [t('int8'), t('int8')], operators: ops, inputs: [0], outputs: [1] };
}

describe('lists derived from the registry', () => {
  it('the TFLM config registers each op with its resolver method and references only its CMSIS-NN kernels', () => {
    const h = tflmConfigHeader({ model: { graph: allOpsGraph(), version: 3, description: '', metadata: [] }, modelSha256: SHA }).contents;
    for (const n of OP_NAMES) expect(h).toContain(`r.${OPS[n].tflm.resolver}() == kTfLiteOk`);
    for (const f of cmsisNnEntryPoints(OP_NAMES)) expect(h).toContain(`void ${f}(void) __attribute__((weak));`);
    // A model of FC + SOFTMAX references exactly their two entry points, nothing for conv/pool/add/mul.
    const fcOnly = { graph: { ...allOpsGraph(), operators: allOpsGraph().operators.filter((o) => o.op === 'FULLY_CONNECTED' || o.op === 'SOFTMAX') }, version: 3, description: '', metadata: [] };
    const h2 = tflmConfigHeader({ model: fcOnly, modelSha256: SHA }).contents;
    expect([...h2.matchAll(/void (arm_[a-z0-9_]+)\(void\)/g)].map((m) => m[1])).toEqual(['arm_fully_connected_s8', 'arm_softmax_s8']);
    expect(cmsisNnEntryPoints(['MEAN', 'RESHAPE'])).toEqual([]);
  });

  it("inspect's resolver lines come from the registry", () => {
    const d = describeTflite({ graph: allOpsGraph(), version: 3, description: '', metadata: [] });
    expect(d.resolver.lines).toEqual([`tflite::MicroMutableOpResolver<${OP_NAMES.length}> resolver;`, ...OP_NAMES.map((n) => `resolver.${resolverName(n)}();`)]);
  });
});

describe('one Prepare for the interpreter and the native engine', () => {
  // FC with input scale 0.5 × weight scale 0.25 = 0.125, but a bias stored at scale 1:
  // |0.125 - 1| / output scale 1 > 0.02, which TFLM's FullyConnected Prepare refuses.
  const q = (s: number) => ({ scale: [s], zeroPoint: [0], quantizedDimension: 0 });
  const graph: Graph = {
    tensors: [
      { name: 'in', dtype: 'int8', shape: [1, 2], quant: q(0.5) },
      { name: 'w', dtype: 'int8', shape: [2, 2], data: new Uint8Array(4), quant: q(0.25) },
      { name: 'b', dtype: 'int32', shape: [2], data: new Uint8Array(8), quant: q(1) },
      { name: 'out', dtype: 'int8', shape: [1, 2], quant: q(1) },
    ],
    operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } }],
    inputs: [0],
    outputs: [3],
  };
  const error = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e as TinyforgeError;
    }
    throw new Error('expected an error');
  };

  it('both refuse a FULLY_CONNECTED bias whose scale is not input × weight scale, with the same typed error', () => {
    const a = error(() => createInterpreter(graph));
    const b = error(() => emitNativeEngine({ graph, version: 3, description: '', metadata: [] }, { modelSha256: SHA }));
    expect(a).toBeInstanceOf(TinyforgeError);
    expect(a.kind).toBe('bad-input');
    expect(a.message).toMatch(/bias scale 1 is not input_scale\*weight_scale \(0\.125\)/);
    expect(b.kind).toBe(a.kind);
    expect(b.message).toBe(a.message);
  });

  it('both accept it once the bias carries the right scale', () => {
    const ok: Graph = { ...graph, tensors: graph.tensors.map((t, i) => (i === 2 ? { ...t, quant: q(0.125) } : t)) };
    expect(() => createInterpreter(ok)).not.toThrow();
    expect(emitNativeEngine({ graph: ok, version: 3, description: '', metadata: [] }, { modelSha256: SHA }).schedule).toEqual([{ op: 'FULLY_CONNECTED', kernel: 'tf_k_fully_connected_s8' }]);
  });
});

/** Op names each src/ops module exports, from the registry's imports (`import { A, B } from './file.js'`). */
function opsByModule(): Map<string, string[]> {
  const reg = readFileSync(join(OPS_DIR, 'registry.ts'), 'utf8');
  const out = new Map<string, string[]>();
  for (const m of reg.matchAll(/^import \{ ([A-Z0-9_, ]+) \} from '\.\/([a-z0-9-]+)\.js';$/gm)) out.set(m[2], m[1].split(',').map((x) => x.trim()));
  return out;
}

describe('the three op lists that used to be hand-kept (issue 16) derive from the registry', () => {
  it('OpDef.weights is declared exactly by the ops whose Prepare takes filter + bias operands (weightedIO in their module)', () => {
    const expected: string[] = [];
    for (const [file, ops] of opsByModule()) {
      if (/\bweightedIO\(/.test(readFileSync(join(OPS_DIR, `${file}.ts`), 'utf8'))) expected.push(...ops);
    }
    expect(expected.length).toBeGreaterThan(0);
    expect([...WEIGHTED_OPS]).toEqual(expected.sort());
  });

  it('quantize/build.ts: each weighted op\'s filter is quantised as its registry entry says (per channel, or per tensor unless asked)', () => {
    for (const op of WEIGHTED_OPS) {
      const w = OPS[op].weights!;
      // A [2, 1, 1, 2] filter with channel axis 0 whose two channels differ by 4× (two scales when per channel).
      const g: FloatGraph = {
        name: 'g',
        tensors: [
          { name: 'x', shape: [1, 1, 1, 2], kind: 'activation', rule: { kind: 'calibrated' }, layer: 'l' },
          { name: 'w', shape: [2, 1, 1, 2], kind: 'weight', data: Float32Array.from([1, -1, 0.25, 0.25]), channelAxis: 0, layer: 'l' },
          { name: 'b', shape: [2], kind: 'bias', data: Float32Array.from([0, 0]), layer: 'l' },
          { name: 'y', shape: [1, 1, 1, 2], kind: 'activation', rule: { kind: 'calibrated' }, layer: 'l' },
        ],
        operators: [{ op, inputs: [0, 1, 2], outputs: [3], options: {}, layer: 'l' } as FloatGraph['operators'][number]],
        inputs: [0],
        outputs: [3],
      };
      const r = { min: -1, max: 1 };
      const scales = (perChannelDense: boolean) => buildInt8(g, [r, undefined, undefined, r], { perChannelDense }).model.graph.tensors[1].quant!.scale.length;
      expect(scales(true), op).toBe(2);
      expect(scales(false), op).toBe(w.quantization === 'per-channel' ? 2 : 1);
    }
  });

  it('firmware/tflm.ts: the arena estimate reserves 8 bytes per output channel for exactly the weighted ops', () => {
    const withOp = (op: OpName): Graph => ({
      tensors: [{ name: 'x', dtype: 'int8', shape: [1, 4] }, { name: 'y', dtype: 'int8', shape: [1, 12] }],
      operators: [{ op, inputs: [0], outputs: [1], options: {} } as unknown as Operator],
      inputs: [0],
      outputs: [1],
    });
    const base = estimateArenaBytes(withOp('RESHAPE'));
    for (const op of OP_NAMES) expect(estimateArenaBytes(withOp(op)) - base, op).toBe(WEIGHTED_OPS.includes(op) ? 8 * 12 : 0);
  });

  it('`infer --help` lists every op of the registry', async () => {
    const r = await cli(['infer', '--help']);
    const listed = r.stdout.slice(r.stdout.indexOf('Supported ops')).split(/\n\n/)[0].split(/[\s:]+/).filter((w) => /^[A-Z][A-Z0-9_]+$/.test(w));
    expect(listed).toEqual([...OP_NAMES]);
    expect(r.stdout).toContain(supportedOpsHelp());
  });

  it('none of the three files names a weighted op again (a hand-kept list would drift)', () => {
    for (const f of ['src/quantize/build.ts', 'src/firmware/tflm.ts', 'src/cli/commands/infer.ts']) {
      const src = readFileSync(join(REPO_ROOT, f), 'utf8');
      for (const op of WEIGHTED_OPS) expect(src.includes(`'${op}'`), `${f} names '${op}'`).toBe(false);
    }
  });
});
