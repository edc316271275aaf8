/**
 * Float vs int8 evaluation over loaded data (used by `tinyforge eval` and the bench): runs the
 * tfjs float model and the int8 model on the host reference interpreter and compares (eval.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../core/errors.js';
import { numElements } from '../core/graph.js';
import type { Graph } from '../core/graph.js';
import { inputSaturation, int8InputsAtRail, int8Range, outputCanSaturate, type Saturation } from '../interp/saturation.js';
import { compareOutputs, runInt8, type EvalReport } from './eval.js';
import type { ArrayData } from './array-data.js';

/** Float model outputs for [n, ...] inputs, in batches. */
export function predictFloat(model: tf.LayersModel, x: Float32Array, shape: number[], batch = 256): Float32Array {
  const n = shape[0];
  const per = numElements(shape.slice(1));
  const parts: Float32Array[] = [];
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s);
    parts.push(tf.tidy(() => (model.predict(tf.tensor(x.subarray(s * per, (s + b) * per), [b, ...shape.slice(1)])) as tf.Tensor).dataSync() as Float32Array));
  }
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Compare the float model with an int8 graph on `data` (labels optional). */
export function evaluateInt8(model: tf.LayersModel, graph: Graph, data: ArrayData): EvalReport {
  const inShape = graph.tensors[graph.inputs[0]].shape;
  if (numElements(inShape) !== numElements(data.shape.slice(1))) {
    throw badInput(`data examples have shape [${data.shape.slice(1)}] but the .tflite input is [${inShape}]`, { remedy: 'Evaluate with data windowed like the model input.' });
  }
  const n = data.shape[0];
  const f = predictFloat(model, data.x, data.shape);
  const q = runInt8(graph, data.x, n, data.int8);
  if (f.length !== q.length) {
    throw badInput(`the float model gives ${f.length / n} outputs per example but the .tflite ${q.length / n}`, { remedy: 'Pass the .tflite made from this model.' });
  }
  return { ...compareOutputs(f, q, n, data.y), saturation: evalSaturation(graph, data.x, q, data.int8) };
}

/**
 * Saturated input values and output values (of the dequantised int8 outputs `q`). The inputs
 * counted are the ones the int8 model ran on: `int8` when given (a feature block's integer fold —
 * the float features `x` are not what the board quantises), counted at −128/127 as verify does;
 * else `x` outside the input tensor's range.
 */
export function evalSaturation(graph: Graph, x: Float32Array, q: Float32Array, int8?: readonly Uint8Array[]): Saturation {
  let outputs = 0;
  const r = outputCanSaturate(graph) ? int8Range(graph, graph.outputs[0]) : null;
  if (r) {
    const tol = Math.fround(graph.tensors[graph.outputs[0]].quant!.scale[0]) / 4;
    for (const v of q) if (Math.abs(v - r[0]) < tol || Math.abs(v - r[1]) < tol) outputs++;
  }
  const inputs = int8 ? int8InputsAtRail(graph, int8) : inputSaturation(graph, x);
  return { inputs, inputValues: int8 ? int8.reduce((a, b) => a + b.byteLength, 0) : x.length, outputs, outputValues: q.length };
}
