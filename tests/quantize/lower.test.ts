import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { quantize, lowerModel } from '../../src/quantize/index.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { buildModels, randomInputs } from './models.js';
import { buildModel, PRESETS } from '../../src/train/models.js';
import { runInt8, compareOutputs } from '../../src/quantize/eval.js';

const models = buildModels();

describe('lowering to TFLite ops', () => {
  for (const tm of models) {
    it(`${tm.name}: op sequence and float graph == tfjs model.predict`, () => {
      const rep = randomInputs(24, tm.inputShape, 5);
      const r = quantize(tm.model, rep);
      expect(r.model.graph.operators.map((o) => o.op)).toEqual(tm.ops);
      // The lowered float graph (folded BN, fused ReLU, Conv1D as CONV_2D, …) must compute what
      // tfjs computes for the original model: expected values come from model.predict.
      const ref = tf.tidy(() => (tm.model.predict(tf.tensor(rep.x, rep.shape)) as tf.Tensor).dataSync());
      expect(r.floatOutput.length).toBe(ref.length);
      let maxErr = 0;
      for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(ref[i] - r.floatOutput[i]));
      expect(maxErr).toBeLessThan(1e-4);
    });
  }
});

describe('graph contract', () => {
  const tm = models[1]; // conv1d stack
  const r = quantize(tm.model, randomInputs(16, tm.inputShape, 9));
  const g = r.model.graph;
  it('all activations int8 per-tensor; conv weights per-channel axis 0; biases int32 with scale s_in*s_w', () => {
    for (const op of g.operators) {
      for (const o of op.outputs) expect(g.tensors[o].dtype).toBe('int8');
      if (op.op === 'CONV_2D' || op.op === 'FULLY_CONNECTED') {
        const w = g.tensors[op.inputs[1]];
        const b = g.tensors[op.inputs[2]];
        const x = g.tensors[op.inputs[0]];
        expect(w.dtype).toBe('int8');
        expect(w.quant?.zeroPoint.every((z) => z === 0)).toBe(true);
        if (op.op === 'CONV_2D') expect(w.quant?.scale.length).toBe(w.shape[0]);
        else expect(w.quant?.scale.length).toBe(1);
        expect(b.dtype).toBe('int32');
        expect(b.data?.length).toBe(4 * b.shape[0]);
        const ws = w.quant!.scale;
        b.quant!.scale.forEach((s, c) => expect(s).toBe(Math.fround(x.quant!.scale[0] * ws[ws.length === 1 ? 0 : c])));
        // weight bytes within [-127, 127]
        const q = new Int8Array(w.data!.buffer, w.data!.byteOffset, w.data!.length);
        expect(Math.min(...q)).toBeGreaterThanOrEqual(-127);
      }
    }
  });
  it('pooling and reshape outputs share their input parameters; softmax output is 1/256, -128', () => {
    for (const op of g.operators) {
      const i = g.tensors[op.inputs[0]].quant!;
      const o = g.tensors[op.outputs[0]].quant!;
      if (op.op === 'MAX_POOL_2D' || op.op === 'AVERAGE_POOL_2D' || op.op === 'RESHAPE') {
        expect([o.scale[0], o.zeroPoint[0]]).toEqual([i.scale[0], i.zeroPoint[0]]);
      }
      if (op.op === 'SOFTMAX') expect([o.scale[0], o.zeroPoint[0]]).toEqual([1 / 256, -128]);
      if (op.op === 'RESHAPE') {
        const shapeT = g.tensors[op.inputs[1]];
        expect(shapeT.dtype).toBe('int32');
        const dv = new DataView(shapeT.data!.buffer, shapeT.data!.byteOffset);
        const ns = Array.from({ length: shapeT.shape[0] }, (_, k) => dv.getInt32(4 * k, true));
        expect(ns).toEqual(g.tensors[op.outputs[0]].shape);
        expect(op.options).toEqual({ newShape: ns });
      }
    }
  });
  it('Conv1D runs as CONV_2D with a 1-high kernel on a [1, 1, T, C] view', () => {
    const conv = g.operators.find((o) => o.op === 'CONV_2D')!;
    expect(g.tensors[conv.inputs[0]].shape).toEqual([1, 1, 16, 3]);
    expect(g.tensors[conv.inputs[1]].shape).toEqual([4, 1, 3, 3]);
    expect(conv.options).toMatchObject({ strideH: 1, strideW: 1, padding: 'VALID', fusedActivation: 'RELU' });
  });
  it('names tensors after Keras layers and reports each layer', () => {
    const names = g.tensors.map((t) => t.name);
    expect(names).toContain('c1');
    expect(names).toContain('probs');
    expect(r.layers.map((l) => l.name)).toEqual(['c1', 'mp', 'c2', 'ap', 'flat', 'probs']);
    expect(r.layers[0].op).toBe('RESHAPE+CONV_2D');
    expect(r.layers[2].weightScales).toHaveLength(6);
    expect(r.outputQuant).toEqual({ scale: 1 / 256, zeroPoint: -128 });
    // inputs uniform in [-1, 1): range ≈ [-1, 1] → scale ≈ 2/255
    expect(r.inputQuant.scale).toBeCloseTo(2 / 255, 4);
  });
  it('float32 I/O adds QUANTIZE first and DEQUANTIZE last', () => {
    const f = quantize(tm.model, randomInputs(8, tm.inputShape, 3), { inputType: 'float32', outputType: 'float32' });
    const fg = f.model.graph;
    expect(fg.operators[0].op).toBe('QUANTIZE');
    expect(fg.operators[fg.operators.length - 1].op).toBe('DEQUANTIZE');
    expect(fg.tensors[fg.inputs[0]].dtype).toBe('float32');
    expect(fg.tensors[fg.outputs[0]].dtype).toBe('float32');
  });
  it('rejects settings that do not match the model input', () => {
    const settings = { task: 'classification' as const, labels: ['a', 'b'], axes: ['x', 'y'], units: ['g', 'g'], sampleRateHz: 50, windowLength: 16, windowStride: 8, normalisation: { mean: [0, 0], std: [1, 1] } };
    expect(() => quantize(tm.model, randomInputs(4, tm.inputShape, 3), { settings })).toThrow(/16 × 2 but the model input is \[16,3\]/);
  });
  it('fills settings.inputQuant / outputQuant', () => {
    const settings = { task: 'classification' as const, labels: ['a', 'b', 'c', 'd', 'e'], axes: ['x', 'y', 'z'], units: ['g', 'g', 'g'], sampleRateHz: 50, windowLength: 16, windowStride: 8, normalisation: { mean: [0, 0, 0], std: [1, 1, 1] } };
    const s = quantize(tm.model, randomInputs(8, tm.inputShape, 3), { settings });
    expect(s.settings?.inputQuant).toEqual(s.inputQuant);
    expect(s.settings?.outputQuant).toEqual(s.outputQuant);
  });
});

