/** RESHAPE (TFLM reshape.cc): a byte copy; natively the output shares its input's arena region (no code). */
import { numElements, type ReshapeOptions } from '../core/graph.js';
import { byteSize } from '../interp/common.js';
import { ReshapeOptions as ReshapeTable } from '../tflite/generated/tflite/reshape-options.js';
import { fail, input, notSupported, output } from './common.js';
import type { OpContext, OpDef } from './types.js';

export interface ReshapePrepared {
  input: number;
  output: number;
  bytes: number;
}

function prepare(ctx: OpContext): ReshapePrepared {
  const x = input(ctx, 0);
  const y = output(ctx);
  if (x.t.dtype !== y.t.dtype) notSupported(ctx, `input is ${x.t.dtype} but output is ${y.t.dtype}`);
  if (numElements(x.t.shape) !== numElements(y.t.shape)) fail(ctx, `cannot reshape [${x.t.shape}] into [${y.t.shape}]`);
  return { input: x.index, output: y.index, bytes: byteSize(y.t) };
}

export const RESHAPE: OpDef<ReshapePrepared> = {
  op: 'RESHAPE',
  builtinCode: 22,
  optionsSlot: 17,
  version: () => 1,
  minRuntime: { 1: '1.5.0' },
  tflm: { resolver: 'AddReshape', cmsisNn: [] },
  options: {
    table: 'ReshapeOptions',
    fields: [['new_shape', 'i32[]', 0]],
    read(f) {
      const newShape = f.list('new_shape');
      return newShape ? { newShape } : {};
    },
    write(b, o) {
      const x = o as ReshapeOptions;
      const ns = x.newShape ? ReshapeTable.createNewShapeVector(b, x.newShape) : 0;
      ReshapeTable.startReshapeOptions(b);
      if (ns) ReshapeTable.addNewShape(b, ns);
      return ReshapeTable.endReshapeOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const X = stores[p.input].bytes;
    const Y = stores[p.output].bytes;
    return () => Y.set(X);
  },
  native: {
    kernels: ['tf_k_reshape'],
    sources: ['tf_k_elementwise.c'],
    alias: (p, g) => (g.tensors[p.input].data ? null : { output: p.output, input: p.input }),
    emit(p, e) {
      if (!e.graph.tensors[p.input].data) return { kernel: 'alias', call: null };
      const kernel = 'tf_k_reshape';
      return { kernel, call: `${kernel}(${e.constArray(p.input)}, ${e.arena(p.output)}, ${p.bytes}u)` };
    },
  },
};
