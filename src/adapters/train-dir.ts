/**
 * Saving and loading a training run (adapter: file I/O). Everything later stages need —
 * `quantize`, `eval`, `firmware`, `verify` — is in the directory, so they run from it alone.
 *
 * Layout of a train directory (all JSON UTF-8; binaries float32 little-endian, row-major):
 *   model.json          tfjs LayersModel JSON (format "layers-model"; weightsManifest → weights.bin)
 *   weights.bin         the model's float32 weights, in weightsManifest order
 *   settings.json       ModelSettings: labels, axes, units, rate, window length/stride, normalisation
 *   report.json         EvalReport (history, accuracies, metrics, verdict, size)
 *   report.html         the same report as one self-contained page
 *   windows.json        WindowsManifest: shapes, class list and per-window labels/groups of the two binaries
 *   representative.bin  calibration windows: up to 500 training windows, [count, windowLength, axes]
 *   heldout.bin         the held-out windows the report used (test, else validation), [count, windowLength, axes]
 * With a feature block (settings.features) the model input (inputShape) is the feature vector; the
 * windows stay raw and `loadTrainArtifacts` computes the standardised features from them.
 * Windows are stored in sensor units (not normalised): x' = (x − mean[axis]) / std[axis] with
 * settings.normalisation gives the model's input; `loadTrainArtifacts` returns both forms.
 * Files are written to a staging folder and renamed into place one by one, so a crash never
 * leaves a half-written file.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput, causeText } from '../core/errors.js';
import { applyNormalisation } from '../data/window.js';
import { modelInputSet } from '../features/index.js';
import { reportHtml } from '../train/report-html.js';
import type { EvalReport, TrainResult } from '../train/train.js';

export const ARTIFACT_FILES = {
  model: 'model.json',
  weights: 'weights.bin',
  settings: 'settings.json',
  report: 'report.json',
  html: 'report.html',
  windows: 'windows.json',
  representative: 'representative.bin',
  heldOut: 'heldout.bin',
} as const;

export interface WindowsEntry {
  file: string;
  count: number;
  /** Class index per window into `labels` (empty for regression). */
  y: number[];
  groups: string[];
}

export interface WindowsManifest {
  version: 1;
  dtype: 'float32';
  byteOrder: 'little';
  /** Model input shape without the batch dimension; each window is prod(inputShape) floats. */
  inputShape: number[];
  windowLength: number;
  axes: string[];
  labels: string[];
  sampleRateHz: number;
  normalised: false;
  representative: WindowsEntry;
  heldOut: WindowsEntry;
}

/** What `saveTrainArtifacts` needs: a TrainResult, or the same fields from an example run. */
export type SavableRun = Pick<TrainResult, 'model' | 'settings' | 'windows'> & { report?: EvalReport | null };

export interface LoadedArtifacts {
  dir: string;
  model: tf.LayersModel;
  settings: ModelSettings;
  report: EvalReport | null;
  manifest: WindowsManifest;
  /** Raw (sensor-unit) windows. */
  representative: WindowSet;
  heldOut: WindowSet;
  /** Normalised calibration input for the quantiser: { x, shape: [count, ...inputShape] }. */
  calibration: { x: Float32Array; shape: number[] };
  /** Normalised held-out windows (the model's input), with labels. */
  heldOutNormalised: WindowSet;
}

function f32le(x: Float32Array): Buffer {
  const b = Buffer.alloc(x.length * 4);
  for (let i = 0; i < x.length; i++) b.writeFloatLE(x[i], i * 4);
  return b;
}

function readF32le(buf: Buffer, count: number, file: string): Float32Array {
  if (buf.length !== count * 4) {
    throw badInput(`${file} has ${buf.length} bytes, expected ${count * 4}`, { remedy: 'The train directory is damaged; re-run tinyforge train.' });
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = buf.readFloatLE(i * 4);
  return out;
}

function entry(ws: WindowSet, file: string, per: number): WindowsEntry {
  return { file, count: ws.x.length / per, y: Array.from(ws.y), groups: ws.groups.slice() };
}

/** The model's tfjs artifacts (topology JSON + one weights buffer), captured without touching disk. */
export async function modelArtifacts(model: tf.LayersModel): Promise<{ json: Record<string, unknown>; weights: Uint8Array }> {
  let captured: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
  }));
  const a = captured as unknown as tf.io.ModelArtifacts;
  const data = a.weightData === undefined ? new ArrayBuffer(0) : Array.isArray(a.weightData) ? tf.io.concatenateArrayBuffers(a.weightData) : a.weightData;
  const json = {
    format: 'layers-model',
    generatedBy: a.generatedBy,
    convertedBy: null,
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: [ARTIFACT_FILES.weights], weights: a.weightSpecs ?? [] }],
  };
  return { json, weights: new Uint8Array(data) };
}

