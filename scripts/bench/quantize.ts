/**
 * Quantiser benchmark:
 * 1. quantise + write time of a ~50 k-parameter Conv1D activity classifier (seeded weights, 500
 *    random calibration windows of 2 s × 3 axes), split into lowering, calibration and int8 build;
 * 2. float vs int8 accuracy of a model trained by the train stage on the built-in simulated
 *    activity dataset (idle/walking/running/biking/golfing), on its held-out test windows.
 */
import * as tf from '@tensorflow/tfjs';
import { quantize, lowerModel, calibrate, buildInt8 } from '../../src/quantize/index.js';
import { evaluateInt8 } from '../../src/quantize/evaluate.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { builtinPrepared } from '../../src/data/prepare.js';
import { applyNormalisation } from '../../src/data/window.js';
import { trainModel } from '../../src/train/train.js';
import { conv1dActivityModel, randomInputs } from '../../tests/quantize/models.js';
import type { BenchSection } from './types.js';

function params(m: tf.LayersModel): number {
  return m.countParams();
}

function timeMs<T>(fn: () => T): { ms: number; value: T } {
  const t = performance.now();
  const value = fn();
  return { ms: performance.now() - t, value };
}

async function speedSection(): Promise<BenchSection> {
  // The CLI calibrates on the default (pure-JS cpu) backend, so the quantised bytes do not depend
  // on which accelerated backend a machine has; measure that.
  await tf.setBackend('cpu');
  const model = conv1dActivityModel(100, 3, 5);
  const rep = randomInputs(500, [100, 3], 3);
  quantize(model, randomInputs(8, [100, 3], 4)); // warm-up (tfjs kernels, JIT)
  const rows: string[] = [];
  for (let run = 0; run < 3; run++) {
    const lower = timeMs(() => lowerModel(model));
    const cal = timeMs(() => calibrate(lower.value, rep.x, 500));
    const build = timeMs(() => buildInt8(lower.value, cal.value.ranges));
    const write = timeMs(() => writeTflite(build.value.model));
    const total = lower.ms + cal.ms + build.ms + write.ms;
    rows.push(`| ${run + 1} | ${lower.ms.toFixed(1)} | ${cal.ms.toFixed(0)} | ${build.ms.toFixed(1)} | ${write.ms.toFixed(1)} | ${total.toFixed(0)} | ${write.value.length} |`);
  }
  return {
    title: 'Quantiser speed (~48 k-parameter Conv1D model)',
    markdown: [
      `Model: Conv1D(32,k5,relu) → MaxPool(2) → Conv1D(64,k5)+BatchNorm+ReLU → MaxPool(2) → Conv1D(96,k5,relu) → GAP → Dropout → Dense(64,relu) → Dense(5,softmax);`,
      `${params(model)} parameters, input [100, 3]. Calibration on 500 windows (batches of 128) on the tfjs \`${tf.getBackend()}\` backend.`,
      'Times in ms, wall clock, in-process, after one warm-up; `lower` = read Keras layers + fold/fuse + TFLite layouts,',
      '`calibrate` = run the lowered float graph over the windows collecting per-tensor ranges, `build` = int8 weights/biases/params, `write` = writeTflite.',
      '',
      '| run | lower | calibrate | build | write | total | .tflite bytes |',
      '|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  };
}

async function accuracySection(): Promise<BenchSection> {
  const data = builtinPrepared({ seed: 1 });
  const t0 = performance.now();
  const tr = await trainModel({ train: data.train, val: data.val, test: data.test }, {
    preset: 'conv1d',
    optimizer: 'adam',
    learningRate: 0.003,
    epochs: 8,
    batchSize: 32,
    seed: 1,
  });
  const trainS = (performance.now() - t0) / 1000;
  const norm = tr.settings.normalisation;
  const rep = applyNormalisation(tr.windows.representative, norm);
  const test = applyNormalisation(data.test, norm);
  const shape = [tr.settings.windowLength, tr.settings.axes.length];
  const rows: string[] = [];
  for (const perChannelDense of [false, true]) {
    const q = timeMs(() => quantize(tr.model, { x: rep.x, shape: [rep.y.length, ...shape] }, { perChannelDense }));
    const bytes = writeTflite(q.value.model).length;
    const e = evaluateInt8(tr.model, q.value.model.graph, { x: test.x, shape: [test.y.length, ...shape], y: test.y });
    const pct = (x: number | null) => (x === null ? '-' : (100 * x).toFixed(2));
    rows.push(
      `| conv1d preset${perChannelDense ? ', per-channel Dense' : ''} | ${params(tr.model)} | ${bytes} | ${pct(e.floatAccuracy)} | ${pct(e.int8Accuracy)} | ${pct(e.accuracyCost)} | ${pct(e.agreement)} | ${e.maxAbsError.toFixed(4)} | ${q.ms.toFixed(0)} |`,
    );
  }
  return {
    title: 'Float vs int8 accuracy (built-in activity dataset)',
    markdown: [
      `The train stage's \`conv1d\` preset trained for 8 epochs (adam, lr 0.003, seed 1, ${trainS.toFixed(0)} s) on the simulated`,
      `idle/walking/running/biking/golfing dataset (split by subject, 2 s windows at 50 Hz), quantised with its ${rep.y.length} representative`,
      `training windows (calibration on the \`${tf.getBackend()}\` backend the training left active), evaluated on ${test.y.length} held-out test windows:`,
      'float = tfjs, int8 = the host reference interpreter (bit-exact with TFLM reference kernels).',
      'Accuracy and agreement in %; the cost is float − int8 accuracy in points; max error is |float − dequantised int8| over all softmax outputs.',
      '',
      '| model | params | .tflite bytes | float acc | int8 acc | cost | agreement | max abs err | quantise ms |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
    ].join('\n'),
  };
}

export async function bench(): Promise<BenchSection[]> {
  const out = [await speedSection()];
  try {
    out.push(await accuracySection());
  } catch (e) {
    out.push({ title: 'Float vs int8 accuracy (built-in activity dataset)', markdown: `Not measured: ${e instanceof Error ? e.message : String(e)}` });
  }
  return out;
}
