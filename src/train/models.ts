/**
 * Model presets for window classification, built only from layers the int8 quantiser supports
 * (src/quantize/lower.ts SUPPORTED_LAYERS), with seeded initialisers so one seed gives one set
 * of initial weights. Input: a window [windowLength, axes] of normalised samples; output: softmax
 * over `classes`.
 *
 * Sized for a Cortex-M4 with 256 KB RAM and 1 MB flash: every preset stays far below both
 * (see modelSize).
 */
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../core/errors.js';

export const PRESETS = ['dense', 'conv1d', 'conv1d-small', 'dsconv', 'feature-conv', 'frame-conv'] as const;

/** Presets that take a feature block's vector (--features spectral|flatten); the others convolve over a raw window's samples. */
export const FEATURE_PRESETS: readonly Preset[] = ['dense', 'feature-conv', 'frame-conv'];
export type Preset = (typeof PRESETS)[number];

export const PRESET_HELP: Record<Preset, string> = {
  dense: 'Flatten → Dense(32, relu) → Dense(classes, softmax): the lecture\'s baseline',
  conv1d: 'Conv1D(16,k5) → MaxPool(2) → Conv1D(32,k5) → MaxPool(2) → Conv1D(64,k3) → GAP → Dense(32) → Dense(classes): ~12 k params',
  'conv1d-small': 'Conv1D(8,k5) → MaxPool(2) → Conv1D(16,k5) → GAP → Dense(classes): ~1 k params, fastest',
  dsconv: 'Reshape → Conv2D(16,5×1) → DepthwiseConv2D(5×1) → Conv2D(32,1×1) → GAP2D → Dense(classes): depthwise-separable',
  'feature-conv': 'features only: Reshape [channels, per channel] → Conv2D(8, channels×3) → Conv2D(16, 1×3) → Flatten → Dense(classes): a small conv along the spectrum (bins) of every channel at once',
  'frame-conv': "spectral with spectrum 'frames' only: Reshape [frames, row] → Conv1D(16, k3, same) → MaxPool(2) → Flatten → Dense(classes): a small conv over the frame axis (a log-spectrogram), bins × channels + statistics as its input channels",
};

export interface ModelShape {
  windowLength: number;
  axes: number;
  classes: number;
  seed: number;
  /**
   * Feature models (windowLength 1, `axes` = the feature count): the block's channels. Its features
   * are channel-major (each channel's features contiguous, in the same order: src/features/), which
   * `feature-conv` reshapes to [channels, features per channel].
   */
  channels?: number;
  /** Spectral `spectrum: 'frames'` vectors: the rows (frames); `frame-conv` reshapes to [frames, row]. */
  frames?: number;
}

export function isPreset(p: string): p is Preset {
  return (PRESETS as readonly string[]).includes(p);
}

