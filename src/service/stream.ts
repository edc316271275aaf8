/**
 * Service: capture (labelled IMU stream → samples + sidecar) and monitor (live predictions) over
 * a connected client. The CLI owns the files, signals and printing: samples go to a sink, stopping
 * is a promise the caller settles (Ctrl-C, a timer), predictions go to a callback. Both refuse a
 * board without an IMU before anything streams (so the caller has written nothing).
 */
import { badInput, TinyforgeError, unsupported } from '../core/errors.js';
import type { DeviceClient } from '../device/client.js';
import { CaptureSession, captureSidecar, type CaptureSummary } from '../device/capture.js';
import { describePrediction, type PredictionLine } from '../device/monitor.js';
import { ERR, MAX_PAYLOAD, type AnomalyScoreMsg, type PredictionMsg } from '../device/protocol.generated.js';

export type CaptureStopReason = 'time' | 'interrupted' | 'link closed';

export const NO_IMU_REMEDY =
  'use a board with an IMU (Nano 33 BLE Sense), or start the virtual board with a simulated one: tinyforge flash DIR --imu sim:walking (or --imu file:recording.csv)';
const FEED_REMEDY = 'feed it recorded samples instead: tinyforge monitor --port … --feed recording.csv';

/** Unsupported-feature error unless the board (INFO) has an IMU: checked before anything streams or is written. */
export function requireImu(client: DeviceClient, port: string, remedy = NO_IMU_REMEDY): void {
  const i = client.info!;
  if (!(i.imuRateHz > 0)) throw unsupported(`the board on ${port} (${i.board}) has no IMU: there is nothing to stream`, { remedy });
}

/** STREAM_START's NO_IMU / AXES_MISMATCH answers as typed errors; null for any other failure. */
function noImuError(e: unknown, port: string, remedy = NO_IMU_REMEDY): TinyforgeError | null {
  if (!(e instanceof TinyforgeError)) return null;
  if (e.details?.code === ERR.NO_IMU) return unsupported(`the board on ${port} has no IMU`, { cause: e.message, remedy });
  if (e.details?.code === ERR.AXES_MISMATCH) {
    return unsupported(`the board on ${port} runs a model whose axes are not the IMU's aX, aY, aZ: it cannot stream live`, { cause: e.message, remedy: 'flash a model trained on aX,aY,aZ, or feed samples with tinyforge monitor --feed' });
  }
  return null;
}

/** Samples per IMU_SAMPLES frame the device app sends (tf_app.c IMU_BATCH): only sizes the silence below. */
const IMU_BATCH_SAMPLES = 25;

export interface CaptureOptions {
  label: string;
  group: string;
  /**
   * Stop after this much sensor time: seconds × the board's rate samples, counted by sequence
   * number (Infinity: until `stop` settles or the link closes). A slow link or emulator makes it
   * take longer on the wall clock, never shorter in the file.
   */
  seconds: number;
  /** Called after every batch with the capture so far (a progress bar). */
  onProgress?(s: CaptureSummary): void;
  /** Requested sample rate (0: the board's own). */
  rateHz: number;
  /** Port name, recorded in the sidecar. */
  port: string;
  /**
   * How long the link may be silent (not one byte, good or damaged) before the board is asked
   * whether it is still there (default: four batches' time, at least 3 s).
   */
  silenceMs?: number;
}

export interface CaptureResult {
  summary: CaptureSummary;
  stopReason: CaptureStopReason;
  /** The capture sidecar (schemas/capture.schema.json, format tinyforge-capture/1) for the CSV `file`. */
  sidecar(file: string): Record<string, unknown>;
}

/**
 * Streams the IMU into `append` (CSV rows, as CaptureSession formats them) until the time is up,
 * `stop` settles ('interrupted') or the link is lost ('link closed': the port closed, or it went
 * silent and the board did not answer HELLO). Refuses a board without an IMU before streaming.
 * Every received sample is appended before it returns; `onStarted` runs once the board streams
 * (rows may reach `append` just before it).
 */
