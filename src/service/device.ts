/**
 * Service: the steps that talk to a board — flash (or start the virtual board), connect, verify.
 * capture and monitor use `connectBoard` too; their bodies stay with their commands until the
 * simulated IMU work (branch simimu) lands. The board, its link, the files and the flash tools
 * arrive as ports (./ports.ts): a `Board` resolved once from the project's or the flag's id.
 */
import { dirname, join, resolve } from 'node:path';
import { badInput, usageError } from '../core/errors.js';
import { BOARD_IDS } from '../firmware/boards.js';
import { buildPlan, manifestPlanOptions } from '../firmware/build.js';
import type { FlashPlan } from '../flash/plan.js';
import { DeviceClient, type ClientOptions } from '../device/client.js';
import { interpreterReference, parseWindowsFile, quantizeWindows, type Reference } from '../device/reference.js';
import type { Board, BoardPort, BoardStartOptions, FilePort, Platform, StartedBoard } from './ports.js';
import { DTYPE_BYTES, numElements } from '../core/graph.js';
import { verifyDevice, type AnomalyScore, type VerifyReport } from '../device/verify.js';
import { anomalyDistance, anomalyInt8 } from '../train/anomaly.js';
import { selectVerifySample, type VerifySample, type VerifySampleOptions } from '../device/verify-sample.js';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { blockFromSettings, featureQuantisers, quantiseFeatures, rawWindowBytes } from '../features/index.js';
import { withModelQuant } from '../firmware/model-settings.js';
import { addSaturation, int8InputsAtRail, NO_SATURATION, outputSaturation, saturationWarning, type Saturation } from '../interp/saturation.js';
import { createInterpreter } from '../interp/index.js';
import { readTflite } from '../tflite/reader.js';

export type { Board, StartedBoard } from './ports.js';

export interface LinkOptions {
  port?: string;
  baud?: string | number;
  linkRate?: string | number;
  timeoutMs?: string | number;
}

/** Opens the serial link and does the HELLO/INFO handshake. */
export async function connectBoard(boards: BoardPort, f: LinkOptions): Promise<DeviceClient> {
  if (!f.port) throw usageError('--port is required', { remedy: 'pass the board serial port, e.g. --port /dev/ttyACM0 (tinyforge monitor --list shows ports)' });
  const baud = Number(f.baud ?? 115200);
  if (!Number.isFinite(baud) || baud <= 0) throw usageError(`--baud ${f.baud} is not a positive number`, { remedy: 'e.g. --baud 115200' });
  const timeoutMs = f.timeoutMs === undefined ? undefined : Number(f.timeoutMs);
  if (timeoutMs !== undefined && !(timeoutMs > 0)) throw usageError(`--timeout-ms ${f.timeoutMs} is not a positive number`, { remedy: 'e.g. --timeout-ms 500' });
  // Unset: the client's floor; the rest of every timeout follows the measured link rate and inference time.
  const opts: ClientOptions = { baseTimeoutMs: timeoutMs };
  if (f.linkRate) opts.bytesPerSecond = Number(f.linkRate);
  return DeviceClient.connect(boards.transport(f.port, { baudRate: baud, bytesPerSecond: f.linkRate ? Number(f.linkRate) : undefined }), opts);
}

export interface FlashTarget {
  board: Board;
  artifact: string;
  projectDir?: string;
  plan: FlashPlan;
}

/**
 * The image a built project folder flashes: its manifest's board and that board's build artifact.
 * `board` given: a folder generated for another board is bad input.
 */
export function projectImage(files: Pick<FilePort, 'readManifest'>, dir: string, board?: string): { board: string; artifact: string; projectDir: string } {
  const projectDir = resolve(dir);
  const m = files.readManifest(projectDir);
  if (board && board !== m.board) throw badInput(`${dir} was generated for ${m.board}, not ${board}`, { remedy: `drop --board or regenerate with --board ${board}` });
  return { board: m.board, projectDir, artifact: resolve(projectDir, buildPlan(projectDir, m.board, { ...manifestPlanOptions(m), tflmDir: '$TFLM_DIR' }).artifact) };
}

