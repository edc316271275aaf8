/**
 * Service: `tinyforge eval --stream`. Whole continuous recordings through the board's continuous
 * path: on the host (src/stream/continuous.ts, the library's ring/stride/quantisation/smoothing
 * replayed operation for operation with the int8 interpreter) and, optionally, on the virtual
 * board, whose simulated IMU plays the recording back over its sensor bus while the link app
 * streams (RESET, STREAM_START → IMU_SAMPLES + PREDICTION). The board's every window is compared
 * with the host replay of exactly the samples the board received (IMU_SAMPLES say which), byte
 * for byte. Smoothing is chosen on validation streams, then scored on test streams.
 */
import type { ModelSettings } from '../core/dataset.js';
import { badInput, deviceError } from '../core/errors.js';
import { createInterpreter } from '../interp/index.js';
import { readTflite } from '../tflite/reader.js';
import { sensitivityFor } from '../flash/sensor-bus.js';
import { boardImuSamples, replayWindows, resampleStream, smoothStream, type Smoothing, type StreamWindow } from '../stream/continuous.js';
import { chooseSmoothing, combineScores, scoreStream, type SmoothingChoice, type StreamScore } from '../stream/score.js';
import type { LabelledStream } from '../stream/sessions.js';
import type { DeviceClient } from '../device/client.js';
import type { AnomalyScoreMsg, ImuSamplesMsg, PredictionMsg } from '../device/protocol.generated.js';
import { join } from 'node:path';
import { connectBoard } from './device.js';
import type { Board, Platform } from './ports.js';

const f32 = Math.fround;

/** A stream as the model sees it: model-rate samples (model axes) and the true label of each (model label index, -1 unknown). */
export interface ModelStream {
  name: string;
  samples: Float32Array;
  truth: number[];
}

function requireImuAxes(settings: ModelSettings): void {
  if (settings.axes.join(',') !== 'aX,aY,aZ') {
    throw badInput(`stream evaluation feeds the model from an accelerometer (aX,aY,aZ); this model's axes are ${settings.axes.join(',')}`, { remedy: 'evaluate a model trained on aX,aY,aZ (tinyforge train on accelerometer data)' });
  }
}

/** Sensitivity the virtual board's playback uses for these samples (sensor-bus sensitivityFor of the largest |g|). */
export function playbackLsbPerG(xyz: Float32Array): number {
  let m = 0;
  for (const v of xyz) m = Math.max(m, Math.abs(v));
  return sensitivityFor(m);
}

/**
 * The model's view of raw IMU samples (g, at `imuHz`): the board's counts → g, its resampler, and
 * the true labels carried to the model rate (output k is at input position floor(k·I/O)).
 */
export function modelStream(name: string, xyz: Float32Array, truth: readonly number[], imuHz: number, settings: ModelSettings, lsbPerG: number): ModelStream {
  const samples = resampleStream(boardImuSamples(xyz, lsbPerG), imuHz, settings.sampleRateHz);
  const inMhz = Math.trunc(f32(f32(f32(imuHz) * 1000) + 0.5)), outMhz = Math.trunc(f32(f32(f32(settings.sampleRateHz) * 1000) + 0.5)) || inMhz;
  const n = samples.length / 3;
  const t: number[] = [];
  for (let k = 0; k < n; k++) t.push(truth[Math.floor((k * inMhz) / outMhz)] ?? -1);
  return { name, samples, truth: t };
}

export function engineFor(model: Uint8Array): (input: Uint8Array) => Uint8Array {
  const interp = createInterpreter(readTflite(model).graph);
  return (x) => interp.invoke([x])[0];
}

/** Labels of a stream mapped to the model's (unknown activities → -1, never right). */
export function toModelLabels(s: LabelledStream, settings: ModelSettings): number[] {
  const map = s.labels.map((l) => settings.labels.indexOf(l));
  return s.truth.map((t) => map[t]);
}

export interface StreamResult {
  name: string;
  windows: number;
  score: StreamScore;
}

export interface StreamEvalReport {
  smoothing: Smoothing;
  /** The validation streams' score with the chosen smoothing, and how many settings were tried. */
  validation: { streams: number; score: StreamScore; tried: number };
  /** Test streams without smoothing and with the chosen one. */
  test: { raw: StreamScore; smoothed: StreamScore; streams: StreamResult[] };
}

