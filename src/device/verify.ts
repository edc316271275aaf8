/**
 * verifyDevice: run test inputs on the device and compare every raw output byte with the host's
 * reference (the int8 interpreter, or TFLM outputs from a vectors folder). Pure over a client:
 * no files, no ports; the CLI supplies both.
 */
import { createHash } from 'node:crypto';
import { mismatch } from '../core/errors.js';
import type { DeviceClient } from './client.js';
import { COUNTER_KIND } from './protocol.generated.js';
import { estimateEnergy, formatEnergy, mcuPowerFor, type EnergyEstimate } from '../firmware/energy.js';

export interface VerifyOptions {
  /** The .tflite bytes (its SHA-256 must equal the device's). */
  model: Uint8Array;
  /** Raw input tensor bytes, one per test window. */
  inputs: Uint8Array[];
  /** True class index per input, for accuracy (classifiers). */
  labels?: number[];
  /** Expected raw output bytes for an input (the host interpreter). */
  reference: (input: Uint8Array, index: number) => Uint8Array | Promise<Uint8Array>;
  /** Called after each inference. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Models with a feature block: the host's integer features and int8 model input of an input (a
   * raw window). Given, every window is also sent as FEATURES and the board's feature vector is
   * compared byte for byte, so a mismatch says whether the DSP or the network diverged.
   */
  features?: (input: Uint8Array, index: number) => { features: Int32Array; modelInput: Int8Array };
  /** The model's sample rate (settings), for the energy estimate's duty cycle at its window stride. */
  sampleRateHz?: number;
  /**
   * Models with an anomaly block (train --anomaly): the host's score of an input (anomalyDistance on
   * its int8 model input). Given, the board's score of every INFER (ANOMALY_READ) is compared with it.
   */
  anomaly?: (input: Uint8Array, index: number) => AnomalyScore;
  /** Models with several output tensors: their names and byte counts in graph order (the output is them concatenated); each is reported on its own. */
  outputTensors?: { name: string; bytes: number }[];
}

export interface AnomalyScore {
  distance: number;
  cluster: number;
  flagged: boolean;
}

export interface Stat {
  mean: number;
  min: number;
  max: number;
}

export interface VerifyReport {
  /** Every output bit-exact and the model hashes equal. */
  ok: boolean;
  n: number;
  bitExact: number;
  /** Largest |device - host| over all output values, in int8 LSBs (0 when bit-exact). */
  maxLsbDiff: number;
  /** First mismatching windows (at most 20): index, bytes that differ, largest LSB difference; with a feature block, whether the board's features already differed (dsp) or only the outputs (network). */
  mismatches: { index: number; differingBytes: number; maxLsb: number; diverged?: 'dsp' | 'network' }[];
  /** Feature block checks (models with one): windows whose int32 features and int8 model input equal the host's, and the DSP's own counter per window. */
  features?: { n: number; bitExact: number; firstMismatch: { index: number; feature: number; host: number; device: number } | null; counter: Stat | null };
  /** Anomaly block checks (models with one): windows whose K-means distance and nearest centroid equal the host's, and how many the board flagged. */
  anomaly?: { n: number; bitExact: number; flagged: number; threshold: number; firstMismatch: { index: number; host: AnomalyScore; device: AnomalyScore } | null };
  /** Models with several output tensors: per tensor (graph order), the windows whose bytes of that tensor equal the host's. */
  outputs?: { name: string; bytes: number; bitExact: number }[];
  /** Argmax accuracy against labels, device and host, when labels were given. */
  accuracy?: { device: number; reference: number; n: number };
  modelSha256: { file: string; device: string; match: boolean };
  board: string;
  engine: string;
  counterKind: 'none' | 'cycles' | 'instructions';
  /** Counter delta per inference (cycles or instructions); null when the board has no counter. */
  counter: Stat | null;
  /** Microseconds per inference, as the board's clock measured it. */
  micros: Stat;
  arena: { used: number; capacity: number };
  flashUsed: number;
  ramUsed: number;
  /** Wall time and link bytes both ways, for throughput. */
  seconds: number;
  linkBytes: number;
  /** Link trouble recovered from during this run (retries, timeouts, frames dropped for a bad CRC). */
  link: { retries: number; timeouts: number; badFrames: number };
  /** Time and energy per inference ESTIMATED from the measured counter (src/firmware/energy.ts), when the board's MCU is known. */
  energy?: EnergyEstimate;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** First index of the largest int8 value. */
export function argmaxInt8(b: Uint8Array): number {
  let best = 0;
  for (let i = 1; i < b.length; i++) if (((b[i] << 24) >> 24) > ((b[best] << 24) >> 24)) best = i;
  return best;
}

function stat(xs: number[]): Stat {
  if (!xs.length) return { mean: 0, min: 0, max: 0 };
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs) };
}

