/**
 * Where the quantise / convert / eval commands get their model, settings and data (adapter):
 *
 * - a train directory (`tinyforge train --out DIR`: model.json, settings.json, windows.json, …):
 *   model, settings, the calibration windows (representative.bin) and the held-out windows
 *   (heldout.bin, with labels), normalised as the model expects;
 * - a tfjs model folder / model.json, plus data from `--data FILE.json` (see io.ts) and settings
 *   from `--settings` or a settings.json beside model.json.
 *
 * `--data` may also name a train directory, to borrow its windows.
 */
import type * as tf from '@tensorflow/tfjs';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { loadTrainArtifacts, ARTIFACT_FILES, type LoadedArtifacts } from '../train/artifacts.js';
import { loadArrayData, loadLayersModelFile, loadSettings, modelJsonPath, type ArrayData } from './io.js';

export function isTrainDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, ARTIFACT_FILES.windows)) && existsSync(join(p, ARTIFACT_FILES.settings));
}

export interface Sources {
  model: tf.LayersModel;
  settings?: ModelSettings;
  /** Calibration (representative) data, when known. */
  calibration?: ArrayData;
  /** Labelled evaluation data, when known. */
  evaluation?: ArrayData;
  /** The held-out windows in sensor units (train directories), for the feature block's SQNR. */
  heldOutRaw?: WindowSet;
}

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

export function need<T>(v: T | undefined, what: string): T {
  if (v === undefined) {
    throw badInput(`no ${what} data`, { remedy: 'Pass --data FILE.json ({"x": [...], "shape": [...], "y": [...]}) or a train directory (tinyforge train --out DIR) as --model or --data.' });
  }
  return v;
}
