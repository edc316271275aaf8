/**
 * Feature blocks (docs/features.md): what the integer DSP costs on the virtual board, apart from the
 * network, and what it buys in accuracy.
 *
 * Cost: for FFT lengths 16/32/64/128 and 3 or 6 axes, a spectral block (defaults otherwise: 6th-order
 * low-pass at 8 Hz, Hann, half-overlapping frames, Welch mean, log) on 2 s windows at 64 Hz (128
 * samples) in front of a small dense model, built for the virtual board (QEMU mps2-an386, native
 * engine) and verified over the link: FEATURE_VECTOR's counter is the DSP alone, RESULT's is DSP +
 * network (instructions, -icount). 6 axes = the built-in accelerometer plus a derived gyroscope
 * (deg/s), for cost only. DSP RAM is the block's static scratch (TF_FEATURES_SCRATCH_BYTES).
 *
 * Accuracy: raw (conv1d / conv1d-small), spectral and flatten (dense), trained with the project
 * defaults (seed 1, early stopping), float on the held-out split and int8 through the integer path
 * the board runs, on the built-in data (subjects held out) and the shared Nano 33 BLE gestures.
 */
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import type { Recording, WindowSet } from '../../src/core/dataset.js';
import { sharedDir } from '../../tests/support/shared.js';
import { fsImportIo } from '../../src/adapters/import-fs.js';
import { importRecordings } from '../../src/data/import/description.js';
import { builtinDataset } from '../../src/data/simulator.js';
import { DeviceClient } from '../../src/device/client.js';
import { startVirtualModelBoard } from '../../tests/support/model-boards.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { verifyDevice } from '../../src/device/verify.js';
import { argmaxInt8 } from '../../src/device/verify.js';
import { blockFromSettings, int8FeatureInputs } from '../../src/features/index.js';
import { createInterpreter, quantizeInput } from '../../src/interp/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { recordingsTrainingData, type TrainingData } from '../../src/train/data-source.js';
import { builtinTrainingData } from '../../src/train/data-source.js';
import { subsetWindows } from '../../src/data/window.js';
import type { FrontEnd } from '../../src/train/train.js';
import { featureVerifyWindows } from '../../src/service/device.js';
import { quantizeStage } from '../../src/service/quantize.js';
import { trainedArrays, trainSettings, trainStage } from '../../src/service/train.js';
import type { BenchSection } from './types.js';
import { nodePlatform } from '../../src/adapters/platform.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tf-bench-feat-'));

/** The built-in accelerometer plus a gyroscope derived from it (deg/s), so a 6-axis block has signal on every axis. */
function withGyro(recs: Recording[]): Recording[] {
  return recs.map((r) => {
    const n = r.samples.length / 3;
    const s = new Float32Array(n * 6);
    for (let t = 0; t < n; t++) {
      for (let a = 0; a < 3; a++) {
        s[t * 6 + a] = r.samples[t * 3 + a];
        const prev = r.samples[Math.max(0, t - 1) * 3 + a];
        s[t * 6 + 3 + a] = (r.samples[t * 3 + a] - prev) * r.sampleRateHz * 20;
      }
    }
    return { ...r, axes: ['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ'], units: ['g', 'g', 'g', 'deg/s', 'deg/s', 'deg/s'], samples: s };
  });
}

async function trainQuantize(data: TrainingData, fe: FrontEnd | undefined, preset: string, epochs: number) {
  const ts = trainSettings({ epochs, preset: preset as never }, fe);
  const { result } = await trainStage(nodePlatform(), data, ts, tmp());
  const arrays = trainedArrays(result);
  const q = quantizeStage({ model: result.model, settings: result.settings, calibration: arrays.calibration, evaluation: arrays.evaluation });
  result.model.dispose();
  return { result, arrays, q, settings: q.settings! };
}

interface CostRow { fft: number; axes: number; features: number; dsp: number; total: number; ram: number; bitExact: string }

export async function costRow(fft: number, axes6: boolean): Promise<CostRow> {
  let recs = builtinDataset({ subjects: 3, rateHz: 64, secondsPerActivity: 20 });
  if (axes6) recs = withGyro(recs);
  const data = recordingsTrainingData(recs, { windowLength: 128, windowStride: 64 });
  const fe = { block: 'spectral', params: { fftLength: fft } };
  const { arrays, q, settings } = await trainQuantize(data, fe, 'dense', 2);
  const board = await startVirtualModelBoard(q.bytes, settings);
  const client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: 8000 }), { handshakeMs: 20000 });
  try {
    const vw = featureVerifyWindows(q.bytes, arrays.heldOutRaw, settings);
    const n = Math.min(10, vw.inputs.length);
    const rep = await verifyDevice(client, { model: q.bytes, inputs: vw.inputs.slice(0, n), reference: vw.reference!, features: vw.features });
    const block = blockFromSettings(settings)!;
    return {
      fft, axes: axes6 ? 6 : 3, features: block.count, dsp: rep.features!.counter!.mean, total: rep.counter!.mean, ram: block.scratchBytes,
      bitExact: `${rep.bitExact}/${rep.n} outputs, ${rep.features!.bitExact}/${rep.n} feature vectors`,
    };
  } finally {
    await client.close();
    await board.stop();
  }
}

