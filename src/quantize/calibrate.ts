/**
 * Calibration: runs the lowered float graph (lower.ts) with tfjs ops over the representative set
 * and records the min/max of every activation tensor. Running the lowered graph rather than the
 * Keras model gives ranges for exactly the tensors the int8 graph has (pre-activation outputs,
 * BatchNormalization already folded), and its output doubles as a check of the lowering.
 */
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../core/errors.js';
import { numElements } from '../core/graph.js';
import type { FloatGraph, FTensor } from './lower.js';

export interface Range {
  min: number;
  max: number;
}

export interface CalibrationResult {
  /** Per tensor index (activations only; undefined for constants). */
  ranges: (Range | undefined)[];
  /** Float output of the lowered graph for every example, [n, ...outputShape without batch]. */
  output: Float32Array;
}

/** Runs `x` ([n, ...input shape]) through the float graph in batches. */
export function calibrate(g: FloatGraph, x: Float32Array, n: number, opts: { batchSize?: number } = {}): CalibrationResult {
  const inT = g.tensors[g.inputs[0]];
  const per = numElements(inT.shape);
  if (n < 1 || x.length !== n * per) {
    throw badInput(`representative data has ${x.length} values; expected ${n} examples × ${per} (input shape [${inT.shape.slice(1)}])`, {
      remedy: 'Provide representative examples shaped like the model input.',
    });
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw badInput(`representative value ${i} is not finite (${x[i]})`, { remedy: 'Remove NaN/Inf values from the data.' });
  }
  const ranges: (Range | undefined)[] = g.tensors.map(() => undefined);
  const outT = g.tensors[g.outputs[0]];
  const outPer = numElements(outT.shape);
  const output = new Float32Array(n * outPer);
  const bs = opts.batchSize ?? 128;
  const consts = new Map<number, tf.Tensor>();
  const constOf = (i: number, f: (t: FTensor) => tf.Tensor) => {
    let c = consts.get(i);
    if (!c) consts.set(i, (c = f(g.tensors[i])));
    return c;
  };
  try {
    for (let start = 0; start < n; start += bs) {
      const b = Math.min(bs, n - start);
      tf.tidy(() => {
        const vals = new Map<number, tf.Tensor>();
        const record = (i: number, t: tf.Tensor) => {
          vals.set(i, t);
          const mn = t.min().dataSync()[0];
          const mx = t.max().dataSync()[0];
          const r = ranges[i];
          ranges[i] = r ? { min: Math.min(r.min, mn), max: Math.max(r.max, mx) } : { min: mn, max: mx };
        };
        const batchShape = (s: number[]) => [b, ...s.slice(1)];
        record(g.inputs[0], tf.tensor(x.subarray(start * per, (start + b) * per), batchShape(inT.shape)));
        for (const op of g.operators) {
          const inp = (k: number) => vals.get(op.inputs[k]) as tf.Tensor;
          const outShape = g.tensors[op.outputs[0]].shape;
          const bias = (k: number) => (op.inputs[k] >= 0 ? constOf(op.inputs[k], (t) => tf.keep(tf.tensor1d(t.data as Float32Array))) : null);
          let y: tf.Tensor;
          switch (op.op) {
            case 'FULLY_CONNECTED': {
              const w = constOf(op.inputs[1], (t) => tf.keep(tf.tensor2d(t.data as Float32Array, t.shape as [number, number])));
              const x2 = inp(0).reshape([b, w.shape[1] as number]) as tf.Tensor2D;
              y = tf.matMul(x2, w as tf.Tensor2D, false, true);
              const bb = bias(2);
              if (bb) y = y.add(bb);
              y = applyAct(y, op.options.fusedActivation);
              break;
            }
            case 'CONV_2D': {
              // TFLite [out, kh, kw, in] → tfjs [kh, kw, in, out]
              const w = constOf(op.inputs[1], (t) => tf.keep(tf.tensor4d(t.data as Float32Array, t.shape as [number, number, number, number]).transpose([1, 2, 3, 0])));
              const o = op.options;
              y = tf.conv2d(inp(0) as tf.Tensor4D, w as tf.Tensor4D, [o.strideH, o.strideW], o.padding === 'SAME' ? 'same' : 'valid', 'NHWC', [o.dilationH, o.dilationW]);
              const bb = bias(2);
              if (bb) y = y.add(bb);
              y = applyAct(y, o.fusedActivation);
              break;
            }
            case 'DEPTHWISE_CONV_2D': {
              const o = op.options;
              const x4 = inp(0) as tf.Tensor4D;
              const inC = x4.shape[3];
              // TFLite [1, kh, kw, in*mult] → tfjs [kh, kw, in, mult]
              const w = constOf(op.inputs[1], (t) => tf.keep(tf.tensor4d(t.data as Float32Array, [t.shape[1], t.shape[2], inC, t.shape[3] / inC])));
              y = tf.depthwiseConv2d(x4, w as tf.Tensor4D, [o.strideH, o.strideW], o.padding === 'SAME' ? 'same' : 'valid', 'NHWC', [o.dilationH, o.dilationW]);
              const bb = bias(2);
              if (bb) y = y.add(bb);
              y = applyAct(y, o.fusedActivation);
              break;
            }
            case 'MAX_POOL_2D':
            case 'AVERAGE_POOL_2D': {
              const o = op.options;
              const f = op.op === 'MAX_POOL_2D' ? tf.maxPool : tf.avgPool;
              y = f(inp(0) as tf.Tensor4D, [o.filterH, o.filterW], [o.strideH, o.strideW], o.padding === 'SAME' ? 'same' : 'valid');
              y = applyAct(y, o.fusedActivation);
              break;
            }
            case 'RESHAPE':
              y = inp(0).reshape(batchShape(outShape));
              break;
            case 'MEAN': {
              const axes = Array.from(g.tensors[op.inputs[1]].ints as Int32Array);
              y = tf.mean(inp(0), axes, op.options.keepDims);
              break;
            }
            case 'CONCATENATION':
              y = applyAct(tf.concat(op.inputs.map((_, k) => inp(k)), op.options.axis), op.options.fusedActivation);
              break;
            case 'ADD':
              y = applyAct(tf.add(inp(0), inp(1)), op.options.fusedActivation);
              break;
            case 'SOFTMAX':
              y = tf.softmax(op.options.beta === 1 ? inp(0) : inp(0).mul(op.options.beta));
              break;
            case 'LOGISTIC':
              y = tf.sigmoid(inp(0));
              break;
            case 'TANH':
              y = tf.tanh(inp(0));
              break;
            case 'RELU':
              y = tf.relu(inp(0));
              break;
            case 'RELU6':
              y = tf.relu6(inp(0));
              break;
            default:
              throw new Error(`internal: calibration has no float kernel for ${op.op}`);
          }
          record(op.outputs[0], y);
        }
        output.set((vals.get(g.outputs[0]) as tf.Tensor).dataSync(), start * outPer);
      });
    }
  } finally {
    for (const c of consts.values()) c.dispose();
  }
  return { ranges, output };
}

function applyAct(y: tf.Tensor, a: string): tf.Tensor {
  switch (a) {
    case 'NONE':
      return y;
    case 'RELU':
      return tf.relu(y);
    case 'RELU6':
      return tf.relu6(y);
    case 'RELU_N1_TO_1':
      return tf.clipByValue(y, -1, 1);
    case 'TANH':
      return tf.tanh(y);
    default:
      throw new Error(`internal: fused activation ${a}`);
  }
}
