/**
 * Service: `tinyforge tune` — the search for the most accurate model that fits a board.
 *
 *   tuneData / TuneData     the search's data: prepared once per window, content-hashed
 *   measureCandidate        a candidate's arena, flash, RAM and instructions per inference, before
 *                           any training: placeholder weights → int8 → native firmware for the
 *                           virtual board → build → run on it (the service steps, as `run` uses them)
 *   runTrialJob             one trial: train the candidate for its rung's epochs, int8, validation
 *                           accuracy float and int8; what a local child process or a queue worker runs
 *   tuneStage               the search loop (search.ts): propose, measure, reject, train through an
 *                           executor (local pool or BullMQ queue), successive halving, the Pareto
 *                           front, test accuracy of the front; resumable from DIR/trials.jsonl
 *
 * A trial's result depends only on its job (candidate, epochs, seed, data): the executor, the worker
 * count and the finishing order never change it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { TinyforgeError, badInput, causeText, internalError } from '../core/errors.js';
import { TINYFORGE_VERSION } from '../core/version.js';
import { applyNormalisation, subsetWindows } from '../data/window.js';
import type { DataConfig } from '../train/config.js';
import type { TrainingData } from '../train/data-source.js';
import type { Preset } from '../train/models.js';
import { buildCandidateModel } from '../tune/arch.js';
import { windowSamples, strideSamples, type Candidate } from '../tune/space.js';
import type { Figures } from '../tune/budget.js';
import { prepareData } from './data.js';
import { buildStage, firmwareStage, readModelForFirmware } from './firmware.js';
import { flashStage, heldOutVerifyWindows, resolveFlashTarget, verifyOnBoard } from './device.js';
import { quantizeStage } from './quantize.js';
import { trainSettings, trainStage, trainedArrays } from './train.js';

/** The board candidates are measured on: the virtual Cortex-M4 (instructions counted exactly). */
export const MEASURE_BOARD = 'qemu-mps2-an386';

// ---------------------------------------------------------------------------------------------
// Data

/** The search's data: the base split (its hash identifies the data) and the windows of each candidate. */
export class TuneData {
  private readonly perWindow = new Map<string, TrainingData>();
  readonly base: TrainingData;
  readonly hash: string;
  constructor(readonly config: DataConfig) {
    this.base = prepareData({ ...config });
    this.hash = dataHash(this.base);
  }
  get rateHz(): number {
    return this.base.sampleRateHz;
  }
  /** Train/val/test windows of the candidate's length and hop (cached). */
  forCandidate(c: Pick<Candidate, 'windowSeconds' | 'windowStride'>): TrainingData {
    const L = windowSamples(c, this.rateHz);
    const S = strideSamples(c, this.rateHz);
    const key = `${L}/${S}`;
    let d = this.perWindow.get(key);
    if (!d) {
      d = prepareData({ ...this.config, windowLength: L, windowStride: S });
      this.perWindow.set(key, d);
    }
    return d;
  }
  shape(): { rateHz: number; axes: number; classes: number } {
    return { rateHz: this.rateHz, axes: this.base.axes.length, classes: this.base.labels.length };
  }
}

/** SHA-256 of the split windows and labels: what a queue worker must have to run a trial. */
export function dataHash(d: Pick<TrainingData, 'labels' | 'axes' | 'train' | 'val' | 'test' | 'sampleRateHz'>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ labels: d.labels, axes: d.axes, rate: d.sampleRateHz }));
  for (const w of [d.train, d.val, d.test]) {
    h.update(new Uint8Array(w.x.buffer, w.x.byteOffset, w.x.byteLength));
    h.update(new Uint8Array(w.y.buffer, w.y.byteOffset, w.y.byteLength));
    h.update(w.groups.join('\n'));
  }
  return h.digest('hex');
}

const dataCaches = new Map<string, TuneData>();

/** The TuneData of a data section, once per process (workers run many trials on the same data). */
export function tuneData(config: DataConfig): TuneData {
  const key = JSON.stringify(config);
  let d = dataCaches.get(key);
  if (!d) {
    d = new TuneData(config);
    dataCaches.set(key, d);
  }
  return d;
}