/** What `flash TARGET` flashes and how: a built project folder or an image file (+ --board). */
export async function resolveFlashTarget(io: Pick<Platform, 'files' | 'boards'>, target: string, o: { board?: string; port?: string; dryRun?: boolean } = {}): Promise<FlashTarget> {
  if (!io.files.exists(target)) throw badInput(`not found: ${target}`, { remedy: 'pass a project folder built with tinyforge build, or an image file' });
  let boardId = o.board;
  let artifact: string;
  let projectDir: string | undefined;
  if (io.files.isDirectory(target)) {
    const p = projectImage(io.files, target, boardId && io.boards.board(boardId).spec.id);
    ({ board: boardId, artifact, projectDir } = p);
  } else {
    if (!boardId) throw badInput('flashing an image file needs --board', { remedy: `pass --board (${BOARD_IDS.join(', ')})` });
    artifact = resolve(target);
  }
  const board = io.boards.board(boardId);
  let port = o.port;
  // A board with a port to find: the one plugged in (a dry run shows a placeholder instead).
  if (!port && board.findPort) port = o.dryRun ? 'PORT' : await board.findPort();
  const plan = board.plan({ artifact, projectDir, port });
  return { board, artifact, projectDir, plan };
}

/**
 * Puts the firmware on the board and returns it ready to talk to (the board's own way: a board the
 * host runs is started, its port a pty; a real one is flashed with the plan's tools, then its port).
 */
export async function flashStage(io: Pick<Platform, 'files'>, t: FlashTarget, o: BoardStartOptions = {}): Promise<StartedBoard> {
  if (!io.files.exists(t.artifact)) throw badInput(`firmware image not found: ${t.artifact}`, { remedy: `build it first: tinyforge build ${t.projectDir ?? dirname(t.artifact)}` });
  return t.board.flash(t.plan, o);
}

/** Test windows for verify, with labels when known and the expected outputs when recorded. */
export interface VerifyWindows {
  inputs: Uint8Array[];
  labels?: number[];
  /** Expected outputs (TFLM's, from a vectors folder); absent → the host interpreter. */
  reference?: Reference;
  /** Models with a feature block: inputs are raw windows; the host's features of one (checked against FEATURE_VECTOR). */
  features?: (input: Uint8Array, index: number) => { features: Int32Array; modelInput: Int8Array };
  source: 'data' | 'vectors' | 'windows' | 'memory';
}

/**
 * Where verify's windows come from: a training run's held-out windows (quantised for the model),
 * recordings windowed for the model (`recordingWindows`), a vectors folder (in-NNN.bin / out-NNN.bin; default: the model's folder when it has them), or a
 * JSON windows file.
 */
export async function loadVerifyWindows(
  io: Pick<Platform, 'files' | 'trainRuns'>,
  model: Uint8Array,
  modelPath: string,
  o: { vectors?: string; windows?: string; data?: string; recordingWindows?: WindowSet },
): Promise<VerifyWindows> {
  if ([o.vectors, o.windows, o.data ?? o.recordingWindows].filter((x) => x !== undefined).length > 1) {
    throw usageError('use one of --vectors, --windows or --data', { remedy: 'pick one source of test windows' });
  }
  // Recordings (--data FILES): already windowed and normalised with the model's settings.
  if (o.recordingWindows) return { ...quantizeWindows(model, o.recordingWindows), source: 'data' };
  if (o.data) {
    const a = await io.trainRuns.loadWindows(o.data);
    if (a.settings.features) return { ...featureVerifyWindows(model, a.heldOut, a.settings), source: 'data' };
    return { ...quantizeWindows(model, a.heldOutNormalised), source: 'data' };
  }
  const { exists, loadVectors, readText } = io.files;
  const vdir = o.vectors ?? (o.windows ? undefined : exists(join(dirname(modelPath), 'in-000.bin')) ? dirname(modelPath) : undefined);
  if (vdir) {
    const v = loadVectors(vdir);
    return { inputs: v.inputs, ...(v.outputs.every((x) => x) ? { reference: (_x: Uint8Array, i: number) => v.outputs[i]! } : {}), source: 'vectors' };
  }
  if (o.windows) {
    if (!exists(o.windows)) throw badInput(`windows file not found: ${o.windows}`, { remedy: 'check the path' });
    return { ...parseWindowsFile(readText(o.windows), o.windows), source: 'windows' };
  }
  throw usageError('no test windows given', { remedy: 'pass --data TRAIN_DIR (held-out windows), --vectors DIR (in-NNN.bin/out-NNN.bin) or --windows FILE' });
}

