/**
 * `tf_model_settings.h`: the model's settings as C constants, generated from the same
 * `ModelSettings` the host trains and evaluates with (never hand-copied). Used by the device app
 * for windowing, normalisation, labels and I/O quantisation.
 *
 * Contract (names the firmware relies on):
 *   TF_MODEL_TASK                  TF_TASK_CLASSIFICATION, TF_TASK_REGRESSION or TF_TASK_ANOMALY
 *   TF_MODEL_TASK_CLASSIFICATION   1 for a classifier, 0 otherwise
 *   TF_MODEL_NUM_CLASSES           labels count (classification); 1 otherwise (one name: the
 *                                  regression's single label, "value", or "reconstruction")
 *   TF_MODEL_NUM_OUTPUTS           int8 output values (any count: INFO and the link chunk them)
 *   TF_MODEL_NUM_AXES              values per sample (e.g. 3 for aX,aY,aZ)
 *   TF_MODEL_WINDOW_LENGTH         samples per window
 *   TF_MODEL_WINDOW_STRIDE         samples between successive windows when streaming
 *   TF_MODEL_SAMPLE_RATE_HZ        float, the rate the model was trained at
 *   TF_MODEL_INPUT_SCALE / TF_MODEL_INPUT_ZERO_POINT    int8 input quantisation (float x → q)
 *   TF_MODEL_OUTPUT_SCALE / TF_MODEL_OUTPUT_ZERO_POINT  int8 output quantisation
 *   TF_MODEL_INPUT_BYTES / TF_MODEL_OUTPUT_BYTES        tensor byte sizes
 *   tf_model_labels[TF_MODEL_NUM_CLASSES]               class names
 *   tf_model_axes[TF_MODEL_NUM_AXES]                    axis names
 *   tf_model_norm_mean[], tf_model_norm_std[]           per-axis x' = (x - mean) / std
 *   TF_MODEL_NUM_OUTPUT_TENSORS    output tensors (the engine's output is them concatenated in graph order);
 *   tf_model_output_tensor_offsets[], _bytes[], _scales[], _zero_points[], _names[]   one per tensor
 *   TF_MODEL_ANOMALY_CLUSTERS      K-means clusters of the anomaly block (0: none; train --anomaly)
 *   TF_MODEL_ANOMALY_THRESHOLD     int32 squared distance above which a window is anomalous
 *   tf_model_anomaly_centroids[K × TF_MODEL_INPUT_BYTES]  int8 centroids in the model input's int8 domain
 *                                  (src/train/anomaly.ts: anomalyInt8, the one definition)
 * Input layout: [window][axis], row-major, as the host windows it.
 */
import type { ModelSettings } from '../core/dataset.js';
import { cFloat, cHeader, cString, type GeneratedFile } from '../core/cemit.js';
import { badInput } from '../core/errors.js';
import { DTYPE_BYTES, numElements, type Graph, type Tensor } from '../core/graph.js';
import { anomalyInt8 } from '../train/anomaly.js';

export interface SettingsHeaderInput {
  settings: ModelSettings;
  inputBytes: number;
  /** All output tensors' bytes together (the engine's output). */
  outputBytes: number;
  /** Several output tensors: each one's bytes and int8 quantisation, in graph order (default: one tensor of outputBytes with settings.outputQuant). */
  outputTensors?: { name: string; bytes: number; scale: number; zeroPoint: number }[];
  /** Hex SHA-256 of the .tflite, for the provenance line. */
  modelSha256?: string;
}

