/** RELU and RELU6 (TFLM activations.cc: CalculateReluOpData / Relu6Prepare). */
import { dtypeAt, qparams, scalesOf, unaryIO } from './common.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { quantizeMultiplier, roundHalfAway } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

export interface ReluPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  size: number;
  // int8 only. RELU6: a clamp to [lower, upper] in the input's domain. RELU: requantise, clamp at actMin.
  lower: number;
  upper: number;
  inputZeroPoint: number;
  outputZeroPoint: number;
  multiplier: number;
  shift: number;
  actMin: number;
  actMax: number;
}

function prepare(ctx: OpContext): ReluPrepared {
  const six = ctx.op.op === 'RELU6';
  const { x, y, kind, n } = unaryIO(ctx);
  const none = { lower: 0, upper: 0, inputZeroPoint: 0, outputZeroPoint: 0, multiplier: 0, shift: 0, actMin: 0, actMax: 0 };
  const base = { kind, input: x.index, output: y.index, size: n };
  if (kind === 'float32') return { ...base, ...none };
  const qx = qparams(ctx, x.t, 'input');
  if (six) {
    // Relu6Prepare: zero = input zero point, six = round(6 / scale) + zp clamped to int8 (output quantization assumed equal).
    const upper = Math.min(127, Math.max(-128, roundHalfAway(fr(6 / qx.scale)) + qx.zeroPoint));
    return { ...base, ...none, lower: qx.zeroPoint, upper };
  }
  const qy = qparams(ctx, y.t, 'output');
  // CalculateReluOpData: the scale ratio is taken in float32, then widened.
  const m = quantizeMultiplier(fr(qx.scale / qy.scale), scalesOf(['input', x.t], ['output', y.t]));
  return { ...base, ...none, inputZeroPoint: qx.zeroPoint, outputZeroPoint: qy.zeroPoint, multiplier: m.multiplier, shift: m.shift, actMin: Math.max(-128, qy.zeroPoint), actMax: 127 };
}

function reluDef(op: 'RELU' | 'RELU6'): OpDef<ReluPrepared> {
  const six = op === 'RELU6';
  const kernel = six ? 'tf_k_relu6_s8' : 'tf_k_relu_s8';
  return {
    op,
    builtinCode: six ? 21 : 19,
    optionsSlot: 0,
    version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
    minRuntime: six ? { 1: '1.5.0', 2: '1.14.0' } : { 1: '1.5.0', 2: '2.1.0' },
    tflm: { resolver: six ? 'AddRelu6' : 'AddRelu', cmsisNn: [] },
    prepare,
    host(p, _ctx, stores) {
      const n = p.size;
      const X = stores[p.input];
      const Y = stores[p.output];
      if (p.kind === 'float32') {
        const xf = X.f32;
        const yf = Y.f32;
        const hi = six ? 6 : Infinity;
        return () => {
          for (let i = 0; i < n; i++) {
            const v = xf[i];
            yf[i] = v > hi ? hi : v < 0 ? 0 : v;
          }
        };
      }
      const xi = X.i8;
      const yi = Y.i8;
      if (six) {
        const { lower: lo, upper: hi } = p;
        return () => {
          for (let i = 0; i < n; i++) {
            const v = xi[i];
            yi[i] = v > hi ? hi : v < lo ? lo : v;
          }
        };
      }
      const { inputZeroPoint: zpX, outputZeroPoint: zpY, multiplier, shift, actMin, actMax } = p;
      return () => {
        for (let i = 0; i < n; i++) {
          let v = zpY + mulByQuantizedMultiplier(xi[i] - zpX, multiplier, shift);
          v = v < actMin ? actMin : v > actMax ? actMax : v;
          yi[i] = v;
        }
      };
    },
    native: {
      kernels: [kernel],
      sources: ['tf_k_activation.c'],
      emit(p, e) {
        e.int8('in', 0);
        e.int8('out', 0);
        const params = six
          ? e.struct('tf_relu6_params_t', { size: p.size, lower: p.lower, upper: p.upper })
          : e.struct('tf_relu_params_t', {
              size: p.size,
              input_zero_point: p.inputZeroPoint,
              output_zero_point: p.outputZeroPoint,
              multiplier: p.multiplier,
              shift: p.shift,
              act_min: p.actMin,
              act_max: p.actMax,
            });
        return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
      },
    },
  };
}

export const RELU = reluDef('RELU');
export const RELU6 = reluDef('RELU6');