export function replayStream(model: Uint8Array, settings: ModelSettings, s: ModelStream, engine = engineFor(model)): StreamWindow[] {
  return replayWindows(settings, s.samples, engine);
}

/** Host replay: smoothing chosen on `validation`, scored on `test`. */
export function evalStreamHost(model: Uint8Array, settings: ModelSettings, validation: readonly LabelledStream[], test: readonly LabelledStream[]): StreamEvalReport {
  requireImuAxes(settings);
  if (!settings.outputQuant) throw badInput('the settings have no output quantisation', { remedy: 'pass the settings.json written by tinyforge quantize with this model' });
  const engine = engineFor(model);
  const prep = (ls: LabelledStream) => {
    const m = modelStream(ls.name, ls.xyz, toModelLabels(ls, settings), ls.rateHz, settings, playbackLsbPerG(ls.xyz));
    return { ...m, windows: replayStream(model, settings, m, engine) };
  };
  const val = validation.map(prep);
  const choice: SmoothingChoice = chooseSmoothing(val, settings.sampleRateHz, settings.outputQuant);
  const tst = test.map(prep);
  const score = (s: Smoothing) => tst.map((t) => scoreStream(t.truth, t.windows, smoothStream(t.windows.map((w) => w.scores), s), settings.sampleRateHz));
  const raw = score({ average: 1, minScore: -128, minWindows: 1 });
  const smoothed = score(choice.smoothing);
  return {
    smoothing: choice.smoothing,
    validation: { streams: val.length, score: choice.score, tried: choice.tried.length },
    test: { raw: combineScores(raw), smoothed: combineScores(smoothed), streams: tst.map((t, i) => ({ name: t.name, windows: t.windows.length, score: smoothed[i] })) },
  };
}

export interface BoardStreamComparison {
  name: string;
  /** Raw IMU samples the board received (of the recording's), and where the first one was. */
  received: number;
  recordingSamples: number;
  firstIndex: number;
  /** Recording samples the board never got (sensor-side drops while the emulator lagged). */
  skipped: number;
  windows: number;
  bitExact: number;
  /** First differing windows (index), at most 10. */
  mismatches: number[];
  /** Models with an anomaly block: windows whose ANOMALY_SCORE (distance, cluster, flag) equals the host replay's. */
  anomaly?: { windows: number; bitExact: number };
  ok: boolean;
}

/**
 * Streams one recording on a board whose IMU plays it back (started by the caller with
 * `--imu file:` / a playback spec, not looped) and compares every PREDICTION with the host replay
 * of the samples the board received. `done` resolves when the playback has ended (the caller's
 * signal, e.g. the last recording sample seen); a guard of `timeoutMs` ends it otherwise.
 */