export function settingsHeader({ settings: s, inputBytes, outputBytes, outputTensors, modelSha256 }: SettingsHeaderInput): GeneratedFile {
  if (!s.inputQuant || !s.outputQuant) {
    throw badInput('model settings have no input/output quantisation', {
      remedy: 'quantise the model first (tinyforge quantize): the firmware needs the int8 I/O scales and zero points',
    });
  }
  const nAxes = s.axes.length;
  if (s.normalisation.mean.length !== nAxes || s.normalisation.std.length !== nAxes) {
    throw badInput(`normalisation has ${s.normalisation.mean.length} means / ${s.normalisation.std.length} stds for ${nAxes} axes`, {
      remedy: 'recompute the normalisation from the training data (one mean and std per axis)',
    });
  }
  // Names INFO reports: a classifier's labels; otherwise one name for the output (its count is unbounded).
  const labels = s.task === 'classification' ? s.labels : s.task === 'anomaly' ? ['reconstruction'] : s.labels.length === 1 ? s.labels : ['value'];
  // INFO reports these counts in one byte (classes, axes) and two (window length, stride): larger values would reach the host wrapped.
  const limits: [string, number, number][] = [['classes', labels.length, 255], ['axes', nAxes, 255], ['window length', s.windowLength, 65535], ['window stride', s.windowStride, 65535]];
  for (const [what, n, max] of limits) {
    if (n > max) throw badInput(`the model settings have ${n} ${what}; the device protocol reports at most ${max}`, { remedy: `reduce the ${what} to at most ${max}` });
  }
  // INFO carries each name as a length byte and its UTF-8 bytes: a longer name would reach the host cut mid-character.
  for (const name of [...labels, ...s.axes]) {
    const n = new TextEncoder().encode(name).length;
    if (n > 255) throw badInput(`the label or axis name "${name.slice(0, 40)}…" is ${n} bytes in UTF-8; the device reports at most 255`, { remedy: 'shorten the label or axis name in the settings (or the training data) to at most 255 UTF-8 bytes' });
  }
  const body = [
    '#define TF_TASK_CLASSIFICATION 1',
    '#define TF_TASK_REGRESSION 2',
    '#define TF_TASK_ANOMALY 3',
    `#define TF_MODEL_TASK TF_TASK_${s.task.toUpperCase()}`,
    `#define TF_MODEL_TASK_CLASSIFICATION ${s.task === 'classification' ? 1 : 0}`,
    `#define TF_MODEL_NUM_OUTPUTS ${outputBytes}`,
    `#define TF_MODEL_NUM_CLASSES ${labels.length}`,
    `#define TF_MODEL_NUM_AXES ${nAxes}`,
    `#define TF_MODEL_WINDOW_LENGTH ${s.windowLength}`,
    `#define TF_MODEL_WINDOW_STRIDE ${s.windowStride}`,
    `#define TF_MODEL_SAMPLE_RATE_HZ ${cFloat(s.sampleRateHz)}`,
    `#define TF_MODEL_INPUT_SCALE ${cFloat(s.inputQuant.scale)}`,
    `#define TF_MODEL_INPUT_ZERO_POINT ${s.inputQuant.zeroPoint}`,
    `#define TF_MODEL_OUTPUT_SCALE ${cFloat(s.outputQuant.scale)}`,
    `#define TF_MODEL_OUTPUT_ZERO_POINT ${s.outputQuant.zeroPoint}`,
    `#define TF_MODEL_INPUT_BYTES ${inputBytes}`,
    `#define TF_MODEL_OUTPUT_BYTES ${outputBytes}`,
    ...(s.smoothing ? smoothingDefines(s.smoothing) : []),
    ...anomalyDefines(s, inputBytes),
    ...outputTensorDefines(outputTensors, outputBytes),
    '',
    `static const char* const tf_model_labels[TF_MODEL_NUM_CLASSES] = {${labels.map(cString).join(', ')}};`,
    `static const char* const tf_model_axes[TF_MODEL_NUM_AXES] = {${s.axes.map(cString).join(', ')}};`,
    `static const float tf_model_norm_mean[TF_MODEL_NUM_AXES] = {${s.normalisation.mean.map(cFloat).join(', ')}};`,
    `static const float tf_model_norm_std[TF_MODEL_NUM_AXES] = {${s.normalisation.std.map(cFloat).join(', ')}};`,
  ].join('\n');
  return cHeader('tf_model_settings.h', body, { provenance: modelSha256 ? `model sha256 ${modelSha256}` : undefined, ...(s.anomaly || (outputTensors?.length ?? 0) > 1 ? { includes: ['<stdint.h>'] } : {}) });
}

/**
 * Settings for a model that did not come from tinyforge's training (a converter-made .tflite with
 * no settings file): the input is one flat "window" of single values, no normalisation, class
 * labels class_0…class_{N-1} for 2…255 outputs, else regression values (one named "value", or more
 * unnamed: an autoencoder's 640 are not classes). Only the I/O quantisation is real, read
 * from the graph; the device app's windowing is then only used if the host streams raw values.
 */
export function settingsFromGraph(graph: Graph): ModelSettings {
  const inT = graph.tensors[graph.inputs[0]];
  const outT = graph.tensors[graph.outputs[0]];
  const q = (t: Tensor) => ({ scale: t.quant?.scale[0] ?? 1, zeroPoint: t.quant?.zeroPoint[0] ?? 0 });
  const classes = graph.outputs.length > 1 ? graph.outputs.reduce((n, i) => n + numElements(graph.tensors[i].shape), 0) : numElements(outT.shape);
  // 16 Mi outputs: far beyond any microcontroller's RAM, so such a shape is a corrupt model.
  if (numElements(inT.shape) > 65535 || classes > 2 ** 24) {
    throw badInput(`the model's input has ${numElements(inT.shape)} values and its output ${classes}; settings derived from the model allow a window of at most 65535 values and 16 Mi outputs`, {
      remedy: 'pass a settings file for this model, or check its shapes (a microcontroller model this large is likely corrupt)',
    });
  }
  // More outputs than INFO can name (255) are values, not classes (e.g. an autoencoder's 640):
  // unnamed regression outputs; a settings file with "task" says otherwise.
  // Several output tensors are values too (task regression), tensor by tensor.
  const isClasses = graph.outputs.length === 1 && classes > 1 && classes <= 255;
  return {
    task: isClasses ? 'classification' : 'regression',
    labels: isClasses ? Array.from({ length: classes }, (_, i) => `class_${i}`) : classes === 1 && graph.outputs.length === 1 ? ['value'] : [],
    axes: ['x'],
    units: ['1'],
    sampleRateHz: 1,
    windowLength: numElements(inT.shape),
    windowStride: numElements(inT.shape),
    normalisation: { mean: [0], std: [1] },
    inputQuant: q(inT),
    outputQuant: q(outT),
  };
}

