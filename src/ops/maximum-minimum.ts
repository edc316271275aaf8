/**
 * MAXIMUM and MINIMUM (TFLM maximum_minimum.cc, reference MaximumMinimumBroadcastSlow): the larger
 * (smaller) raw value of the two broadcast inputs. TFLM compares stored values without
 * requantising, so int8 inputs and output are expected to share quantisation; tinyforge, like TFLM,
 * computes on the raw values.
 */
import { numElements } from '../core/graph.js';
import { binaryIO, broadcastIndex, dtypeAt, emptyOptions } from './common.js';
import { broadcastStrides4, outDims4 } from './add-mul.js';
import type { OpContext, OpDef } from './types.js';

export interface MaxMinPrepared {
  kind: 'int8' | 'float32';
  inputA: number;
  inputB: number;
  output: number;
  size: number;
}

function prepare(ctx: OpContext): MaxMinPrepared {
  const { a, b, y, kind } = binaryIO(ctx);
  return { kind, inputA: a.index, inputB: b.index, output: y.index, size: numElements(y.t.shape) };
}

function maxMinDef(op: 'MAXIMUM' | 'MINIMUM'): OpDef<MaxMinPrepared> {
  const isMax = op === 'MAXIMUM';
  const kernel = isMax ? 'tf_k_maximum_s8' : 'tf_k_minimum_s8';
  return {
    op,
    builtinCode: isMax ? 55 : 57,
    optionsSlot: 39,
    version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
    minRuntime: { 1: '1.14.0', 2: '1.14.0' },
    tflm: { resolver: isMax ? 'AddMaximum' : 'AddMinimum', cmsisNn: [isMax ? 'arm_maximum_s8' : 'arm_minimum_s8'] },
    options: emptyOptions('MaximumMinimumOptions'),
    prepare,
    host(p, ctx, stores) {
      const n = p.size;
      const yShape = ctx.graph.tensors[p.output].shape;
      const ia = broadcastIndex(ctx.graph.tensors[p.inputA].shape, yShape);
      const ib = broadcastIndex(ctx.graph.tensors[p.inputB].shape, yShape);
      const [A, B, Y] = [stores[p.inputA], stores[p.inputB], stores[p.output]];
      const [av, bv, yv] = p.kind === 'float32' ? [A.f32, B.f32, Y.f32] : [A.i8, B.i8, Y.i8];
      return () => {
        for (let i = 0; i < n; i++) {
          const u = av[ia ? ia[i] : i];
          const w = bv[ib ? ib[i] : i];
          yv[i] = isMax ? (u > w ? u : w) : u < w ? u : w;
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
        const outShape = e.graph.tensors[p.output].shape;
        const c4 = (v: number[]) => `{${v.join(', ')}}`;
        const params = e.struct('tf_binary_params_t', {
          out_dims: c4(outDims4(outShape)),
          in1_strides: c4(broadcastStrides4(e, e.graph.tensors[p.inputA].shape, outShape)),
          in2_strides: c4(broadcastStrides4(e, e.graph.tensors[p.inputB].shape, outShape)),
        });
        return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.input(1, 'int8_t')}, ${e.output('int8_t')})` };
      },
    },
  };
}

export const MAXIMUM = maxMinDef('MAXIMUM');
export const MINIMUM = maxMinDef('MINIMUM');
