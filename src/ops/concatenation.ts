/** CONCATENATION (TFLM concatenation.cc): inputs and output share one quantisation; the TFLM engine only. */
import type { ConcatenationOptions } from '../core/graph.js';
import { dataKind, dtypeAt, fail, input, notSupported, output, qparams, sameKind } from './common.js';
import type { OpContext, OpDef } from './types.js';
import { ConcatenationOptions as ConcatTable } from '../tflite/generated/tflite/concatenation-options.js';
import { ACT_CODE } from '../tflite/options.js';

export interface ConcatenationPrepared {
  output: number;
  outer: number;
  /** Per input: its tensor and the bytes it contributes per outer step. */
  parts: { tensor: number; chunk: number }[];
}

function prepare(ctx: OpContext): ConcatenationPrepared {
  const opt = ctx.op.options as ConcatenationOptions;
  const y = output(ctx);
  const rank = y.t.shape.length;
  const axis = opt.axis < 0 ? opt.axis + rank : opt.axis;
  if (axis < 0 || axis >= rank) fail(ctx, `axis ${opt.axis} is out of range for rank ${rank}`);
  if (opt.fusedActivation && opt.fusedActivation !== 'NONE') notSupported(ctx, 'a fused activation on CONCATENATION is not supported');
  const kind = dataKind(ctx, y.t, 'output');
  const qy = kind === 'int8' ? qparams(ctx, y.t, 'output') : null;
  const elem = kind === 'int8' ? 1 : 4;
  const outer = y.t.shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = y.t.shape.slice(axis + 1).reduce((p, d) => p * d, 1) * elem;
  const parts: { tensor: number; chunk: number }[] = [];
  let total = 0;
  for (let i = 0; i < ctx.op.inputs.length; i++) {
    const x = input(ctx, i);
    sameKind(ctx, x.t, y.t);
    if (x.t.shape.length !== rank || x.t.shape.some((d, k) => k !== axis && d !== y.t.shape[k])) {
      fail(ctx, `input ${i} shape [${x.t.shape}] does not fit output [${y.t.shape}] along axis ${axis}`);
    }
    if (qy) {
      const qx = qparams(ctx, x.t, `input ${i}`);
      if (qx.scale !== qy.scale || qx.zeroPoint !== qy.zeroPoint) fail(ctx, `input ${i} quantization differs from the output's; TFLM requires them equal`);
    }
    total += x.t.shape[axis];
    parts.push({ tensor: x.index, chunk: x.t.shape[axis] * inner });
  }
  if (total !== y.t.shape[axis]) fail(ctx, `inputs add up to ${total} along axis ${axis}, output has ${y.t.shape[axis]}`);
  return { output: y.index, outer, parts };
}

export const CONCATENATION: OpDef<ConcatenationPrepared> = {
  op: 'CONCATENATION',
  builtinCode: 2,
  optionsSlot: 10,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.5.0', 2: '1.14.0' },
  tflm: { resolver: 'AddConcatenation', cmsisNn: [] },
  options: {
    table: 'ConcatenationOptions',
    fields: [['axis', 'i32', 0], ['fused_activation_function', 'i8', 0]],
    read: (f) => ({ axis: f.num('axis'), fusedActivation: f.activation() }),
    write(b, o) {
      const x = o as ConcatenationOptions;
      ConcatTable.startConcatenationOptions(b);
      ConcatTable.addAxis(b, x.axis);
      ConcatTable.addFusedActivationFunction(b, ACT_CODE[x.fusedActivation]);
      return ConcatTable.endConcatenationOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const Y = stores[p.output].bytes;
    const parts = p.parts.map((q) => ({ bytes: stores[q.tensor].bytes, chunk: q.chunk }));
    const { outer } = p;
    return () => {
      let o = 0;
      for (let k = 0; k < outer; k++)
        for (const q of parts) {
          Y.set(q.bytes.subarray(k * q.chunk, (k + 1) * q.chunk), o);
          o += q.chunk;
        }
    };
  },
  native: 'tflm-only',
};
