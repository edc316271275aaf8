/**
 * tinyforge's int8 post-training quantiser: a trained tfjs LayersModel plus a representative set
 * of float inputs → a full-integer int8 TFLite graph (TfliteModel), following the TFLite
 * converter's full-integer quantisation (see math.ts for the arithmetic, lower.ts for the op
 * mapping, build.ts for the parameters each tensor gets).
 *
 * Pipeline: readKerasModel (tfjs → plain data) → lowerKeras (float TFLite-form graph) →
 * calibrate (per-tensor ranges, tfjs ops) → buildInt8 (int8 graph). Everything unsupported is
 * rejected in the first two steps, before any calibration or output.
 */
import type * as tf from '@tensorflow/tfjs';
import type { ModelSettings } from '../core/dataset.js';
import type { TfliteModel } from '../core/graph.js';
import { numElements } from '../core/graph.js';
import { badInput, unsupported } from '../core/errors.js';
import { readKerasModel } from './keras.js';
import { lowerKeras, type FloatGraph } from './lower.js';
import { calibrate } from './calibrate.js';
import { buildInt8, type LayerReport } from './build.js';

export { chooseActivationParams, quantizeWeightsSymmetric, quantizeBias, quantizeValue, roundHalfAway, symmetricScale, nudgedParams, FIXED_OUTPUT_PARAMS } from './math.js';
export type { QuantParams, QuantizedWeights } from './math.js';
export { readKerasModel, type KerasSpec, type KerasLayerSpec } from './keras.js';
export { lowerKeras, SUPPORTED_LAYERS, type FloatGraph, type FTensor, type FOp } from './lower.js';
export { calibrate, type Range, type CalibrationResult } from './calibrate.js';
export { buildInt8, type LayerReport, type BuildOptions } from './build.js';
export { SeparableConv1D, type SeparableConv1DArgs } from './layers.js';

export interface QuantizeOptions {
  /** Model input dtype: 'int8' (default, TFLM's contract) or 'float32' (adds a QUANTIZE op). */
  inputType?: 'int8' | 'float32';
  /** Model output dtype: 'int8' (default) or 'float32' (adds a DEQUANTIZE op). */
  outputType?: 'int8' | 'float32';
  /** Per-channel (axis 0) weights for FULLY_CONNECTED too; default per-tensor. */
  perChannelDense?: boolean;
  /** Model description string (default "tinyforge <version>"). */
  name?: string;
  /** Training settings; returned with inputQuant/outputQuant filled in. */
  settings?: ModelSettings;
}

export interface Representative {
  /** [n, ...inputShape] float inputs, row-major, already normalised as the model expects. */
  x: Float32Array;
  shape: number[];
}

export interface QuantizeResult {
  model: TfliteModel;
  /** int8 input q = round(x / scale) + zeroPoint; output real = scale × (q − zeroPoint). */
  inputQuant: { scale: number; zeroPoint: number };
  outputQuant: { scale: number; zeroPoint: number };
  /** One entry per Keras layer that became ops, in execution order. */
  layers: LayerReport[];
  settings?: ModelSettings;
  /** The lowered float graph's output on the representative set (a check of the lowering). */
  floatOutput: Float32Array;
}

/** Check user options before any work (so nothing is written for a request we cannot honour). */
export function validateOptions(opts: Record<string, unknown>): void {
  for (const k of ['inputType', 'outputType'] as const) {
    const v = opts[k];
    if (v === undefined || v === 'int8' || v === 'float32') continue;
    if (v === 'uint8') {
      throw unsupported(`${k} uint8 is not supported`, { remedy: 'Use int8 (TFLM\'s int8 kernels) or float32 I/O; uint8 quantisation is deprecated in TFLite.' });
    }
    throw unsupported(`${k} '${String(v)}' is not supported`, { remedy: 'Use int8 or float32.' });
  }
}

/** Lower a model to the float TFLite-form graph (validation included; no calibration). */
export function lowerModel(model: tf.LayersModel): FloatGraph {
  return lowerKeras(readKerasModel(model));
}

/** Quantise a tfjs LayersModel to a full-integer int8 TFLite model. */
export function quantize(model: tf.LayersModel, representative: Representative, opts: QuantizeOptions = {}): QuantizeResult {
  validateOptions(opts as Record<string, unknown>);
  const g = lowerModel(model);
  const inShape = g.tensors[g.inputs[0]].shape.slice(1);
  const { x, shape } = representative;
  if (shape.length !== inShape.length + 1 || shape.slice(1).join() !== inShape.join()) {
    throw badInput(`representative data has shape [${shape}] but the model input is [n, ${inShape}]`, {
      remedy: 'Pass windows shaped like the model input (the same windowing and normalisation as in training).',
    });
  }
  const n = shape[0];
  if (n < 1 || x.length !== n * numElements(inShape)) {
    throw badInput(`representative data has ${x.length} values for shape [${shape}]`, { remedy: 'Make x hold n × input-size values.' });
  }
  const st = opts.settings;
  const settingsInputs = st?.features ? st.features.names.length : st && Array.isArray(st.axes) ? st.windowLength * st.axes.length : undefined;
  if (st && settingsInputs !== undefined && settingsInputs !== numElements(inShape)) {
    throw badInput(st.features ? `settings describe ${settingsInputs} ${st.features.block} features but the model input is [${inShape}]` : `settings describe windows of ${st.windowLength} × ${st.axes.length} but the model input is [${inShape}]`, {
      remedy: 'Pass the settings.json written together with this model.',
    });
  }
  const cal = calibrate(g, x, n);
  const built = buildInt8(g, cal.ranges, { inputType: opts.inputType, outputType: opts.outputType, perChannelDense: opts.perChannelDense, description: opts.name });
  const settings = opts.settings ? { ...opts.settings, inputQuant: { ...built.inputQuant }, outputQuant: { ...built.outputQuant } } : undefined;
  return { ...built, ...(settings ? { settings } : {}), floatOutput: cal.output };
}
