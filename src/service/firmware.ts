/**
 * Service: the firmware and build steps. A .tflite (+ settings, or settings derived from the
 * model alone) → a generated project for a board and engine, written atomically; then compiled
 * (make / arduino-cli) with its footprint. Adapters: src/adapters/files.ts, processes.ts.
 */
import { basename, join, resolve } from 'node:path';
import type { ModelSettings } from '../core/dataset.js';
import { badInput, unsupported } from '../core/errors.js';
import { numElements, type Graph, type TfliteModel } from '../core/graph.js';
import { getBoard, parseEngine, type BoardSpec } from '../firmware/boards.js';
import { buildPlan, manifestPlanOptions, MANIFEST_FILE, type BuildPlan } from '../firmware/build.js';
import { emitFirmware, type FirmwareInput, type FirmwareProject, type NativeEngineEmitter } from '../firmware/emit.js';
import { emitLibrary, libraryZip } from '../firmware/library.js';
import { measureImage, type Footprint, type ImageReport } from '../firmware/footprint.js';
import { checkFirmwareIo, checkSettingsForModel, liveDetectionWarning } from '../firmware/model-settings.js';
import { settingsFromGraph } from '../firmware/settings-header.js';
import type { Platform } from './ports.js';
import { readTflite } from '../tflite/reader.js';
import type { NativeRequant } from '../ops/types.js';
import { checkGraph } from '../interp/check.js';
import type { WeightPolicy } from '../firmware/flash-budget.js';

/** The native engine's generator (src/firmware/native), loaded only when asked for. */
export async function loadNativeEngine(): Promise<NativeEngineEmitter> {
  const spec = '../firmware/native/index.js';
  try {
    const mod = (await import(spec)) as { emitNativeEngine: NativeEngineEmitter };
    return mod.emitNativeEngine;
  } catch (e) {
    throw unsupported('the native engine is not available in this build', { cause: e, remedy: 'use --engine tflm' });
  }
}

/** What the user may say about a model that has no settings file. */
export interface DerivedSettingsOptions {
  /** Class names in output order (default class_0…class_{N-1}). */
  labels?: string[];
  /** Sensor axes of one sample (default one axis "x": the whole input is one window). Needed for live detection. */
  axes?: string[];
  /** Sample rate in Hz (default 1). */
  rateHz?: number;
}

export interface FirmwareSettings {
  settings: ModelSettings;
  /** True when no settings file was given and the settings came from the model. */
  derived: boolean;
  /** Live detection is not possible with these axes (for stderr), or null. */
  warning: string | null;
}

/**
 * The settings the firmware is generated with: a given settings file, checked against the model;
 * or, from the model alone, its I/O quantisation plus the labels/axes/rate given (window = input
 * elements / axes). Either way the result passes checkSettingsForModel.
 */
export function firmwareSettings(graph: Graph, given: ModelSettings | undefined, o: DerivedSettingsOptions & { source?: string } = {}): FirmwareSettings {
  if (given) {
    const settings = checkSettingsForModel(given, graph, o.source);
    return { settings, derived: false, warning: liveDetectionWarning(settings) };
  }
  const base = settingsFromGraph(graph);
  const outElems = graph.outputs.reduce((n, i) => n + numElements(graph.tensors[i].shape), 0);
  if (o.labels && o.labels.length !== outElems) {
    throw badInput(`${o.labels.length} label(s) given (${o.labels.join(', ')}) but the model output has ${outElems} value(s)`, { remedy: `give ${outElems} comma-separated labels, in output order` });
  }
  const inElems = numElements(graph.tensors[graph.inputs[0]].shape);
  const axes = o.axes ?? base.axes;
  if (inElems % axes.length !== 0) {
    throw badInput(`the model input has ${inElems} values, not a whole number of ${axes.length}-axis samples (${axes.join(', ')})`, { remedy: 'pass the axes of one sample in the order the model was trained on' });
  }
  const windowLength = inElems / axes.length;
  const derived: ModelSettings = {
    ...base,
    ...(o.labels ? { labels: o.labels, task: o.labels.length > 1 ? 'classification' : base.task } : {}),
    axes,
    units: axes.map(() => (o.axes ? 'g' : '1')),
    sampleRateHz: o.rateHz ?? base.sampleRateHz,
    windowLength,
    windowStride: windowLength,
    normalisation: { mean: axes.map(() => 0), std: axes.map(() => 1) },
  };
  const settings = checkSettingsForModel(derived, graph, 'the settings derived from the model');
  return { settings, derived: true, warning: liveDetectionWarning(settings) };
}

export interface FirmwareStageInput {
  board: string;
  engine?: string;
  model: TfliteModel;
  modelBytes: Uint8Array;
  settings: ModelSettings;
  /** Project folder to write (Arduino boards: its name is the sketch name). */
  out: string;
  force?: boolean;
  /** Write an Arduino library (library.properties, src/, examples/) and its .zip beside it, instead of a program. */
  library?: boolean;
  /** Native engine: 'uniform' keeps quantisation values out of the code (flash independent of the trained values; tune's figures). */
  requant?: NativeRequant;
  /** Native engine on DSP cores: weight packing policy (default 'auto', src/firmware/flash-budget.ts). */
  weights?: WeightPolicy;
  /** With weights 'auto': the image budget in bytes instead of what TFLM would take. */
  flashBudget?: number;
  /** Generate and plan, write nothing. */
  dryRun?: boolean;
}

export interface FirmwareStageResult {
  dir: string;
  board: BoardSpec;
  engine: 'native' | 'tflm';
  project: FirmwareProject;
  /** The build plan for the written folder. */
  plan: BuildPlan;
  /** --library: the .zip written beside the folder (for arduino-cli lib install --zip-path). */
  zip?: string;
}

