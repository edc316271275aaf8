/**
 * Saturation: where int8 stops telling the truth. An input value outside the input tensor's
 * representable range [(−128 − zp)·scale, (127 − zp)·scale] is clamped by QUANTIZE; an output at
 * −128 or 127 is clamped too, unless its producer's range is bounded by construction (SOFTMAX,
 * LOGISTIC, TANH map onto the int8 range exactly, so their rails are ordinary values). `infer`,
 * `eval` and `verify` count both and warn: a saturated value is a silently wrong answer (the
 * lecture's y = 2x − 1 calibrated on x = −1…4 answers 7.01 for x = 10, not 19).
 */
import type { Graph } from '../core/graph.js';

/** Ops whose int8 output covers their whole (bounded) range: a value at the rail is not saturation. */
const BOUNDED_OUTPUT_OPS = new Set(['SOFTMAX', 'LOGISTIC', 'TANH']);

export interface Saturation {
  /** Input values outside the int8 input's range (clamped), of `inputValues`. */
  inputs: number;
  inputValues: number;
  /** Output values at an int8 rail of an unbounded output, of `outputValues`. */
  outputs: number;
  outputValues: number;
}

export const NO_SATURATION: Saturation = { inputs: 0, inputValues: 0, outputs: 0, outputValues: 0 };

/** The real-valued range an int8 tensor can represent, or null (not int8 / no quantisation). */
export function int8Range(graph: Graph, tensor: number): [number, number] | null {
  const t = graph.tensors[tensor];
  if (t.dtype !== 'int8' || !t.quant?.scale.length) return null;
  const s = Math.fround(t.quant.scale[0]);
  const zp = t.quant.zeroPoint[0] ?? 0;
  return [(-128 - zp) * s, (127 - zp) * s];
}

/** How many of the real-valued `x` for input `index` fall outside its int8 range (half a step of slack, as rounding allows). */
export function inputSaturation(graph: Graph, x: ArrayLike<number>, index = 0): number {
  const ti = graph.inputs[index];
  const r = int8Range(graph, ti);
  if (!r) return 0;
  const half = Math.fround(graph.tensors[ti].quant!.scale[0]) / 2;
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] < r[0] - half || x[i] >= r[1] + half || Number.isNaN(x[i])) n++;
  return n;
}

/** How many values of the int8 inputs `xs` (raw bytes, one per example) sit at −128 or 127: clamped when they were made (0 when the input is not int8). */
export function int8InputsAtRail(graph: Graph, xs: readonly Uint8Array[], index = 0): number {
  if (graph.tensors[graph.inputs[index]].dtype !== 'int8') return 0;
  let n = 0;
  for (const x of xs) for (const v of new Int8Array(x.buffer, x.byteOffset, x.byteLength)) if (v === -128 || v === 127) n++;
  return n;
}

/** Whether output `index` can saturate (int8, not produced by an op with a bounded range). */
export function outputCanSaturate(graph: Graph, index = 0): boolean {
  const ti = graph.outputs[index];
  if (!int8Range(graph, ti)) return false;
  const producer = graph.operators.find((o) => o.outputs.includes(ti));
  return !producer || !BOUNDED_OUTPUT_OPS.has(producer.op);
}

/** How many values of raw int8 output `index` sit at −128 or 127 (0 when the output cannot saturate). */
export function outputSaturation(graph: Graph, raw: Uint8Array, index = 0): number {
  if (!outputCanSaturate(graph, index)) return 0;
  const q = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  let n = 0;
  for (const v of q) if (v === -128 || v === 127) n++;
  return n;
}

/** Adds two counts. */
export function addSaturation(a: Saturation, b: Saturation): Saturation {
  return { inputs: a.inputs + b.inputs, inputValues: a.inputValues + b.inputValues, outputs: a.outputs + b.outputs, outputValues: a.outputValues + b.outputValues };
}

/**
 * The warning for a count, or null when nothing saturated. Names the ranges and the remedy:
 * calibrate over the inputs the model will see.
 */
export function saturationWarning(graph: Graph, s: Saturation): string | null {
  if (!s.inputs && !s.outputs) return null;
  const fmt = (r: [number, number] | null) => (r ? `${+r[0].toPrecision(4)} … ${+r[1].toPrecision(4)}` : '?');
  const parts: string[] = [];
  if (s.inputs) parts.push(`${s.inputs} of ${s.inputValues} input values outside the int8 input's range ${fmt(int8Range(graph, graph.inputs[0]))} (clamped)`);
  if (s.outputs) parts.push(`${s.outputs} of ${s.outputValues} output values at the int8 limit of ${fmt(int8Range(graph, graph.outputs[0]))} (clamped)`);
  return (
    `warning: int8 saturated: ${parts.join('; ')}. These answers are wrong, not approximate: the model was calibrated on a narrower range than these inputs. ` +
    'Re-quantise with representative data covering them (for the lecture regression: tinyforge train --example regression --calibration-range LO:HI, then tinyforge convert).'
  );
}
