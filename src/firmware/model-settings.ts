/**
 * Settings ↔ model consistency for firmware. The device app windows `windowLength` samples of
 * `axes.length` values, normalises them, quantises them with the input scale / zero point and
 * names the arg-max with `labels`; if any of that disagrees with the .tflite, the firmware builds
 * and runs but answers wrongly (or silently stops windowing). These checks turn such a settings
 * file (one written for another model, or edited by hand) into a clear bad-input error.
 *
 * The model is the authority for the int8 I/O quantisation: settings without it (a training
 * run's settings.json) get it from the model, and settings whose copy differs are rejected.
 */
import type { ModelSettings } from '../core/dataset.js';
import { badInput, unsupported } from '../core/errors.js';
import { numElements, type Graph, type Tensor } from '../core/graph.js';

type Quant = { scale: number; zeroPoint: number };

/** Most output tensors a firmware model may have (TF_TFLM_MAX_OUTPUTS in tf_engine_tflm.cpp). */
export const MAX_OUTPUT_TENSORS = 16;

/**
 * Firmware serves models with one input tensor and 1…MAX_OUTPUT_TENSORS output tensors (the
 * engine's output is all of them concatenated in graph order, firmware/core/tf_engine.h).
 */
export function checkFirmwareIo(g: Graph, source = 'the model'): void {
  if (g.inputs.length !== 1 || g.outputs.length < 1 || g.outputs.length > MAX_OUTPUT_TENSORS) {
    throw unsupported(`firmware serves models with one input tensor and 1–${MAX_OUTPUT_TENSORS} output tensors (${source} has ${g.inputs.length} and ${g.outputs.length})`, {
      remedy: 'export the model with a single input tensor (and at most 16 outputs)',
    });
  }
}

function tensorQuant(t: Tensor): Quant | undefined {
  if (!t.quant || t.quant.scale.length !== 1 || t.quant.zeroPoint.length !== 1) return undefined;
  return { scale: t.quant.scale[0], zeroPoint: t.quant.zeroPoint[0] };
}

const describe = (t: Tensor) => `"${t.name}" ${t.dtype} [${t.shape.join(',')}]`;

/**
 * The settings with `inputQuant` / `outputQuant` filled in from the model's I/O tensors where the
 * settings have none (per-tensor quantised tensors only). Never changes quantisation the settings
 * already carry.
 */
export function withModelQuant(settings: ModelSettings, graph: Graph): ModelSettings {
  const inQ = tensorQuant(graph.tensors[graph.inputs[0]]);
  const outQ = tensorQuant(graph.tensors[graph.outputs[0]]);
  return {
    ...settings,
    ...(!settings.inputQuant && inQ ? { inputQuant: inQ } : {}),
    ...(!settings.outputQuant && outQ ? { outputQuant: outQ } : {}),
  };
}

function sameScale(a: number, b: number): boolean {
  // The settings may hold the float64 the quantiser computed, the model its float32 rounding.
  return a === b || Math.abs(a - b) <= 1e-6 * Math.abs(b);
}

/**
 * Check `settings` (from `--settings FILE`) against the model the firmware is built for, and return
 * them with the model's exact I/O quantisation. Throws bad-input naming the first disagreement and
 * the fix; unsupported if the model's I/O is not int8 (the device app quantises windows to int8).
 */