/** The library's default smoothing (TF_MODEL_SMOOTH_*, read by tf_model_init(NULL)), checked against tf_model.h's limits. */
function smoothingDefines(m: { average: number; minScore: number; minWindows: number }): string[] {
  const ok = Number.isInteger(m.average) && m.average >= 1 && m.average <= 16 && Number.isInteger(m.minScore) && m.minScore >= -128 && m.minScore <= 127 && Number.isInteger(m.minWindows) && m.minWindows >= 1 && m.minWindows <= 65535;
  if (!ok) {
    throw badInput(`settings "smoothing" ${JSON.stringify(m)} is out of range`, { remedy: 'average 1–16, minScore −128…127 (an int8 output level), minWindows 1–65535; or remove it (tinyforge eval --stream chooses it)' });
  }
  return [`#define TF_MODEL_SMOOTH_AVERAGE ${m.average}`, `#define TF_MODEL_SMOOTH_MIN_SCORE (${m.minScore})`, `#define TF_MODEL_SMOOTH_MIN_WINDOWS ${m.minWindows}`];
}

/** The anomaly block's constants (TF_MODEL_ANOMALY_*): the int8 centroids and threshold, or CLUSTERS 0. */
function anomalyDefines(s: ModelSettings, inputBytes: number): string[] {
  if (!s.anomaly) return ['#define TF_MODEL_ANOMALY_CLUSTERS 0'];
  if (s.task !== 'classification') {
    throw badInput(`settings "anomaly" (a K-means block) on a ${s.task} model`, { remedy: 'the K-means anomaly block is for classifiers: remove "anomaly" from the settings (an autoencoder, task "anomaly", scores itself)' });
  }
  const a = anomalyInt8(s.anomaly, s.inputQuant!);
  if (a.dims !== inputBytes) {
    throw badInput(`settings "anomaly" has ${a.dims}-value centroids but the model input has ${inputBytes} values`, { remedy: 'pass the settings.json written with this model by tinyforge train --anomaly, or retrain' });
  }
  return [
    `#define TF_MODEL_ANOMALY_CLUSTERS ${a.clusters}`,
    `#define TF_MODEL_ANOMALY_THRESHOLD ${a.threshold}`,
    `static const int8_t tf_model_anomaly_centroids[TF_MODEL_ANOMALY_CLUSTERS * TF_MODEL_INPUT_BYTES] = {${Array.from(a.centroids).join(', ')}};`,
  ];
}

/** A graph's output tensors as settingsHeader's `outputTensors` (names, bytes, int8 quantisation, in graph order). */
export function graphOutputTensors(g: Graph): NonNullable<SettingsHeaderInput['outputTensors']> {
  return g.outputs.map((i) => {
    const t = g.tensors[i];
    return { name: t.name, bytes: numElements(t.shape) * (DTYPE_BYTES[t.dtype] || 1), scale: t.quant?.scale[0] ?? 1, zeroPoint: t.quant?.zeroPoint[0] ?? 0 };
  });
}

/** TF_MODEL_NUM_OUTPUT_TENSORS and where each output tensor lies in the engine's output (tf_model_output). */
function outputTensorDefines(tensors: SettingsHeaderInput['outputTensors'], outputBytes: number): string[] {
  if (!tensors || tensors.length <= 1) return ['#define TF_MODEL_NUM_OUTPUT_TENSORS 1'];
  const total = tensors.reduce((n, t) => n + t.bytes, 0);
  if (total !== outputBytes) throw badInput(`the output tensors hold ${total} bytes, not the ${outputBytes} the engine returns`, { remedy: 'report this: the firmware generator and the model disagree' });
  let at = 0;
  const offsets = tensors.map((t) => ((at += t.bytes), at - t.bytes));
  return [
    `#define TF_MODEL_NUM_OUTPUT_TENSORS ${tensors.length}`,
    `static const uint32_t tf_model_output_tensor_offsets[TF_MODEL_NUM_OUTPUT_TENSORS] = {${offsets.join(', ')}};`,
    `static const uint32_t tf_model_output_tensor_bytes[TF_MODEL_NUM_OUTPUT_TENSORS] = {${tensors.map((t) => t.bytes).join(', ')}};`,
    `static const float tf_model_output_tensor_scales[TF_MODEL_NUM_OUTPUT_TENSORS] = {${tensors.map((t) => cFloat(t.scale)).join(', ')}};`,
    `static const int32_t tf_model_output_tensor_zero_points[TF_MODEL_NUM_OUTPUT_TENSORS] = {${tensors.map((t) => t.zeroPoint).join(', ')}};`,
    `static const char* const tf_model_output_tensor_names[TF_MODEL_NUM_OUTPUT_TENSORS] = {${tensors.map((t) => cString(t.name)).join(', ')}};`,
  ];
}
