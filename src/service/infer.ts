/**
 * Service: the infer step. A .tflite's bytes and its inputs (raw tensor bytes, or real values for
 * input 0, quantised with its scale and zero point) → every output's raw values, dequantised values
 * and arg-max, run on the host reference interpreter (bit-exact with TFLM's reference kernels),
 * with the saturated inputs and outputs counted (src/interp/saturation.ts).
 */
import { TinyforgeError, badInput, usageError } from '../core/errors.js';
import { DTYPE_BYTES, numElements, type Graph } from '../core/graph.js';
import { createInterpreter, dequantizeOutput, quantizeInput } from '../interp/index.js';
import { inputSaturation, outputSaturation, saturationWarning, type Saturation } from '../interp/saturation.js';
import { readTflite } from '../tflite/reader.js';

export interface InferInput {
  /** The .tflite bytes, and where they came from (for messages). */
  model: Uint8Array;
  source: string;
  /** Raw bytes of every input, in order (each exactly the tensor's size) … */
  inputs?: { bytes: Uint8Array; source: string }[];
  /** … or real values for input 0. */
  values?: number[];
}

export interface InferOutput {
  index: number;
  tensor: number;
  name: string;
  dtype: string;
  shape: number[];
  bytes: number;
  /** Raw element values in the tensor's dtype. */
  values: number[];
  /** Real values (int8 with quantisation, or float32). */
  dequantized?: number[];
  argmax: number;
}

export interface InferResult {
  outputs: InferOutput[];
  /** The raw output bytes, for writing to files. */
  raw: Uint8Array[];
  saturation: Saturation;
  /** A warning naming the saturated values and the remedy, or null. */
  warning: string | null;
}

/** Typed element values of raw tensor bytes (int8/float32/int32/uint8/int16). */
function elementValues(graph: Graph, tensorIndex: number, raw: Uint8Array): number[] {
  const b = raw.slice().buffer;
  switch (graph.tensors[tensorIndex].dtype) {
    case 'int8':
      return Array.from(new Int8Array(b));
    case 'uint8':
      return Array.from(new Uint8Array(b));
    case 'int16':
      return Array.from(new Int16Array(b));
    case 'int32':
      return Array.from(new Int32Array(b));
    case 'float32':
      return Array.from(new Float32Array(b));
    default:
      return Array.from(raw);
  }
}

function argMax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export function inferStage(i: InferInput): InferResult {
  if (!i.inputs?.length && i.values === undefined) throw usageError('no input given', { remedy: 'Pass --input FILE (raw tensor bytes) or --values "1,2,3".' });
  if (i.inputs?.length && i.values !== undefined) throw usageError('give either --input or --values, not both');
  let graph: Graph;
  try {
    graph = readTflite(i.model).graph;
  } catch (e) {
    if (e instanceof TinyforgeError) throw new TinyforgeError(e.kind, `${i.source}: ${e.message}`, { remedy: e.remedy, details: e.details, cause: e.cause });
    throw e;
  }
  const interp = createInterpreter(graph);
  let raws: Uint8Array[];
  let inSat = 0;
  let inValues = 0;
  if (i.values !== undefined) {
    if (graph.inputs.length !== 1) throw usageError(`--values fills one input but the model has ${graph.inputs.length}`, { remedy: 'Use one --input FILE per model input.' });
    raws = [quantizeInput(graph, i.values)];
    inSat = inputSaturation(graph, i.values);
    inValues = i.values.length;
  } else {
    const inputs = i.inputs!;
    if (inputs.length !== graph.inputs.length) {
      throw badInput(`the model has ${graph.inputs.length} input(s) but ${inputs.length} --input file(s) were given`, { remedy: 'Pass one --input FILE per model input, in order.' });
    }
    raws = inputs.map(({ bytes: b, source }, k) => {
      if (b.byteLength !== interp.inputBytes[k]) {
        const t = graph.tensors[graph.inputs[k]];
        throw badInput(`${source} is ${b.byteLength} bytes but input ${k} ("${t.name}", ${t.dtype} [${t.shape}]) needs exactly ${interp.inputBytes[k]} bytes`, {
          remedy: `Write the raw tensor: ${numElements(t.shape)} elements × ${DTYPE_BYTES[t.dtype]} byte(s), row-major.`,
          details: { expectedBytes: interp.inputBytes[k], actualBytes: b.byteLength },
        });
      }
      return b;
    });
  }
  const results = interp.invoke(raws);
  let outSat = 0;
  let outValues = 0;
  const outputs = results.map((raw, k): InferOutput => {
    const ti = graph.outputs[k];
    const t = graph.tensors[ti];
    const values = elementValues(graph, ti, raw);
    outSat += outputSaturation(graph, raw, k);
    outValues += values.length;
    const dequantizable = (t.dtype === 'int8' && !!t.quant?.scale.length) || t.dtype === 'float32';
    const dequantized = dequantizable ? Array.from(dequantizeOutput(graph, raw, k)) : undefined;
    return { index: k, tensor: ti, name: t.name, dtype: t.dtype, shape: t.shape, bytes: raw.byteLength, values, ...(dequantized ? { dequantized } : {}), argmax: argMax(dequantized ?? values) };
  });
  const saturation = { inputs: inSat, inputValues: inValues, outputs: outSat, outputValues: outValues };
  return { outputs, raw: results, saturation, warning: saturationWarning(graph, saturation) };
}

/** The number of outputs a model has (to check --output files before running). */
export function outputCount(model: Uint8Array): number {
  return readTflite(model).graph.outputs.length;
}
