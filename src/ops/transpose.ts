/**
 * TRANSPOSE (TFLM transpose_common.cc TransposePrepare + reference/transpose.h): output dimension
 * d is input dimension perm[d]; raw values are moved, never requantised. perm must be a constant
 * permutation (TFLM refuses a non-constant one). Up to 4 dimensions here (TFLM: 5).
 */
import { dataKind, constInt32, dtypeAt, emptyOptions, fail, input, notSupported, output, sameKind } from './common.js';
import type { OpContext, OpDef } from './types.js';

export interface TransposePrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  /** Output shape padded with leading 1s to rank 4. */
  outDims: number[];
  /** For each output dimension (rank 4), the input element stride it walks. */
  strides: number[];
}

function prepare(ctx: OpContext): TransposePrepared {
  const x = input(ctx, 0);
  const perm = input(ctx, 1);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  const rank = x.t.shape.length;
  if (rank > 4) notSupported(ctx, `input of rank ${rank} (TRANSPOSE here takes at most 4 dimensions; TFLM takes 5)`);
  const p = constInt32(perm.t);
  if (!p || perm.t.dtype !== 'int32') notSupported(ctx, `perm tensor "${perm.t.name}" must be a constant int32 tensor (TFLM requires it)`);
  if (p.length !== rank || new Set(p).size !== rank || p.some((v) => v < 0 || v >= rank)) fail(ctx, `perm [${p}] is not a permutation of ${rank} dimensions`);
  const inStride = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) inStride[d] = inStride[d + 1] * x.t.shape[d + 1];
  const outShape = Array.from(p, (v) => x.t.shape[v]);
  if (y.t.shape.length !== rank || y.t.shape.some((d, i) => d !== outShape[i])) fail(ctx, `output shape [${y.t.shape}] should be [${outShape}]`);
  const lead = 4 - rank;
  return { kind, input: x.index, output: y.index, outDims: [...Array(lead).fill(1), ...outShape], strides: [...Array(lead).fill(0), ...Array.from(p, (v) => inStride[v])] };
}

export const TRANSPOSE: OpDef<TransposePrepared> = {
  op: 'TRANSPOSE',
  builtinCode: 39,
  optionsSlot: 26,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.6.0', 2: '1.14.0' },
  tflm: { resolver: 'AddTranspose', cmsisNn: ['arm_transpose_s8'] },
  options: emptyOptions('TransposeOptions'),
  prepare,
  host(p, _ctx, stores) {
    const [d0, d1, d2, d3] = p.outDims;
    const [s0, s1, s2, s3] = p.strides;
    const X = stores[p.input];
    const Y = stores[p.output];
    const [xv, yv] = p.kind === 'float32' ? [X.f32, Y.f32] : [X.i8, Y.i8];
    return () => {
      let o = 0;
      for (let a = 0; a < d0; a++)
        for (let b = 0; b < d1; b++)
          for (let c = 0; c < d2; c++)
            for (let d = 0; d < d3; d++) yv[o++] = xv[a * s0 + b * s1 + c * s2 + d * s3];
    };
  },
  native: {
    kernels: ['tf_k_transpose_s8'],
    sources: ['tf_k_shape.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('out', 0);
      const c4 = (v: number[]) => `{${v.join(', ')}}`;
      const params = e.struct('tf_transpose_params_t', { out_dims: c4(p.outDims), strides: c4(p.strides) });
      return { kernel: 'tf_k_transpose_s8', call: `tf_k_transpose_s8(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
