/**
 * PAD and PADV2 (TFLM pad.cc PadPrepare + reference/pad.h PadImpl): the input copied into the
 * middle of the output, every other element the pad value — the output zero point for PAD (int8)
 * or 0 (float32), PADV2's scalar constant otherwise. No requantisation: TFLM copies raw values.
 * Up to 4 dimensions here (TFLM: 5).
 *
 * A PAD (or PADV2 padding with the output zero point) whose only reader is a CONV_2D or
 * DEPTHWISE_CONV_2D and which pads only height and width is fused into the convolution's padding
 * by the native generator (src/firmware/native/fuse-pad.ts): the padded elements contribute
 * (zero_point + input_offset) · w = 0 to the sums, exactly what the kernel's skipped out-of-image
 * taps contribute.
 */
import { numElements } from '../core/graph.js';
import { constInt32, dataKind, dtypeAt, emptyOptions, fail, input, notSupported, optionalInput, output, qparams, sameKind } from './common.js';
import type { OpContext, OpDef } from './types.js';

export interface PadPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  /** Shapes padded with leading 1s to rank 4. */
  inDims: number[];
  outDims: number[];
  /** Elements added before each of the 4 dimensions. */
  before: number[];
  /** Elements added after each of the 4 dimensions. */
  after: number[];
  /** PADV2's constant-values tensor, or null: then the pad value is `padValue`. */
  constantTensor: number | null;
  /** The pad value when there is no constant tensor, or the constant's value when it is constant (int8 raw, or float32). */
  padValue: number;
}

function prepare(ctx: OpContext): PadPrepared {
  const x = input(ctx, 0);
  const pads = input(ctx, 1);
  const c = ctx.op.op === 'PADV2' ? optionalInput(ctx, 2) : null;
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  const rank = x.t.shape.length;
  if (rank > 4) notSupported(ctx, `input of rank ${rank} (PAD here takes at most 4 dimensions; TFLM takes 5)`);
  if (y.t.shape.length !== rank) fail(ctx, `output rank ${y.t.shape.length} differs from the input's ${rank}`);
  const p = constInt32(pads.t);
  if (!p || (pads.t.dtype !== 'int32')) notSupported(ctx, `paddings tensor "${pads.t.name}" must be a constant int32 tensor (TFLM requires it)`);
  if (p.length !== rank * 2) fail(ctx, `paddings have ${p.length} values for a rank-${rank} input (need ${rank * 2})`);
  const lead = 4 - rank;
  const before = [0, 0, 0, 0];
  const after = [0, 0, 0, 0];
  for (let d = 0; d < rank; d++) {
    const [b, a] = [p[2 * d], p[2 * d + 1]];
    if (b < 0 || a < 0) fail(ctx, `padding [${b}, ${a}] of dimension ${d} is negative`);
    if (y.t.shape[d] !== x.t.shape[d] + b + a) fail(ctx, `output dimension ${d} is ${y.t.shape[d]}, expected ${x.t.shape[d]} + ${b} + ${a}`);
    before[lead + d] = b;
    after[lead + d] = a;
  }
  const pad4 = (s: number[]) => [...Array(lead).fill(1), ...s];
  let padValue = 0;
  let constantTensor: number | null = null;
  if (kind === 'int8') padValue = qparams(ctx, y.t, 'output').zeroPoint;
  if (c) {
    if (c.t.dtype !== x.t.dtype) notSupported(ctx, `constant values tensor "${c.t.name}" is ${c.t.dtype}, the input ${x.t.dtype}`);
    if (numElements(c.t.shape) !== 1) fail(ctx, `constant values tensor "${c.t.name}" has shape [${c.t.shape}], not one element`);
    if (kind === 'int8') {
      const qc = qparams(ctx, c.t, 'constant values');
      const qy = qparams(ctx, y.t, 'output');
      if (qc.zeroPoint !== qy.zeroPoint || qc.scale !== qy.scale) notSupported(ctx, 'constant values quantised differently from the output (TFLM requires the same scale and zero point)');
    }
    constantTensor = c.index;
    if (c.t.data) {
      const dv = new DataView(c.t.data.buffer, c.t.data.byteOffset, c.t.data.byteLength);
      padValue = kind === 'int8' ? dv.getInt8(0) : dv.getFloat32(0, true);
    }
  }
  return { kind, input: x.index, output: y.index, inDims: pad4(x.t.shape), outDims: pad4(y.t.shape), before, after, constantTensor, padValue };
}