export function checkSettingsForModel(settings: ModelSettings, graph: Graph, settingsPath = 'the settings file'): ModelSettings {
  const remedy = 'pass the settings.json written with this model (tinyforge quantize writes both into one folder), or fix the file';
  const bad = (what: string) => badInput(`${settingsPath} does not match the model: ${what}`, { remedy });
  const s = settings;
  const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!Array.isArray(s.axes) || s.axes.length === 0 || !s.axes.every((a) => typeof a === 'string')) {
    throw badInput(`${settingsPath}: "axes" must be a non-empty list of axis names`, { remedy: 'e.g. "axes": ["aX", "aY", "aZ"]' });
  }
  if (!s.labels.every((l) => typeof l === 'string')) throw badInput(`${settingsPath}: "labels" must be strings`, { remedy: 'e.g. "labels": ["idle", "walking"]' });
  if (s.task !== 'classification' && s.task !== 'regression' && s.task !== 'anomaly') {
    throw badInput(`${settingsPath}: "task" is ${JSON.stringify(s.task)}`, { remedy: 'use "classification", "regression" or "anomaly" (an autoencoder)' });
  }
  if (!posInt(s.windowLength)) throw badInput(`${settingsPath}: "windowLength" is ${JSON.stringify(s.windowLength)}`, { remedy: 'give the samples per window as a positive integer' });
  if (!posInt(s.windowStride)) throw badInput(`${settingsPath}: "windowStride" is ${JSON.stringify(s.windowStride)}`, { remedy: 'give the samples between windows as a positive integer' });
  if (!(typeof s.sampleRateHz === 'number' && Number.isFinite(s.sampleRateHz) && s.sampleRateHz > 0)) {
    throw badInput(`${settingsPath}: "sampleRateHz" is ${JSON.stringify(s.sampleRateHz)}`, { remedy: 'give the sample rate the model was trained at, in Hz' });
  }
  const norm = s.normalisation as ModelSettings['normalisation'] | undefined;
  if (!norm || !Array.isArray(norm.mean) || !Array.isArray(norm.std)) {
    throw badInput(`${settingsPath}: "normalisation" needs "mean" and "std" lists (one per axis)`, { remedy: 'use the settings.json written by tinyforge train or quantize' });
  }
  if (norm.mean.length !== s.axes.length || norm.std.length !== s.axes.length) {
    throw badInput(`${settingsPath}: normalisation has ${norm.mean.length} means / ${norm.std.length} stds for ${s.axes.length} axes`, {
      remedy: 'give one mean and one std per axis',
    });
  }
  const badStd = norm.std.findIndex((v) => !(typeof v === 'number' && Number.isFinite(v) && v > 0));
  const badMean = norm.mean.findIndex((v) => !(typeof v === 'number' && Number.isFinite(v)));
  if (badStd >= 0 || badMean >= 0) {
    throw badInput(`${settingsPath}: normalisation ${badStd >= 0 ? `std[${badStd}] is ${JSON.stringify(norm.std[badStd])}` : `mean[${badMean}] is ${JSON.stringify(norm.mean[badMean])}`}`, {
      remedy: 'each mean must be a finite number and each std a positive finite number',
    });
  }

  const inT = graph.tensors[graph.inputs[0]];
  const outT = graph.tensors[graph.outputs[0]];
  const inQ = tensorQuant(inT);
  const outQ = tensorQuant(outT);
  const badOut = graph.outputs.map((i) => graph.tensors[i]).find((t) => t.dtype !== 'int8' || !tensorQuant(t));
  if (inT.dtype !== 'int8' || !inQ || badOut) {
    const t = inT.dtype !== 'int8' || !inQ ? inT : badOut!;
    throw unsupported(`the firmware needs a per-tensor quantised int8 input and output; this model's ${t === inT ? 'input' : 'output'} is ${describe(t)}`, {
      remedy: 'quantise the model to int8 (tinyforge quantize) or convert it with int8 inputs and outputs',
    });
  }
  const inElems = numElements(inT.shape);
  const windowValues = s.windowLength * s.axes.length;
  if (s.features) {
    const n = Array.isArray(s.features.names) ? s.features.names.length : -1;
    if (n !== inElems) throw bad(`the ${s.features.block} feature block makes ${n} features, but the model input ${describe(inT)} takes ${inElems}`);
  } else if (windowValues !== inElems) {
    throw bad(`a window of ${s.windowLength} samples × ${s.axes.length} axes (${s.axes.join(', ')}) is ${windowValues} values, but the model input ${describe(inT)} takes ${inElems}`);
  }
  const outElems = graph.outputs.reduce((n, i) => n + numElements(graph.tensors[i].shape), 0);
  if (graph.outputs.length > 1 && s.task !== 'regression') {
    throw bad(`task "${s.task}" but the model has ${graph.outputs.length} output tensors; a model with several outputs is served as task "regression" (its values, tensor by tensor)`);
  }
  if (s.task === 'anomaly') {
    // An autoencoder reconstructs its input: the score compares the two value by value.
    if (outElems !== inElems) throw bad(`task "anomaly" (an autoencoder) needs an output as large as the input, but the model output ${describe(outT)} has ${outElems} values and the input ${inElems}`);
  } else if (!(s.task === 'regression' && s.labels.length === 0) && s.labels.length !== outElems) {
    // Regression outputs may be unnamed (any count); named ones, and classes, are one label per output.
    throw bad(`${s.labels.length} label(s) (${s.labels.slice(0, 8).join(', ')}${s.labels.length > 8 ? ', …' : ''}) but the model output ${describe(outT)} has ${outElems} value(s)`);
  }
  for (const [key, have, want] of [['inputQuant', s.inputQuant, inQ], ['outputQuant', s.outputQuant, outQ!]] as const) {
    if (have === undefined) continue;
    if (typeof have !== 'object' || have === null || typeof have.scale !== 'number' || typeof have.zeroPoint !== 'number') {
      throw badInput(`${settingsPath}: "${key}" must be {"scale": number, "zeroPoint": number}`, { remedy: 'remove it (the model\'s own quantisation is used) or fix it' });
    }
    if (!sameScale(have.scale, want.scale) || have.zeroPoint !== want.zeroPoint) {
      throw bad(`${key} is scale ${have.scale} zero point ${have.zeroPoint}, but the model's ${key === 'inputQuant' ? 'input' : 'output'} has scale ${want.scale} zero point ${want.zeroPoint}`);
    }
  }
  return { ...s, inputQuant: inQ, outputQuant: outQ };
}

/** The axes the device app feeds from the board's IMU (tf_app.c): live detection needs exactly these. */
export const IMU_AXES = ['aX', 'aY', 'aZ'] as const;

/**
 * A warning (for stderr) when the firmware cannot run live detection on the board's IMU because the
 * model's axes are not aX,aY,aZ in that order (e.g. a 6-axis aX..gZ model from IMU_Capture data):
 * such firmware answers STREAM_START with ERROR AXES_MISMATCH and INFO.liveDetection 0; INFER,
 * SAMPLES_IN (monitor --feed) and verify still work. null when the axes are the IMU's.
 */
export function liveDetectionWarning(settings: Pick<ModelSettings, 'axes'>): string | null {
  const axes = settings.axes;
  if (axes.length === IMU_AXES.length && axes.every((a, i) => a === IMU_AXES[i])) return null;
  return (
    `warning: the model's axes are ${axes.join(',')} (${axes.length}); live detection on the board's IMU needs them to be ${IMU_AXES.join(',')}, ` +
    'so this firmware answers STREAM_START (monitor/capture) with ERROR AXES_MISMATCH. INFER, verify and monitor --feed (SAMPLES_IN) still work. ' +
    `For live detection, retrain on the accelerometer axes only: tinyforge train --data RECORDINGS --axes ${IMU_AXES.join(',')}.`
  );
}