describe('SeparableConv1D (registered Keras class)', () => {
  it('survives a model.json round trip and lowers to depthwise + pointwise', async () => {
    const tm = models.find((m) => m.name === 'sepconv1d')!;
    let art: tf.io.ModelArtifacts | null = null;
    await tm.model.save(tf.io.withSaveHandler(async (a) => ((art = a), { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } })));
    const a = art as unknown as tf.io.ModelArtifacts;
    expect(JSON.stringify(a.modelTopology)).toContain('"class_name":"SeparableConv1D"');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(a));
    const rep = randomInputs(8, tm.inputShape, 91);
    const r1 = quantize(tm.model, rep);
    const r2 = quantize(loaded, rep);
    expect(Array.from(r2.floatOutput)).toEqual(Array.from(r1.floatOutput));
    const dw = r1.model.graph.operators.find((o) => o.op === 'DEPTHWISE_CONV_2D')!;
    expect(r1.model.graph.tensors[dw.inputs[1]].shape).toEqual([1, 1, 3, 6]);
    expect(dw.options).toMatchObject({ depthMultiplier: 2, padding: 'SAME', fusedActivation: 'NONE' });
  });
});

describe('Concatenate', () => {
  it('inputs and output share one set of parameters covering every branch', () => {
    const tm = models.find((m) => m.name === 'concat')!;
    const r = quantize(tm.model, randomInputs(16, tm.inputShape, 81));
    const g = r.model.graph;
    const cat = g.operators.find((o) => o.op === 'CONCATENATION')!;
    const q = [...cat.inputs, ...cat.outputs].map((i) => g.tensors[i].quant!);
    for (const x of q) expect([x.scale[0], x.zeroPoint[0]]).toEqual([q[0].scale[0], q[0].zeroPoint[0]]);
    // the conv feeding the max pool was re-parameterised to the group's too
    const pool = g.operators.find((o) => o.op === 'MAX_POOL_2D')!;
    expect(g.tensors[pool.inputs[0]].quant!.scale[0]).toBe(q[0].scale[0]);
    expect(cat.options).toEqual({ axis: 3, fusedActivation: 'NONE' });
  });
});