export interface AccRow { data: string; frontEnd: string; preset: string; inputs: number; float: number | null; int8: number; n: number; verdict: string }

/** int8 held-out accuracy through the path the board runs (integer features + fold, or the quantised normalised window). */
function int8Accuracy(bytes: Uint8Array, settings: NonNullable<ReturnType<typeof quantizeStage>['settings']>, raw: WindowSet, normalised: WindowSet): number {
  const graph = readTflite(bytes).graph;
  const interp = createInterpreter(graph);
  const block = blockFromSettings(settings);
  const inputs = block ? int8FeatureInputs(raw, settings, block) : Array.from({ length: normalised.y.length }, (_, i) => {
    const per = normalised.windowLength * normalised.axes.length;
    return quantizeInput(graph, normalised.x.subarray(i * per, (i + 1) * per));
  });
  let ok = 0;
  inputs.forEach((x, i) => (argmaxInt8(interp.invoke([x])[0]) === raw.y[i] ? ok++ : 0));
  return ok / inputs.length;
}

/** A front-end to measure: the block (undefined = raw), the preset, the row's label. */
export type FrontEndRow = [FrontEnd | undefined, string, string];

const FRONT_ENDS = (rawPreset: string, spectral: Record<string, unknown>): FrontEndRow[] => [
  [undefined, rawPreset, 'raw'],
  // includeMean is spelled out: its default changed (true since these measurements, docs/features.md).
  [{ block: 'spectral', params: { ...spectral, includeMean: false } }, 'dense', 'spectral'],
  [{ block: 'spectral', params: { ...spectral, includeMean: true } }, 'dense', 'spectral + mean'],
  [{ block: 'flatten' }, 'dense', 'flatten'],
];

async function accuracyRows(name: string, data: TrainingData, rawPreset: string, spectral: Record<string, unknown>): Promise<AccRow[]> {
  const rows: AccRow[] = [];
  for (const [fe, preset, label] of FRONT_ENDS(rawPreset, spectral)) {
    const { result, arrays, q, settings } = await trainQuantize(data, fe, preset, 30);
    const r = result.report;
    const held = r.evaluatedOn === 'test' ? r.accuracy.test : r.accuracy.val;
    rows.push({
      data: name, frontEnd: label, preset, inputs: r.frontEnd.features, float: held,
      int8: int8Accuracy(q.bytes, settings, arrays.heldOutRaw, arrays.heldOutNormalised), n: arrays.heldOutRaw.y.length, verdict: r.verdict.kind,
    });
  }
  return rows;
}

/**
 * k-fold: every window is held out once (test = fold f, validation = fold f + 1, train = the rest); float
 * and int8 accuracy pooled over the folds. `bySubject`: a window's fold is its group's (groups sorted,
 * dealt round-robin), so no person is in two of train / val / test; else its index's (each gesture its own group).
 */
export async function kFoldRows(name: string, data: TrainingData, rawPreset: string, spectral: Record<string, unknown>, k: number, bySubject = false, extra: FrontEndRow[] = []): Promise<AccRow[]> {
  const all = [data.train, data.val, data.test].reduce((a, b) => concatWindows(a, b));
  const groups = [...new Set(all.groups)].sort();
  const foldOf = bySubject ? (i: number) => groups.indexOf(all.groups[i]) % k : (i: number) => i % k;
  const rows: AccRow[] = [];
  for (const [fe, preset, label] of [...FRONT_ENDS(rawPreset, spectral), ...extra]) {
    let fOk = 0, qOk = 0, inputs = 0, trainAcc = 0;
    for (let fold = 0; fold < k; fold++) {
      const idx = Array.from({ length: all.y.length }, (_, i) => i);
      const part = (f: (i: number) => boolean) => subsetWindows(all, idx.filter(f));
      const d = { ...data, train: part((i) => foldOf(i) !== fold && foldOf(i) !== (fold + 1) % k), val: part((i) => foldOf(i) === (fold + 1) % k), test: part((i) => foldOf(i) === fold) };
      const { result, arrays, q, settings } = await trainQuantize(d, fe, preset, 30);
      fOk += Math.round((result.report.accuracy.test ?? 0) * d.test.y.length);
      qOk += Math.round(int8Accuracy(q.bytes, settings, arrays.heldOutRaw, arrays.heldOutNormalised) * d.test.y.length);
      inputs = result.report.frontEnd.features;
      process.stderr.write(`  ${label} fold ${fold + 1}/${k}: held out ${d.test.y.length} windows, float ${pct(result.report.accuracy.test)}\n`);
      trainAcc += result.report.accuracy.train / k;
    }
    const verdict = bySubject ? `${k}-fold by subject; train ${pct(trainAcc)}` : `${k}-fold`;
    rows.push({ data: name, frontEnd: label, preset, inputs, float: fOk / all.y.length, int8: qOk / all.y.length, n: all.y.length, verdict });
  }
  return rows;
}

