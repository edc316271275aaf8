/**
 * Where the quantise / convert / eval commands get their model, settings and data (adapter):
 *
 * - a train directory (`tinyforge train --out DIR`: model.json, settings.json, windows.json, …):
 *   model, settings, the calibration windows (representative.bin) and the held-out windows
 *   (heldout.bin, with labels), normalised as the model expects;
 * - a tfjs model folder / model.json, plus data from `--data FILE.json` (src/quantize/array-data.ts) and settings
 *   from `--settings` or a settings.json beside model.json.
 *
 * `--data` may also name a train directory, to borrow its windows.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput, unsupported } from '../core/errors.js';
import { loadTrainArtifacts, ARTIFACT_FILES, type LoadedArtifacts } from './train-dir.js';
import type { ModelSources } from '../service/ports.js';
import { modelJsonPath, parseArrayData, type ArrayData } from '../quantize/array-data.js';
import '../quantize/layers.js'; // registers SeparableConv1D so Keras models using it load

export function isTrainDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, ARTIFACT_FILES.windows)) && existsSync(join(p, ARTIFACT_FILES.settings));
}

export type Sources = ModelSources;

function fromArtifacts(a: LoadedArtifacts): { calibration: ArrayData; evaluation: ArrayData } {
  const ho = a.heldOutNormalised;
  const per = a.manifest.inputShape.reduce((x, y) => x * y, 1);
  return {
    calibration: { x: a.calibration.x, shape: a.calibration.shape },
    evaluation: { x: ho.x, shape: [ho.x.length / per, ...a.manifest.inputShape], y: ho.y, labels: a.settings.labels },
  };
}

export async function loadSources(opts: { model: string; data?: string; settings?: string }): Promise<Sources> {
  let out: Sources;
  const modelDir = opts.model.endsWith('.json') ? dirname(opts.model) : opts.model;
  if (isTrainDir(modelDir)) {
    const a = await loadTrainArtifacts(modelDir);
    out = { model: a.model, settings: a.settings, ...fromArtifacts(a), heldOutRaw: a.heldOut };
  } else {
    const model = await loadLayersModelFile(opts.model);
    const sp = join(dirname(modelJsonPath(opts.model)), 'settings.json');
    out = { model, ...(existsSync(sp) ? { settings: loadSettings(sp) } : {}) };
  }
  if (opts.settings) out.settings = loadSettings(opts.settings);
  if (opts.data) {
    if (isTrainDir(opts.data)) {
      const d = fromArtifacts(await loadTrainArtifacts(opts.data));
      out.calibration = d.calibration;
      out.evaluation = d.evaluation;
    } else {
      const d = loadArrayData(opts.data);
      out.calibration = d;
      out.evaluation = d;
    }
  }
  return out;
}

/** Windows (normalised) as labelled evaluation data shaped [count, ...the model's input shape]. */
export function windowsAsArrayData(ws: WindowSet, model: tf.LayersModel, settings: ModelSettings): ArrayData {
  const inShape = model.inputs[0].shape.slice(1) as number[];
  if (inShape.reduce((a, b) => a * b, 1) !== ws.windowLength * ws.axes.length) {
    throw badInput(`windows of ${ws.windowLength} × ${ws.axes.length} do not fit the model input [${inShape.join(', ')}]`, { remedy: 'check the model settings (windowLength, axes) match the model' });
  }
  return { x: ws.x, shape: [ws.y.length, ...inShape], y: ws.y, labels: settings.labels };
}

function readJson(path: string, what: string): unknown {
  if (!existsSync(path)) throw badInput(`${what} not found: ${path}`, { remedy: `Check the path to the ${what}.` });
  if (statSync(path).isDirectory()) throw badInput(`${what} ${path} is a folder, not a file`, { remedy: `Pass the ${what} itself (a .json file).` });
  const bytes = readFileSync(path);
  // A binary file (a .tflite, weights) passed by mistake: say so instead of quoting garbage from the JSON parser.
  if (bytes.subarray(0, 512).includes(0)) throw badInput(`${what} ${path} is a binary file, not JSON`, { remedy: `Pass the ${what} (a .json file), not a model or weights file.` });
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw badInput(`${what} ${path} is not valid JSON`, { cause: e, remedy: `Re-create the ${what}.` });
  }
}

/** Load a tfjs LayersModel saved as model.json + weight files (tfjs `file://` layout), without tfjs-node. */
export async function loadLayersModelFile(path: string): Promise<tf.LayersModel> {
  const jsonPath = modelJsonPath(path);
  const j = readJson(jsonPath, 'model file') as {
    modelTopology?: unknown;
    format?: string;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  if (j.format === 'graph-model' || !j.modelTopology) {
    throw unsupported(`${jsonPath} is not a tfjs Layers model (format '${j.format ?? 'unknown'}')`, {
      remedy: 'Save the Keras/tfjs model as a Layers model (model.save("file://DIR") or tensorflowjs_converter --output_format tfjs_layers_model).',
    });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  for (const group of j.weightsManifest ?? []) {
    for (const p of group.paths) {
      const wp = join(dirname(jsonPath), p);
      if (!existsSync(wp)) throw badInput(`weight file ${wp} named by ${basename(jsonPath)} is missing`, { remedy: 'Copy the whole model folder (model.json and its .bin files).' });
      chunks.push(readFileSync(wp));
    }
    specs.push(...group.weights);
  }
  const total = chunks.reduce((a, c) => a + c.length, 0);
  const data = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    data.set(c, off);
    off += c.length;
  }
  try {
    return await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: j.modelTopology as object, weightSpecs: specs, weightData: data.buffer }));
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/Unknown layer|Unknown (activation|initializer|regularizer|constraint)/i.test(msg)) {
      throw unsupported(`${jsonPath} uses something tfjs cannot load: ${msg}`, { remedy: 'Rebuild the model from layers tinyforge supports (see `tinyforge quantize --help`).' });
    }
    throw badInput(`cannot load model ${jsonPath}: ${msg}`, { cause: e, remedy: 'Check that model.json and its weight files belong together.' });
  }
}

export function loadArrayData(path: string): ArrayData {
  return parseArrayData(readJson(path, 'data file'), path);
}

/** Load ModelSettings JSON (as the training stage writes it). */
export function loadSettings(path: string): ModelSettings {
  const s = readJson(path, 'settings file') as ModelSettings;
  if (!s || !Array.isArray(s.labels) || typeof s.windowLength !== 'number') {
    throw badInput(`${path} does not look like model settings (labels, windowLength, …)`, { remedy: 'Pass the settings.json written by `tinyforge train`.' });
  }
  return s;
}