export async function verifyDevice(client: DeviceClient, o: VerifyOptions): Promise<VerifyReport> {
  const info = client.info ?? (await client.hello());
  const fileSha = sha256Hex(o.model);
  const deviceSha = hex(info.modelSha256);
  // The board answers with the hash of the model it was built from: another model is known before
  // any window is sent, so say so at once instead of after running them all.
  if (fileSha !== deviceSha) {
    throw mismatch(`the board runs another model (sha256 ${deviceSha.slice(0, 16)}…) than the one given (${fileSha.slice(0, 16)}…); no window was sent`, {
      remedy: 'pass the .tflite the board was built from (--model), or generate, build and flash the firmware for this model (tinyforge firmware --model … then tinyforge build and tinyforge flash; in a project: tinyforge run --from firmware)',
      details: { modelSha256: { file: fileSha, device: deviceSha, match: false } },
    });
  }
  const t0 = Date.now();
  const bytes0 = client.stats.bytesSent + client.stats.bytesReceived;
  const link0 = { retries: client.stats.retries, timeouts: client.stats.timeouts, badFrames: client.stats.badFrames };
  const mismatches: VerifyReport['mismatches'] = [];
  let bitExact = 0;
  let maxLsbDiff = 0;
  let devCorrect = 0;
  let refCorrect = 0;
  const counters: number[] = [];
  const micros: number[] = [];
  const dspCounters: number[] = [];
  let featExact = 0;
  let featFirst: NonNullable<VerifyReport['features']>['firstMismatch'] = null;
  let anomalyExact = 0, anomalyFlagged = 0, anomalyThreshold = 0;
  const tensors = o.outputTensors && o.outputTensors.length > 1 ? o.outputTensors.map((t) => ({ ...t, bitExact: 0 })) : null;
  let anomalyFirst: NonNullable<VerifyReport['anomaly']>['firstMismatch'] = null;
  for (let i = 0; i < o.inputs.length; i++) {
    let dspOk = true;
    if (o.features) {
      const host = o.features(o.inputs[i], i);
      const dev = await client.features(o.inputs[i]);
      dspCounters.push(dev.counterDelta);
      const j = host.features.findIndex((v, k) => v !== dev.features[k]);
      const q = host.modelInput.findIndex((v, k) => v !== dev.modelInput[k]);
      dspOk = j < 0 && q < 0 && dev.features.length === host.features.length;
      if (dspOk) featExact++;
      else if (!featFirst) featFirst = j >= 0 ? { index: i, feature: j, host: host.features[j], device: dev.features[j] } : { index: i, feature: Math.max(q, 0), host: host.modelInput[Math.max(q, 0)], device: dev.modelInput[Math.max(q, 0)] };
    }
    const r = await client.infer(o.inputs[i]);
    const want = await o.reference(o.inputs[i], i);
    let differing = 0;
    let worst = 0;
    const n = Math.max(want.length, r.output.length);
    for (let k = 0; k < n; k++) {
      if (want[k] === r.output[k]) continue;
      differing++;
      worst = Math.max(worst, k < want.length && k < r.output.length ? Math.abs(((want[k] << 24) >> 24) - ((r.output[k] << 24) >> 24)) : 256);
    }
    if (o.anomaly) {
      const host = o.anomaly(o.inputs[i], i);
      const dev = await client.anomaly();
      anomalyThreshold = dev.threshold;
      if (dev.flagged) anomalyFlagged++;
      if (dev.distance === host.distance && dev.cluster === host.cluster && dev.flagged === host.flagged) anomalyExact++;
      else anomalyFirst ??= { index: i, host, device: { distance: dev.distance, cluster: dev.cluster, flagged: dev.flagged } };
    }
    if (tensors) {
      let at = 0;
      for (const t of tensors) {
        let same = r.output.length >= at + t.bytes;
        for (let k = at; same && k < at + t.bytes; k++) same = want[k] === r.output[k];
        if (same) t.bitExact++;
        at += t.bytes;
      }
    }
    if (differing === 0) bitExact++;
    else if (mismatches.length < 20) mismatches.push({ index: i, differingBytes: differing, maxLsb: worst, ...(o.features ? { diverged: dspOk ? ('network' as const) : ('dsp' as const) } : {}) });
    maxLsbDiff = Math.max(maxLsbDiff, worst);
    if (o.labels) {
      if (argmaxInt8(r.output) === o.labels[i]) devCorrect++;
      if (argmaxInt8(want) === o.labels[i]) refCorrect++;
    }
    counters.push(r.counterDelta);
    micros.push(r.micros);
    o.onProgress?.(i + 1, o.inputs.length);
  }
  const n = o.inputs.length;
  const kind = info.counterKind === COUNTER_KIND.CYCLES ? 'cycles' : info.counterKind === COUNTER_KIND.INSTRUCTIONS ? 'instructions' : 'none';
  const power = mcuPowerFor(info.board);
  const energy = power && kind !== 'none' && counters.length
    ? estimateEnergy({ measured: stat(counters).mean, kind, power, windowStride: info.windowStride || undefined, sampleRateHz: o.sampleRateHz })
    : undefined;
  return {
    ok: bitExact === n && fileSha === deviceSha && (!o.features || featExact === n) && (!o.anomaly || anomalyExact === n),
    n,
    bitExact,
    maxLsbDiff,
    mismatches,
    ...(o.labels ? { accuracy: { device: n ? devCorrect / n : 0, reference: n ? refCorrect / n : 0, n } } : {}),
    modelSha256: { file: fileSha, device: deviceSha, match: fileSha === deviceSha },
    board: info.board,
    engine: info.engine,
    counterKind: kind,
    counter: kind === 'none' ? null : stat(counters),
    micros: stat(micros),
    arena: { used: info.arenaUsed, capacity: info.arenaCapacity },
    flashUsed: info.flashUsed,
    ramUsed: info.ramUsed,
    seconds: (Date.now() - t0) / 1000,
    linkBytes: client.stats.bytesSent + client.stats.bytesReceived - bytes0,
    link: { retries: client.stats.retries - link0.retries, timeouts: client.stats.timeouts - link0.timeouts, badFrames: client.stats.badFrames - link0.badFrames },
    ...(o.features ? { features: { n, bitExact: featExact, firstMismatch: featFirst, counter: kind === 'none' ? null : stat(dspCounters) } } : {}),
    ...(tensors ? { outputs: tensors } : {}),
    ...(o.anomaly ? { anomaly: { n, bitExact: anomalyExact, flagged: anomalyFlagged, threshold: anomalyThreshold, firstMismatch: anomalyFirst } } : {}),
    ...(energy ? { energy } : {}),
  };
}