export async function compareBoardStream(
  client: DeviceClient,
  model: Uint8Array,
  settings: ModelSettings,
  s: LabelledStream,
  lsbPerG: number,
  o: { timeoutMs?: number } = {},
): Promise<BoardStreamComparison> {
  requireImuAxes(settings);
  const gBoard = boardImuSamples(s.xyz, lsbPerG);
  const n = gBoard.length / 3;
  // The board reports each raw sample it took in IMU_SAMPLES as round(g · 1000) mg (tf_app.c to_mg).
  const mgOf = (v: number) => Math.max(-32768, Math.min(32767, Math.sign(f32(v * 1000)) * Math.round(Math.abs(f32(v * 1000)))));
  const mg = Int32Array.from(gBoard, mgOf);
  const received: number[] = [];
  let p = 0;
  let aligned = true;
  const preds: PredictionMsg[] = [];
  let finish: () => void = () => {};
  const ended = new Promise<void>((r) => (finish = r));
  const onImu = (m: ImuSamplesMsg) => {
    for (let i = 0; i + 3 <= m.samplesMg.length && aligned; i += 3) {
      let j = p;
      while (j < n && !(mg[j * 3] === m.samplesMg[i] && mg[j * 3 + 1] === m.samplesMg[i + 1] && mg[j * 3 + 2] === m.samplesMg[i + 2])) j++;
      if (j >= n) {
        aligned = false;
        break;
      }
      received.push(j);
      p = j + 1;
    }
    if (!aligned || p >= n) finish();
  };
  const offPred = client.onPrediction((m) => preds.push(m));
  const scores = new Map<number, AnomalyScoreMsg>();
  const offAnomaly = client.onAnomaly((m) => scores.set(m.window, m));
  const offImu = client.onImuSamples(onImu);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await client.reset();
    await client.streamStart(0);
    await Promise.race([ended, new Promise<void>((r) => (timer = setTimeout(r, o.timeoutMs ?? (n / s.rateHz) * 1000 * 4 + 30_000)))]);
    await client.streamStop();
  } finally {
    if (timer) clearTimeout(timer);
    offPred();
    offImu();
    offAnomaly();
  }
  if (!aligned) throw deviceError(`the board's IMU samples of ${s.name} do not follow the recording`, { remedy: 'play the same recording back on the board (--imu file:…, not looped) and stream from its start' });
  if (!received.length) throw deviceError(`the board streamed no IMU samples of ${s.name}`, { remedy: 'start the virtual board with the recording as its IMU (a playback, not looped)' });
  const raw = new Float32Array(received.length * 3);
  received.forEach((j, k) => raw.set(s.xyz.subarray(j * 3, j * 3 + 3), k * 3));
  const m = modelStream(s.name, raw, received.map(() => -1), s.rateHz, settings, lsbPerG);
  const host = replayStream(model, settings, m);
  const mismatches: number[] = [];
  let exact = 0;
  const count = Math.min(preds.length, host.length);
  for (let w = 0; w < count; w++) {
    const b = preds[w], h = host[w];
    const same = b.window === h.window && b.lastSample === h.lastSample && b.scores.length === h.scores.length && b.scores.every((v, k) => v === h.scores[k]);
    if (same) exact++;
    else if (mismatches.length < 10) mismatches.push(w);
  }
  let anomalyExact = 0;
  const withAnomaly = host.length > 0 && host[0].anomaly !== undefined;
  for (let w = 0; withAnomaly && w < count; w++) {
    const b = scores.get(preds[w].window), h = host[w].anomaly!;
    if (b && b.distance === h.distance && b.cluster === h.cluster && b.flagged === Number(h.flagged)) anomalyExact++;
  }
  const skipped = received.length ? received[received.length - 1] - received[0] + 1 - received.length : 0;
  return {
    name: s.name,
    received: received.length,
    recordingSamples: n,
    firstIndex: received[0],
    skipped,
    windows: count,
    bitExact: exact,
    mismatches,
    ...(withAnomaly ? { anomaly: { windows: count, bitExact: anomalyExact } } : {}),
    // The board may end a window short of the host (the stream stopped mid-stride), never more.
    ok: exact === count && count > 0 && preds.length <= host.length && host.length - preds.length <= 1 && (!withAnomaly || anomalyExact === count),
  };
}

/**
 * One recording on a board that plays a recording as its IMU (Board.hostsImu), running the link
 * app (`elf`): the recording is written as a capture file into `workDir`, played back by the
 * board's IMU (not looped), streamed and compared with the host replay (compareBoardStream).
 */
export async function compareOnBoard(io: Pick<Platform, 'files' | 'boards'>, board: Board, elf: string, model: Uint8Array, settings: ModelSettings, s: LabelledStream, workDir: string): Promise<BoardStreamComparison> {
  const { writeFileAtomic } = io.files;
  const file = join(workDir, `${s.name.replace(/[^A-Za-z0-9_-]+/g, '_')}.csv`);
  const rows: string[] = ['aX,aY,aZ'];
  for (let i = 0; i + 3 <= s.xyz.length; i += 3) rows.push(`${s.xyz[i]},${s.xyz[i + 1]},${s.xyz[i + 2]}`);
  writeFileAtomic(file, rows.join('\n') + '\n');
  writeFileAtomic(file + '.json', JSON.stringify({ format: 'tinyforge-capture/1', label: 'stream', group: 'stream', sampleRateHz: s.rateHz, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'] }));
  const vb = await board.attach({ artifact: elf }, { imu: { kind: 'playback', file, loop: false } });
  try {
    const client = await connectBoard(io.boards, { port: vb.path, linkRate: vb.bytesPerSecond });
    try {
      return await compareBoardStream(client, model, settings, s, playbackLsbPerG(s.xyz));
    } finally {
      await client.close();
    }
  } finally {
    await vb.stop();
  }
}
