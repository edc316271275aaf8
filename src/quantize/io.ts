/**
 * File adapters for the quantise / convert / eval commands: load a tfjs Layers model from its
 * model.json + weight shards, load representative / evaluation data, and write outputs atomically
 * (temp file + rename, so a failure never leaves half a file).
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync, unlinkSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { badInput, unsupported } from '../core/errors.js';
import type { ModelSettings } from '../core/dataset.js';
import './layers.js'; // registers SeparableConv1D so Keras models using it load

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

/** Resolve "DIR" or "DIR/model.json" to the model.json path. */
export function modelJsonPath(p: string): string {
  return p.endsWith('.json') ? p : join(p, 'model.json');
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

export interface ArrayData {
  x: Float32Array;
  /** [n, ...example shape]. */
  shape: number[];
  y?: Int32Array;
  labels?: string[];
}

function flattenInto(v: unknown, out: number[], shape: number[], depth: number, path: string): void {
  if (Array.isArray(v)) {
    if (shape.length <= depth) shape.push(v.length);
    else if (shape[depth] !== v.length) throw badInput(`data.x is ragged at ${path}: ${v.length} entries, expected ${shape[depth]}`, { remedy: 'Give every example the same shape.' });
    v.forEach((e, i) => flattenInto(e, out, shape, depth + 1, `${path}[${i}]`));
    return;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`data.x${path} is ${JSON.stringify(v)}, not a finite number`, { remedy: 'Remove NaN/null values from the data.' });
  if (shape.length !== depth) throw badInput(`data.x is ragged at ${path}`, { remedy: 'Give every example the same shape.' });
  out.push(v);
}

/**
 * Parse representative / evaluation data: `{ "x": nested or flat numbers, "shape"?: [n, ...],
 * "y"?: class indices, "labels"?: names }`. With a flat x, `shape` is required.
 */
export function parseArrayData(j: unknown, source: string): ArrayData {
  if (!j || typeof j !== 'object' || !('x' in j)) throw badInput(`${source} has no "x" field`, { remedy: 'Write the data as {"x": [...], "shape": [n, ...], "y": [...]}.' });
  const o = j as { x: unknown; shape?: unknown; y?: unknown; labels?: unknown };
  const flat: number[] = [];
  const inferred: number[] = [];
  flattenInto(o.x, flat, inferred, 0, '');
  let shape = inferred;
  if (o.shape !== undefined) {
    if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isInteger(d) && d > 0)) throw badInput(`${source}: "shape" must be positive integers`, { remedy: 'e.g. "shape": [100, 128, 3].' });
    shape = o.shape as number[];
    if (shape.reduce((a, b) => a * b, 1) !== flat.length) throw badInput(`${source}: shape [${shape}] needs ${shape.reduce((a, b) => a * b, 1)} values but x has ${flat.length}`, { remedy: 'Fix "shape" or "x".' });
  } else if (shape.length < 2) throw badInput(`${source}: flat "x" needs a "shape" ([n, ...example shape])`, { remedy: 'Add "shape".' });
  let y: Int32Array | undefined;
  if (o.y !== undefined) {
    if (!Array.isArray(o.y) || o.y.length !== shape[0] || !o.y.every((v) => Number.isInteger(v) && v >= 0)) {
      throw badInput(`${source}: "y" must hold ${shape[0]} non-negative class indices`, { remedy: 'One class index per example.' });
    }
    y = Int32Array.from(o.y as number[]);
  }
  const labels = Array.isArray(o.labels) ? (o.labels as unknown[]).map(String) : undefined;
  return { x: Float32Array.from(flat), shape, ...(y ? { y } : {}), ...(labels ? { labels } : {}) };
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

/** Write a file via a temp file and rename, so readers never see half a file. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* nothing to clean */
    }
    const dir = dirname(path);
    const why = !existsSync(dir) ? `the folder ${dir} does not exist` : existsSync(path) && statSync(path).isDirectory() ? `${path} is a folder` : ((e as NodeJS.ErrnoException).code ?? 'write failed');
    throw badInput(`cannot write ${path}: ${why}`, { cause: e, remedy: !existsSync(dir) ? `Create it first (mkdir -p ${dir}) or choose another output path.` : 'Choose a writable file path.' });
  }
}