/** Writes a run into `dir` (created if needed). Returns the paths written. */
export async function saveTrainArtifacts(dir: string, run: SavableRun): Promise<Record<keyof typeof ARTIFACT_FILES, string>> {
  const out = resolve(dir);
  if (existsSync(out) && !statSync(out).isDirectory()) {
    throw badInput(`${out} exists and is not a directory`, { remedy: 'Choose another --out folder.' });
  }
  const { json, weights } = await modelArtifacts(run.model);
  const inputShape = (run.model.inputs[0].shape as (number | null)[]).slice(1).map((d) => d ?? 1);
  const { representative, heldOut } = run.windows;
  // Windows are stored raw ([windowLength, axes]); with a feature block the model input differs.
  const per = representative.windowLength * representative.axes.length;
  for (const ws of [representative, heldOut]) {
    if (ws.x.length % per !== 0) throw badInput(`windows of ${ws.x.length} floats do not divide into model inputs of ${per}`, { remedy: 'The windows do not match the model input shape.' });
  }
  const manifest: WindowsManifest = {
    version: 1,
    dtype: 'float32',
    byteOrder: 'little',
    inputShape,
    windowLength: representative.windowLength,
    axes: representative.axes.slice(),
    labels: representative.labels.slice(),
    sampleRateHz: representative.sampleRateHz,
    normalised: false,
    representative: entry(representative, ARTIFACT_FILES.representative, per),
    heldOut: entry(heldOut, ARTIFACT_FILES.heldOut, per),
  };
  const files: [string, string | Uint8Array][] = [
    [ARTIFACT_FILES.model, JSON.stringify(json)],
    [ARTIFACT_FILES.weights, weights],
    [ARTIFACT_FILES.settings, JSON.stringify(run.settings, null, 2) + '\n'],
    [ARTIFACT_FILES.windows, JSON.stringify(manifest) + '\n'],
    [ARTIFACT_FILES.representative, f32le(representative.x)],
    [ARTIFACT_FILES.heldOut, f32le(heldOut.x)],
  ];
  if (run.report) {
    files.push([ARTIFACT_FILES.report, JSON.stringify(run.report, null, 2) + '\n'], [ARTIFACT_FILES.html, reportHtml(run.report)]);
  }
  const staging = `${out}.tmp-${process.pid}-${Date.now()}`;
  try {
    mkdirSync(staging, { recursive: true });
    for (const [name, data] of files) writeFileSync(join(staging, name), data);
    mkdirSync(out, { recursive: true });
    for (const [name] of files) renameSync(join(staging, name), join(out, name));
  } catch (e) {
    throw badInput(`could not write the training artifacts to ${out}`, { cause: causeText(e), remedy: 'Check the folder is writable and the disk has space.' });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const paths = {} as Record<keyof typeof ARTIFACT_FILES, string>;
  for (const [k, name] of Object.entries(ARTIFACT_FILES)) paths[k as keyof typeof ARTIFACT_FILES] = join(out, name);
  return paths;
}

function readJson<T>(path: string): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw badInput(`missing ${path}`, { remedy: 'Point at a folder written by `tinyforge train --out DIR`.' });
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw badInput(`${path} is not valid JSON`, { cause: causeText(e), remedy: 'Re-run tinyforge train to rewrite it.' });
  }
}

function windowsFrom(dir: string, m: WindowsManifest, e: WindowsEntry): WindowSet {
  const per = m.windowLength * m.axes.length;
  let buf: Buffer;
  try {
    buf = readFileSync(join(dir, e.file));
  } catch {
    throw badInput(`missing ${join(dir, e.file)}`, { remedy: 'Re-run tinyforge train to rewrite the folder.' });
  }
  return {
    axes: m.axes.slice(),
    labels: m.labels.slice(),
    windowLength: m.windowLength,
    sampleRateHz: m.sampleRateHz,
    x: readF32le(buf, e.count * per, e.file),
    y: Int32Array.from(e.y),
    groups: e.groups.slice(),
  };
}

/** Reads a train directory back (model on the current tfjs backend). */
export async function loadTrainArtifacts(dir: string): Promise<LoadedArtifacts> {
  const d = resolve(dir);
  if (!existsSync(d) || !statSync(d).isDirectory()) {
    throw badInput(`${d} is not a train directory`, { remedy: 'Run `tinyforge train --out DIR` first, and pass that DIR.' });
  }
  const mj = readJson<{ modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] }>(join(d, ARTIFACT_FILES.model));
  let wbuf: Buffer;
  try {
    wbuf = readFileSync(join(d, ARTIFACT_FILES.weights));
  } catch {
    throw badInput(`missing ${join(d, ARTIFACT_FILES.weights)}`, { remedy: 'Re-run tinyforge train to rewrite the folder.' });
  }
  let model: tf.LayersModel;
  try {
    const weightData = wbuf.buffer.slice(wbuf.byteOffset, wbuf.byteOffset + wbuf.byteLength) as ArrayBuffer;
    model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: mj.weightsManifest.flatMap((g) => g.weights), weightData }));
  } catch (e) {
    throw badInput(`${join(d, ARTIFACT_FILES.model)} could not be loaded as a tfjs model`, { cause: causeText(e), remedy: 'Re-run tinyforge train to rewrite it.' });
  }
  const settings = readJson<ModelSettings>(join(d, ARTIFACT_FILES.settings));
  const report = existsSync(join(d, ARTIFACT_FILES.report)) ? readJson<EvalReport>(join(d, ARTIFACT_FILES.report)) : null;
  const manifest = readJson<WindowsManifest>(join(d, ARTIFACT_FILES.windows));
  if (manifest.version !== 1 || manifest.dtype !== 'float32') {
    throw badInput(`${join(d, ARTIFACT_FILES.windows)} has an unknown version or dtype`, { remedy: 'Re-run tinyforge train with this tinyforge version.' });
  }
  const representative = windowsFrom(d, manifest, manifest.representative);
  const heldOut = windowsFrom(d, manifest, manifest.heldOut);
  const norm = (ws: WindowSet) => modelInputSet(ws, settings, (w) => (w.axes.length === settings.normalisation.mean.length ? applyNormalisation(w, settings.normalisation) : w));
  const repN = norm(representative);
  return {
    dir: d,
    model,
    settings,
    report,
    manifest,
    representative,
    heldOut,
    calibration: { x: repN.x, shape: [manifest.representative.count, ...manifest.inputShape] },
    heldOutNormalised: norm(heldOut),
  };
}
