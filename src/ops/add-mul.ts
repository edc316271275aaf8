/**
 * ADD, SUB and MUL (TFLM add.cc / sub.cc / mul.cc + reference/integer_ops/{add,mul}.h,
 * reference/sub.h), numpy broadcasting (rank <= 4 natively). SUB's Prepare (CalculateOpDataSub)
 * takes the scale ratios in float32 where ADD's takes them in double.
 */
import { numElements, type AddOptions } from '../core/graph.js';
import { mulByQuantizedMultiplier, mulByQuantizedMultiplierSmallerThanOne } from '../interp/fixedpoint.js';
import { binaryIO, broadcastIndex, dtypeAt, notSupported, qparams, scalesOf } from './common.js';
import { activationRange, activationRangeFloat, quantizeMultiplier, type QuantizedMultiplier } from './quant.js';
import { AddOptions as AddTable } from '../tflite/generated/tflite/add-options.js';
import { MulOptions as MulTable } from '../tflite/generated/tflite/mul-options.js';
import { ACT_CODE } from '../tflite/options.js';
import type { NativeEmitter, OpContext, OpDef } from './types.js';

const fr = Math.fround;
/** TFLM CalculateOpDataAdd's left shift for int8. */
const ADD_LEFT_SHIFT = 20;
const ZERO: QuantizedMultiplier = { multiplier: 0, shift: 0 };

export interface BinaryPrepared {
  kind: 'int8' | 'float32';
  inputA: number;
  inputB: number;
  output: number;
  size: number;
  actMin: number;
  actMax: number;
  // int8 only:
  input1Offset: number;
  input2Offset: number;
  outputOffset: number;
  /** ADD, SUB: 20; MUL: 0. */
  leftShift: number;
  /** ADD, SUB: each input rescaled to twice the larger input scale; MUL: zero (unused). */
  input1Multiplier: QuantizedMultiplier;
  input2Multiplier: QuantizedMultiplier;
  outputMultiplier: QuantizedMultiplier;
}

function prepare(ctx: OpContext): BinaryPrepared {
  const isMul = ctx.op.op === 'MUL';
  const opt = ctx.op.options as AddOptions;
  const { a, b, y, kind } = binaryIO(ctx);
  const base = { kind, inputA: a.index, inputB: b.index, output: y.index, size: numElements(y.t.shape) };
  if (kind === 'float32') {
    const r = activationRangeFloat(opt.fusedActivation);
    return { ...base, actMin: r.min, actMax: r.max, input1Offset: 0, input2Offset: 0, outputOffset: 0, leftShift: 0, input1Multiplier: ZERO, input2Multiplier: ZERO, outputMultiplier: ZERO };
  }
  const qa = qparams(ctx, a.t, 'input 1');
  const qb = qparams(ctx, b.t, 'input 2');
  const qy = qparams(ctx, y.t, 'output');
  const r = activationRange(opt.fusedActivation, qy.scale, qy.zeroPoint);
  const int8 = { ...base, actMin: r.min, actMax: r.max, input1Offset: -qa.zeroPoint, input2Offset: -qb.zeroPoint, outputOffset: qy.zeroPoint };
  if (isMul) {
    return { ...int8, leftShift: 0, input1Multiplier: ZERO, input2Multiplier: ZERO, outputMultiplier: quantizeMultiplier((qa.scale * qb.scale) / qy.scale, scalesOf(['input 1', a.t], ['input 2', b.t], ['output', y.t])) };
  }
  const from = scalesOf(['input 1', a.t], ['input 2', b.t], ['output', y.t]);
  let reals: number[];
  if (ctx.op.op === 'SUB') {
    // CalculateOpDataSub: float twice_max_input_scale, float quotients widened to double.
    const twiceMax = fr(2 * Math.max(qa.scale, qb.scale));
    reals = [fr(qa.scale / twiceMax), fr(qb.scale / twiceMax), fr(twiceMax / fr((1 << ADD_LEFT_SHIFT) * qy.scale))];
  } else {
    const twiceMax = 2 * Math.max(qa.scale, qb.scale);
    reals = [qa.scale / twiceMax, qb.scale / twiceMax, twiceMax / ((1 << ADD_LEFT_SHIFT) * qy.scale)];
  }
  const [m1, m2, mo] = reals.map((r) => quantizeMultiplier(r, from));
  // QuantizeMultiplierSmallerThanOneExp's checks (TFLITE_CHECK: 0 < real < 1).
  reals.forEach((r, k) => {
    if (!(r > 0 && r < 1) || [m1, m2, mo][k].shift > 0) notSupported(ctx, `${ctx.op.op} rescaling multiplier ${r} is not below one (output scale too small for TFLM)`);
  });
  return { ...int8, leftShift: ADD_LEFT_SHIFT, input1Multiplier: m1, input2Multiplier: m2, outputMultiplier: mo };
}