export async function captureStage(client: DeviceClient, o: CaptureOptions, append: (rows: string) => void, stop: Promise<void>, onStarted?: () => void): Promise<CaptureResult> {
  try {
    requireImu(client, o.port);
  } catch (e) {
    await client.close().catch(() => undefined);
    throw e;
  }
  const session = new CaptureSession(o.label, o.group, { seconds: o.seconds });
  const startedAt = new Date().toISOString();
  let stopReason: CaptureStopReason | null = null;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  // The first reason to stop is the one reported (a Ctrl-C after the link closed changes nothing).
  const end = (reason: CaptureStopReason) => {
    stopReason ??= reason;
    finish();
  };
  // Liveness is any byte from the board, damaged or not: on a noisy link most frames may fail
  // their CRC (skipped, counted, their samples become gaps) while the board is plainly there.
  let lastData = Date.now();
  let lastBytes = client.stats.bytesReceived;
  const bad0 = client.stats.badFrames;
  client.onImuSamples((b) => {
    lastData = Date.now();
    const rows = session.add(b, lastData);
    if (rows) append(rows);
    o.onProgress?.(session.summary());
    if (session.complete) end('time');
  });
  client.transport.onClose(() => end('link closed'));
  void stop.then(() => end('interrupted'));
  let watchdog: ReturnType<typeof setInterval> | null = null;
  try {
    try {
      await client.streamStart(o.rateHz);
    } catch (e) {
      throw noImuError(e, o.port) ?? e;
    }
    onStarted?.();
    // A port that vanishes does not always close (USB unplug, a pty whose emulator hangs): after a
    // silence of several batches, ask the board; no answer (HELLO's own retries) = link lost.
    const silenceMs = o.silenceMs ?? Math.max(3000, (4 * IMU_BATCH_SAMPLES * 1000) / (client.info!.imuRateHz || 1));
    let probing = false;
    watchdog = setInterval(() => {
      if (client.stats.bytesReceived !== lastBytes) {
        lastBytes = client.stats.bytesReceived;
        lastData = Date.now();
      }
      if (probing || stopReason !== null || Date.now() - lastData < silenceMs) return;
      probing = true;
      client.hello().then(
        () => ((lastData = Date.now()), (probing = false)),
        () => end('link closed'),
      );
    }, Math.min(500, Math.max(50, silenceMs / 4)));
    await done;
  } finally {
    if (watchdog) clearInterval(watchdog);
    if (stopReason !== 'link closed') await client.streamStop().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
  session.corruptFrames = client.stats.badFrames - bad0;
  const s = session.summary();
  const reason: CaptureStopReason = stopReason ?? 'time';
  return {
    summary: s,
    stopReason: reason,
    sidecar: (file) => captureSidecar(s, { board: client.info?.board ?? null, port: o.port, engine: client.info?.engine, startedAt, stopReason: reason, file }, client.info?.imuRateHz),
  };
}

export interface MonitorOptions {
  /** Recorded samples to send with SAMPLES_IN (interleaved, `axes` per sample) instead of streaming the IMU. */
  feed?: Float32Array | null;
  /** Values per sample in `feed`. */
  feedAxes?: number;
  /** Pace the feed at this sample rate (0: as fast as the board acknowledges). */
  feedRate?: number;
  /** Stop after this many predictions. */
  count?: number;
  /** Port name, for messages. */
  port?: string;
}

/**
 * Runs live detection: feeds recorded samples, or resets the board and streams its IMU; every
 * prediction goes to `onPrediction` until `count` is reached, the feed ends, `stop` settles or the
 * link closes. `onStreaming` runs once the IMU streams. Returns the number of predictions.
 */
export async function monitorStage(client: DeviceClient, o: MonitorOptions, onPrediction: (line: PredictionLine) => void, stop: Promise<void>, onStreaming?: () => void): Promise<number> {
  const infoMsg = client.info!;
  const limit = o.count ?? Infinity;
  let n = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  // Firmware with an anomaly block follows each PREDICTION with its window's ANOMALY_SCORE: a
  // prediction is held until its score (or the next prediction, or the end) arrives.
  let held: PredictionMsg | null = null;
  const deliver = (p: PredictionMsg, a?: AnomalyScoreMsg) => {
    if (n >= limit) return;
    n++;
    onPrediction(describePrediction(p, infoMsg, a));
    if (n >= limit) finish();
  };
  const flush = () => {
    if (held) deliver(held);
    held = null;
  };
  client.onPrediction((p) => {
    flush();
    held = p;
  });
  client.onAnomaly((a) => {
    if (held && held.window === a.window) {
      const p = held;
      held = null;
      deliver(p, a);
    }
  });
  client.transport.onClose(() => finish());
  void stop.then(finish);
  let streaming = false;
  try {
    const feed = o.feed;
    if (feed) {
      await client.reset();
      const axes = infoMsg.numAxes || 3;
      if (feed.length / (o.feedAxes ?? 3) < 1) throw badInput('feed has no samples', { remedy: 'check the file' });
      const perFrame = Math.floor(MAX_PAYLOAD / 4 / axes);
      const rate = o.feedRate ?? 0;
      const chunk = rate > 0 ? Math.max(1, Math.min(perFrame, Math.round(rate / 10))) : perFrame;
      let stopped = false;
      void done.then(() => (stopped = true));
      const t0 = Date.now();
      for (let s = 0; s * axes < feed.length && !stopped; s += chunk) {
        await client.samplesIn(feed.subarray(s * axes, Math.min(feed.length, (s + chunk) * axes)));
        if (rate > 0) await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((s + chunk) / rate) * 1000 - Date.now())));
      }
      finish();
    } else {
      requireImu(client, o.port ?? client.transport.description, FEED_REMEDY);
      try {
        // Windows start afresh, so window numbers and sample indices count from this session.
        await client.reset();
        await client.streamStart(0);
      } catch (e) {
        throw noImuError(e, o.port ?? client.transport.description, FEED_REMEDY) ?? e;
      }
      streaming = true;
      onStreaming?.();
    }
    await done;
    flush();
  } finally {
    if (streaming) await client.streamStop().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
  return n;
}
