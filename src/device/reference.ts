/**
 * Where `verify` gets the expected outputs: the host int8 interpreter (src/interp `createInterpreter`), or the out-NNN.bin files of a vectors folder (TFLM reference outputs).
 * Pure: a vectors folder is read by `loadVectors` (src/adapters/files.ts).
 */
import { badInput } from '../core/errors.js';
import { createInterpreter, quantizeInput } from '../interp/index.js';
import { numElements } from '../core/graph.js';
import type { WindowSet } from '../core/dataset.js';
import { readTflite } from '../tflite/reader.js';

export type Reference = (input: Uint8Array, index: number) => Uint8Array | Promise<Uint8Array>;

export interface LoadedVectors {
  inputs: Uint8Array[];
  outputs: (Uint8Array | null)[];
}

export interface WindowsFile {
  /** Raw int8 input tensors as numbers (-128..127), one array per window. */
  inputs: number[][];
  /** Optional class index per window. */
  labels?: number[];
}

/** A JSON windows file: { "inputs": [[int8, …], …], "labels"?: [int, …] }. */
export function parseWindowsFile(text: string, source: string): { inputs: Uint8Array[]; labels?: number[] } {
  let j: WindowsFile;
  try {
    j = JSON.parse(text) as WindowsFile;
  } catch (e) {
    throw badInput(`${source} is not JSON`, { cause: e, remedy: 'a windows file is JSON: { "inputs": [[int8, …], …], "labels": [class, …] }' });
  }
  if (!Array.isArray(j.inputs) || !j.inputs.every((x) => Array.isArray(x) && x.every((v) => Number.isInteger(v) && v >= -128 && v <= 127))) {
    throw badInput(`${source}: "inputs" must be arrays of int8 values`, { remedy: 'quantise the windows with the model input scale/zero point first' });
  }
  if (j.labels && (!Array.isArray(j.labels) || j.labels.length !== j.inputs.length)) throw badInput(`${source}: "labels" must have one class per input`, { remedy: 'fix the labels array' });
  return { inputs: j.inputs.map((x) => Uint8Array.from(x, (v) => v & 0xff)), labels: j.labels };
}

/**
 * The host int8 reference interpreter (src/interp) as a Reference for a .tflite: a model with
 * several output tensors gives them concatenated in graph order, as the board's engine does
 * (firmware/core/tf_engine.h).
 */
export function interpreterReference(model: Uint8Array): Reference {
  const interp = createInterpreter(readTflite(model).graph);
  return (input) => concatOutputs(interp.invoke([input]));
}

/** Output tensors' bytes one after the other (the engine's output layout). */
export function concatOutputs(outputs: Uint8Array[]): Uint8Array {
  if (outputs.length === 1) return outputs[0];
  const all = new Uint8Array(outputs.reduce((n, o) => n + o.length, 0));
  let at = 0;
  for (const o of outputs) (all.set(o, at), (at += o.length));
  return all;
}

/**
 * Test windows from a training run's held-out set: each normalised window quantised with the
 * model's own input scale/zero point (as the device does), with its class index as the label
 * (none when the windows name no classes).
 * `windows` must already be normalised with the settings the model was trained with.
 */
export function quantizeWindows(model: Uint8Array, windows: WindowSet): { inputs: Uint8Array[]; labels?: number[] } {
  const graph = readTflite(model).graph;
  const per = numElements(graph.tensors[graph.inputs[0]].shape);
  const n = windows.y.length;
  if (n === 0) throw badInput('the training directory has no held-out windows', { remedy: 'train with a validation/test split (tinyforge train) or pass --windows/--vectors' });
  if (windows.x.length !== n * per) {
    throw badInput(`held-out windows have ${windows.x.length / n} values each, but the model input takes ${per}`, {
      remedy: 'pass the training directory this .tflite was made from',
    });
  }
  const inputs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) inputs.push(quantizeInput(graph, windows.x.subarray(i * per, (i + 1) * per)));
  // Windows of a model without classes (an autoencoder, a regression) carry no labels: no accuracy.
  return { inputs, ...(windows.labels.length ? { labels: Array.from(windows.y) } : {}) };
}
