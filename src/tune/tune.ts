/**
 * `tinyforge tune` — the search for the most accurate model that fits a board. A client of the
 * service layer (each step is a service function, as `run` uses them) and of the adapters (the
 * search folder, trial processes, the BullMQ queue).
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
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { TinyforgeError, badInput, causeText, internalError, mismatch, usageError } from '../core/errors.js';
import { TINYFORGE_VERSION } from '../core/version.js';
import { applyNormalisation, subsetWindows } from '../data/window.js';
import { blockForWindows, fitFeatureSettings, int8FeatureInputs, standardisedFeatureSet, type ResolvedBlock } from '../features/index.js';
import type { ArrayData } from '../quantize/array-data.js';
import type { DataConfig } from '../train/config.js';
import type { TrainingData } from '../train/data-source.js';
import type { Preset } from '../train/models.js';
import { exists, makeDir } from '../adapters/files.js';
import { readFirmwareSources } from '../adapters/firmware-sources.js';
import { SEARCH_FILE, TRIALS_FILE, TuneStore as Store, makeTempDir, removeDir } from '../adapters/tune-store.js';
import { forkJob, localPool, type JobRunner } from '../adapters/trial-process.js';
import { queueExecutor, runQueueWorker, type QueueWorkerOptions } from '../adapters/tune-queue.js';
import { nodePlatform } from '../adapters/platform.js';
import { readTflite } from '../tflite/reader.js';
import { archProblem, buildCandidateModel, describeCandidate } from './arch.js';
import { describeBudget, latencyMs, overBudget, type Budget, type Figures } from './budget.js';
import { tuneReportHtml } from './report-html.js';
import { GENERATION_SIZE, bestTrial, latestById, paretoFront, promote, proposeCandidate, type TrialRecord } from './search.js';
import { archKey, candidateKey, frontEndOf, rungEpochs, smallestCandidates, strideSamples, windowSamples, type Candidate, type SearchSpace } from './space.js';
import { prepareData } from '../service/data.js';
import { buildStage, firmwareStage, readModelForFirmware } from '../service/firmware.js';
import { featureVerifyWindows, flashStage, heldOutVerifyWindows, resolveFlashTarget, verifyOnBoard, type VerifyStageReport, type VerifyWindows } from '../service/device.js';
import { evalStage, quantizeStage } from '../service/quantize.js';
import { trainSettings, trainStage, trainedArrays } from '../service/train.js';
import { REPRESENTATIVE_MAX, sampleWindows } from '../train/train.js';

/** The search folder of tune's records and figures. */
export type TuneStore = Store<TrialRecord, Figures>;
const openStore = (dir: string, measureCache?: string): TuneStore => new Store<TrialRecord, Figures>(dir, measureCache);

/** The outside world of the service steps tune calls (tune is a client: it wires its own, in this process and in each forked trial). */
const io = nodePlatform();

/** The board candidates are measured on: the virtual Cortex-M4 (instructions counted exactly). */
export const MEASURE_BOARD = 'qemu-mps2-an386';

/**
 * Tune's firmware keeps the quantisation values out of the generated code (NativeRequant
 * 'uniform'): its flash then depends on the architecture only, so the figures measured with
 * placeholder weights are the trained model's to the byte. `run --trial` builds the same way.
 */
export const TUNE_REQUANT = 'uniform' as const;

// ---------------------------------------------------------------------------------------------
// Data

/** The search's data: the base split (its hash identifies the data) and the windows of each candidate. */
export class TuneData {
  private readonly perWindow = new Map<string, TrainingData>();
  readonly base: TrainingData;
  readonly hash: string;
  constructor(readonly config: DataConfig) {
    this.base = prepareData(io, { ...config });
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
      d = prepareData(io, { ...this.config, windowLength: L, windowStride: S });
      this.perWindow.set(key, d);
    }
    return d;
  }
  shape(): { rateHz: number; axes: number; classes: number } {
    return { rateHz: this.rateHz, axes: this.base.axes.length, classes: this.base.labels.length };
  }
  /** The candidate's feature block on its windows (null: raw windows); the block's bad-input error when its parameters do not fit the data. */
  block(c: Candidate): ResolvedBlock | null {
    const fe = frontEndOf(c);
    if (!fe) return null;
    const d = this.forCandidate(c);
    return blockForWindows(fe.block, fe.params, d.train, d.units);
  }
  /** What the network reads: the window [L × axes], or the feature block's one vector [1 × features]. */
  networkInput(c: Candidate): { windowLength: number; axes: number; classes: number } {
    const d = this.forCandidate(c);
    const b = this.block(c);
    return { windowLength: b ? 1 : d.windowLength, axes: b ? b.count : d.axes.length, classes: d.labels.length };
  }
}

