/**
 * SHAPE (TFLM shape.cc): the input's dimensions as an int32 vector. Shapes are static in a
 * flatbuffer model (TFLM never resizes tensors), so the value is known when the graph is read:
 * src/interp/fold.ts folds SHAPE — and the int32 arithmetic converters hang off it, e.g.
 * SHAPE → STRIDED_SLICE → PACK → RESHAPE's new shape — into constants before the interpreter or
 * the native generator run the graph. The TFLM engine keeps the op (the .tflite is shipped as it
 * is). The host kernel is what the fold evaluates; natively nothing is left to run.
 */
import type { ShapeOptions } from '../core/graph.js';
import { fail, input, notSupported, output } from './common.js';
import type { OpContext, OpDef } from './types.js';

/** TensorType INT32 (schema.fbs). TFLM's SHAPE writes int32 only. */
const INT32 = 2;

export interface ShapePrepared {
  output: number;
  dims: number[];
}

function prepare(ctx: OpContext): ShapePrepared {
  const x = input(ctx, 0);
  const y = output(ctx);
  const o = ctx.op.options as ShapeOptions;
  if (o.outType !== INT32 || y.t.dtype !== 'int32') notSupported(ctx, `output "${y.t.name}" is ${y.t.dtype} (out_type ${o.outType}); TFLM's SHAPE writes int32 only`);
  const rank = x.t.shape.length;
  if (y.t.shape.length !== 1 || y.t.shape[0] !== rank) fail(ctx, `output shape [${y.t.shape}] should be [${rank}] (the input's rank)`);
  return { output: y.index, dims: [...x.t.shape] };
}

export const SHAPE: OpDef<ShapePrepared> = {
  op: 'SHAPE',
  builtinCode: 77,
  optionsSlot: 55,
  version: () => 1,
  // runtime_version.cc: {{BuiltinOperator_SHAPE, 1}, "1.10.0"}.
  minRuntime: { 1: '1.10.0' },
  tflm: { resolver: 'AddShape', cmsisNn: [] },
  options: {
    // ShapeOptions { out_type: TensorType } (schema.fbs; a byte enum).
    table: 'ShapeOptions',
    fields: [['out_type', 'i8', 0]],
    read: (f) => ({ outType: f.num('out_type') }),
    write(b, o) {
      b.startObject(1);
      b.addFieldInt8(0, (o as ShapeOptions).outType, 0);
      return b.endObject();
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const Y = stores[p.output].i32;
    return () => p.dims.forEach((d, i) => (Y[i] = d));
  },
  // Folded away before native generation (src/interp/fold.ts): the native engine never sees it.
  native: 'tflm-only',
};
