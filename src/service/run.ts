/**
 * Service: the whole pipeline from one project file (`tinyforge run`, and `demo` on the built-in
 * data): data → train → int8 → firmware → build → flash → verify, each step reading its own
 * section of the config and calling the step's service function. Any contiguous part can run:
 * a later step starts from the files an earlier run left in `out`.
 *
 * Layout of `out` (each path overridable in its config section):
 *   data/          the split (only when the run ends at `data`; training saves the windows it used)
 *   train/         the training run folder (src/adapters/train-dir.ts)
 *   model.tflite, model_data.h, model_data.cc, settings.json (with the int8 I/O quantisation)
 *   firmware/      the generated project (build/ after the build)
 *   pipeline.json  the report returned by runProject
 */
import { formatEnergy } from '../firmware/energy.js';
import { basename, dirname, join, resolve } from 'node:path';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput, mismatch, usageError } from '../core/errors.js';
import { serializeSplit } from '../data/split-files.js';
import type { Footprint } from '../firmware/footprint.js';
import type { EvalReport } from '../quantize/eval.js';
import { type ArrayData } from '../quantize/array-data.js';
import { frontEndFromConfig, type TinyforgeConfig } from '../train/config.js';
import { blockFromSettings } from '../features/index.js';
import type { EpochRecord } from '../train/train.js';
import type * as tf from '@tensorflow/tfjs';
import { dataCounts, prepareData } from './data.js';
import { buildStage, firmwareSettings, firmwareStage, readModelForFirmware } from './firmware.js';
import { featureVerifyWindows, flashStage, heldOutVerifyWindows, loadVerifyWindows, projectImage, resolveFlashTarget, verifyOnBoard, type VerifyStageReport, type VerifyWindows } from './device.js';
import type { FilePort, Platform, StartedBoard } from './ports.js';
import { modelFiles, quantizeStage, writeModelFiles } from './quantize.js';
import { trainedArrays, trainSettings, trainStage } from './train.js';
import { MANIFEST_FILE } from '../firmware/build.js';
import { sha256Hex } from '../firmware/emit.js';

export const RUN_STAGES = ['data', 'train', 'int8', 'firmware', 'build', 'flash', 'verify'] as const;
export type RunStage = (typeof RUN_STAGES)[number];

/** Board the run targets when the project file names none. */
export const RUN_DEFAULT_BOARD = 'qemu-mps2-an386';

/** `--from A --to B` or `--stages a,b,…` → the stages to run, in pipeline order (must be contiguous). */
export function selectStages(o: { from?: string; to?: string; stages?: string[] }): RunStage[] {
  const check = (s: string, flag: string): RunStage => {
    if (!(RUN_STAGES as readonly string[]).includes(s)) throw usageError(`${flag} ${s} is not a stage`, { remedy: `stages are ${RUN_STAGES.join(', ')}` });
    return s as RunStage;
  };
  if (o.stages && (o.from || o.to)) throw usageError('use --stages or --from/--to, not both', { remedy: 'e.g. --from int8 --to build, or --stages int8,firmware,build' });
  let picked: RunStage[];
  if (o.stages) {
    const want = new Set(o.stages.map((s) => check(s.trim(), '--stages')));
    picked = RUN_STAGES.filter((s) => want.has(s));
  } else {
    const a = RUN_STAGES.indexOf(check(o.from ?? RUN_STAGES[0], '--from'));
    const b = RUN_STAGES.indexOf(check(o.to ?? RUN_STAGES[RUN_STAGES.length - 1], '--to'));
    if (a > b) throw usageError(`--from ${o.from} comes after --to ${o.to}`, { remedy: `the order is ${RUN_STAGES.join(' → ')}` });
    picked = RUN_STAGES.slice(a, b + 1);
  }
  const idx = picked.map((s) => RUN_STAGES.indexOf(s));
  if (!idx.length || idx.some((v, k) => k > 0 && v !== idx[k - 1] + 1)) {
    throw usageError(`the stages must be contiguous (${picked.join(', ') || 'none'} given)`, { remedy: `the order is ${RUN_STAGES.join(' → ')}; a later stage reads the files an earlier run left in --out` });
  }
  return picked;
}

