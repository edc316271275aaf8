/**
 * tinyforge's reference interpreter for int8 (and float32) TFLite graphs.
 *
 * CONTRACT: for int8 graphs the output bytes are bit-identical to TensorFlow Lite Micro's
 * *reference* kernels at commit 90b983c2b3f1480642e040bbd2ddb37b998f3424
 * (tensorflow/lite/micro/kernels/*.cc + tensorflow/lite/kernels/internal/reference/integer_ops/*
 * + the gemmlowp fixed-point helpers in common.h), built the TFLM default way: double-rounding
 * MultiplyByQuantizedMultiplier (TFLITE_SINGLE_ROUNDING off), no TFLITE_EMULATE_FLOAT. This is
 * checked against every vector in shared/vectors (tests/interp/vectors.test.ts). TFLM's CMSIS-NN
 * kernels give the same bytes for these models, so the device is checked against this module.
 *
 * Cross-reference for the native C engine (same arithmetic, see ./fixedpoint.ts and src/ops/):
 * - Multipliers: QuantizeMultiplier(double) = frexp, round-half-away of q*2^31, q==2^31 fix-up,
 *   shift < -31 flushed to 0. Conv/depthwise/per-channel FC use
 *   double(in_scale)*double(filter_scale)/double(out_scale); per-tensor FC uses
 *   double(float32(in_scale*filter_scale))/double(out_scale) (the product rounded to float32 first).
 * - Requantise: RoundingDivideByPOT(SRDHM(x << max(shift,0), multiplier), max(-shift,0)).
 * - AVERAGE_POOL: sum of raw int8, (sum ± count/2)/count truncated; MEAN folds 1/n into the
 *   multiplier (shift = min(floor(log2 n), 32, 31+shift)); SOFTMAX: kScaledDiffIntegerBits 5,
 *   accumulation Q12, GetReciprocal; LOGISTIC/TANH: the gemmlowp integer path (no LUT in TFLM at
 *   that commit for int8), input multiplier from a plain frexp of in_scale*2^27.
 * - Fused activations clamp to [zp + round(f32(lo/scale)), zp + round(f32(hi/scale))].
 *
 * float32 graphs run with float32 rounding after every operation; they are a reference, not
 * bit-exact to TFLM (exp/tanh come from the host's libm).
 */
import type { Graph } from '../core/graph.js';
import { DTYPE_BYTES, numElements } from '../core/graph.js';
import { badInput, unsupported } from '../core/errors.js';
import { type TensorStore, allocStore } from './common.js';
import type { ValidateOptions } from './validate.js';
import { checkGraph, withOperator } from './check.js';
import { roundHalfAway } from './fixedpoint.js';
import { OP_NAMES } from '../ops/registry.js';
import type { Kernel } from '../ops/types.js';

export { quantizeMultiplier, mulByQuantizedMultiplier, srdhm, rdbp } from './fixedpoint.js';
export { validateGraph, DEFAULT_MAX_GRAPH_BYTES, type ValidateOptions } from './validate.js';
export { checkGraph, type CheckedGraph } from './check.js';

/** The ops createInterpreter accepts (int8 and float32 variants of each): every op of the registry. */
export const SUPPORTED_OPS = OP_NAMES;

export interface Interpreter {
  /**
   * Runs the graph. `inputs[i]` holds the raw little-endian bytes of graph input i in its dtype
   * (int8: one byte per element, row-major/NHWC); returns the raw bytes of each graph output (fresh
   * copies). Throws 'bad-input' when the count or a byte size is wrong.
   */
  invoke(inputs: Uint8Array[]): Uint8Array[];
  /**
   * The bytes of any tensor as left by the last invoke() (intermediate activations included;
   * every tensor has its own memory, nothing is reused). A copy.
   */
  readTensor(index: number): Uint8Array;
  /** Byte sizes of the graph inputs / outputs. */
  readonly inputBytes: number[];
  readonly outputBytes: number[];
}

/**
 * Checks `graph` once (checkGraph in ./check.ts, before any allocation; memory bounded by
 * `opts.maxBytes`), which prepares every operator's parameters; the returned interpreter runs it
 * any number of times. Throws 'unsupported' for an op/dtype it cannot run (naming the
 * operator index) and 'bad-input' for an inconsistent graph.
 */