describe('unsupported models fail before anything is produced', () => {
  const expectUnsupported = (f: () => unknown, re: RegExp) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(TinyforgeError);
      expect((e as TinyforgeError).kind).toBe('unsupported');
      expect((e as TinyforgeError).message).toMatch(re);
      expect((e as TinyforgeError).remedy).toBeTruthy();
      return;
    }
    throw new Error('expected an unsupported error');
  };
  it('elu activation', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, activation: 'elu', inputShape: [3], name: 'bad_elu' })] });
    expectUnsupported(() => lowerModel(m), /bad_elu.*elu/);
  });
  it('an LSTM layer', () => {
    const m = tf.sequential({ layers: [tf.layers.lstm({ units: 2, inputShape: [4, 3], name: 'rnn' })] });
    expectUnsupported(() => lowerModel(m), /rnn.*LSTM/);
  });
  it('causal padding', () => {
    const m = tf.sequential({ layers: [tf.layers.conv1d({ filters: 2, kernelSize: 2, padding: 'causal', inputShape: [4, 3], name: 'cz' })] });
    expectUnsupported(() => lowerModel(m), /cz.*causal/);
  });
  it('a multi-input model', () => {
    const a = tf.input({ shape: [3] });
    const b = tf.input({ shape: [3] });
    const s = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
    expectUnsupported(() => lowerModel(tf.model({ inputs: [a, b], outputs: s })), /2 inputs/);
  });
  it('Dense on a rank-3 tensor', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4, 3], name: 'd3' })] });
    expectUnsupported(() => lowerModel(m), /d3/);
  });
  it('BatchNormalization that cannot be folded', () => {
    const m = tf.sequential({ layers: [tf.layers.batchNormalization({ inputShape: [3], name: 'bn0' }), tf.layers.dense({ units: 2 })] });
    expectUnsupported(() => lowerModel(m), /bn0/);
  });
  it('a non-float32 input', () => {
    const x = tf.input({ shape: [3], dtype: 'int32' });
    const y = tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor;
    expectUnsupported(() => lowerModel(tf.model({ inputs: x, outputs: y })), /int32/);
  });
  it('Concatenate of a softmax output (fixed parameters)', () => {
    const x = tf.input({ shape: [4] });
    const a = tf.layers.dense({ units: 2, activation: 'softmax', name: 'sm' }).apply(x) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor;
    const c = tf.layers.concatenate().apply([a, b]) as tf.SymbolicTensor;
    expectUnsupported(() => quantize(tf.model({ inputs: x, outputs: c }), randomInputs(4, [4], 1)), /sm.*fixed/);
  });
  it('uint8 I/O', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    expectUnsupported(() => quantize(m, randomInputs(2, [3], 1), { inputType: 'uint8' as 'int8' }), /uint8/);
  });
  it('representative data of the wrong shape is bad input', () => {
    const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    expect(() => quantize(m, randomInputs(2, [4], 1))).toThrow(/representative data has shape/);
  });
});

// The train stage's presets are the models users actually quantise: each must lower, match tfjs,
// and run through the int8 interpreter (tolerance as in int8.test.ts: 3 output steps on the
// representative set itself).
describe('train-stage presets quantise', () => {
  for (const preset of PRESETS) {
    it(preset, () => {
      // The feature presets take a feature vector: 3 channels × 11 (feature-conv), 5 frames × 36 (frame-conv).
      const shape = preset === 'feature-conv' ? { windowLength: 1, axes: 33, channels: 3 } : preset === 'frame-conv' ? { windowLength: 1, axes: 180, frames: 5 } : { windowLength: 32, axes: 3 };
      const model = buildModel(preset, { ...shape, classes: 5, seed: 3 });
      const rep = randomInputs(24, [shape.windowLength, shape.axes], 71);
      const r = quantize(model, rep);
      const ref = tf.tidy(() => (model.predict(tf.tensor(rep.x, rep.shape)) as tf.Tensor).dataSync());
      let maxErr = 0;
      for (let i = 0; i < ref.length; i++) maxErr = Math.max(maxErr, Math.abs(ref[i] - r.floatOutput[i]));
      expect(maxErr).toBeLessThan(1e-4);
      const c = compareOutputs(r.floatOutput, runInt8(r.model.graph, rep.x, 24), 24);
      expect(c.maxAbsError).toBeLessThanOrEqual(3 * r.outputQuant.scale);
    });
  }
});