export interface RunHooks {
  /** A stage starts. */
  begin?(stage: RunStage): void;
  /** What a stage did (or noticed), in words. */
  stage?(stage: RunStage, message: string): void;
  epoch?(rec: EpochRecord, epochs: number): void;
  /** Polled after each epoch: true stops training (Ctrl-C). */
  shouldStop?(): boolean;
  verifyProgress?(done: number, total: number): void;
  /** Tool output of build/flash. */
  output?(chunk: string): void;
  /** A firmware LOG line during verify. */
  deviceLog?(text: string): void;
}

export interface RunInput {
  config: TinyforgeConfig;
  /** The output folder (default: config.out, else out/run). */
  out?: string;
  stages?: RunStage[];
}

export interface RunReport {
  outDir: string;
  stages: RunStage[];
  data?: { source: string; labels: string[]; sampleRateHz: number; windowLength: number; windows: { train: number; val: number; test: number }; groups: { train: number; val: number; test: number }; split: unknown };
  train?: { dir: string; backend: string; epochsRun: number; accuracy: { train: number; val: number | null; test: number | null }; verdict: string; params: number; seconds: number };
  quantize?: { input: { scale: number; zeroPoint: number }; output: { scale: number; zeroPoint: number }; tfliteBytes: number; eval: EvalReport | null; seconds: number };
  firmware?: { board: string; engine: 'native' | 'tflm'; dir: string; elf?: string; footprint?: Footprint; buildSeconds?: number };
  verify?: VerifyStageReport;
  files: Record<string, string | string[]>;
}

export function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? 'n/a' : `${(x * 100).toFixed(1)} %`;
}

/** Where each stage reads and writes, from the config (paths already absolute) and the output folder. */
export function runLayout(cfg: TinyforgeConfig, out: string) {
  const tflite = cfg.quantize?.out ?? join(out, 'model.tflite');
  return {
    out,
    data: join(out, 'data'),
    train: cfg.train?.out ?? join(out, 'train'),
    tflite,
    modelDir: dirname(tflite),
    settings: join(dirname(tflite), 'settings.json'),
    firmware: cfg.firmware?.out ?? join(out, 'firmware'),
    report: join(out, 'pipeline.json'),
  };
}

/**
 * Outputs a new result of `stage` makes stale, removed just before the stage writes: the model
 * files (a new training run), the firmware project (a new model; only a folder tinyforge generated,
 * i.e. with its manifest). An interrupted or failed run so never leaves a later stage's output
 * from another model beside a new one: each stage's output is complete and consistent with the
 * model, or absent (issue 18 item 7). pipeline.json is removed when the run starts and written
 * whole when it ends.
 */
function removeStale({ exists, removePath }: FilePort, L: ReturnType<typeof runLayout>, stage: 'train' | 'int8'): void {
  if (stage === 'train') {
    for (const f of [L.tflite, join(L.modelDir, 'model_data.h'), join(L.modelDir, 'model_data.cc'), L.settings]) removePath(f);
  }
  if (exists(join(L.firmware, MANIFEST_FILE))) removePath(L.firmware);
}

/**
 * `run --from build|flash|verify` reuses the firmware on disk: refused when its manifest names
 * another model than the .tflite the run verifies against (a mixed folder, e.g. from an older run).
 */
function checkFirmwareModel({ exists, readBytes, readManifest }: FilePort, L: ReturnType<typeof runLayout>, tflite: Uint8Array | undefined): void {
  if (!exists(join(L.firmware, MANIFEST_FILE))) return;
  const bytes = tflite ?? (exists(L.tflite) ? readBytes(L.tflite) : undefined);
  if (!bytes) return;
  const built = readManifest(L.firmware).modelSha256;
  const model = sha256Hex(bytes);
  if (built && built !== model) {
    throw badInput(`the firmware in ${L.firmware} was generated for another model (sha256 ${built.slice(0, 16)}…) than ${L.tflite} (${model.slice(0, 16)}…)`, {
      remedy: 'regenerate it for this model: tinyforge run --from firmware',
      details: { firmwareModelSha256: built, modelSha256: model },
    });
  }
}