/** Why a candidate cannot run on the search's data (its network on the windows, its front-end's parameters at the data's rate), or null. */
export function candidateProblem(c: Candidate, data: TuneData): string | null {
  const L = windowSamples(c, data.rateHz);
  if (c.frontEnd === 'raw') return archProblem(c, L);
  try {
    data.block(c);
    return null;
  } catch (e) {
    if (e instanceof TinyforgeError && e.kind === 'bad-input') return `the ${c.frontEnd} front-end cannot run on ${L}-sample windows at ${data.rateHz} Hz: ${e.message}`;
    throw e;
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

/**
 * The settings and calibration windows of a model on d's windows before training, exactly as
 * training makes them: the trainer's representative sample of the training windows (same seed),
 * normalised per axis; or, with a feature block, the block's integer features standardised on the
 * training windows. So the int8 input quantisation — which reaches the firmware's code and tables —
 * is the trained model's own: it depends on the data, never on the weights.
 */
function untrainedInputs(d: TrainingData, block: ResolvedBlock | null, seed: number): { settings: ModelSettings; calibration: ArrayData } {
  const few = sampleWindows(d.train, REPRESENTATIVE_MAX, seed);
  if (!block) {
    const cal = applyNormalisation(few, d.normalisation);
    return { settings: settingsOf(d), calibration: { x: cal.x, shape: [cal.y.length, d.windowLength, d.axes.length] } };
  }
  const fitted = fitFeatureSettings(d.train, block).settings;
  const cal = standardisedFeatureSet(few, fitted, block);
  const identity = { mean: d.axes.map(() => 0), std: d.axes.map(() => 1) };
  return { settings: { ...settingsOf(d), normalisation: identity, features: fitted }, calibration: { x: cal.x, shape: [cal.y.length, 1, block.count] } };
}

/** Verify windows of a model on raw windows `ws`: the board gets raw counts and runs the DSP when the settings have a feature block. */
function boardWindows(bytes: Uint8Array, ws: WindowSet, settings: ModelSettings): VerifyWindows {
  return settings.features ? { ...featureVerifyWindows(bytes, ws, settings), source: 'memory' } : heldOutVerifyWindows(bytes, applyNormalisation(ws, settings.normalisation));
}

/** Labelled evaluation data of raw windows `ws` under trained settings: the network's float input, and with a feature block the board's int8 inputs. */
function evaluationData(ws: WindowSet, settings: ModelSettings, block: ResolvedBlock | null): ArrayData {
  if (!block || !settings.features) {
    const n = applyNormalisation(ws, settings.normalisation);
    return { x: n.x, shape: [n.y.length, n.windowLength, n.axes.length], y: n.y, labels: n.labels };
  }
  const f = standardisedFeatureSet(ws, settings.features, block);
  return { x: f.x, shape: [f.y.length, 1, block.count], y: f.y, labels: f.labels, int8: int8FeatureInputs(ws, settings, block) };
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
  return measureModel(buildCandidateModel(c, { ...data.networkInput(c), seed: o.seed }), data.forCandidate(c), o, data.block(c));
}

/** measureCandidate for any (untrained) model taking d's windows, or with `block` its features; disposes the model. */
export async function measureModel(model: tf.LayersModel, d: TrainingData, o: MeasureOptions, block: ResolvedBlock | null = null): Promise<Figures> {
  try {
    const { settings, calibration } = untrainedInputs(d, block, o.seed);
    const q = quantizeStage({ model, settings, calibration });
    return await measureTflite(q.bytes, q.settings!, d, o);
  } finally {
    model.dispose();
  }
}

/**
 * Flash, RAM, arena and instructions of an int8 model (with its settings) as native-engine firmware
 * on the virtual board: generated, built, run on 3 validation windows (checked bit for bit).
 */
export async function measureTflite(bytes: Uint8Array, settings: ModelSettings, d: TrainingData, o: MeasureOptions): Promise<Figures> {
  const m = readModelForFirmware(bytes, 'the candidate');
  makeDir(o.workDir);
  const fw = await firmwareStage(io, { board: MEASURE_BOARD, engine: 'native', requant: TUNE_REQUANT, model: m, modelBytes: bytes, settings, out: join(o.workDir, 'firmware'), force: true });
  o.signal?.throwIfAborted();
  const b = await buildStage(io, fw.dir);
  o.signal?.throwIfAborted();
  const board = await flashStage(io, await resolveFlashTarget(io, fw.dir));
  try {
    const held = d.val.y.length ? d.val : d.train;
    const r = await verifyOnBoard(io.boards, board, bytes, boardWindows(bytes, firstWindows(held, 3), settings), { all: true });
    if (!r.ok || !r.counter) throw internalError(`the candidate's firmware disagrees with the host interpreter on the virtual board (${r.bitExact}/${r.n} bit-exact)`, { remedy: 'this is a tinyforge bug: report it with the project in ' + fw.dir });
    return { flash: b.image!.memory.flash, ram: b.image!.memory.ram, arena: b.footprint!.arena, instructions: Math.round(r.counter.mean) };
  } finally {
    await board.stop();
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
  const refusal = { refusal: true };
  if (job?.kind !== 'tinyforge-tune-trial') throw badInput('this worker got a job that is not a tinyforge tune trial', { remedy: 'point the worker at the queue a tinyforge tune coordinator publishes to', details: refusal });
  if (job.version !== TINYFORGE_VERSION) {
    throw badInput(`the trial was published by tinyforge ${job.version}; this worker runs tinyforge ${TINYFORGE_VERSION}`, {
      remedy: `run the same tinyforge version on the coordinator and every worker (this worker: ${TINYFORGE_VERSION})`,
      details: refusal,
    });
  }
  let data: TuneData;
  try {
    data = tuneData(job.data);
  } catch (e) {
    throw badInput(`this worker cannot read the search's data: ${causeText(e)}`, {
      cause: e,
      remedy: 'give every worker the same data at the same path (a shared folder); the coordinator\'s data section is in the job and checked by content hash',
      details: refusal,
    });
  }
  if (data.hash !== job.dataHash) {
    throw badInput(`this worker's data differs from the coordinator's (sha256 ${data.hash.slice(0, 12)}… vs ${job.dataHash.slice(0, 12)}…)`, {
      remedy: 'give every worker the same recordings at the same path (a shared folder) — same files, same content',
      details: refusal,
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
  const model = buildCandidateModel(c, { ...data.networkInput(c), seed: job.seed });
  const settings = { ...trainSettings({ epochs: job.epochs, learningRate: c.learningRate, seed: job.seed, backend: 'wasm' }, frontEndOf(c)), preset: `tune-${c.family}` as Preset };
  const tmp = makeTempDir('tinyforge-trial-');
  try {
    const t = await trainStage(io, train, settings, join(tmp, 'train'), { model });
    const arrays = trainedArrays(t.result);
    // With a feature block, int8 accuracy is that of the board's integer inputs (evaluationRaw).
    const q = quantizeStage({ model: t.result.model, settings: t.result.settings, calibration: arrays.calibration, evaluation: arrays.evaluation, evaluationRaw: arrays.heldOutRaw });
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
    removeDir(tmp);
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

// ---------------------------------------------------------------------------------------------
// Where trials run

/** Runs trials: the local pool of trial processes or the BullMQ queue. */
export type TrialExecutor = JobRunner<TuneJob, TuneJobResult>;

const TRIAL_CHILD = fileURLToPath(new URL('./trial-child.ts', import.meta.url));

/** One trial in its own process (trial-child.ts). */
export function runTrialInProcess(job: TuneJob, worker: string, signal?: AbortSignal): Promise<TuneJobResult> {
  return forkJob<TuneJobResult>(TRIAL_CHILD, { job, worker }, { signal, what: `trial ${job.id}` });
}

/** At most `workers` trials at once, each in its own process. */
export function localTrialPool(workers: number): TrialExecutor {
  return localPool(workers, (job: TuneJob, signal) => runTrialInProcess(job, 'local', signal));
}

/** Trials published to BullMQ workers on Redis (job id `<search>-<trial>-r<rung>`). */
export function tuneQueueExecutor(url: string): Promise<TrialExecutor> {
  return queueExecutor<TuneJob, TuneJobResult>(url, (j) => `${j.search}-${j.id}-r${j.rung}`);
}

/** A queue worker (`tinyforge worker`): each trial in its own process, until the signal aborts. */
export function runTuneWorker(url: string, o: QueueWorkerOptions<TuneJob> = {}): Promise<void> {
  return runQueueWorker<TuneJob, TuneJobResult>(url, (job, worker, signal) => runTrialInProcess(job, worker, signal), o);
}

// ---------------------------------------------------------------------------------------------
// The search

export interface TuneOptions {
  data: DataConfig;
  space: SearchSpace;
  budget: Budget;
  /** Candidates to train (rejected ones do not count). */
  trials: number;
  seed: number;
  /** The search folder (resumed when it holds the same search). */
  out: string;
  /** Stop starting new trials after this many seconds (the result then depends on timing). */
  timeBudgetSeconds?: number;
  /** Candidates per generation (default GENERATION_SIZE). */
  generationSize?: number;
  /**
   * Folder of measured figures per architecture (default DIR/measure). The virtual board counts
   * instructions in SysTick ticks of 40 instructions, so two measurements of one architecture can
   * differ by a tick; searches sharing this cache see one figure per architecture and decide alike.
   */
  measureCache?: string;
}

export type TuneEvent =
  | { type: 'start'; resumed: number; budget: string; executor: string; total: number }
  | { type: 'measuring'; id: number; candidate: Candidate }
  | { type: 'rejected'; record: TrialRecord; rejected: number }
  | { type: 'trial-start'; id: number; rung: number; epochs: number }
  | { type: 'trial-end'; record: TrialRecord; trained: number; total: number; best: TrialRecord | null }
  | { type: 'test'; record: TrialRecord };

export interface TuneHooks {
  onEvent?: (e: TuneEvent) => void;
  signal?: AbortSignal;
}

export interface TuneReport {
  out: string;
  search: string;
  budget: Budget & { description: string };
  executor: string;
  counts: { candidates: number; trained: number; rejected: number; failed: number; trainings: number; resumed: number };
  /** Share of proposed candidates rejected before any training. */
  rejectedShare: number;
  /** The trial chosen on validation int8 accuracy, then the Pareto front (test accuracy reported for these only). */
  best: TrialRecord | null;
  front: TrialRecord[];
  trials: TrialRecord[];
  files: { trials: string; report: string; summary: string };
  seconds: number;
}

/** Hash of the settings that decide the trials (not the trial count or time budget: a longer search extends a shorter one). */
export function searchId(o: Pick<TuneOptions, 'space' | 'budget' | 'seed' | 'generationSize'>, dataHashHex: string): string {
  const s = { v: TINYFORGE_VERSION, space: o.space, budget: { ...o.budget }, seed: o.seed, g: o.generationSize ?? GENERATION_SIZE, data: dataHashHex };
  return createHash('sha256').update(JSON.stringify(s)).digest('hex').slice(0, 16);
}

const recKey = (id: number, rung: number) => `${id}/${rung}`;

/**
 * Runs (or resumes) a search. Every trial event is appended to DIR/trials.jsonl as it happens; a
 * re-run with the same folder and settings replays what is recorded and runs only what is not.
 */
export async function tuneStage(o: TuneOptions, executor: TrialExecutor, hooks: TuneHooks = {}): Promise<TuneReport> {
  const t0 = Date.now();
  const emit = (e: TuneEvent) => hooks.onEvent?.(e);
  const signal = hooks.signal;
  if (!Number.isInteger(o.trials) || o.trials < 1) throw badInput(`--trials must be a whole number ≥ 1, got ${o.trials}`, { remedy: 'e.g. --trials 24' });
  const data = tuneData(o.data);
  const shape = data.shape();
  const store = openStore(o.out, o.measureCache);
  const search = searchId(o, data.hash);
  const prev = store.header();
  if (prev && prev.search !== search) {
    throw badInput(`${o.out} holds another search (different space, budget, seed or data)`, {
      remedy: 'resume it with the same settings, or pass another --out for this one',
      details: { recorded: prev.settings },
    });
  }
  store.writeHeader({ search, tinyforgeVersion: TINYFORGE_VERSION, settings: { space: o.space, budget: o.budget, seed: o.seed, data: o.data, dataHash: data.hash, generationSize: o.generationSize ?? GENERATION_SIZE } });
  const recordedLines = new Map<string, TrialRecord>();
  for (const r of store.readTrials()) recordedLines.set(recKey(r.id, r.rung), r);
  // Replaying stops trusting the records from the first trial whose proposal differs from what is
  // recorded (a failed trial re-run with another outcome changes what later generations propose);
  // from there on trials run afresh and their new lines supersede the stale ones.
  let staleFrom = Infinity;
  const recorded = { get: (key: string) => (Number(key.split('/')[0]) >= staleFrom ? undefined : recordedLines.get(key)), get size() { return recordedLines.size; } };
  const resumedCount = recorded.size;
  const budgetText = describeBudget(o.budget);
  emit({ type: 'start', resumed: resumedCount, budget: budgetText, executor: executor.describe, total: o.trials });

  const history: TrialRecord[] = [];
  const counts = { candidates: 0, trained: 0, rejected: 0, failed: 0, trainings: 0, resumed: 0 };
  const record = (r: TrialRecord, fresh: boolean) => {
    history.push(r);
    if (fresh) store.append(r);
  };

  // Cached figures are only as good as the firmware they were measured with: the key includes the
  // hand-written firmware sources, so a shared cache never answers for other C code.
  // The build's requantisation mode too: figures measured before tune's firmware went uniform are not these.
  const sourcesKey = createHash('sha256').update(JSON.stringify({ sources: readFirmwareSources(), requant: TUNE_REQUANT })).digest('hex').slice(0, 8);
  const figuresOf = async (c: Candidate, arch: string): Promise<Figures> => {
    const key = `${arch}-${sourcesKey}`;
    const cached = store.cachedFigures(key);
    if (cached) return cached;
    const f = await measureCandidate(c, data, { seed: o.seed, workDir: store.measureDir(key), signal });
    store.saveFigures(key, f);
    return f;
  };
  const withLatency = (f: Figures) => ({ ...f, latencyMs: Number(latencyMs(f.instructions, o.budget).toFixed(4)) });

  // A budget nothing can meet: said before any training, with the smallest candidates' figures.
  const smallest: { c: Candidate; f: Figures | null; why: string }[] = [];
  for (const c of smallestCandidates(o.space)) {
    const L = windowSamples(c, shape.rateHz);
    const problem = candidateProblem(c, data);
    if (problem) {
      smallest.push({ c, f: null, why: problem });
      continue;
    }
    const f = await figuresOf(c, archKey(c, shape));
    const over = overBudget(f, o.budget);
    if (!over.length) {
      smallest.length = 0;
      break;
    }
    smallest.push({ c, f, why: over.join(', ') });
  }
  if (smallest.length) {
    const lines = smallest.map((s) => `${describeCandidate(s.c)}: ${s.f ? `flash ${s.f.flash} B, RAM ${s.f.ram} B, arena ${s.f.arena} B, ${s.f.instructions} instructions (${latencyMs(s.f.instructions, o.budget).toFixed(2)} ms)` : 'cannot be built'} — ${s.why}`);
    throw badInput(`no candidate of the search space fits the budget (${budgetText}); the smallest ones:\n  ${lines.join('\n  ')}`, {
      remedy: 'raise --max-flash/--max-ram/--max-latency-ms, or add smaller entries to tune.space (fewer/narrower blocks, shorter windows)',
      details: { smallest: smallest.map((s) => ({ candidate: s.c, figures: s.f, why: s.why })) },
    });
  }

  const rungs = rungEpochs(o.space.epochs);
  const G = o.generationSize ?? GENERATION_SIZE;
  const seen = new Set<string>();
  const deadline = o.timeBudgetSeconds ? t0 + o.timeBudgetSeconds * 1000 : Infinity;
  let nextId = 1;
  let configs = 0;
  const bestSoFar = () => bestTrial(history);

  const train = async (base: TrialRecord, rung: number): Promise<TrialRecord> => {
    const old = recorded.get(recKey(base.id, rung));
    // A trained trial is kept; a failed one runs again (its process may have been what failed).
    if (old && old.status === 'done') {
      counts.resumed++;
      record(old, false);
      return old;
    }
    signal?.throwIfAborted();
    const job: TuneJob = { kind: 'tinyforge-tune-trial', version: TINYFORGE_VERSION, search, id: base.id, rung, epochs: rungs[rung], seed: o.seed, candidate: base.candidate, data: o.data, dataHash: data.hash };
    emit({ type: 'trial-start', id: base.id, rung, epochs: rungs[rung] });
    let rec: TrialRecord;
    try {
      const r = await executor.run(job, signal);
      const tflite = new Uint8Array(Buffer.from(r.artifacts.tflite, 'base64'));
      const dir = store.writeTrialModel(base.id, { tflite, settings: r.artifacts.settings, floatModel: r.artifacts.floatModel });
      // The trained model measured for real: the generated code may specialise on the trained
      // requantisation (e.g. no left-shift path), so flash can differ from the prediction by a few bytes.
      const key = `model-${createHash('sha256').update(tflite).digest('hex').slice(0, 16)}-${sourcesKey}`;
      let trained = store.cachedFigures(key);
      if (!trained) {
        trained = await measureTflite(tflite, r.artifacts.settings, data.forCandidate(base.candidate), { seed: o.seed, workDir: store.measureDir(key), signal });
        store.saveFigures(key, trained);
      }
      const over = overBudget(trained, o.budget);
      rec = {
        ...base, rung, epochs: rungs[rung], status: over.length ? 'rejected' : 'done', ...(over.length ? { reason: `over budget after training: ${over.join(', ')}` } : {}),
        figures: withLatency(trained), predicted: base.figures,
        accuracy: r.accuracy, epochsRun: r.epochsRun, params: r.params, trainSeconds: Number(r.trainSeconds.toFixed(2)), worker: r.worker, dir,
      };
    } catch (e) {
      if (signal?.aborted) throw interruptedError(o.out);
      const err = trialFailure(e);
      // A worker that cannot run the search's jobs at all (other version, other data) stops the search.
      if (err.details?.refusal) throw err;
      const cause = err.cause === undefined ? '' : causeText(err.cause);
      rec = { ...base, rung, epochs: rungs[rung], status: 'failed', reason: (cause && cause !== err.message ? `${err.message}: ${cause}` : err.message).slice(0, 2000) };
      counts.failed++;
    }
    counts.trainings++;
    record(rec, true);
    emit({ type: 'trial-end', record: rec, trained: configs, total: o.trials, best: bestSoFar() });
    return rec;
  };

  try {
    for (let gen = 0; configs < o.trials && Date.now() < deadline; gen++) {
      const want = Math.min(G, o.trials - configs);
      const picked: TrialRecord[] = [];
      for (let k = 0; picked.length < want && k < want * 50; k++) {
        signal?.throwIfAborted();
        const c = proposeCandidate(o.space, o.seed, gen, k, history);
        const key = candidateKey(c);
        if (seen.has(key)) continue;
        seen.add(key);
        const id = nextId++;
        counts.candidates++;
        const arch = archKey(c, shape);
        const base: TrialRecord = { id, generation: gen, rung: 0, epochs: rungs[0], seed: o.seed, candidate: c, arch, status: 'done' };
        let old = recorded.get(recKey(id, 0));
        if (old && candidateKey(old.candidate) !== key) {
          staleFrom = id;
          old = undefined;
        }
        const problem = candidateProblem(c, data);
        let reason: string | null = problem;
        let figures: TrialRecord['figures'];
        if (!problem) {
          emit({ type: 'measuring', id, candidate: c });
          const f = await figuresOf(c, arch);
          figures = withLatency(f);
          const over = overBudget(f, o.budget);
          if (over.length) reason = `over budget: ${over.join(', ')}`;
        }
        if (reason) {
          const rej: TrialRecord = { ...base, status: 'rejected', reason, ...(figures ? { figures } : {}) };
          counts.rejected++;
          record(rej, !old);
          emit({ type: 'rejected', record: rej, rejected: counts.rejected });
          continue;
        }
        picked.push({ ...base, figures });
      }
      if (!picked.length) break; // the space is exhausted
      configs += picked.length;
      let current = picked;
      for (let r = 0; r < rungs.length && current.length; r++) {
        if (r > 0 && Date.now() >= deadline) break;
        // Every trial of the rung settles before anything is thrown: nothing writes to the folder
        // after tuneStage has returned (a resumed search in the same process must see it all).
        const settled = await Promise.allSettled(current.map((p) => train(p, r)));
        const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected');
        if (failed) throw failed.reason;
        const results = settled.map((x) => (x as PromiseFulfilledResult<TrialRecord>).value);
        current = r + 1 < rungs.length ? promote(results, o.space.epochs.eta).map((p) => ({ ...p, figures: p.predicted ?? p.figures })) : [];
      }
    }
  } catch (e) {
    if (signal?.aborted) throw interruptedError(o.out);
    throw e;
  }

  const latest = latestById(history);
  counts.trained = latest.filter((r) => r.status === 'done').length;
  // Test accuracy of the Pareto front, reported only: the choice was made on validation.
  const front = paretoFront(history);
  for (const f of front) {
    if (f.accuracy?.test) continue;
    const withTest = { ...f, accuracy: { ...f.accuracy!, test: await testAccuracy(store, data, f) } };
    record(withTest, true);
    emit({ type: 'test', record: withTest });
  }
  const finalFront = paretoFront(history);
  const best = bestTrial(history);
  const trials = latestById(history);
  const proposed = counts.candidates;
  const report: TuneReport = {
    out: o.out,
    search,
    budget: { ...o.budget, description: budgetText },
    executor: executor.describe,
    counts,
    rejectedShare: proposed ? counts.rejected / proposed : 0,
    best: best ? trials.find((t) => t.id === best.id)! : null,
    front: finalFront,
    trials,
    files: { trials: join(o.out, TRIALS_FILE), report: join(o.out, 'report.html'), summary: join(o.out, 'tune.json') },
    seconds: (Date.now() - t0) / 1000,
  };
  store.writeFile('report.html', tuneReportHtml(report));
  store.writeFile('tune.json', JSON.stringify(report, null, 2) + '\n');
  return report;
}

function interruptedError(out: string): TinyforgeError {
  return new TinyforgeError('interrupted', `search interrupted; every finished trial is in ${join(out, TRIALS_FILE)}`, {
    remedy: 'run the same command again (same --out) to resume: recorded trials are kept, the ones in flight are re-run',
  });
}

/** Float and int8 accuracy of a trained trial on the test split (its own window and normalisation). */
export async function testAccuracy(store: TuneStore, data: TuneData, r: TrialRecord): Promise<{ float: number; int8: number }> {
  const m = store.readTrialModel(r.id);
  const d = data.forCandidate(r.candidate);
  const test = evaluationData(d.test.y.length ? d.test : d.val, m.settings, data.block(r.candidate));
  const model = await loadFloatModel(m.floatModel as SavedFloatModel);
  try {
    const e = evalStage(model, readTflite(m.tflite).graph, test);
    return { float: e.floatAccuracy!, int8: e.int8Accuracy! };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// A trial to the board

export interface TrialRunReport {
  search: string;
  trial: TrialRecord;
  firmware: string;
  board: string;
  /** Predicted before training (placeholder weights), recorded after training, and measured now. */
  predicted: Figures;
  trained: Figures;
  measured: Figures;
  /** Measured vs predicted (arena, flash, RAM equal; instructions within 1 %), and vs the figures recorded after training (equal). */
  matches: { arena: boolean; flash: boolean; ram: boolean; instructions: boolean; instructionsDiff: number; trainedExact: boolean };
  verify: VerifyStageReport;
}

/** "DIR#N" → the search folder and trial number. */
export function parseTrialRef(ref: string): { dir: string; id: number } {
  const m = /^(.*)#(\d+)$/.exec(ref);
  if (!m || !m[1]) throw usageError(`--trial ${ref} is not DIR#N`, { remedy: 'name the search folder and the trial number, e.g. --trial out/tune#7 (tinyforge tune prints them)' });
  return { dir: m[1], id: Number(m[2]) };
}

/**
 * Takes a trained trial through firmware → build → flash → verify (the service steps `run` uses),
 * on the virtual board unless a board and port are given, and compares arena, flash and
 * instructions with what was predicted before training.
 */
export async function runTrialOnBoard(ref: string, o: { board?: string; port?: string; max?: number; all?: boolean; onStage?: (stage: string, message: string) => void } = {}): Promise<TrialRunReport> {
  const { dir, id } = parseTrialRef(ref);
  if (!exists(join(dir, SEARCH_FILE))) throw badInput(`${dir} is not a tune search folder (no ${SEARCH_FILE})`, { remedy: 'pass the --out folder of a tinyforge tune run' });
  const store = openStore(dir);
  const header = store.header()!;
  const rec = latestById(store.readTrials()).find((r) => r.id === id);
  if (!rec) throw badInput(`${dir} has no trial #${id}`, { remedy: `pick a trial listed in ${join(dir, TRIALS_FILE)}` });
  if (rec.status !== 'done' || !rec.figures) throw badInput(`trial #${id} was not trained (${rec.status}${rec.reason ? `: ${rec.reason}` : ''})`, { remedy: 'pick a trial with status "done" (the Pareto front lists them)' });
  const m = store.readTrialModel(id);
  const data = tuneData(header.settings.data as DataConfig);
  const d = data.forCandidate(rec.candidate);
  const held = d.test.y.length ? d.test : d.val;
  const model = readModelForFirmware(m.tflite, join(store.trialDir(id), 'model.tflite'));
  const boardId = o.board ?? MEASURE_BOARD;
  const fw = await firmwareStage(io, { board: boardId, engine: 'native', requant: TUNE_REQUANT, model, modelBytes: m.tflite, settings: m.settings, out: join(store.trialDir(id), 'firmware'), force: true });
  o.onStage?.('firmware', `${fw.project.files.length} files for ${fw.board.id} (native engine) in ${fw.dir}`);
  const b = await buildStage(io, fw.dir);
  o.onStage?.('build', `flash ${b.image!.memory.flash} B, RAM ${b.image!.memory.ram} B, arena ${b.footprint!.arena} B`);
  const board = await flashStage(io, await resolveFlashTarget(io, fw.dir, { port: o.port }), { port: o.port });
  let v: VerifyStageReport;
  try {
    o.onStage?.('flash', `${board.summary} on ${board.path}`);
    v = await verifyOnBoard(io.boards, board, m.tflite, boardWindows(m.tflite, held, m.settings), { max: o.max, all: o.all });
  } finally {
    await board.stop();
  }
  const measured: Figures = { flash: b.image!.memory.flash, ram: b.image!.memory.ram, arena: b.footprint!.arena, instructions: Math.round(v.counter?.mean ?? NaN) };
  const p = rec.predicted ?? rec.figures;
  const t = rec.figures;
  const diff = (measured.instructions - p.instructions) / p.instructions;
  const report: TrialRunReport = {
    search: dir,
    trial: rec,
    firmware: fw.dir,
    board: fw.board.id,
    predicted: { flash: p.flash, ram: p.ram, arena: p.arena, instructions: p.instructions },
    measured,
    trained: { flash: t.flash, ram: t.ram, arena: t.arena, instructions: t.instructions },
    matches: { arena: measured.arena === p.arena, flash: measured.flash === p.flash, ram: measured.ram === p.ram, instructions: Math.abs(diff) <= 0.01, instructionsDiff: diff, trainedExact: measured.flash === t.flash && measured.ram === t.ram && measured.arena === t.arena },
    verify: v,
  };
  if (!v.ok) {
    throw mismatch(`the board's outputs differ from the host interpreter on ${v.n - v.bitExact} of ${v.n} windows (max ${v.maxLsbDiff} LSB)`, {
      remedy: 'the firmware and the host interpreter must agree bit for bit — this is a tinyforge bug, please report it with the trial folder',
      details: { mismatches: v.mismatches },
    });
  }
  return report;
}

// ---------------------------------------------------------------------------------------------
// Watching a search (the studio's Tune page)

export interface SearchView {
  dir: string;
  /** False when the folder holds no search yet. */
  found: boolean;
  budget: (Budget & { description: string }) | null;
  counts: { candidates: number; trained: number; rejected: number; failed: number };
  best: LabelledTrial | null;
  front: LabelledTrial[];
  trials: LabelledTrial[];
}

/** A trial with its front-end and network in words (describeCandidate), for pages that cannot run it. */
export type LabelledTrial = TrialRecord & { label: string };

/** A search folder as it stands (another process may be running the search): read-only. */
export function readSearch(dir: string): SearchView {
  const store = new Store<TrialRecord, Figures>(dir, undefined, true);
  const header = exists(join(dir, SEARCH_FILE)) ? store.header() : null;
  const trials = latestById(store.readTrials({ repair: false })).map((t) => ({ ...t, label: describeCandidate(t.candidate) }));
  const budget = (header?.settings.budget as Budget | undefined) ?? null;
  return {
    dir,
    found: header !== null,
    budget: budget ? { ...budget, description: describeBudget(budget) } : null,
    counts: {
      candidates: trials.length,
      trained: trials.filter((t) => t.status === 'done').length,
      rejected: trials.filter((t) => t.status === 'rejected').length,
      failed: trials.filter((t) => t.status === 'failed').length,
    },
    best: bestTrial(trials) as LabelledTrial | null,
    front: paretoFront(trials) as LabelledTrial[],
    trials,
  };
}
