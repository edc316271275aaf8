/**
 * Tiny tfjs models with fixed seeded weights, one per supported layer family, for the quantiser
 * tests and the bench. No training: the weights come from seeded initialisers, and the
 * BatchNormalization statistics are set from a seeded generator so folding is really exercised.
 */
import * as tf from '@tensorflow/tfjs';
import { SeparableConv1D } from '../../src/quantize/layers.js';

/** mulberry32: small deterministic PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n examples of the given per-example shape, uniform in [lo, hi). */
export function randomInputs(n: number, shape: number[], seed: number, lo = -1, hi = 1): { x: Float32Array; shape: number[] } {
  const r = rng(seed);
  const per = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * per);
  for (let i = 0; i < x.length; i++) x[i] = lo + (hi - lo) * r();
  return { x, shape: [n, ...shape] };
}

let seedCounter = 1;
const init = () => tf.initializers.glorotUniform({ seed: seedCounter++ });
const binit = () => tf.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: seedCounter++ });
const wopts = () => ({ kernelInitializer: init(), biasInitializer: binit() });

/** Give every BatchNormalization layer non-trivial gamma/beta/mean/variance. */
function randomiseBatchNorm(m: tf.LayersModel, seed: number): tf.LayersModel {
  const r = rng(seed);
  for (const l of m.layers) {
    if (l.getClassName() !== 'BatchNormalization') continue;
    const ws = l.getWeights();
    const c = ws[0].shape[0] as number;
    const v = (lo: number, hi: number) => tf.tensor1d(Array.from({ length: c }, () => lo + (hi - lo) * r()));
    // gamma, beta, moving_mean, moving_variance
    l.setWeights([v(0.5, 1.5), v(-0.3, 0.3), v(-0.2, 0.2), v(0.5, 2)]);
  }
  return m;
}

export interface TestModel {
  name: string;
  model: tf.LayersModel;
  inputShape: number[];
  /** Expected op sequence of the int8 graph (int8 I/O). */
  ops: string[];
  classifier: boolean;
}