/** `shape` padded with leading 1s to rank 4 (the native binary kernels' out_dims). */
export function outDims4(shape: number[]): number[] {
  return [...Array(4 - Math.min(4, shape.length)).fill(1), ...shape];
}

/** Element strides of `shape` broadcast to the rank-4 padded `out` (0 along broadcast axes). */
export function broadcastStrides4(e: NativeEmitter, shape: number[], out: number[]): number[] {
  e.need(shape.length <= 4 && out.length <= 4, 'tensors of rank > 4');
  const s = [...Array(4 - shape.length).fill(1), ...shape];
  const strides = [0, 0, 0, 0];
  let acc = 1;
  for (let k = 3; k >= 0; k--) {
    strides[k] = s[k] === 1 ? 0 : acc;
    acc *= s[k];
  }
  return strides;
}

/** The fields of the C tf_binary_params_t (firmware/native/tf_kernels.h), shared with the DSP binary kernel. */
export function binaryParamsFields(p: BinaryPrepared, e: NativeEmitter): Record<string, string | number> {
  const outShape = e.graph.tensors[p.output].shape;
  const c4 = (v: number[]) => `{${v.join(', ')}}`;
  return {
    out_dims: c4(outDims4(outShape)),
    in1_strides: c4(broadcastStrides4(e, e.graph.tensors[p.inputA].shape, outShape)),
    in2_strides: c4(broadcastStrides4(e, e.graph.tensors[p.inputB].shape, outShape)),
    input1_offset: p.input1Offset,
    input2_offset: p.input2Offset,
    output_offset: p.outputOffset,
    left_shift: p.leftShift,
    input1_multiplier: p.input1Multiplier.multiplier,
    input1_shift: p.input1Multiplier.shift,
    input2_multiplier: p.input2Multiplier.multiplier,
    input2_shift: p.input2Multiplier.shift,
    output_multiplier: p.outputMultiplier.multiplier,
    output_shift: p.outputMultiplier.shift,
    act_min: p.actMin,
    act_max: p.actMax,
  };
}

