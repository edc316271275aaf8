/**
 * The main job, end to end: built-in data → train → quantise (int8) → .tflite + C array →
 * native firmware for a board → build → start the board → verify every test window bit for bit
 * against the host's int8 reference interpreter.
 *
 * This is an orchestrator at the edge: it calls the pure stage functions and does the I/O between
 * them (files under `outDir`, the compiler, the board). The only board-specific step is
 * `startBoard`, injected by the caller: for the virtual board it launches QEMU and returns the pty;
 * for a real board it returns the port. Nothing after it knows which kind of board it talks to.
 *
 * Layout of `outDir` after a run:
 *   train/      saved tfjs model, settings.json, report.json, report.html, windows (src/train/artifacts.ts)
 *   model.tflite, model_data.h, model_data.cc
 *   settings.json  the model settings with the int8 I/O quantisation (what `tinyforge firmware --settings` takes)
 *   firmware/   the generated firmware project (build/firmware.elf after the build)
 *   pipeline.json  the report returned by runPipeline
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { numElements } from '../core/graph.js';
import { mismatch } from '../core/errors.js';
import { builtinPrepared } from '../data/prepare.js';
import { applyNormalisation } from '../data/window.js';
import { trainModel, predictProbabilities, type EpochRecord, type TrainResult } from '../train/train.js';
import { saveTrainArtifacts } from '../train/artifacts.js';
import type { BackendPreference } from '../train/backend.js';
import type { AugmentOptions } from '../train/augment.js';
import { quantize } from '../quantize/index.js';
import { compareOutputs, runInt8, type EvalReport as Int8Eval } from '../quantize/eval.js';
import { writeTflite } from '../tflite/writer.js';
import { modelCArray } from '../tflite/carray.js';
import { createInterpreter, quantizeInput } from '../interp/index.js';
import { emitFirmware } from '../firmware/emit.js';
import { readFirmwareSources } from '../firmware/sources.js';
import { writeProject } from '../firmware/write.js';
import { buildPlan, runPlan, MANIFEST_FILE } from '../firmware/build.js';
import { measureImage, type Footprint } from '../firmware/footprint.js';
import { getBoard } from '../firmware/boards.js';
import { emitNativeEngine } from '../firmware/native/index.js';
import { DeviceClient } from '../device/client.js';
import { SerialTransport } from '../device/serial-transport.js';
import { verifyDevice, type VerifyReport } from '../device/verify.js';

export type PipelineStage = 'data' | 'train' | 'quantize' | 'tflite' | 'firmware' | 'build' | 'board' | 'verify';

export interface PipelineOptions {
  outDir: string;
  seed: number;
  /** Training epochs (early stopping may end sooner). */
  epochs: number;
  preset: string;
  batchSize: number;
  learningRate: number;
  backend?: BackendPreference;
  /** Early-stopping patience in epochs. */
  patience: number;
  /** Training-time augmentation (random rotation/gain of each window); off when absent. */
  augment?: AugmentOptions;
  /** Firmware target; must be a Makefile board the pipeline can build here. */
  board: string;
  /** Test windows sent to the board (all held-out windows when larger). */
  verifyCount: number;
  /** Subjects simulated in the built-in data set. */
  subjects?: number;
  secondsPerActivity?: number;
}

export interface StartedBoard {
  /** Serial port path (a pty for the virtual board). */
  path: string;
  /** Link throughput estimate in bytes/s (sets timeouts). */
  bytesPerSecond?: number;
  stop(): Promise<void>;
}

export interface PipelineHooks {
  stage?(stage: PipelineStage, message: string): void;
  epoch?(rec: EpochRecord, epochs: number): void;
  verifyProgress?(done: number, total: number): void;
  /** Starts the board on the built firmware image; the only board-specific step. */
  startBoard(elfPath: string): Promise<StartedBoard>;
}