/** Generates the project and writes it (all or nothing). */
export async function firmwareStage(io: Pick<Platform, 'files' | 'firmwareSources'>, i: FirmwareStageInput): Promise<FirmwareStageResult> {
  const board = getBoard(i.board);
  const engine = parseEngine(i.engine ?? board.defaultEngine);
  const parts = {
    board: board.id,
    engine,
    model: i.model,
    modelBytes: i.modelBytes,
    settings: i.settings,
    sources: io.firmwareSources(),
    nativeEngine: engine === 'native' ? await loadNativeEngine() : undefined,
    ...(i.requant ? { requant: i.requant } : {}),
    ...(i.weights ? { weights: i.weights } : {}),
    ...(i.flashBudget !== undefined ? { flashBudget: i.flashBudget } : {}),
  };
  if (i.library) return libraryStage(io, i, board, parts);
  const project = emitFirmware({ ...parts, sketch: basename(resolve(i.out)) });
  const dir = i.dryRun ? resolve(i.out) : io.files.writeProject(i.out, project.files, { force: i.force, marker: MANIFEST_FILE });
  const plan = buildPlan(dir, board.id, { engine, sketch: project.manifest.sketch, tflmDir: engine === 'tflm' && board.build === 'make' ? '$TFLM_DIR' : undefined });
  return { dir, board, engine, project, plan };
}

/** --library: the library folder (all or nothing) and its .zip (written atomically after it). */
async function libraryStage(io: Pick<Platform, 'files'>, i: FirmwareStageInput, board: BoardSpec, parts: Omit<FirmwareInput, 'sketch'>): Promise<FirmwareStageResult> {
  const { exists, writeFileAtomic, writeProject } = io.files;
  const engine = parts.engine;
  const name = basename(resolve(i.out));
  if (exists(`${resolve(i.out)}.zip`) && !i.force && !i.dryRun) {
    throw badInput(`${i.out}.zip already exists`, { remedy: 'pass --force to replace the library and its .zip, or choose another --out' });
  }
  const project = emitLibrary({ ...parts, name });
  const dir = i.dryRun ? resolve(i.out) : writeProject(i.out, project.files, { force: i.force, marker: MANIFEST_FILE });
  const zip = `${dir}.zip`;
  if (!i.dryRun) writeFileAtomic(zip, libraryZip(name, project.files));
  const plan = buildPlan(dir, board.id, { ...manifestPlanOptions(project.manifest), tflmDir: engine === 'tflm' && board.build === 'make' ? '$TFLM_DIR' : undefined });
  return { dir, board, engine, project, plan, zip };
}

/**
 * Reads a .tflite for the firmware (one input, one output). For the TFLM engine, builtin ops
 * tinyforge does not implement are kept by name (TFLM registers and runs them); the native engine
 * refuses them when it generates, naming the op and the TFLM engine as the remedy.
 */
export function readModelForFirmware(bytes: Uint8Array, source: string, engine?: 'native' | 'tflm'): TfliteModel {
  const model = readTflite(bytes, { tflmOnlyOps: engine === 'tflm' });
  // The interpreter's whole-model check (indices, shapes, sizes, scales, zero points, execution
  // order, every op's Prepare with TFLM's multiplier limits): a model the host cannot run is
  // refused here (exit 3), not by the compiler or the board. Ops kept by name for TFLM get every
  // structural check (TFLM prepares them on the device).
  checkGraph(model.graph, { tflmOnlyOps: engine === 'tflm' });
  checkFirmwareIo(model.graph, source);
  return model;
}

export interface BuildStageOptions {
  tflmDir?: string;
  tflmLib?: string;
  /** Only the plan (nothing runs). */
  dryRun?: boolean;
  onOutput?: (chunk: string) => void;
}

export interface BuildStageResult {
  plan: BuildPlan;
  board: string;
  engine: 'native' | 'tflm';
  /** Absolute paths of the flashable artifact and the ELF. */
  artifact: string;
  elf: string;
  /** Null for a dry run. */
  footprint: Footprint | null;
  /** Flash/RAM as arduino-cli counts them, the board's limits and what the image needs (null for a dry run). */
  image: ImageReport | null;
  seconds: number;
}

/** Compiles a generated project folder and measures the ELF. */
export async function buildStage(io: Pick<Platform, 'files' | 'processes'>, dirArg: string, o: BuildStageOptions = {}): Promise<BuildStageResult> {
  const { exists, readBytes, readManifest, readText } = io.files;
  const dir = resolve(dirArg);
  const m = readManifest(dir);
  const tflmDir = o.tflmDir ?? (o.dryRun && m.engine === 'tflm' && getBoard(m.board).build === 'make' ? '$TFLM_DIR' : undefined);
  const plan = buildPlan(dir, m.board, { ...manifestPlanOptions(m), tflmDir, tflmLib: o.tflmLib });
  const base = { plan, board: m.board, engine: m.engine, artifact: join(dir, plan.artifact), elf: join(dir, plan.elf) };
  if (o.dryRun) return { ...base, footprint: null, image: null, seconds: 0 };
  const t0 = Date.now();
  await io.processes.runPlan(plan, o.onOutput);
  const board = getBoard(m.board);
  const ldPath = board.linkerScript ? join(dir, 'src', board.linkerScript) : null;
  // Before anything is flashed: an image that does not fit is a bad-input error (exit 3).
  const image = measureImage(board, readBytes(base.elf), ldPath && exists(ldPath) ? readText(ldPath) : undefined);
  return { ...base, footprint: image.footprint, image, seconds: (Date.now() - t0) / 1000 };
}
