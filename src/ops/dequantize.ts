/** DEQUANTIZE (TFLM dequantize.cc): int8 → float32. */
import { numElements } from '../core/graph.js';
import { dtypeAt, expectDType, fail, input, output, qparams } from './common.js';
import type { OpContext, OpDef } from './types.js';
import { DequantizeOptions as DequantizeTable } from '../tflite/generated/tflite/dequantize-options.js';

export interface DequantizePrepared {
  input: number;
  output: number;
  size: number;
  scale: number;
  zeroPoint: number;
}

function prepare(ctx: OpContext): DequantizePrepared {
  const x = input(ctx, 0);
  const y = output(ctx);
  expectDType(ctx, x.t, ['int8'], 'input');
  expectDType(ctx, y.t, ['float32'], 'output');
  const n = numElements(x.t.shape);
  if (numElements(y.t.shape) !== n) fail(ctx, `output shape [${y.t.shape}] differs from input [${x.t.shape}]`);
  const qx = qparams(ctx, x.t, 'input');
  return { input: x.index, output: y.index, size: n, scale: qx.scale, zeroPoint: qx.zeroPoint };
}

export const DEQUANTIZE: OpDef<DequantizePrepared> = {
  op: 'DEQUANTIZE',
  builtinCode: 6,
  optionsSlot: 38,
  version(o, g) {
    if (dtypeAt(g, o.inputs[0]) !== 'int8') return 1;
    return (g.tensors[o.inputs[0]]?.quant?.scale.length ?? 0) > 1 ? 5 : 2;
  },
  minRuntime: { 1: '1.13.1', 2: '1.14.0' },
  tflm: { resolver: 'AddDequantize', cmsisNn: [] },
  // An empty DequantizeOptions table, as the converter writes.
  options: {
    table: 'DequantizeOptions',
    fields: [],
    read: () => ({}),
    write(b) {
      DequantizeTable.startDequantizeOptions(b);
      return DequantizeTable.endDequantizeOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const { size: n, scale, zeroPoint } = p;
    const xi = stores[p.input].i8;
    const yf = stores[p.output].f32;
    return () => {
      for (let i = 0; i < n; i++) yf[i] = scale * (xi[i] - zeroPoint);
    };
  },
  native: {
    kernels: ['tf_k_dequantize_s8_f32'],
    sources: ['tf_k_elementwise.c'],
    emit(p, e) {
      const params = e.struct('tf_dequantize_params_t', { size: p.size, scale: p.scale.toPrecision(17), zero_point: p.zeroPoint });
      const kernel = 'tf_k_dequantize_s8_f32';
      return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.output('float')})` };
    },
  },
};