export function buildModels(): TestModel[] {
  seedCounter = 1;
  const out: TestModel[] = [];

  {
    const m = tf.sequential({ name: 'mlp' });
    m.add(tf.layers.dense({ units: 8, inputShape: [6], name: 'fc1', ...wopts() }));
    m.add(tf.layers.batchNormalization({ name: 'bn' }));
    m.add(tf.layers.activation({ activation: 'relu', name: 'relu' }));
    m.add(tf.layers.dropout({ rate: 0.5, name: 'drop' }));
    m.add(tf.layers.dense({ units: 5, activation: 'softmax', name: 'probs', ...wopts() }));
    randomiseBatchNorm(m, 10);
    out.push({ name: 'mlp', model: m, inputShape: [6], ops: ['FULLY_CONNECTED', 'FULLY_CONNECTED', 'SOFTMAX'], classifier: true });
  }
  {
    const m = tf.sequential({ name: 'conv1d' });
    m.add(tf.layers.conv1d({ filters: 4, kernelSize: 3, activation: 'relu', inputShape: [16, 3], name: 'c1', ...wopts() }));
    m.add(tf.layers.maxPooling1d({ poolSize: 2, name: 'mp' }));
    m.add(tf.layers.conv1d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', name: 'c2', ...wopts() }));
    m.add(tf.layers.batchNormalization({ name: 'bn' }));
    m.add(tf.layers.reLU({ name: 'relu' }));
    m.add(tf.layers.averagePooling1d({ poolSize: 2, name: 'ap' }));
    m.add(tf.layers.flatten({ name: 'flat' }));
    m.add(tf.layers.dense({ units: 5, activation: 'softmax', name: 'probs', ...wopts() }));
    randomiseBatchNorm(m, 11);
    out.push({
      name: 'conv1d',
      model: m,
      inputShape: [16, 3],
      ops: ['RESHAPE', 'CONV_2D', 'MAX_POOL_2D', 'CONV_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX'],
      classifier: true,
    });
  }
  {
    const m = tf.sequential({ name: 'conv1d_gap' });
    m.add(tf.layers.conv1d({ filters: 5, kernelSize: 4, dilationRate: 2, activation: 'tanh', inputShape: [20, 3], name: 'c1', ...wopts() }));
    m.add(tf.layers.globalAveragePooling1d({ name: 'gap' }));
    m.add(tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'p', ...wopts() }));
    out.push({ name: 'conv1d_gap', model: m, inputShape: [20, 3], ops: ['RESHAPE', 'CONV_2D', 'TANH', 'MEAN', 'FULLY_CONNECTED', 'LOGISTIC'], classifier: false });
  }
  {
    const m = tf.sequential({ name: 'conv2d' });
    m.add(tf.layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu6', inputShape: [8, 8, 2], name: 'c1', ...wopts() }));
    m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', name: 'dw', depthwiseInitializer: init(), biasInitializer: binit() }));
    m.add(tf.layers.batchNormalization({ name: 'bn' }));
    m.add(tf.layers.activation({ activation: 'relu', name: 'act' }));
    m.add(tf.layers.separableConv2d({ filters: 5, kernelSize: 3, name: 'sep', depthwiseInitializer: init(), pointwiseInitializer: init(), biasInitializer: binit() }));
    m.add(tf.layers.batchNormalization({ name: 'bn2' }));
    m.add(tf.layers.maxPooling2d({ poolSize: 2, name: 'mp' }));
    m.add(tf.layers.globalAveragePooling2d({ name: 'gap' }));
    m.add(tf.layers.dense({ units: 3, name: 'logits', ...wopts() }));
    randomiseBatchNorm(m, 12);
    out.push({
      name: 'conv2d',
      model: m,
      inputShape: [8, 8, 2],
      ops: ['CONV_2D', 'DEPTHWISE_CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'MAX_POOL_2D', 'MEAN', 'FULLY_CONNECTED'],
      classifier: true,
    });
  }
  {
    const x = tf.input({ shape: [12, 3], name: 'window' });
    const a = tf.layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a', ...wopts() }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.conv1d({ filters: 4, kernelSize: 1, name: 'b', ...wopts() }).apply(x) as tf.SymbolicTensor;
    const s = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    const r = tf.layers.activation({ activation: 'relu', name: 'sum_relu' }).apply(s) as tf.SymbolicTensor;
    const p = tf.layers.globalMaxPooling1d({ name: 'gmp' }).apply(r) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 4, activation: 'softmax', name: 'probs', ...wopts() }).apply(p) as tf.SymbolicTensor;
    const m = tf.model({ inputs: x, outputs: y, name: 'residual' });
    out.push({
      name: 'residual',
      model: m,
      inputShape: [12, 3],
      ops: ['RESHAPE', 'CONV_2D', 'CONV_2D', 'ADD', 'MAX_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX'],
      classifier: true,
    });
  }
  {
    // two branches joined by Concatenate; one branch ends in a pooling op (parameters inherited
    // from the conv before it), so the shared concat parameters must reach through it
    const x = tf.input({ shape: [10, 3], name: 'win' });
    const a = tf.layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'ca', ...wopts() }).apply(x) as tf.SymbolicTensor;
    const b0 = tf.layers.conv1d({ filters: 2, kernelSize: 1, name: 'cb', ...wopts() }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.maxPooling1d({ poolSize: 3, strides: 1, padding: 'same', name: 'pb' }).apply(b0) as tf.SymbolicTensor;
    const c = tf.layers.concatenate({ name: 'cat' }).apply([a, b]) as tf.SymbolicTensor;
    const p = tf.layers.globalAveragePooling1d({ name: 'gap' }).apply(c) as tf.SymbolicTensor;
    const y = tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs', ...wopts() }).apply(p) as tf.SymbolicTensor;
    out.push({
      name: 'concat',
      model: tf.model({ inputs: x, outputs: y, name: 'concat' }),
      inputShape: [10, 3],
      ops: ['RESHAPE', 'CONV_2D', 'CONV_2D', 'MAX_POOL_2D', 'CONCATENATION', 'MEAN', 'FULLY_CONNECTED', 'SOFTMAX'],
      classifier: true,
    });
  }
  {
    const m = tf.sequential({ name: 'sepconv1d' });
    m.add(new SeparableConv1D({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu', inputShape: [12, 3], name: 'sep', seed: seedCounter++ }));
    m.add(tf.layers.globalAveragePooling1d({ name: 'gap' }));
    m.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'probs', ...wopts() }));
    const sep = m.getLayer('sep');
    const [dw, pw] = sep.getWeights();
    sep.setWeights([dw, pw, tf.tensor1d([0.1, -0.2, 0.15, 0.05])]);
    out.push({ name: 'sepconv1d', model: m, inputShape: [12, 3], ops: ['RESHAPE', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'MEAN', 'FULLY_CONNECTED', 'SOFTMAX'], classifier: true });
  }
  {
    const m = tf.sequential({ name: 'reshape' });
    m.add(tf.layers.reshape({ targetShape: [4, 3], inputShape: [12], name: 'rs' }));
    m.add(tf.layers.conv1d({ filters: 3, kernelSize: 2, name: 'c', ...wopts() }));
    m.add(tf.layers.activation({ activation: 'sigmoid', name: 'sig' }));
    m.add(tf.layers.flatten({ name: 'flat' }));
    m.add(tf.layers.dense({ units: 2, name: 'out', ...wopts() }));
    out.push({ name: 'reshape', model: m, inputShape: [12], ops: ['RESHAPE', 'RESHAPE', 'CONV_2D', 'LOGISTIC', 'RESHAPE', 'FULLY_CONNECTED'], classifier: false });
  }
  return out;
}

/** A ~48 k-parameter Conv1D activity classifier like the worked example (bench). */
export function conv1dActivityModel(windowLength = 128, axes = 3, classes = 5): tf.LayersModel {
  seedCounter = 100;
  const m = tf.sequential({ name: 'activity_cnn' });
  m.add(tf.layers.conv1d({ filters: 32, kernelSize: 5, activation: 'relu', inputShape: [windowLength, axes], name: 'conv1', ...wopts() }));
  m.add(tf.layers.maxPooling1d({ poolSize: 2, name: 'pool1' }));
  m.add(tf.layers.conv1d({ filters: 64, kernelSize: 5, name: 'conv2', ...wopts() }));
  m.add(tf.layers.batchNormalization({ name: 'bn2' }));
  m.add(tf.layers.reLU({ name: 'relu2' }));
  m.add(tf.layers.maxPooling1d({ poolSize: 2, name: 'pool2' }));
  m.add(tf.layers.conv1d({ filters: 96, kernelSize: 5, activation: 'relu', name: 'conv3', ...wopts() }));
  m.add(tf.layers.globalAveragePooling1d({ name: 'gap' }));
  m.add(tf.layers.dropout({ rate: 0.3, name: 'drop' }));
  m.add(tf.layers.dense({ units: 64, activation: 'relu', name: 'fc1', ...wopts() }));
  m.add(tf.layers.dense({ units: classes, activation: 'softmax', name: 'probs', ...wopts() }));
  return randomiseBatchNorm(m, 7);
}
