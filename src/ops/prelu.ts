/**
 * PRELU (TFLM prelu_common.cc CalculatePreluParams + reference/prelu.h BroadcastPrelu4DSlow):
 * x ≥ 0 → x·input/output scale; x < 0 → x·alpha·input·alpha/output scale, the two multipliers from
 * double-precision scale ratios; alpha broadcast to the input.
 */
import { numElements } from '../core/graph.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { binaryIO, broadcastIndex, qparams, scalesOf } from './common.js';
import { broadcastStrides4, outDims4 } from './add-mul.js';
import { quantizeMultiplier, type QuantizedMultiplier } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;
const ZERO: QuantizedMultiplier = { multiplier: 0, shift: 0 };

export interface PreluPrepared {
  kind: 'int8' | 'float32';
  input: number;
  alpha: number;
  output: number;
  size: number;
  inputOffset: number;
  alphaOffset: number;
  outputOffset: number;
  identity: QuantizedMultiplier;
  alphaMultiplier: QuantizedMultiplier;
}

function prepare(ctx: OpContext): PreluPrepared {
  const { a: x, b: alpha, y, kind } = binaryIO(ctx);
  const base = { kind, input: x.index, alpha: alpha.index, output: y.index, size: numElements(y.t.shape) };
  if (kind === 'float32') return { ...base, inputOffset: 0, alphaOffset: 0, outputOffset: 0, identity: ZERO, alphaMultiplier: ZERO };
  const qx = qparams(ctx, x.t, 'input');
  const qa = qparams(ctx, alpha.t, 'alpha');
  const qy = qparams(ctx, y.t, 'output');
  const from = scalesOf(['input', x.t], ['alpha', alpha.t], ['output', y.t]);
  return {
    ...base,
    inputOffset: -qx.zeroPoint,
    alphaOffset: -qa.zeroPoint,
    outputOffset: qy.zeroPoint,
    identity: quantizeMultiplier(qx.scale / qy.scale, from),
    alphaMultiplier: quantizeMultiplier((qx.scale * qa.scale) / qy.scale, from),
  };
}

export const PRELU: OpDef<PreluPrepared> = {
  op: 'PRELU',
  builtinCode: 54,
  optionsSlot: 0,
  version: () => 1,
  minRuntime: { 1: '1.8.0' },
  tflm: { resolver: 'AddPrelu', cmsisNn: [] },
  prepare,
  host(p, ctx, stores) {
    const n = p.size;
    const yShape = ctx.graph.tensors[p.output].shape;
    const ix = broadcastIndex(ctx.graph.tensors[p.input].shape, yShape);
    const ia = broadcastIndex(ctx.graph.tensors[p.alpha].shape, yShape);
    const [X, A, Y] = [stores[p.input], stores[p.alpha], stores[p.output]];
    if (p.kind === 'float32') {
      return () => {
        for (let i = 0; i < n; i++) {
          const v = X.f32[ix ? ix[i] : i];
          Y.f32[i] = v >= 0 ? v : fr(v * A.f32[ia ? ia[i] : i]);
        }
      };
    }
    const { inputOffset, alphaOffset, outputOffset, identity: m1, alphaMultiplier: m2 } = p;
    return () => {
      for (let i = 0; i < n; i++) {
        const v = inputOffset + X.i8[ix ? ix[i] : i];
        let out = v >= 0 ? mulByQuantizedMultiplier(v, m1.multiplier, m1.shift) : mulByQuantizedMultiplier(v * (alphaOffset + A.i8[ia ? ia[i] : i]), m2.multiplier, m2.shift);
        out += outputOffset;
        Y.i8[i] = out < -128 ? -128 : out > 127 ? 127 : out;
      }
    };
  },
  native: {
    kernels: ['tf_k_prelu_s8'],
    sources: ['tf_k_elementwise.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('in', 1);
      e.int8('out', 0);
      const outShape = e.graph.tensors[p.output].shape;
      const c4 = (v: number[]) => `{${v.join(', ')}}`;
      // tf_binary_params_t: input 1 = x with the identity multiplier, input 2 = alpha with the alpha multiplier.
      const params = e.struct('tf_binary_params_t', {
        out_dims: c4(outDims4(outShape)),
        in1_strides: c4(broadcastStrides4(e, e.graph.tensors[p.input].shape, outShape)),
        in2_strides: c4(broadcastStrides4(e, e.graph.tensors[p.alpha].shape, outShape)),
        input1_offset: p.inputOffset,
        input2_offset: p.alphaOffset,
        output_offset: p.outputOffset,
        input1_multiplier: p.identity.multiplier,
        input1_shift: p.identity.shift,
        input2_multiplier: p.alphaMultiplier.multiplier,
        input2_shift: p.alphaMultiplier.shift,
        act_min: -128,
        act_max: 127,
      });
      return { kernel: 'tf_k_prelu_s8', call: `tf_k_prelu_s8(${params}, ${e.input(0, 'int8_t')}, ${e.input(1, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
