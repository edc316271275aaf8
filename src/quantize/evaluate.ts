/**
 * `tinyforge eval` adapter: loads the float model, the dataset and the int8 model (or quantises
 * the float model on the spot), runs both, and compares (eval.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, existsSync } from 'node:fs';
import { badInput } from '../core/errors.js';
import { numElements } from '../core/graph.js';
import type { TfliteModel } from '../core/graph.js';
import { readTflite } from '../tflite/reader.js';
import { quantize } from './index.js';
import { loadArrayData, loadLayersModelFile } from './io.js';
import { compareOutputs, runInt8, type EvalReport } from './eval.js';

export interface EvaluateOptions {
  model: string;
  data: string;
  tflite?: string;
  rep?: string;
  maxExamples?: number;
}

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

export async function evaluateInt8(o: EvaluateOptions): Promise<EvalReport & { tflite: string | null; modelBytes: number | null }> {
  const model = await loadLayersModelFile(o.model);
  const data = loadArrayData(o.data);
  let tfl: TfliteModel;
  let modelBytes: number | null = null;
  if (o.tflite) {
    if (!existsSync(o.tflite)) throw badInput(`.tflite not found: ${o.tflite}`, { remedy: 'Check the path, or omit --tflite to quantise now.' });
    const bytes = readFileSync(o.tflite);
    modelBytes = bytes.length;
    tfl = readTflite(new Uint8Array(bytes));
  } else {
    const rep = o.rep ? loadArrayData(o.rep) : data;
    const n = Math.min(rep.shape[0], o.maxExamples ?? 1000);
    const per = numElements(rep.shape.slice(1));
    tfl = quantize(model, { x: rep.x.subarray(0, n * per), shape: [n, ...rep.shape.slice(1)] }).model;
  }
  const inShape = tfl.graph.tensors[tfl.graph.inputs[0]].shape;
  if (numElements(inShape) !== numElements(data.shape.slice(1))) {
    throw badInput(`data examples have shape [${data.shape.slice(1)}] but the .tflite input is [${inShape}]`, { remedy: 'Evaluate with data windowed like the model input.' });
  }
  const n = data.shape[0];
  const f = predictFloat(model, data.x, data.shape);
  const q = runInt8(tfl.graph, data.x, n);
  if (f.length !== q.length) throw badInput(`the float model gives ${f.length / n} outputs per example but the .tflite ${q.length / n}`, { remedy: 'Pass the .tflite made from this model.' });
  return { ...compareOutputs(f, q, n, data.y), tflite: o.tflite ?? null, modelBytes };
}