function needFile({ exists }: FilePort, path: string, what: string, stage: RunStage): string {
  if (!exists(path)) throw badInput(`${what} not found: ${path}`, { remedy: `run the earlier stages first (tinyforge run --to ${RUN_STAGES[RUN_STAGES.indexOf(stage) - 1]}), or point the project file at it` });
  return path;
}

/** Runs the stages of `input` with the outside world of `io` (the composition root's Platform). */
export async function runProject(io: Platform, input: RunInput, hooks: RunHooks = {}): Promise<RunReport> {
  const { exists, makeDir, readBytes, removePath, writeSplitDir, writeFileAtomic } = io.files;
  const need = (path: string, what: string, stage: RunStage) => needFile(io.files, path, what, stage);
  const cfg = input.config;
  const stages = input.stages ?? [...RUN_STAGES];
  const has = (s: RunStage) => stages.includes(s);
  const say = (s: RunStage, m: string) => hooks.stage?.(s, m);
  const L = runLayout(cfg, resolve(input.out ?? cfg.out ?? 'out/run'));
  makeDir(L.out);
  removePath(L.report);
  const report: RunReport = { outDir: L.out, stages, files: {} };
  // Resolved once: every later step gets this board, never its id to look up again.
  const target = io.boards.board(cfg.firmware?.board ?? RUN_DEFAULT_BOARD);

  // In memory between stages; a stage that starts the run reads them back from disk.
  let model: tf.LayersModel | undefined;
  let settings: ModelSettings | undefined;
  let calibration: ArrayData | undefined;
  let evaluation: ArrayData | undefined;
  let tflite: Uint8Array | undefined;
  let heldOut: WindowSet | undefined;
  let heldOutRaw: WindowSet | undefined;
  let verifyWindows: VerifyWindows | undefined;
  let board: StartedBoard | undefined;

  try {
    if (has('data') || has('train')) {
      hooks.begin?.('data');
      // A large built-in dataset is estimated (refused above BUILTIN_MAX_FRAMES unless forced) and reports progress by tenths.
      let tenth = -1;
      const data = prepareData(io, {
        ...cfg.data,
        onProgress: (p) => {
          if (p.totalFrames < 1_000_000) return;
          const t = Math.floor((10 * p.recordings) / p.totalRecordings);
          if (t !== tenth) say('data', `simulating ${p.totalFrames.toLocaleString('en')} samples: ${10 * t} %`);
          tenth = t;
        },
      });
      const c = dataCounts(data);
      report.data = { source: data.source, labels: data.labels, sampleRateHz: data.sampleRateHz, windowLength: data.windowLength, windows: c.windows, groups: c.groups, split: data.split };
      for (const n of data.notes) say('data', n);
      say('data', `${data.source === 'builtin' ? 'built-in activity data' : `${data.recordings} recordings from ${data.files.length} file(s)`}: ${data.labels.join('/')} at ${data.sampleRateHz} Hz; windows train ${c.windows.train}, val ${c.windows.val}, test ${c.windows.test} (groups ${c.groups.train}/${c.groups.val}/${c.groups.test})`);
      if (!has('train')) {
        report.files.data = writeSplitDir(L.data, serializeSplit(data, data.units));
        say('data', `split written to ${L.data}`);
      } else {
        hooks.begin?.('train');
        const ts = trainSettings(cfg.train, frontEndFromConfig(cfg.features));
        removeStale(io.files, L, 'train');
        const { result, seconds } = await trainStage(io, data, ts, L.train, { onEpoch: hooks.epoch, shouldStop: hooks.shouldStop });
        const acc = result.report.accuracy;
        report.train = { dir: L.train, backend: result.backend, epochsRun: result.report.training.epochsRun, accuracy: acc, verdict: result.report.verdict.kind, params: result.report.size.params, seconds };
        report.files.report = join(L.train, 'report.html');
        say('train', `${result.report.training.preset} on ${result.backend}: ${result.report.training.epochsRun} epochs in ${seconds.toFixed(0)} s; accuracy train ${pct(acc.train)}, val ${pct(acc.val)}, test ${pct(acc.test)} — ${result.report.verdict.kind}`);
        model = result.model;
        settings = result.settings;
        const arrays = trainedArrays(result);
        ({ calibration, evaluation } = arrays);
        heldOut = arrays.heldOutNormalised;
        heldOutRaw = arrays.heldOutRaw;
      }
    }

    if (has('int8')) {
      hooks.begin?.('int8');
      if (!model) {
        const src = await io.models.loadSources({ model: need(L.train, 'training run folder', 'int8') });
        ({ model, settings, calibration, evaluation } = src);
        heldOutRaw = src.heldOutRaw;
      }
      const q = cfg.quantize ?? {};
      const r = quantizeStage({ model, settings, calibration: calibration!, evaluation, evaluationRaw: heldOutRaw, maxExamples: q.representativeWindows, inputType: q.inputType, outputType: q.outputType, perChannelDense: q.perChannelDense });
      removeStale(io.files, L, 'int8');
      const files = writeModelFiles(io, L.modelDir, modelFiles(r, { tfliteName: basename(L.tflite) }));
      tflite = r.bytes;
      settings = r.settings ?? settings;
      report.quantize = { input: r.result.inputQuant, output: r.result.outputQuant, tfliteBytes: r.bytes.length, eval: r.eval, seconds: r.seconds };
      report.files.tflite = L.tflite;
      report.files.cArray = files.filter((f) => /model_data\./.test(f));
      if (r.settings) report.files.settings = L.settings;
      const e = r.eval;
      say('int8', `${L.tflite} (${r.bytes.length} bytes)${e ? `; held-out accuracy float ${pct(e.floatAccuracy)} → int8 ${pct(e.int8Accuracy)} (agreement ${pct(e.agreement)})` : ''}`);
      if (heldOut && has('verify')) verifyWindows = settings?.features && heldOutRaw ? { ...featureVerifyWindows(r.bytes, heldOutRaw, settings), source: 'memory' } : heldOutVerifyWindows(r.bytes, heldOut);
    }

    if (has('firmware')) {
      hooks.begin?.('firmware');
      tflite ??= readBytes(need(L.tflite, '.tflite model', 'firmware'));
      const m = readModelForFirmware(tflite, L.tflite);
      const given = settings ?? (exists(L.settings) ? io.models.loadSettings(L.settings) : undefined);
      const fs = firmwareSettings(m.graph, given, { source: L.settings });
      if (fs.warning) say('firmware', fs.warning);
      const fw = await firmwareStage(io, { board: target.spec.id, engine: cfg.firmware?.engine, weights: cfg.firmware?.weights, flashBudget: cfg.firmware?.flashBudget, model: m, modelBytes: tflite, settings: fs.settings, out: L.firmware, force: true });
      report.firmware = { board: fw.board.id, engine: fw.engine, dir: fw.dir };
      report.files.firmware = fw.dir;
      say('firmware', `${fw.project.files.length} files for ${fw.board.id} (${fw.engine} engine) in ${fw.dir}`);
      const fb = blockFromSettings(fs.settings);
      if (fb) say('firmware', `feature block ${fb.block}: ${fb.count} features from the raw window on the board, DSP scratch ${fb.scratchBytes} B of static RAM (counted in the build's RAM)`);
    }

    if (!has('firmware') && (has('build') || has('flash') || has('verify'))) checkFirmwareModel(io.files, L, tflite);

    if (has('build')) {
      hooks.begin?.('build');
      const b = await buildStage(io, need(L.firmware, 'firmware project', 'build'), { onOutput: hooks.output, tflmDir: cfg.firmware?.tflmDir, tflmLib: cfg.firmware?.tflmLib });
      report.firmware = { ...(report.firmware ?? { board: b.board, engine: b.engine, dir: resolve(L.firmware) }), elf: b.elf, footprint: b.footprint!, buildSeconds: b.seconds };
      say('build', `${b.artifact}: flash ${b.footprint!.flash} B, RAM ${b.footprint!.ram} B`);
    }

    if (has('flash')) {
      hooks.begin?.('flash');
      const t = await resolveFlashTarget(io, need(L.firmware, 'firmware project', 'flash'), { board: target.spec.id, port: cfg.verify?.port });
      board = await flashStage(io, t, { port: cfg.verify?.port, onOutput: hooks.output });
      say('flash', `${board.summary} on ${board.path}`);
    }

    if (has('verify')) {
      hooks.begin?.('verify');
      tflite ??= readBytes(need(L.tflite, '.tflite model', 'verify'));
      verifyWindows ??= await loadVerifyWindows(io, tflite, L.tflite, { data: need(L.train, 'training run folder', 'verify') });
      if (!board) {
        // Not flashed by this run: the board as it runs now (one the host runs is started on the built image).
        const image = exists(join(L.firmware, MANIFEST_FILE)) ? projectImage(io.files, L.firmware, target.spec.id).artifact : undefined;
        board = await target.attach({ artifact: image, port: cfg.verify?.port });
        say('verify', `${board.summary} on ${board.path}`);
      }
      const v = cfg.verify ?? {};
      const r = await verifyOnBoard(io.boards, board, tflite, verifyWindows, { all: v.all, max: v.windows, seed: v.seed, settings, onProgress: hooks.verifyProgress, onLog: hooks.deviceLog, link: { baud: v.baudRate, timeoutMs: v.timeoutMs } });
      report.verify = r;
      if (r.energy) say('verify', formatEnergy(r.energy));
      say('verify', `${r.bitExact}/${r.n} outputs bit-exact, max diff ${r.maxLsbDiff} LSB (${r.sample.mode === 'all' ? `all ${r.sample.total} windows` : `${r.sample.mode} sample of ${r.sample.total}`})${r.features ? `; ${r.features.bitExact}/${r.features.n} feature vectors bit-exact (DSP ${r.features.counter ? `${r.features.counter.mean.toFixed(0)} of ${r.counter?.mean.toFixed(0)} ${r.counterKind}/inference` : 'no counter'})` : ''}${r.anomaly ? `; ${r.anomaly.bitExact}/${r.anomaly.n} anomaly scores bit-exact (${r.anomaly.flagged} flagged)` : ''}${r.outputs ? `; per output tensor ${r.outputs.map((t) => `${t.name} ${t.bitExact}/${r.n}`).join(', ')}` : ''}`);
    }
  } finally {
    await board?.stop();
    model?.dispose();
  }

  writeFileAtomic(L.report, JSON.stringify(report, null, 2));
  report.files.pipeline = L.report;
  if (report.verify && !report.verify.modelSha256.match) {
    const h = report.verify.modelSha256;
    throw mismatch(`the board runs another model (sha256 ${h.device.slice(0, 16)}…) than ${L.tflite} (${h.file.slice(0, 16)}…)`, {
      remedy: `rebuild and flash the firmware for this model: tinyforge run --from firmware (see ${L.report})`,
      details: { modelSha256: h },
    });
  }
  if (report.verify && !report.verify.ok) {
    const v = report.verify;
    throw mismatch(`the board's outputs differ from the host interpreter on ${v.n - v.bitExact} of ${v.n} windows (max ${v.maxLsbDiff} LSB)`, {
      remedy: `see ${L.report}; the firmware and the host interpreter must agree bit for bit — this is a tinyforge bug, please report it with that file`,
      details: { mismatches: v.mismatches },
    });
  }
  return report;
}