/** A fresh, compiled-later LayersModel of the preset. Layer i's initialiser uses seed·1000 + i. */
export function buildModel(preset: string, shape: ModelShape): tf.Sequential {
  if (!isPreset(preset)) throw badInput(`unknown model preset "${preset}"`, { remedy: `Use one of: ${PRESETS.join(', ')}.` });
  const { windowLength: L, axes: A, classes: K } = shape;
  for (const [k, v] of Object.entries({ windowLength: L, axes: A, classes: K })) {
    if (!Number.isInteger(v) || v < 1) throw badInput(`model ${k} must be a positive integer, got ${v}`, { remedy: 'Check the dataset windowing.' });
  }
  if (K < 2) throw badInput(`a classifier needs at least 2 classes, got ${K}`, { remedy: 'Add recordings of another label.' });
  let n = 0;
  const init = () => tf.initializers.glorotUniform({ seed: shape.seed * 1000 + n++ });
  // Shortest window whose feature maps stay ≥ 1 sample through the 'valid' convolutions and pools.
  const minLen = { dense: 1, conv1d: 24, 'conv1d-small': 14, dsconv: 9, 'feature-conv': 1, 'frame-conv': 1 }[preset];
  if (preset !== 'dense' && L < minLen) {
    throw badInput(`window length ${L} is too short for the ${preset} preset (needs ≥ ${minLen} samples)`, { remedy: 'Use longer windows or --preset dense.' });
  }
  const layers: tf.layers.Layer[] = [];
  const input = { inputShape: [L, A] };
  if (preset === 'feature-conv') {
    const C = shape.channels ?? 0;
    if (L !== 1 || !Number.isInteger(C) || C < 1 || A % C !== 0 || A / C < 5) {
      throw badInput(`the feature-conv preset needs a feature block's vector (≥ 5 features per channel); got ${L} × ${A}${C ? ` in ${C} channels` : ''}`, {
        remedy: 'use it with --features spectral (or flatten); raw windows take --preset conv1d, conv1d-small or dsconv',
      });
    }
  }
  if (preset === 'frame-conv') {
    const F = shape.frames ?? 0;
    if (L !== 1 || !Number.isInteger(F) || F < 2 || A % F !== 0) {
      throw badInput(`the frame-conv preset needs the spectral block's per-frame layout (spectrum 'frames', ≥ 2 frames); got ${L} × ${A}${F ? ` in ${F} frames` : ''}`, {
        remedy: `set "features": { "block": "spectral", "spectrum": "frames", "fftLength": 32 } in the project file (or use --preset dense / feature-conv for one spectrum per window)`,
      });
    }
  }
  switch (preset) {
    case 'dense':
      layers.push(
        tf.layers.flatten(input),
        tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init() }),
        tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: init() }),
      );
      break;
    case 'conv1d':
      layers.push(
        tf.layers.conv1d({ ...input, filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init() }),
        tf.layers.maxPooling1d({ poolSize: 2 }),
        tf.layers.conv1d({ filters: 32, kernelSize: 5, activation: 'relu', kernelInitializer: init() }),
        tf.layers.maxPooling1d({ poolSize: 2 }),
        tf.layers.conv1d({ filters: 64, kernelSize: 3, activation: 'relu', kernelInitializer: init() }),
        tf.layers.globalAveragePooling1d({}),
        tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init() }),
        tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: init() }),
      );
      break;
    case 'conv1d-small':
      layers.push(
        tf.layers.conv1d({ ...input, filters: 8, kernelSize: 5, activation: 'relu', kernelInitializer: init() }),
        tf.layers.maxPooling1d({ poolSize: 2 }),
        tf.layers.conv1d({ filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: init() }),
        tf.layers.globalAveragePooling1d({}),
        tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: init() }),
      );
      break;
    case 'dsconv':
      layers.push(
        tf.layers.reshape({ ...input, targetShape: [L, 1, A] }),
        tf.layers.conv2d({ filters: 16, kernelSize: [5, 1], activation: 'relu', kernelInitializer: init() }),
        tf.layers.depthwiseConv2d({ kernelSize: [5, 1], activation: 'relu', depthwiseInitializer: init() }),
        tf.layers.conv2d({ filters: 32, kernelSize: 1, activation: 'relu', kernelInitializer: init() }),
        tf.layers.globalAveragePooling2d({}),
        tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: init() }),
      );
      break;
    case 'feature-conv': {
      // [1, A] → [C, F, 1]; the first kernel spans every channel (a conv1d over the feature axis with
      // the channels as its input channels); Flatten keeps where in the spectrum a pattern sits.
      const C = shape.channels!;
      layers.push(
        tf.layers.reshape({ ...input, targetShape: [C, A / C, 1] }),
        tf.layers.conv2d({ filters: 8, kernelSize: [C, 3], activation: 'relu', kernelInitializer: init() }),
        tf.layers.conv2d({ filters: 16, kernelSize: [1, 3], activation: 'relu', kernelInitializer: init() }),
        tf.layers.flatten({}),
        tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: init() }),
      );
      break;
    }
    case 'frame-conv': {
      // [1, A] → [frames, row]: a conv1d along the frames with the row (every channel's bins of that
      // frame + the window's statistics) as input channels; Flatten keeps when in the window a pattern sits.
      const F = shape.frames!;
      layers.push(
        tf.layers.reshape({ ...input, targetShape: [F, A / F] }),
        tf.layers.conv1d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
        tf.layers.maxPooling1d({ poolSize: 2 }),
        tf.layers.flatten({}),
        tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: init() }),
      );
      break;
    }
  }
  return tf.sequential({ layers });
}

export interface ModelSize {
  /** Trainable + non-trainable parameters of the float model. */
  params: number;
  /** Multiply-accumulates per inference in Dense and convolution layers. */
  macs: number;
  /**
   * Estimated int8 .tflite size in bytes: 1 byte per weight, 4 per bias (int32), 12 per output
   * channel for per-channel scale + zero point, ~64 per tensor, ~1 KB flatbuffer overhead.
   * BatchNormalization folds into the preceding layer (0 bytes). Excludes the interpreter code.
   */
  flashBytes: number;
  /** Estimated int8 activation arena: the largest (inputs + output) of one layer, 1 byte/element. */
  ramBytes: number;
}

function elements(shape: readonly (number | null)[]): number {
  return shape.reduce<number>((a, d) => a * (d ?? 1), 1);
}

/** Size and cost estimates of a model (any tfjs LayersModel built from supported layers). */
export function modelSize(model: tf.LayersModel): ModelSize {
  let macs = 0;
  let flash = 1024;
  let ram = 0;
  let tensors = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    const shapes = (t: tf.SymbolicTensor | tf.SymbolicTensor[]) => (Array.isArray(t) ? t : [t]).map((s) => s.shape);
    const outShapes = shapes(layer.output);
    const inShapes = shapes(layer.input);
    const outEl = outShapes.reduce((a, s) => a + elements(s.slice(1)), 0);
    const inEl = inShapes.reduce((a, s) => a + elements(s.slice(1)), 0);
    if (cls !== 'InputLayer') ram = Math.max(ram, inEl + outEl);
    tensors++;
    if (cls === 'BatchNormalization') continue;
    for (const w of layer.weights) {
      const size = elements(w.shape);
      const isBias = /bias/.test(w.originalName ?? w.name);
      flash += isBias ? 4 * size : size;
      tensors++;
      if (!isBias) {
        const outChannels = w.shape[w.shape.length - 1] ?? 1;
        flash += 12 * outChannels;
        // Weights contribute once per output position: spatial outputs × kernel size.
        const spatial = elements(outShapes[0].slice(1, -1));
        macs += spatial * size;
      }
    }
  }
  return { params: model.countParams(), macs, flashBytes: flash + 64 * tensors, ramBytes: ram };
}
