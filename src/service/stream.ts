/**
 * Service: capture (labelled IMU stream → samples + sidecar) and monitor (live predictions) over
 * a connected client. The CLI owns the files, signals and printing: samples go to a sink, stopping
 * is a promise the caller settles (Ctrl-C, a timer), predictions go to a callback. Behaviour is the
 * commands' as they were; the simulated IMU (branch simimu) changes it there.
 */
import { badInput, deviceError, TinyforgeError } from '../core/errors.js';
import type { DeviceClient } from '../device/client.js';
import { CaptureSession, captureSidecar, type CaptureSummary } from '../device/capture.js';
import { describePrediction, type PredictionLine } from '../device/monitor.js';
import { MAX_PAYLOAD } from '../device/protocol.generated.js';

export type CaptureStopReason = 'time' | 'interrupted' | 'link closed';

export interface CaptureOptions {
  label: string;
  group: string;
  /** Stop after this many seconds (Infinity: until `stop` settles or the link closes). */
  seconds: number;
  /** Requested sample rate (0: the board's own). */
  rateHz: number;
  /** Port name, recorded in the sidecar. */
  port: string;
}

export interface CaptureResult {
  summary: CaptureSummary;
  stopReason: CaptureStopReason;
  /** The capture sidecar (schemas/capture.schema.json, format tinyforge-capture/1) for the CSV `file`. */
  sidecar(file: string): Record<string, unknown>;
}

/**
 * Streams the IMU into `append` (CSV rows, as CaptureSession formats them) until the time is up,
 * `stop` settles ('interrupted') or the link closes. Every received sample is appended before it
 * returns; `onStarted` runs once the board streams.
 */
export async function captureStage(client: DeviceClient, o: CaptureOptions, append: (rows: string) => void, stop: Promise<void>, onStarted?: () => void): Promise<CaptureResult> {
  const session = new CaptureSession(o.label, o.group);
  const startedAt = new Date().toISOString();
  let stopReason = 'time' as CaptureStopReason;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  client.onImuSamples((b) => append(session.add(b, Date.now())));
  client.transport.onClose(() => ((stopReason = 'link closed'), finish()));
  void stop.then(() => ((stopReason = 'interrupted'), finish()));
  const timer = Number.isFinite(o.seconds) ? setTimeout(finish, o.seconds * 1000) : null;
  try {
    await client.streamStart(o.rateHz);
    onStarted?.();
    await done;
  } finally {
    if (timer) clearTimeout(timer);
    if (stopReason !== 'link closed') await client.streamStop().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
  const s = session.summary();
  return {
    summary: s,
    stopReason,
    sidecar: (file) => captureSidecar(s, { board: client.info?.board ?? null, port: o.port, engine: client.info?.engine, startedAt, stopReason, file }, client.info?.imuRateHz),
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
  client.onPrediction((p) => {
    if (n >= limit) return;
    n++;
    onPrediction(describePrediction(p, infoMsg));
    if (n >= limit) finish();
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
      try {
        // Windows start afresh, so window numbers and sample indices count from this session.
        await client.reset();
        await client.streamStart(0);
      } catch (e) {
        if (e instanceof TinyforgeError && e.details?.code === 6) {
          throw deviceError('this board has no IMU', { remedy: 'feed it recorded samples: tinyforge monitor --port … --feed recording.csv' });
        }
        throw e;
      }
      streaming = true;
      onStreaming?.();
    }
    await done;
  } finally {
    if (streaming) await client.streamStop().catch(() => undefined);
    await client.close().catch(() => undefined);
  }
  return n;
}