/** For every output element, its input element or -1 (a pad element). */
function sourceMap(p: PadPrepared): Int32Array {
  const [o0, o1, o2, o3] = p.outDims;
  const [i0, i1, i2, i3] = p.inDims;
  const map = new Int32Array(o0 * o1 * o2 * o3);
  let k = 0;
  for (let a = 0; a < o0; a++)
    for (let b = 0; b < o1; b++)
      for (let c = 0; c < o2; c++)
        for (let d = 0; d < o3; d++) {
          const [x0, x1, x2, x3] = [a - p.before[0], b - p.before[1], c - p.before[2], d - p.before[3]];
          const inside = x0 >= 0 && x0 < i0 && x1 >= 0 && x1 < i1 && x2 >= 0 && x2 < i2 && x3 >= 0 && x3 < i3;
          map[k++] = inside ? ((x0 * i1 + x1) * i2 + x2) * i3 + x3 : -1;
        }
  return map;
}

function padDef(op: 'PAD' | 'PADV2'): OpDef<PadPrepared> {
  const v2 = op === 'PADV2';
  return {
    op,
    builtinCode: v2 ? 60 : 34,
    optionsSlot: v2 ? 43 : 22,
    version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
    minRuntime: v2 ? { 1: '1.9.0', 2: '1.14.0' } : { 1: '1.5.0', 2: '1.14.0' },
    tflm: { resolver: v2 ? 'AddPadV2' : 'AddPad', cmsisNn: ['arm_pad_s8'] },
    options: emptyOptions(v2 ? 'PadV2Options' : 'PadOptions'),
    prepare,
    host(p, _ctx, stores) {
      const map = sourceMap(p);
      const n = map.length;
      const X = stores[p.input];
      const Y = stores[p.output];
      const C = p.constantTensor !== null ? stores[p.constantTensor] : null;
      if (p.kind === 'float32') {
        return () => {
          const v = C ? C.f32[0] : p.padValue;
          for (let i = 0; i < n; i++) Y.f32[i] = map[i] < 0 ? v : X.f32[map[i]];
        };
      }
      const xi = X.i8;
      const yi = Y.i8;
      return () => {
        const v = C ? C.i8[0] : p.padValue;
        for (let i = 0; i < n; i++) yi[i] = map[i] < 0 ? v : xi[map[i]];
      };
    },
    native: {
      kernels: ['tf_k_pad_s8'],
      sources: ['tf_k_shape.c'],
      emit(p, e) {
        e.int8('in', 0);
        e.int8('out', 0);
        const c4 = (v: number[]) => `{${v.join(', ')}}`;
        const params = e.struct('tf_pad_params_t', { in_dims: c4(p.inDims), out_dims: c4(p.outDims), before: c4(p.before), pad_value: p.padValue });
        // A PADV2 pad value computed at run time is read from its tensor; otherwise the struct's.
        const value = p.constantTensor !== null && !e.graph.tensors[p.constantTensor].data ? e.input(2, 'int8_t') : 'NULL';
        return { kernel: 'tf_k_pad_s8', call: `tf_k_pad_s8(${params}, ${e.input(0, 'int8_t')}, ${value}, ${e.output('int8_t')})` };
      },
    },
  };
}

export const PAD = padDef('PAD');
export const PADV2 = padDef('PADV2');
