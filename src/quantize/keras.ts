/**
 * Reads a tfjs LayersModel into plain data (layer classes, configs, float weights and the wiring
 * between layers). This is the only place the quantiser reads a model object; everything after
 * it works on `KerasSpec`.
 */
import type * as tf from '@tensorflow/tfjs';
import { unsupported } from '../core/errors.js';

export interface KerasWeight {
  shape: number[];
  data: Float32Array;
}

export interface KerasLayerSpec {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Weights by short name: kernel, bias, depthwise_kernel, pointwise_kernel, gamma, beta, moving_mean, moving_variance. */
  weights: Record<string, KerasWeight>;
  /** Symbolic tensor ids consumed / produced (as strings). */
  inputs: string[];
  outputs: string[];
  /** Keras shapes of the inputs / outputs, batch dimension first (null). */
  inputShapes: (number | null)[][];
  outputShapes: (number | null)[][];
}

export interface KerasSpec {
  name: string;
  /** The model's single input tensor id and Keras shape (batch first, null). */
  input: { id: string; shape: (number | null)[]; name: string };
  outputs: string[];
  /** In topological (execution) order, InputLayer excluded. */
  layers: KerasLayerSpec[];
}

const KNOWN_WEIGHTS = new Set(['kernel', 'bias', 'depthwise_kernel', 'pointwise_kernel', 'gamma', 'beta', 'moving_mean', 'moving_variance']);

function shapeOf(t: tf.SymbolicTensor): (number | null)[] {
  return t.shape.map((d) => (d === null || d === undefined ? null : d));
}

/** Extract the plain-data description of a tfjs LayersModel. */
export function readKerasModel(model: tf.LayersModel): KerasSpec {
  if (model.inputs.length !== 1) {
    throw unsupported(`model has ${model.inputs.length} inputs; tinyforge quantises single-input models only`, {
      remedy: 'Concatenate the inputs into one tensor before the model (one window of all axes), or quantise each branch as its own model.',
    });
  }
  if (model.inputs[0].dtype !== 'float32') {
    throw unsupported(`model input is ${model.inputs[0].dtype}; tinyforge quantises float32-input models`, {
      remedy: 'Give the model a float32 Input (normalised sensor windows); int8 I/O is produced by the quantiser itself.',
    });
  }
  const known = new Set<string>([String(model.inputs[0].id)]);
  const layers: KerasLayerSpec[] = [];
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    if (cls === 'Sequential' || cls === 'Model' || cls === 'Functional') {
      throw unsupported(`layer '${layer.name}' is a nested model (${cls})`, {
        remedy: 'Flatten the nested model into the outer one (build it from its layers directly) before quantising.',
      });
    }
    const node = layer.inboundNodes.find((n) => n.inputTensors.every((t) => known.has(String(t.id))));
    if (!node) continue; // a node of another model sharing this layer
    for (const t of node.outputTensors) known.add(String(t.id));
    const weights: Record<string, KerasWeight> = {};
    for (const w of layer.weights) {
      if (w.dtype !== 'float32') {
        throw unsupported(`layer '${layer.name}' has ${w.dtype} weight '${w.name}'`, { remedy: 'Train the model in float32; tinyforge quantises float32 models.' });
      }
      // tfjs makes variable names unique with a suffix ("probs/kernel_1"): strip it for known names.
      let short = w.name.replace(/:\d+$/, '').split('/').pop() as string;
      if (!KNOWN_WEIGHTS.has(short) && KNOWN_WEIGHTS.has(short.replace(/_\d+$/, ''))) short = short.replace(/_\d+$/, '');
      weights[short] = { shape: w.shape.slice() as number[], data: Float32Array.from(w.read().dataSync() as Float32Array) };
    }
    layers.push({
      name: layer.name,
      className: cls,
      config: layer.getConfig() as Record<string, unknown>,
      weights,
      inputs: node.inputTensors.map((t) => String(t.id)),
      outputs: node.outputTensors.map((t) => String(t.id)),
      inputShapes: node.inputTensors.map(shapeOf),
      outputShapes: node.outputTensors.map(shapeOf),
    });
  }
  const inName = model.inputLayers[0]?.name ?? model.inputs[0].name.replace(/:\d+$/, '').split('/')[0];
  return {
    name: model.name,
    input: { id: String(model.inputs[0].id), shape: shapeOf(model.inputs[0]), name: inName },
    outputs: model.outputs.map((t) => String(t.id)),
    layers,
  };
}
