/**
 * Float vs int8 comparison on a dataset: accuracy of each (when labels are given), how often the
 * two agree on the class, the accuracy the int8 model costs, and the output error. Pure.
 */
import type { Graph } from '../core/graph.js';
import type { Saturation } from '../interp/saturation.js';
import { numElements } from '../core/graph.js';
import { createInterpreter, dequantizeOutput, quantizeInput } from '../interp/index.js';

export interface EvalReport {
  examples: number;
  classes: number;
  /** Fraction of examples classified correctly (null without labels). */
  floatAccuracy: number | null;
  int8Accuracy: number | null;
  /** floatAccuracy − int8Accuracy (positive: int8 is worse). */
  accuracyCost: number | null;
  /** Fraction of examples where float and int8 pick the same class. */
  agreement: number;
  /** Largest / mean |float − dequantised int8| over all outputs. */
  maxAbsError: number;
  meanAbsError: number;
  /** Input / output values int8 clamped (src/interp/saturation.ts); set by evaluateInt8. */
  saturation?: Saturation;
}

export function argmax(v: ArrayLike<number>, start: number, len: number): number {
  let best = 0;
  for (let j = 1; j < len; j++) if (v[start + j] > v[start + best]) best = j;
  return best;
}

/**
 * Compare float outputs with dequantised int8 outputs, both [n, classes] row-major. A single
 * output (classes = 1) is read as a sigmoid probability with threshold 0.5.
 */
export function compareOutputs(floatOut: Float32Array, int8Out: Float32Array, n: number, y?: Int32Array): EvalReport {
  if (n < 1 || floatOut.length !== int8Out.length || floatOut.length % n !== 0) {
    throw new RangeError(`outputs of ${floatOut.length} and ${int8Out.length} values do not split into ${n} examples`);
  }
  const c = floatOut.length / n;
  const cls = (v: Float32Array, i: number) => (c === 1 ? (v[i] >= 0.5 ? 1 : 0) : argmax(v, i * c, c));
  let agree = 0;
  let fOk = 0;
  let qOk = 0;
  let maxErr = 0;
  let sumErr = 0;
  for (let i = 0; i < n; i++) {
    const a = cls(floatOut, i);
    const b = cls(int8Out, i);
    if (a === b) agree++;
    if (y) {
      if (a === y[i]) fOk++;
      if (b === y[i]) qOk++;
    }
  }
  for (let k = 0; k < floatOut.length; k++) {
    const e = Math.abs(floatOut[k] - int8Out[k]);
    sumErr += e;
    if (e > maxErr) maxErr = e;
  }
  const fa = y ? fOk / n : null;
  const qa = y ? qOk / n : null;
  return {
    examples: n,
    classes: c,
    floatAccuracy: fa,
    int8Accuracy: qa,
    accuracyCost: fa !== null && qa !== null ? fa - qa : null,
    agreement: agree / n,
    maxAbsError: maxErr,
    meanAbsError: sumErr / floatOut.length,
  };
}

/**
 * Run an int8 (or float-I/O) TFLite graph over n examples with the host reference interpreter:
 * float inputs are quantised as TFLM's QUANTIZE does, outputs dequantised. Returns [n, outSize].
 */
export function runInt8(graph: Graph, x: Float32Array, n: number, int8?: Uint8Array[]): Float32Array {
  const interp = createInterpreter(graph);
  const per = numElements(graph.tensors[graph.inputs[0]].shape);
  if (x.length !== n * per) throw new RangeError(`${x.length} input values do not make ${n} examples of ${per}`);
  const outPer = numElements(graph.tensors[graph.outputs[0]].shape);
  const out = new Float32Array(n * outPer);
  for (let i = 0; i < n; i++) {
    const raw = interp.invoke([int8 ? int8[i] : quantizeInput(graph, x.subarray(i * per, (i + 1) * per))])[0];
    out.set(dequantizeOutput(graph, raw), i * outPer);
  }
  return out;
}

/** What int8 costs, in words that never say a negative cost: "1.20 points", "nothing", or "gains 0.35 points". */
export function int8CostText(accuracyCost: number | null): string {
  if (accuracyCost === null) return 'n/a';
  const pts = Math.abs(100 * accuracyCost).toFixed(2);
  if (pts === '0.00') return 'nothing';
  return accuracyCost > 0 ? `${pts} points` : `nothing (int8 gains ${pts} points)`;
}