function emptyLike(ws: WindowSet): WindowSet {
  return { ...ws, x: new Float32Array(0), y: new Int32Array(0), groups: [] };
}

function settingsOf(d: TrainingData): ModelSettings {
  return { task: 'classification', labels: d.labels.slice(), axes: d.axes.slice(), units: d.units.slice(), sampleRateHz: d.sampleRateHz, windowLength: d.windowLength, windowStride: d.windowStride, normalisation: d.normalisation };
}

function firstWindows(ws: WindowSet, n: number): WindowSet {
  return subsetWindows(ws, Array.from({ length: Math.min(n, ws.y.length) }, (_, i) => i));
}

// ---------------------------------------------------------------------------------------------
// Measuring a candidate before training

export interface MeasureOptions {
  seed: number;
  /** Folder for the candidate's firmware project (written, built, then left for inspection). */
  workDir: string;
  signal?: AbortSignal;
}

/**
 * Arena, flash, RAM and instructions per inference of a candidate, with placeholder (initial)
 * weights: the untrained model is quantised (calibrated on training windows), its native-engine
 * firmware generated for the virtual board, built, and run on a few validation windows (the board's
 * outputs are checked bit for bit against the host interpreter on the way).
 */
export async function measureCandidate(c: Candidate, data: TuneData, o: MeasureOptions): Promise<Figures> {
  const d = data.forCandidate(c);
  const model = buildCandidateModel(c, { windowLength: d.windowLength, axes: d.axes.length, classes: d.labels.length, seed: o.seed });
  try {
    const cal = applyNormalisation(firstWindows(d.train, 64), d.normalisation);
    const q = quantizeStage({ model, settings: settingsOf(d), calibration: { x: cal.x, shape: [cal.y.length, d.windowLength, d.axes.length] }, maxExamples: 64 });
    const m = readModelForFirmware(q.bytes, 'the candidate');
    mkdirSync(o.workDir, { recursive: true });
    const fw = await firmwareStage({ board: MEASURE_BOARD, engine: 'native', model: m, modelBytes: q.bytes, settings: q.settings!, out: join(o.workDir, 'firmware'), force: true });
    o.signal?.throwIfAborted();
    const b = await buildStage(fw.dir);
    o.signal?.throwIfAborted();
    const board = await flashStage(await resolveFlashTarget(fw.dir));
    try {
      const held = d.val.y.length ? d.val : d.train;
      const w = heldOutVerifyWindows(q.bytes, applyNormalisation(firstWindows(held, 3), d.normalisation));
      const r = await verifyOnBoard(board, q.bytes, w, { all: true });
      if (!r.ok || !r.counter) throw internalError(`the candidate's firmware disagrees with the host interpreter on the virtual board (${r.bitExact}/${r.n} bit-exact)`, { remedy: 'this is a tinyforge bug: report it with the project in ' + fw.dir });
      return { flash: b.image!.memory.flash, ram: b.image!.memory.ram, arena: b.footprint!.arena, instructions: Math.round(r.counter.mean) };
    } finally {
      await board.stop();
    }
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// One trial

/** Everything a trial needs; a queue job's payload (JSON). */
export interface TuneJob {
  kind: 'tinyforge-tune-trial';
  /** The tinyforge version of the coordinator: a worker of another version refuses the job. */
  version: string;
  /** Identifies the search (its settings' hash). */
  search: string;
  id: number;
  rung: number;
  epochs: number;
  seed: number;
  candidate: Candidate;
  /** The data section (absolute paths): the worker prepares the same split, checked by `dataHash`. */
  data: DataConfig;
  dataHash: string;
}

/** A tfjs LayersModel in memory (topology + weights), as JSON. */
export interface SavedFloatModel {
  modelTopology: unknown;
  weightSpecs: unknown;
  /** Base64 of the weight bytes. */
  weightData: string;
}

export interface TuneJobResult {
  id: number;
  rung: number;
  accuracy: { val: { float: number; int8: number } };
  epochsRun: number;
  params: number;
  trainSeconds: number;
  worker: string;
  /** The trained model: .tflite (base64), its settings (int8 I/O included) and the float model. */
  artifacts: { tflite: string; settings: ModelSettings; floatModel: SavedFloatModel };
}

/** A worker refuses a job it cannot run faithfully (another version, other data): bad input naming cause and remedy. */
export function checkJob(job: TuneJob): TuneData {
  if (job?.kind !== 'tinyforge-tune-trial') throw badInput('not a tinyforge tune job', { remedy: 'point the worker at the queue a tinyforge tune coordinator publishes to' });
  if (job.version !== TINYFORGE_VERSION) {
    throw badInput(`the trial was published by tinyforge ${job.version}; this worker runs tinyforge ${TINYFORGE_VERSION}`, {
      remedy: `run the same tinyforge version on the coordinator and every worker (this worker: ${TINYFORGE_VERSION})`,
    });
  }
  let data: TuneData;
  try {
    data = tuneData(job.data);
  } catch (e) {
    throw badInput(`this worker cannot read the search's data: ${causeText(e)}`, {
      cause: e,
      remedy: 'give every worker the same data at the same path (a shared folder); the coordinator\'s data section is in the job and checked by content hash',
    });
  }
  if (data.hash !== job.dataHash) {
    throw badInput(`this worker's data differs from the coordinator's (sha256 ${data.hash.slice(0, 12)}… vs ${job.dataHash.slice(0, 12)}…)`, {
      remedy: 'give every worker the same recordings at the same path (a shared folder) — same files, same content',
    });
  }
  return data;
}

/** Trains one trial and measures it on validation data only. */
export async function runTrialJob(job: TuneJob, worker = 'local'): Promise<TuneJobResult> {
  const data = checkJob(job);
  const c = job.candidate;
  const d = data.forCandidate(c);
  // The test split stays out of training and selection: it is evaluated later for the Pareto front only.
  const train: TrainingData = { ...d, test: emptyLike(d.test) };
  const model = buildCandidateModel(c, { windowLength: d.windowLength, axes: d.axes.length, classes: d.labels.length, seed: job.seed });
  const settings = { ...trainSettings({ epochs: job.epochs, learningRate: c.learningRate, seed: job.seed, backend: 'wasm' }), preset: `tune-${c.family}` as Preset };
  const tmp = mkdtempSync(join(tmpdir(), 'tinyforge-trial-'));
  try {
    const t = await trainStage(train, settings, join(tmp, 'train'), { model });
    const arrays = trainedArrays(t.result);
    const q = quantizeStage({ model: t.result.model, settings: t.result.settings, calibration: arrays.calibration, evaluation: arrays.evaluation });
    let saved: tf.io.ModelArtifacts | undefined;
    await t.result.model.save(
      tf.io.withSaveHandler(async (a) => {
        saved = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    t.result.model.dispose();
    const wd = saved!.weightData as ArrayBuffer;
    return {
      id: job.id,
      rung: job.rung,
      accuracy: { val: { float: q.eval!.floatAccuracy!, int8: q.eval!.int8Accuracy! } },
      epochsRun: t.result.report.training.epochsRun,
      params: t.result.report.size.params,
      trainSeconds: t.seconds,
      worker,
      artifacts: {
        tflite: Buffer.from(q.bytes).toString('base64'),
        settings: q.settings!,
        floatModel: { modelTopology: saved!.modelTopology, weightSpecs: saved!.weightSpecs, weightData: Buffer.from(wd).toString('base64') },
      },
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A saved float model back in memory. */
export async function loadFloatModel(m: SavedFloatModel): Promise<tf.LayersModel> {
  const bytes = Buffer.from(m.weightData, 'base64');
  const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelTopology as object, weightSpecs: m.weightSpecs as tf.io.WeightsManifestEntry[], weightData }));
}

/** Wraps an unexpected failure of a trial as a typed error (the trial is recorded as failed). */
export function trialFailure(e: unknown): TinyforgeError {
  return e instanceof TinyforgeError ? e : internalError(`trial failed: ${causeText(e)}`, { cause: e });
}