function concatWindows(a: WindowSet, b: WindowSet): WindowSet {
  const x = new Float32Array(a.x.length + b.x.length);
  x.set(a.x);
  x.set(b.x, a.x.length);
  return { ...a, x, y: Int32Array.from([...a.y, ...b.y]), groups: [...a.groups, ...b.groups] };
}

export const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);

export async function bench(): Promise<BenchSection[]> {
  const out: BenchSection[] = [];
  const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
  const only = (process.env.TINYFORGE_BENCH_FEATURES ?? 'cost,accuracy').split(',');
  if (only.includes('cost')) {
    if (!has('qemu-system-arm') || !has('arm-none-eabi-gcc')) out.push({ title: 'Feature blocks: cost on the virtual board', markdown: 'Skipped: qemu-system-arm / arm-none-eabi-gcc not installed.' });
    else {
      const rows: CostRow[] = [];
      for (const axes6 of [false, true]) for (const fft of [16, 32, 64, 128]) rows.push(await costRow(fft, axes6));
      out.push({
        title: 'Feature blocks: cost on the virtual board',
        markdown: [
          'Spectral block (6th-order Butterworth low-pass at 8 Hz, Hann, half-overlapping frames, Welch mean, log2 power) on 2 s windows',
          'at 64 Hz (128 samples) in front of a dense model; QEMU mps2-an386 (Cortex-M4F), native engine, `-icount` instructions',
          'measured over the link: the DSP alone from FEATURE_VECTOR, DSP + network from RESULT (mean of 10 held-out windows).',
          "Anchor: Edge Impulse's gesture example spends ≈ 1.2 M cycles in its spectral block (goal: ≤ 300 k for 3 axes, FFT 64).",
          '',
          '| axes | FFT | features | DSP instructions | network instructions | DSP RAM (static) | verified |',
          '|---|---|---|---|---|---|---|',
          ...rows.map((r) => `| ${r.axes} | ${r.fft} | ${r.features} | ${Math.round(r.dsp).toLocaleString('en')} | ${Math.round(r.total - r.dsp).toLocaleString('en')} | ${r.ram} B | ${r.bitExact} |`),
        ].join('\n'),
      });
    }
  }
  if (only.includes('accuracy')) {
    const rows: AccRow[] = [];
    rows.push(...(await accuracyRows('built-in (10 subjects, 50 Hz, 2 s windows; test = held-out subjects)', builtinTrainingData({}), 'conv1d', {})));
    const shared = sharedDir();
    if (shared) {
      const recs = importRecordings({ files: [join(shared, 'data', 'nano33ble-gestures')] }, fsImportIo()).recordings;
      rows.push(...(await kFoldRows('shared Nano 33 BLE gestures (flex/punch, 6 axes, 119 Hz, one window per gesture; 5-fold, every gesture held out once)', recordingsTrainingData(recs, {}), 'conv1d-small', { fftLength: 64, filterCutoff: 20 }, 5)));
    }
    out.push({
      title: 'Feature blocks: accuracy, raw vs spectral vs flatten',
      markdown: [
        'Trained with the project defaults (seed 1, adam 0.003, ≤ 30 epochs, early stopping, augmentation), one run each.',
        'Float = the float model on the held-out split; int8 = the quantised model on the int8 inputs the board computes',
        '(integer features + integer fold for spectral/flatten; the quantised normalised window for raw). Spectral: block defaults without',
        "the mean (FFT 64, low-pass 8 Hz) on the built-in data; FFT 64, low-pass 20 Hz on the gestures; 'spectral + mean' adds each axis' mean",
        '(orientation, includeMean). Gestures: 35 windows, so 5-fold (accuracy pooled over the 35 held-out predictions).',
        '',
        '| data | front-end | preset | model inputs | float | int8 | held-out windows | verdict |',
        '|---|---|---|---|---|---|---|---|',
        ...rows.map((r) => `| ${r.data} | ${r.frontEnd} | ${r.preset} | ${r.inputs} | ${pct(r.float)} | ${pct(r.int8)} | ${r.n} | ${r.verdict} |`),
        '',
        'Data provenance: the built-in simulator (src/data/simulator.ts, docs/data.md); ../shared/data/nano33ble-gestures',
        '(Arduino Nano 33 BLE Sense IMU_Capture recordings, MIT; read in place, never copied).',
      ].join('\n'),
    });
  }
  return out;
}