function binaryDef(op: 'ADD' | 'MUL' | 'SUB'): OpDef<BinaryPrepared> {
  const isMul = op === 'MUL';
  const isSub = op === 'SUB';
  const kernel = isMul ? 'tf_k_mul_s8' : isSub ? 'tf_k_sub_s8' : 'tf_k_add_s8';
  return {
    op,
    builtinCode: isMul ? 18 : isSub ? 41 : 0,
    optionsSlot: isMul ? 21 : isSub ? 28 : 11,
    version(o, g) {
      if (!isMul) return dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1;
      const s = (i: number | undefined) => (i !== undefined && i >= 0 ? g.tensors[i]?.quant?.scale[0] ?? 0 : 0);
      const [a, b, c] = [s(o.inputs[0]), s(o.inputs[1]), s(o.outputs[0])];
      if (a && b && c && (a * b) / c >= 1) return 3;
      return dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1;
    },
    minRuntime: isSub ? { 1: '1.6.0', 2: '1.14.0' } : { 1: '1.5.0', 2: '1.14.0' },
    // TFLM's SUB has no CMSIS-NN variant (reference kernel).
    tflm: isMul ? { resolver: 'AddMul', cmsisNn: ['arm_elementwise_mul_s8'] } : isSub ? { resolver: 'AddSub', cmsisNn: [] } : { resolver: 'AddAdd', cmsisNn: ['arm_elementwise_add_s8'] },
    options: {
      table: isMul ? 'MulOptions' : isSub ? 'SubOptions' : 'AddOptions',
      fields: isMul ? [['fused_activation_function', 'i8', 0]] : [['fused_activation_function', 'i8', 0], ['pot_scale_int16', 'bool', true]],
      read: (f) => ({ fusedActivation: f.activation() }),
      write(b, o) {
        const code = ACT_CODE[(o as AddOptions).fusedActivation];
        if (isSub) {
          // SubOptions { fused_activation_function; pot_scale_int16 = true } (schema.fbs; this repo's reduced schema has no builder for it).
          b.startObject(2);
          b.addFieldInt8(0, code, 0);
          return b.endObject();
        }
        if (isMul) {
          MulTable.startMulOptions(b);
          MulTable.addFusedActivationFunction(b, code);
          return MulTable.endMulOptions(b);
        }
        AddTable.startAddOptions(b);
        AddTable.addFusedActivationFunction(b, code);
        return AddTable.endAddOptions(b);
      },
    },
    prepare,
    host(p, ctx, stores) {
      const n = p.size;
      const yShape = ctx.graph.tensors[p.output].shape;
      const ia = broadcastIndex(ctx.graph.tensors[p.inputA].shape, yShape);
      const ib = broadcastIndex(ctx.graph.tensors[p.inputB].shape, yShape);
      const A = stores[p.inputA];
      const B = stores[p.inputB];
      const Y = stores[p.output];
      const { actMin: lo, actMax: hi } = p;
      if (p.kind === 'float32') {
        const af = A.f32;
        const bf = B.f32;
        const yf = Y.f32;
        return () => {
          for (let i = 0; i < n; i++) {
            const u = af[ia ? ia[i] : i];
            const w = bf[ib ? ib[i] : i];
            const v = isMul ? fr(u * w) : isSub ? fr(u - w) : fr(u + w);
            yf[i] = v < lo ? lo : v > hi ? hi : v;
          }
        };
      }
      const ai = A.i8;
      const bi = B.i8;
      const yi = Y.i8;
      const { input1Offset: offA, input2Offset: offB, outputOffset: offY, outputMultiplier: mo } = p;
      if (isMul) {
        return () => {
          for (let i = 0; i < n; i++) {
            const u = ai[ia ? ia[i] : i] + offA;
            const w = bi[ib ? ib[i] : i] + offB;
            let v = offY + mulByQuantizedMultiplier(u * w, mo.multiplier, mo.shift);
            v = v < lo ? lo : v > hi ? hi : v;
            yi[i] = v;
          }
        };
      }
      const { leftShift, input1Multiplier: m1, input2Multiplier: m2 } = p;
      return () => {
        for (let i = 0; i < n; i++) {
          const u = (ai[ia ? ia[i] : i] + offA) * (1 << leftShift);
          const w = (bi[ib ? ib[i] : i] + offB) * (1 << leftShift);
          const su = mulByQuantizedMultiplierSmallerThanOne(u, m1.multiplier, m1.shift);
          const sw = mulByQuantizedMultiplierSmallerThanOne(w, m2.multiplier, m2.shift);
          let v = mulByQuantizedMultiplierSmallerThanOne((isSub ? su - sw : su + sw) | 0, mo.multiplier, mo.shift) + offY;
          v = v < lo ? lo : v > hi ? hi : v;
          yi[i] = v;
        }
      };
    },
    native: {
      kernels: [kernel],
      sources: ['tf_k_elementwise.c'],
      emit(p, e) {
        e.int8('in', 0);
        e.int8('in', 1);
        e.int8('out', 0);
        const params = e.struct('tf_binary_params_t', binaryParamsFields(p, e));
        return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.input(1, 'int8_t')}, ${e.output('int8_t')})` };
      },
    },
  };
}

export const ADD = binaryDef('ADD');
export const MUL = binaryDef('MUL');
export const SUB = binaryDef('SUB');