export interface PipelineReport {
  outDir: string;
  data: { labels: string[]; sampleRateHz: number; windowLength: number; windows: { train: number; val: number; test: number }; groups: { train: number; val: number; test: number } };
  train: { backend: string; epochsRun: number; accuracy: { train: number; val: number | null; test: number | null }; verdict: string; params: number; seconds: number };
  quantize: { input: { scale: number; zeroPoint: number }; output: { scale: number; zeroPoint: number }; tfliteBytes: number; eval: Int8Eval; seconds: number };
  firmware: { board: string; engine: 'native'; dir: string; elf: string; footprint: Footprint; buildSeconds: number };
  verify: VerifyReport;
  files: { tflite: string; settings: string; cArray: string[]; report: string; firmware: string };
}

function writeAtomic(path: string, data: string | Uint8Array): void {
  writeFileSync(path + '.tmp', data);
  renameSync(path + '.tmp', path);
}

/** Normalised float windows, flattened [n, windowLength, axes]. */
function normalised(ws: WindowSet, settings: ModelSettings): Float32Array {
  return applyNormalisation(ws, settings.normalisation).x;
}

export async function runPipeline(opts: PipelineOptions, hooks: PipelineHooks): Promise<PipelineReport> {
  const say = (s: PipelineStage, m: string) => hooks.stage?.(s, m);
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });

  // 1. Data: the simulator, split by subject (no subject in two splits), windowed.
  const data = builtinPrepared({ seed: opts.seed, subjects: opts.subjects, secondsPerActivity: opts.secondsPerActivity });
  const count = (w: WindowSet) => w.y.length;
  const groups = (w: WindowSet) => new Set(w.groups).size;
  say('data', `built-in activity data: ${data.labels.join('/')} at ${data.sampleRateHz} Hz; windows train ${count(data.train)}, val ${count(data.val)}, test ${count(data.test)} (subjects ${groups(data.train)}/${groups(data.val)}/${groups(data.test)})`);

  // 2. Train.
  const t0 = Date.now();
  const trained: TrainResult = await trainModel(
    { train: data.train, val: data.val, test: data.test },
    {
      preset: opts.preset,
      optimizer: 'adam',
      learningRate: opts.learningRate,
      epochs: opts.epochs,
      batchSize: opts.batchSize,
      earlyStopping: { patience: opts.patience },
      augment: opts.augment,
      seed: opts.seed,
      backend: opts.backend,
      windowStride: data.windowStride,
      onEpoch: hooks.epoch,
    },
  );
  const trainSeconds = (Date.now() - t0) / 1000;
  await saveTrainArtifacts(join(outDir, 'train'), trained);
  const acc = trained.report.accuracy;
  say('train', `${trained.report.training.preset} on ${trained.backend}: ${trained.report.training.epochsRun} epochs in ${trainSeconds.toFixed(0)} s; accuracy train ${pct(acc.train)}, val ${pct(acc.val)}, test ${pct(acc.test)} — ${trained.report.verdict.kind}`);

  // 3. Quantise with a calibration sample of training windows; measure what int8 costs on held-out windows.
  const t1 = Date.now();
  const settings = trained.settings;
  const rep = trained.windows.representative;
  const inShape = [settings.windowLength, settings.axes.length];
  const q = quantize(trained.model, { x: normalised(rep, settings), shape: [rep.y.length, ...inShape] }, { settings });
  const held = trained.windows.heldOut;
  const heldX = normalised(held, settings);
  const nHeld = held.y.length;
  const floatOut = predictProbabilities(trained.model, heldX, nHeld, inShape);
  const int8Out = runInt8(q.model.graph, heldX, nHeld);
  const evalReport = compareOutputs(floatOut, int8Out, nHeld, held.y);
  const quantSeconds = (Date.now() - t1) / 1000;
  say('quantize', `int8: input scale ${q.inputQuant.scale.toPrecision(4)} zp ${q.inputQuant.zeroPoint}; held-out accuracy float ${pct(evalReport.floatAccuracy)} → int8 ${pct(evalReport.int8Accuracy)} (agreement ${pct(evalReport.agreement)})`);

  // 4. Serialise: .tflite and the aligned C array.
  const tflite = writeTflite(q.model);
  const tflitePath = join(outDir, 'model.tflite');
  writeAtomic(tflitePath, tflite);
  const cFiles = modelCArray(tflite, { settings: q.settings, graph: q.model.graph });
  for (const f of cFiles) writeAtomic(join(outDir, f.path), f.contents);
  const settingsPath = join(outDir, 'settings.json');
  writeAtomic(settingsPath, JSON.stringify(q.settings ?? settings, null, 2) + '\n');
  say('tflite', `${tflitePath} (${tflite.length} bytes) + ${cFiles.map((f) => f.path).join(', ')} + settings.json`);

  // 5. Firmware: the native engine for the board.
  const project = emitFirmware({
    board: opts.board,
    engine: 'native',
    model: q.model,
    modelBytes: tflite,
    settings: q.settings ?? settings,
    sources: readFirmwareSources(),
    nativeEngine: emitNativeEngine,
  });
  const fwDir = writeProject(join(outDir, 'firmware'), project.files, { force: true, marker: MANIFEST_FILE });
  say('firmware', `${project.files.length} files for ${opts.board} (native engine) in ${fwDir}`);

  // 6. Build.
  const t2 = Date.now();
  const plan = buildPlan(fwDir, opts.board, { engine: 'native' });
  await runPlan(plan);
  const elf = join(fwDir, plan.elf);
  const spec = getBoard(opts.board);
  const ld = spec.linkerScript ? join(fwDir, 'src', spec.linkerScript) : null;
  // Does not fit → exit 3 here, before the board starts.
  const { footprint } = measureImage(spec, new Uint8Array(readFileSync(elf)), ld && existsSync(ld) ? readFileSync(ld, 'utf8') : undefined);
  const buildSeconds = (Date.now() - t2) / 1000;
  say('build', `${elf}: flash ${footprint.flash} B, RAM ${footprint.ram} B`);

  // 7. Board + verify: every held-out window (up to verifyCount), raw int8 outputs compared byte for byte.
  const n = Math.min(opts.verifyCount, nHeld);
  const interp = createInterpreter(q.model.graph);
  const per = numElements(inShape);
  const inputs: Uint8Array[] = [];
  for (let i = 0; i < n; i++) inputs.push(quantizeInput(q.model.graph, heldX.subarray(i * per, (i + 1) * per)));
  const board = await hooks.startBoard(elf);
  say('board', `board up on ${board.path}`);
  let verify: VerifyReport;
  try {
    const client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: board.bytesPerSecond }), {});
    try {
      verify = await verifyDevice(client, {
        model: tflite,
        inputs,
        labels: Array.from(held.y.subarray(0, n)),
        reference: (input) => interp.invoke([input])[0],
        onProgress: hooks.verifyProgress,
      });
    } finally {
      await client.close();
    }
  } finally {
    await board.stop();
  }
  say('verify', `${verify.bitExact}/${verify.n} outputs bit-exact, max diff ${verify.maxLsbDiff} LSB`);

  const report: PipelineReport = {
    outDir,
    data: {
      labels: data.labels,
      sampleRateHz: data.sampleRateHz,
      windowLength: data.windowLength,
      windows: { train: count(data.train), val: count(data.val), test: count(data.test) },
      groups: { train: groups(data.train), val: groups(data.val), test: groups(data.test) },
    },
    train: { backend: trained.backend, epochsRun: trained.report.training.epochsRun, accuracy: acc, verdict: trained.report.verdict.kind, params: trained.report.size.params, seconds: trainSeconds },
    quantize: { input: q.inputQuant, output: q.outputQuant, tfliteBytes: tflite.length, eval: evalReport, seconds: quantSeconds },
    firmware: { board: opts.board, engine: 'native', dir: fwDir, elf, footprint, buildSeconds },
    verify,
    files: { tflite: tflitePath, settings: settingsPath, cArray: cFiles.map((f) => join(outDir, f.path)), report: join(outDir, 'train', 'report.html'), firmware: fwDir },
  };
  writeAtomic(join(outDir, 'pipeline.json'), JSON.stringify(report, null, 2));
  if (!verify.ok) {
    throw mismatch(`the board's outputs differ from the host interpreter on ${verify.n - verify.bitExact} of ${verify.n} windows (max ${verify.maxLsbDiff} LSB)`, {
      remedy: `see ${join(outDir, 'pipeline.json')}; the firmware and the host interpreter must agree bit for bit — this is a tinyforge bug, please report it with that file`,
      details: { mismatches: verify.mismatches },
    });
  }
  return report;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`;
}