export function createInterpreter(graph: Graph, opts: ValidateOptions = {}): Interpreter {
  const nT = graph.tensors.length;
  // Before any allocation: the whole-model check (indices, shapes, sizes against a bound, scales,
  // execution order, every op's Prepare), shared with the native and firmware generators.
  // Shape-only operators come back folded to constants (their tensors hold the values).
  const { sizes, ops, graph: run, original } = checkGraph(graph, opts);
  const stores: TensorStore[] = run.tensors.map((t, i) => {
    const s = allocStore(sizes[i]);
    if (t.data && sizes[i] > 0) s.bytes.set(t.data);
    return s;
  });
  const kernels: Kernel[] = run.operators.map((op, k) => {
    const opIndex = original[k];
    return withOperator(opIndex, op.op, () => ops[k]!.def.host(ops[k]!.prepared, { graph: run, op, opIndex }, stores));
  });

  const inputBytes = graph.inputs.map((i) => stores[i].bytes.length);
  const outputBytes = graph.outputs.map((i) => stores[i].bytes.length);
  return {
    inputBytes,
    outputBytes,
    invoke(inputs: Uint8Array[]): Uint8Array[] {
      if (!Array.isArray(inputs) || inputs.length !== graph.inputs.length) {
        throw badInput(`the model has ${graph.inputs.length} input(s) but ${Array.isArray(inputs) ? inputs.length : 0} were given`, {
          remedy: 'Pass one raw byte buffer per model input.',
        });
      }
      inputs.forEach((buf, k) => {
        const t = graph.tensors[graph.inputs[k]];
        if (!(buf instanceof Uint8Array) || buf.byteLength !== inputBytes[k]) {
          throw badInput(
            `input ${k} ("${t.name}") must be ${inputBytes[k]} bytes (${t.dtype} [${t.shape}]) but is ${buf instanceof Uint8Array ? buf.byteLength : 'not a byte array'}`,
            { remedy: `Provide exactly ${inputBytes[k]} raw little-endian bytes for this input.`, details: { expectedBytes: inputBytes[k] } },
          );
        }
        stores[graph.inputs[k]].bytes.set(buf);
      });
      for (const k of kernels) k();
      return graph.outputs.map((i) => stores[i].bytes.slice());
    },
    readTensor(index: number): Uint8Array {
      if (!Number.isInteger(index) || index < 0 || index >= nT) throw badInput(`no tensor ${index} (the graph has ${nT})`);
      return stores[index].bytes.slice();
    },
  };
}

/** One-shot convenience: createInterpreter(graph).invoke(inputs). */
export function interpret(graph: Graph, inputs: Uint8Array[]): Uint8Array[] {
  return createInterpreter(graph).invoke(inputs);
}

function ioTensor(graph: Graph, which: 'input' | 'output', index: number) {
  const list = which === 'input' ? graph.inputs : graph.outputs;
  const ti = list[index];
  if (ti === undefined) throw badInput(`the model has no ${which} ${index} (it has ${list.length})`);
  return graph.tensors[ti];
}

/**
 * Float values → raw bytes of graph input `index` (default 0): for int8 inputs
 * q = clamp(round_half_away(f32(x / scale)) + zero_point, -128, 127) as TFLM's QUANTIZE does;
 * float32 inputs are copied.
 */
export function quantizeInput(graph: Graph, x: Float32Array | ArrayLike<number>, index = 0): Uint8Array {
  const t = ioTensor(graph, 'input', index);
  const n = numElements(t.shape);
  if (x.length !== n) throw badInput(`input ${index} ("${t.name}") has ${n} elements but ${x.length} values were given`, { remedy: `Provide ${n} values.` });
  if (t.dtype === 'float32') return new Uint8Array(Float32Array.from(x).buffer);
  if (t.dtype !== 'int8') throw unsupported(`input ${index} is ${t.dtype}; only int8 and float32 inputs can be quantised`);
  const q = t.quant;
  if (!q || !q.scale.length) throw badInput(`input ${index} ("${t.name}") has no quantization parameters`);
  const scale = Math.fround(q.scale[0]);
  const zp = q.zeroPoint[0] ?? 0;
  const out = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const r = roundHalfAway(Math.fround(Math.fround(x[i]) / scale));
    const v = Number.isNaN(r) ? -128 : r + zp;
    out[i] = v < -128 ? -128 : v > 127 ? 127 : v;
  }
  return new Uint8Array(out.buffer);
}

/** Raw bytes of graph output `index` (default 0) → float values: scale * (q - zero_point) for int8, copied for float32. */
export function dequantizeOutput(graph: Graph, raw: Uint8Array, index = 0): Float32Array {
  const t = ioTensor(graph, 'output', index);
  const n = numElements(t.shape);
  const need = n * DTYPE_BYTES[t.dtype];
  if (raw.byteLength !== need) throw badInput(`output ${index} ("${t.name}") needs ${need} bytes but ${raw.byteLength} were given`);
  if (t.dtype === 'float32') return new Float32Array(raw.slice().buffer);
  if (t.dtype !== 'int8') throw unsupported(`output ${index} is ${t.dtype}; only int8 and float32 outputs can be dequantised`);
  const q = t.quant;
  if (!q || !q.scale.length) throw badInput(`output ${index} ("${t.name}") has no quantization parameters`);
  const scale = Math.fround(q.scale[0]);
  const zp = q.zeroPoint[0] ?? 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * (((raw[i] << 24) >> 24) - zp);
  return out;
}