/**
 * Verify windows of a model with a feature block: the board gets raw windows (int16 counts) and runs
 * DSP + model; the host's reference is its own integer features → int8 fold → interpreter.
 */
export function featureVerifyWindows(model: Uint8Array, raw: WindowSet, settings: ModelSettings): Omit<VerifyWindows, 'source'> {
  const graph = readTflite(model).graph;
  const s = withModelQuant(settings, graph);
  const block = blockFromSettings(s);
  if (!block || !s.features || !s.inputQuant) throw badInput('the settings have no feature block or the model no int8 input quantisation', { remedy: 'pass the training run this .tflite was made from' });
  if (raw.y.length === 0) throw badInput('the training directory has no held-out windows', { remedy: 'train with a validation/test split (tinyforge train) or pass --windows/--vectors' });
  const q = featureQuantisers(s.features.standardisation, s.inputQuant);
  const interp = createInterpreter(graph);
  const hostFeatures = (input: Uint8Array) => {
    const counts = new Int16Array(input.buffer.slice(input.byteOffset, input.byteOffset + input.byteLength));
    const features = block.compute(counts);
    return { features, modelInput: quantiseFeatures(features, q) };
  };
  return {
    inputs: Array.from({ length: raw.y.length }, (_, w) => rawWindowBytes(raw, w, block)),
    labels: Array.from(raw.y),
    reference: (x) => {
      const m = hostFeatures(x).modelInput;
      return interp.invoke([new Uint8Array(m.buffer, m.byteOffset, m.byteLength)])[0];
    },
    features: hostFeatures,
  };
}

/** Normalised held-out windows in memory (the run's own training) → verify windows. */
export function heldOutVerifyWindows(model: Uint8Array, heldOutNormalised: WindowSet): VerifyWindows {
  return { ...quantizeWindows(model, heldOutNormalised), source: 'memory' };
}

export interface VerifyStageOptions extends VerifySampleOptions {
  onProgress?: (done: number, total: number) => void;
  /** The model's sample rate: the energy estimate's duty cycle at the window stride. */
  sampleRateHz?: number;
  /** The model's settings: with an anomaly block (train --anomaly) every window's score is checked too. */
  settings?: ModelSettings;
}

/** A model with several output tensors: their names and bytes (verify reports each); {} otherwise or for a model tinyforge cannot read (a vectors folder's). */
function outputTensorsOf(model: Uint8Array): { outputTensors?: { name: string; bytes: number }[] } {
  let g;
  try {
    g = readTflite(model).graph;
  } catch {
    return {};
  }
  if (g.outputs.length < 2) return {};
  return { outputTensors: g.outputs.map((i) => ({ name: g.tensors[i].name, bytes: numElements(g.tensors[i].shape) * (DTYPE_BYTES[g.tensors[i].dtype] || 1) })) };
}

