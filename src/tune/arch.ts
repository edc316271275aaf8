/**
 * A search-space candidate → its (uncompiled) tfjs model, built only from layers the int8
 * quantiser supports, with seeded initialisers (layer i: seed·1000 + i, as the presets), so a
 * candidate and a seed give one set of initial weights. Input [windowLength, axes] — with a feature
 * front-end [1, features], one vector per window (dense only) — output softmax.
 *
 *   dense   Flatten → depth × Dense(width, relu) → Dense(classes)
 *   conv1d  depth × [Conv1D(width·2^i ≤ 4·width, k, relu) → pool ×2 between blocks] → GAP → Dense(classes)
 *   dsconv  Reshape [L,1,A] → Conv2D(width, k×1) → (depth−1) × [pool ×2 → DepthwiseConv2D(k×1)
 *           → Conv2D(width·2^i, 1×1)] → GAP → Dense(classes)        (depthwise-separable blocks)
 */
import * as tf from '@tensorflow/tfjs';
import { badInput } from '../core/errors.js';
import type { Candidate } from './space.js';

export interface ArchShape {
  windowLength: number;
  axes: number;
  classes: number;
  seed: number;
}

/** Filters of convolution block i (doubling, at most 4× the first). */
export function blockWidth(c: Candidate, i: number): number {
  return c.width * Math.min(4, 2 ** i);
}

/** Length of the feature map after every block ('valid' convolutions, pools of 2), or null when it runs out. */
export function featureLengths(c: Candidate, L: number): number[] | null {
  if (c.family === 'dense') return [L];
  const lens: number[] = [];
  let n = L;
  const blocks = c.depth;
  for (let i = 0; i < blocks; i++) {
    if (i > 0 && c.pooling !== 'none') n = Math.floor(n / 2);
    n = n - c.kernelSize + 1;
    if (n < 1) return null;
    lens.push(n);
  }
  return lens;
}

/** Why this candidate cannot be built on windows of `L` samples, or null. */
export function archProblem(c: Candidate, L: number): string | null {
  return featureLengths(c, L) ? null : `${c.depth} blocks of kernel ${c.kernelSize}${c.pooling !== 'none' ? ' with pooling' : ''} need longer windows than ${L} samples`;
}

export function buildCandidateModel(c: Candidate, shape: ArchShape): tf.Sequential {
  const { windowLength: L, axes: A, classes: K } = shape;
  const problem = archProblem(c, L);
  if (problem) throw badInput(`candidate cannot be built: ${problem}`, { remedy: 'use longer windows (tune.space.windowSeconds) or smaller kernels/depth' });
  let n = 0;
  const init = () => tf.initializers.glorotUniform({ seed: shape.seed * 1000 + n++ });
  const input = { inputShape: [L, A] };
  const layers: tf.layers.Layer[] = [];
  const pool1d = () => (c.pooling === 'max' ? tf.layers.maxPooling1d({ poolSize: 2 }) : tf.layers.averagePooling1d({ poolSize: 2 }));
  const pool2d = () => (c.pooling === 'max' ? tf.layers.maxPooling2d({ poolSize: [2, 1] }) : tf.layers.averagePooling2d({ poolSize: [2, 1] }));
  switch (c.family) {
    case 'dense':
      layers.push(tf.layers.flatten(input));
      for (let i = 0; i < c.depth; i++) layers.push(tf.layers.dense({ units: c.width, activation: 'relu', kernelInitializer: init() }));
      break;
    case 'conv1d':
      for (let i = 0; i < c.depth; i++) {
        if (i > 0 && c.pooling !== 'none') layers.push(pool1d());
        layers.push(tf.layers.conv1d({ ...(i === 0 ? input : {}), filters: blockWidth(c, i), kernelSize: c.kernelSize, activation: 'relu', kernelInitializer: init() }));
      }
      layers.push(tf.layers.globalAveragePooling1d({}));
      break;
    case 'dsconv':
      layers.push(tf.layers.reshape({ ...input, targetShape: [L, 1, A] }));
      layers.push(tf.layers.conv2d({ filters: c.width, kernelSize: [c.kernelSize, 1], activation: 'relu', kernelInitializer: init() }));
      for (let i = 1; i < c.depth; i++) {
        if (c.pooling !== 'none') layers.push(pool2d());
        layers.push(tf.layers.depthwiseConv2d({ kernelSize: [c.kernelSize, 1], activation: 'relu', depthwiseInitializer: init() }));
        layers.push(tf.layers.conv2d({ filters: blockWidth(c, i), kernelSize: 1, activation: 'relu', kernelInitializer: init() }));
      }
      layers.push(tf.layers.globalAveragePooling2d({}));
      break;
  }
  layers.push(tf.layers.dense({ units: K, activation: 'softmax', kernelInitializer: init() }));
  return tf.sequential({ layers });
}

/** The front-end in a few words: "" for raw windows, "flatten → ", "spectral fft32 low 8 Hz/2 overlap +mean → ". */
export function describeFrontEnd(c: Candidate): string {
  if (c.frontEnd === 'raw') return '';
  if (c.frontEnd !== 'spectral') return `${c.frontEnd} → `;
  const s = c.spectral ?? {};
  const parts = [
    `fft${s.fftLength}`,
    s.filterType === 'none' ? 'unfiltered' : `${s.filterType} ${s.filterCutoff} Hz/${s.filterOrder}`,
    s.doFftOverlap ? 'overlap' : null,
    s.includeMean ? '+mean' : null,
    s.magnitude ? '+|a|' : null,
  ].filter(Boolean);
  return `spectral ${parts.join(' ')} → `;
}

/** One line naming the front-end and network, e.g. "conv1d 3×[k5, 8→16→32, max]", "flatten → dense 2×16". */
export function describeCandidate(c: Candidate): string {
  const win = `${c.windowSeconds}s`;
  if (c.family === 'dense') return `${describeFrontEnd(c)}dense ${c.depth}×${c.width}, ${win}, lr ${c.learningRate}`;
  const widths = Array.from({ length: c.depth }, (_, i) => blockWidth(c, i)).join('→');
  return `${c.family} ${c.depth}×[k${c.kernelSize} ${widths}${c.pooling !== 'none' && c.depth > 1 ? ` ${c.pooling}` : ''}], ${win}, lr ${c.learningRate}`;
}