/** Human summary of a report. */
export function formatVerifyReport(r: VerifyReport): string {
  const lines = [
    `${r.ok ? 'PASS' : 'FAIL'}: ${r.bitExact}/${r.n} outputs bit-exact${r.bitExact < r.n ? `, max difference ${r.maxLsbDiff} LSB` : ''}`,
    `model sha256 ${r.modelSha256.match ? 'matches' : `MISMATCH: file ${r.modelSha256.file.slice(0, 16)}…, device ${r.modelSha256.device.slice(0, 16)}…`}`,
    `board ${r.board}, engine ${r.engine}, arena ${r.arena.used}/${r.arena.capacity} B, flash ${r.flashUsed} B, RAM ${r.ramUsed} B`,
    `latency ${r.micros.mean.toFixed(0)} µs mean (${r.micros.min}–${r.micros.max})` + (r.counter ? `, ${r.counter.mean.toFixed(0)} ${r.counterKind} mean` : ''),
  ];
  if (r.features) {
    lines.push(`features: ${r.features.bitExact}/${r.features.n} feature vectors bit-exact (board DSP vs host)` + (r.features.counter ? `, DSP ${r.features.counter.mean.toFixed(0)} ${r.counterKind} mean of the ${r.counter?.mean.toFixed(0) ?? '?'} per inference` : ''));
    const f = r.features.firstMismatch;
    if (f) lines.push(`  first DSP mismatch: window ${f.index}, feature ${f.feature}: host ${f.host}, board ${f.device}`);
  }
  if (r.outputs) lines.push(`outputs: ${r.outputs.map((t) => `${t.name} (${t.bytes} B) ${t.bitExact}/${r.n}`).join(', ')} bit-exact`);
  if (r.anomaly) {
    const a = r.anomaly;
    lines.push(`anomaly: ${a.bitExact}/${a.n} K-means scores bit-exact (board vs host), ${a.flagged} of ${a.n} windows flagged (distance > ${a.threshold})`);
    if (a.firstMismatch) lines.push(`  first anomaly mismatch: window ${a.firstMismatch.index}: host distance ${a.firstMismatch.host.distance} (cluster ${a.firstMismatch.host.cluster}), board ${a.firstMismatch.device.distance} (cluster ${a.firstMismatch.device.cluster})`);
  }
  if (r.energy) lines.push(formatEnergy(r.energy));
  if (r.accuracy) lines.push(`accuracy: device ${(100 * r.accuracy.device).toFixed(1)}%, host ${(100 * r.accuracy.reference).toFixed(1)}% (${r.accuracy.n} labelled)`);
  for (const m of r.mismatches.slice(0, 5)) lines.push(`  window ${m.index}: ${m.differingBytes} bytes differ, max ${m.maxLsb} LSB${m.diverged ? ` (${m.diverged === 'dsp' ? 'the DSP diverged first' : 'features equal: the network diverged'})` : ''}`);
  lines.push(
    `${r.seconds.toFixed(2)} s, ${(r.linkBytes / Math.max(r.seconds, 1e-3) / 1000).toFixed(1)} kB/s over the link` +
      (r.link.retries ? ` (${r.link.retries} retries after ${r.link.timeouts} timeouts, ${r.link.badFrames} bad frames)` : ''),
  );
  return lines.join('\n');
}
