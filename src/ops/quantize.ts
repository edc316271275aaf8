/** QUANTIZE (TFLM quantize.cc): float32 → int8, or int8 → int8 requantisation. */
import { numElements } from '../core/graph.js';
import { cFloat } from '../core/cemit.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { dtypeAt, expectDType, fail, input, notSupported, output, qparams, scalesOf } from './common.js';
import { castInt32, quantizeMultiplier, roundHalfAway } from './quant.js';
import { QuantizeOptions as QuantizeTable } from '../tflite/generated/tflite/quantize-options.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;

export interface QuantizePrepared {
  from: 'float32' | 'int8';
  input: number;
  output: number;
  size: number;
  /** float32 output scale (the float → int8 path). */
  outputScale: number;
  outputZeroPoint: number;
  // int8 → int8 only:
  inputZeroPoint: number;
  multiplier: number;
  shift: number;
}

function prepare(ctx: OpContext): QuantizePrepared {
  const x = input(ctx, 0);
  const y = output(ctx);
  expectDType(ctx, x.t, ['float32', 'int8'], 'input');
  expectDType(ctx, y.t, ['int8'], 'output');
  const n = numElements(x.t.shape);
  if (numElements(y.t.shape) !== n) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  if (y.t.quant && y.t.quant.scale.length > 1) notSupported(ctx, 'per-channel QUANTIZE output is not supported by TFLM');
  const qy = qparams(ctx, y.t, 'output');
  const base = { input: x.index, output: y.index, size: n, outputScale: qy.scale, outputZeroPoint: qy.zeroPoint };
  if (x.t.dtype === 'float32') return { ...base, from: 'float32', inputZeroPoint: 0, multiplier: 0, shift: 0 };
  const qx = qparams(ctx, x.t, 'input');
  const m = quantizeMultiplier(qx.scale / qy.scale, scalesOf(['input', x.t], ['output', y.t]));
  return { ...base, from: 'int8', inputZeroPoint: qx.zeroPoint, multiplier: m.multiplier, shift: m.shift };
}

export const QUANTIZE: OpDef<QuantizePrepared> = {
  op: 'QUANTIZE',
  builtinCode: 114,
  optionsSlot: 89,
  version: (o, g) => (dtypeAt(g, o.outputs[0]) === 'int16' ? 2 : 1),
  minRuntime: { 1: '1.14.0', 2: '1.15.0' },
  tflm: { resolver: 'AddQuantize', cmsisNn: [] },
  // An empty QuantizeOptions table, as the converter writes.
  options: {
    table: 'QuantizeOptions',
    fields: [],
    read: () => ({}),
    write(b) {
      QuantizeTable.startQuantizeOptions(b);
      return QuantizeTable.endQuantizeOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const n = p.size;
    const yi = stores[p.output].i8;
    const { outputScale, outputZeroPoint: zpY } = p;
    if (p.from === 'float32') {
      const xf = stores[p.input].f32;
      return () => {
        for (let i = 0; i < n; i++) {
          const v = (castInt32(roundHalfAway(fr(xf[i] / outputScale))) + zpY) | 0;
          yi[i] = v < -128 ? -128 : v > 127 ? 127 : v;
        }
      };
    }
    const { inputZeroPoint: zpX, multiplier, shift } = p;
    const xi = stores[p.input].i8;
    return () => {
      for (let i = 0; i < n; i++) {
        const v = mulByQuantizedMultiplier(xi[i] - zpX, multiplier, shift) + zpY;
        yi[i] = v < -128 ? -128 : v > 127 ? 127 : v;
      }
    };
  },
  native: {
    kernels: ['tf_k_quantize_f32_s8', 'tf_k_requantize_s8'],
    sources: ['tf_k_elementwise.c'],
    emit(p, e) {
      e.int8('out', 0);
      if (p.from === 'float32') {
        const params = e.struct('tf_quantize_params_t', { size: p.size, scale: cFloat(p.outputScale), zero_point: p.outputZeroPoint });
        const kernel = 'tf_k_quantize_f32_s8';
        return { kernel, call: `${kernel}(${params}, ${e.input(0, 'float')}, ${e.output('int8_t')})` };
      }
      const params = e.struct('tf_requantize_params_t', {
        size: p.size,
        input_zero_point: p.inputZeroPoint,
        output_zero_point: p.outputZeroPoint,
        multiplier: p.multiplier,
        shift: p.shift,
      });
      const kernel = 'tf_k_requantize_s8';
      return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
