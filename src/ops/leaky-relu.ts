/**
 * LEAKY_RELU (TFLM leaky_relu_common.cc CalculateOpDataLeakyRelu + reference/leaky_relu.h
 * QuantizeLeakyRelu): x ≥ 0 → requantised by input/output scale, x < 0 → by alpha·input/output
 * scale. Both ratios are taken in float32 then widened; a negative alpha's multiplier is applied
 * by magnitude and the product negated, as TFLM does.
 */
import type { LeakyReluOptions } from '../core/graph.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { dtypeAt, qparams, scalesOf, unaryIO } from './common.js';
import { quantizeMultiplier } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

export interface LeakyReluPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  size: number;
  alpha: number;
  // int8 only:
  inputZeroPoint: number;
  outputZeroPoint: number;
  identityMultiplier: number;
  identityShift: number;
  /** |alpha multiplier| (MultiplyByQuantizedMultiplier needs a non-negative one) and its sign. */
  alphaMultiplier: number;
  alphaShift: number;
  alphaNegative: boolean;
}

function prepare(ctx: OpContext): LeakyReluPrepared {
  const { x, y, kind, n } = unaryIO(ctx);
  const alpha = fr((ctx.op.options as LeakyReluOptions).alpha ?? 0);
  const base = { kind, input: x.index, output: y.index, size: n, alpha };
  if (kind === 'float32') return { ...base, inputZeroPoint: 0, outputZeroPoint: 0, identityMultiplier: 0, identityShift: 0, alphaMultiplier: 0, alphaShift: 0, alphaNegative: false };
  const qx = qparams(ctx, x.t, 'input');
  const qy = qparams(ctx, y.t, 'output');
  const from = scalesOf(['input', x.t], ['output', y.t]);
  const a = quantizeMultiplier(fr(fr(qx.scale * alpha) / qy.scale), `alpha ${alpha}, ${from}`);
  const id = quantizeMultiplier(fr(qx.scale / qy.scale), from);
  return {
    ...base,
    inputZeroPoint: qx.zeroPoint,
    outputZeroPoint: qy.zeroPoint,
    identityMultiplier: id.multiplier,
    identityShift: id.shift,
    alphaMultiplier: Math.abs(a.multiplier),
    alphaShift: a.shift,
    alphaNegative: a.multiplier < 0,
  };
}

export const LEAKY_RELU: OpDef<LeakyReluPrepared> = {
  op: 'LEAKY_RELU',
  builtinCode: 98,
  optionsSlot: 75,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.13.1', 2: '2.3.0' },
  tflm: { resolver: 'AddLeakyRelu', cmsisNn: [] },
  options: {
    // LeakyReluOptions { alpha: float } (schema.fbs).
    table: 'LeakyReluOptions',
    fields: [['alpha', 'f32', 0]],
    read: (f) => ({ alpha: f.num('alpha') }),
    write(b, o) {
      b.startObject(1);
      b.addFieldFloat32(0, (o as LeakyReluOptions).alpha, 0);
      return b.endObject();
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const n = p.size;
    const X = stores[p.input];
    const Y = stores[p.output];
    if (p.kind === 'float32') {
      const { alpha } = p;
      return () => {
        for (let i = 0; i < n; i++) {
          const v = X.f32[i];
          Y.f32[i] = v > 0 ? v : fr(alpha * v);
        }
      };
    }
    const { inputZeroPoint: zx, outputZeroPoint: zy, identityMultiplier: mi, identityShift: si, alphaMultiplier: ma, alphaShift: sa, alphaNegative: neg } = p;
    const xi = X.i8;
    const yi = Y.i8;
    return () => {
      for (let i = 0; i < n; i++) {
        const v = xi[i] - zx;
        let out = zy;
        if (v >= 0) out += mulByQuantizedMultiplier(v, mi, si);
        else {
          const s = mulByQuantizedMultiplier(v, ma, sa);
          out += neg ? -s : s;
        }
        yi[i] = out < -128 ? -128 : out > 127 ? 127 : out;
      }
    };
  },
  native: {
    kernels: ['tf_k_leaky_relu_s8'],
    sources: ['tf_k_activation.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('out', 0);
      const params = e.struct('tf_leaky_relu_params_t', {
        size: p.size,
        input_zero_point: p.inputZeroPoint,
        output_zero_point: p.outputZeroPoint,
        identity_multiplier: p.identityMultiplier,
        identity_shift: p.identityShift,
        alpha_multiplier: p.alphaMultiplier,
        alpha_shift: p.alphaShift,
        alpha_negative: p.alphaNegative ? 1 : 0,
      });
      return { kernel: 'tf_k_leaky_relu_s8', call: `tf_k_leaky_relu_s8(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
