/** MEAN (TFLM reduce.cc + reference/reduce.h QuantizedMeanOrSum): 1/n folded into the multiplier at Prepare. */
import { numElements, type MeanOptions } from '../core/graph.js';
import { ReducerOptions as ReducerTable } from '../tflite/generated/tflite/reducer-options.js';
import { mulByQuantizedMultiplier } from '../interp/fixedpoint.js';
import { constInt32, dataKind, dtypeAt, fail, input, notSupported, output, qparams, scalesOf, sameKind } from './common.js';
import { meanMultiplier, quantizeMultiplier } from './quant.js';
import type { NativeEmitter, OpContext, OpDef } from './types.js';

const fr = Math.fround;

export interface MeanPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  inShape: number[];
  /** Reduced axes, resolved (non-negative, distinct), in the order given. */
  axes: number[];
  inCount: number;
  outCount: number;
  /** Elements summed into each output. */
  reduced: number;
  // int8 only:
  inputZeroPoint: number;
  outputZeroPoint: number;
  multiplier: number;
  shift: number;
}

/**
 * The int8 checks of the native MEAN and the fields of the C tf_mean_params_t (shape padded with
 * leading 1s to 4-D), shared with the DSP mean kernel.
 */
export function meanParamsFields(p: MeanPrepared, e: NativeEmitter): Record<string, string | number> {
  e.int8('in', 0);
  e.int8('out', 0);
  const rank = p.inShape.length;
  e.need(rank <= 4, `a ${rank}-D input`);
  e.need(p.reduced > 0, 'an empty reduction');
  const pad = 4 - rank;
  const dims = [...Array(pad).fill(1), ...p.inShape];
  const reduce = [0, 0, 0, 0];
  for (const a of p.axes) reduce[a + pad] = 1;
  return {
    dims: `{${dims.join(', ')}}`,
    reduce: `{${reduce.join(', ')}}`,
    num_elements_in_axis: p.reduced,
    input_zero_point: p.inputZeroPoint,
    output_zero_point: p.outputZeroPoint,
    multiplier: p.multiplier,
    shift: p.shift,
  };
}

function prepare(ctx: OpContext): MeanPrepared {
  const x = input(ctx, 0);
  const axisT = input(ctx, 1);
  const y = output(ctx);
  const kind = dataKind(ctx, x.t, 'input');
  sameKind(ctx, x.t, y.t);
  const axesRaw = constInt32(axisT.t);
  if (!axesRaw || axisT.t.dtype !== 'int32') notSupported(ctx, 'the axis tensor must be a constant int32 tensor');
  const rank = x.t.shape.length;
  const axes: number[] = [];
  for (const a of axesRaw) {
    const r = a < 0 ? a + rank : a;
    if (r < 0 || r >= rank) fail(ctx, `axis ${a} is out of range for rank ${rank}`);
    if (!axes.includes(r)) axes.push(r);
  }
  const inShape = x.t.shape;
  const outCount = inShape.reduce((p, d, i) => (axes.includes(i) ? p : p * d), 1);
  if (numElements(y.t.shape) !== outCount) fail(ctx, `output shape [${y.t.shape}] does not match reducing [${inShape}] over axes [${axes}]`);
  const inCount = numElements(inShape);
  const reduced = inCount / Math.max(outCount, 1);
  const base = { kind, input: x.index, output: y.index, inShape, axes, inCount, outCount, reduced };
  if (kind === 'float32') return { ...base, inputZeroPoint: 0, outputZeroPoint: 0, multiplier: 0, shift: 0 };
  const inQ = qparams(ctx, x.t, 'input');
  const outQ = qparams(ctx, y.t, 'output');
  let m = quantizeMultiplier(inQ.scale / outQ.scale, scalesOf(['input', x.t], ['output', y.t]));
  if (reduced > 0) m = meanMultiplier(m, reduced);
  return { ...base, inputZeroPoint: inQ.zeroPoint, outputZeroPoint: outQ.zeroPoint, multiplier: m.multiplier, shift: m.shift };
}

export const MEAN: OpDef<MeanPrepared> = {
  op: 'MEAN',
  builtinCode: 40,
  optionsSlot: 27,
  version: (o, g) => (dtypeAt(g, o.inputs[0]) === 'int8' ? 2 : 1),
  minRuntime: { 1: '1.6.0', 2: '1.14.0' },
  // TFLM's MEAN has no CMSIS-NN path (reduce.cc runs the reference kernel).
  tflm: { resolver: 'AddMean', cmsisNn: [] },
  options: {
    table: 'ReducerOptions',
    fields: [['keep_dims', 'bool', false]],
    read: (f) => ({ keepDims: f.bool('keep_dims') }),
    write(b, o) {
      ReducerTable.startReducerOptions(b);
      ReducerTable.addKeepDims(b, (o as MeanOptions).keepDims);
      return ReducerTable.endReducerOptions(b);
    },
  },
  prepare,
  host(p, _ctx, stores) {
    const { inShape, axes, inCount, outCount, reduced } = p;
    const rank = inShape.length;
    // For every input element, the output element it accumulates into (TFLM ReducedOutputOffset).
    const outIndex = new Int32Array(inCount);
    {
      const idx = new Array<number>(rank).fill(0);
      for (let i = 0; i < inCount; i++) {
        let off = 0;
        for (let d = 0; d < rank; d++) if (!axes.includes(d)) off = off * inShape[d] + idx[d];
        outIndex[i] = off;
        for (let d = rank - 1; d >= 0; d--) {
          if (++idx[d] < inShape[d]) break;
          idx[d] = 0;
        }
      }
    }
    const X = stores[p.input];
    const Y = stores[p.output];
    if (p.kind === 'float32') {
      const sum = new Float32Array(outCount);
      const xf = X.f32;
      const yf = Y.f32;
      return () => {
        sum.fill(0);
        for (let i = 0; i < inCount; i++) sum[outIndex[i]] = sum[outIndex[i]] + xf[i];
        for (let o = 0; o < outCount; o++) yf[o] = reduced > 0 ? fr(sum[o] / reduced) : 0;
      };
    }
    const { inputZeroPoint: inZp, outputZeroPoint: outZp, multiplier, shift } = p;
    const sum = new Int32Array(outCount);
    const xi = X.i8;
    const yi = Y.i8;
    return () => {
      sum.fill(0);
      for (let i = 0; i < inCount; i++) sum[outIndex[i]] += xi[i];
      for (let o = 0; o < outCount; o++) {
        const shifted = (sum[o] - inZp * reduced) | 0;
        let v = mulByQuantizedMultiplier(shifted, multiplier, shift) + outZp;
        v = v < -128 ? -128 : v > 127 ? 127 : v;
        yi[o] = v;
      }
    };
  },
  native: {
    kernels: ['tf_k_mean_s8'],
    sources: ['tf_k_pool.c'],
    emit(p, e) {
      const params = e.struct('tf_mean_params_t', meanParamsFields(p, e));
      const kernel = 'tf_k_mean_s8';
      return { kernel, call: `${kernel}(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