/** The host's anomaly score of a verify input (its int8 model input: the input itself, or the feature block's), or undefined without an anomaly block. */
function hostAnomaly(model: Uint8Array, w: VerifyWindows, settings: ModelSettings | undefined): ((input: Uint8Array, index: number) => AnomalyScore) | undefined {
  if (!settings?.anomaly) return undefined;
  const s = withModelQuant(settings, readTflite(model).graph);
  if (!s.inputQuant) return undefined;
  const block = anomalyInt8(s.anomaly!, s.inputQuant);
  return (x, i) => anomalyDistance(w.features ? w.features(x, i).modelInput : new Int8Array(x.buffer, x.byteOffset, x.byteLength), block);
}

export type VerifyStageReport = VerifyReport & {
  sample: Omit<VerifySample, 'indices'>;
  /** Int8 input values at a rail (clamped when quantised) and saturated outputs over the windows sent (null: not counted, e.g. --vectors). */
  saturation: Saturation | null;
  /** The saturation in words with the remedy, or null. */
  saturationWarning: string | null;
};

/**
 * What saturated over the windows verify sends: int8 input values at −128/127 (a quantised window
 * clamped there) and outputs at an int8 rail (src/interp/saturation.ts), from the host interpreter,
 * which the board matches bit for bit or verify reports the mismatch.
 */
export function verifySaturation(model: Uint8Array, inputs: Uint8Array[]): { saturation: Saturation; warning: string | null } {
  const graph = readTflite(model).graph;
  const int8In = graph.tensors[graph.inputs[0]].dtype === 'int8';
  const interp = createInterpreter(graph);
  let sat: Saturation = { ...NO_SATURATION };
  for (const x of inputs) {
    const out = interp.invoke([x])[0];
    sat = addSaturation(sat, { inputs: int8InputsAtRail(graph, [x]), inputValues: int8In ? x.byteLength : 0, outputs: outputSaturation(graph, out), outputValues: out.byteLength });
  }
  return { saturation: sat, warning: saturationWarning(graph, sat) };
}

/** Sends the sample of `w` to the board and compares every output byte with the reference. */
export async function verifyStage(client: DeviceClient, model: Uint8Array, w: VerifyWindows, o: VerifyStageOptions = {}): Promise<VerifyStageReport> {
  const sample = selectVerifySample(w.inputs.length, w.labels, o);
  const inputs = sample.indices.map((i) => w.inputs[i]);
  const labels = w.labels ? sample.indices.map((i) => w.labels![i]) : undefined;
  const ref = w.reference ?? interpreterReference(model);
  const anomaly = hostAnomaly(model, w, o.settings);
  const report = await verifyDevice(client, {
    model,
    inputs,
    labels,
    // The reference is indexed by the original window, so recorded outputs stay paired.
    reference: (x, k) => ref(x, sample.indices[k]),
    ...(w.features ? { features: (x: Uint8Array, k: number) => w.features!(x, sample.indices[k]) } : {}),
    onProgress: o.onProgress,
    sampleRateHz: o.sampleRateHz ?? o.settings?.sampleRateHz,
    ...(anomaly ? { anomaly: (x: Uint8Array, k: number) => anomaly(x, sample.indices[k]) } : {}),
    ...outputTensorsOf(model),
  });
  const { indices: _omit, ...summary } = sample;
  // Counted where the host interpreter is the reference (a vectors folder brings its own outputs,
  // and its model need not be one tinyforge reads; feature models send raw windows).
  const sat = w.features || w.reference ? { saturation: null, warning: null } : verifySaturation(model, inputs);
  return { ...report, sample: summary, saturation: sat.saturation, saturationWarning: sat.warning };
}

/** Connects to a started board, verifies, closes the link. */
export async function verifyOnBoard(boards: BoardPort, board: StartedBoard, model: Uint8Array, w: VerifyWindows, o: VerifyStageOptions & { link?: LinkOptions; onLog?: (text: string) => void } = {}): Promise<VerifyStageReport> {
  const client = await connectBoard(boards, { ...o.link, port: board.path, linkRate: o.link?.linkRate ?? board.bytesPerSecond });
  if (o.onLog) client.onLog(o.onLog);
  try {
    return await verifyStage(client, model, w, o);
  } finally {
    await client.close();
  }
}
