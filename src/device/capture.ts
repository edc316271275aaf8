/**
 * Capture: turns a device's IMU_SAMPLES stream into a labelled Recording (src/core/dataset.ts).
 * Pure bookkeeping (sequence gaps, measured rate, CSV rows); the CLI does the file I/O, appending
 * rows as they arrive so an interruption loses nothing, then finalising atomically.
 */
import type { Recording } from '../core/dataset.js';
import type { ImuSamplesMsg } from './protocol.generated.js';

export interface CaptureGap {
  /** Frame index in the captured data before which `missing` samples were lost (schemas/capture.schema.json). */
  at: number;
  missing: number;
}

export interface CaptureSummary {
  label: string;
  group: string;
  samples: number;
  /** Rate the device reports (after decimation), Hz. */
  deviceRateHz: number;
  /**
   * Rate measured on the host: device samples (by sequence number, so lost ones count: the sensor
   * measured them) after the first batch over the time between the first and last batch, Hz.
   */
  measuredRateHz: number;
  gaps: CaptureGap[];
  missingSamples: number;
  /**
   * Samples received again (a link or relay that repeats a frame) or too late (a sequence number
   * already passed): dropped by sequence number, never written, counted here.
   */
  duplicateSamples: number;
  /**
   * Frames that arrived damaged (CRC, framing or payload errors: a noisy link) and were skipped;
   * the samples they carried show up as gaps. The link resynchronises on the next frame delimiter.
   */
  corruptFrames: number;
  /**
   * Sensor time the capture covers: (samples + missingSamples) / deviceRateHz — what `--seconds`
   * asks for (the host's wall clock, slowed by a busy link or emulator, does not count).
   */
  seconds: number;
}

export const CAPTURE_AXES = ['aX', 'aY', 'aZ'];
export const CAPTURE_CSV_HEADER = 'aX,aY,aZ';

export class CaptureSession {
  private values: number[] = [];
  private next = 0;
  private first = -1;
  private t0 = 0;
  private tLast = 0;
  private firstEnd = 0;
  private samplesAfterFirst = 0;
  readonly gaps: CaptureGap[] = [];
  private duplicates = 0;
  /** Damaged frames seen on the link during the capture (the caller counts them: the session sees only good ones). */
  corruptFrames = 0;
  deviceRateHz = 0;

  private end = Infinity;

  /**
   * `seconds` (optional): capture exactly that much sensor time — seconds × the device's rate
   * samples by sequence number from the first batch on (lost ones count: the sensor measured
   * them); later samples are not taken and `complete` turns true.
   */
  constructor(readonly label: string, readonly group: string, private readonly limit: { seconds?: number } = {}) {}

  /** True once the requested sensor time is captured (never without `seconds`). */
  get complete(): boolean {
    return this.first >= 0 && this.next >= this.end;
  }

  /**
   * Adds one batch (received at host time `nowMs`); returns its CSV rows (g, 3 decimals, one row
   * per sample, each ending in "\n") for incremental writing. Samples whose sequence number was
   * already recorded or passed (a repeated frame, a late one) are dropped and counted
   * (`duplicateSamples`): the rows hold each device sample at most once, in order.
   */
  add(batch: ImuSamplesMsg, nowMs: number): string {
    let b = batch;
    if (this.first >= 0 && b.firstSample < this.next) {
      const seen = Math.min(b.samplesMg.length / 3, this.next - b.firstSample);
      this.duplicates += seen;
      this.tLast = nowMs;
      if (seen === b.samplesMg.length / 3) return '';
      b = { ...b, firstSample: b.firstSample + seen, samplesMg: b.samplesMg.subarray(seen * 3) };
    }
    if (this.first < 0 && this.limit.seconds !== undefined && Number.isFinite(this.limit.seconds)) {
      this.end = b.firstSample + Math.max(1, Math.round((this.limit.seconds * b.rateMilliHz) / 1000));
    }
    if (b.firstSample >= this.end) {
      // Past the end: samples lost up to the end still count (as a gap), so the capture completes.
      if (this.next < this.end) this.gaps.push({ at: this.values.length / 3, missing: this.end - this.next });
      this.next = Math.max(this.next, this.end);
      this.tLast = nowMs;
      return '';
    }
    if (b.firstSample + b.samplesMg.length / 3 > this.end) b = { ...b, samplesMg: b.samplesMg.subarray(0, (this.end - b.firstSample) * 3) };
    const n = b.samplesMg.length / 3;
    if (this.first < 0) {
      this.first = b.firstSample;
      this.next = b.firstSample;
      this.t0 = nowMs;
      this.firstEnd = b.firstSample + n;
    } else {
      this.samplesAfterFirst = Math.max(this.samplesAfterFirst, b.firstSample + n - this.firstEnd);
    }
    // `at` counts frames in this capture's data (not device indices): the lost frames belong just before it.
    if (b.firstSample > this.next) this.gaps.push({ at: this.values.length / 3, missing: b.firstSample - this.next });
    this.next = b.firstSample + n;
    this.tLast = nowMs;
    this.deviceRateHz = b.rateMilliHz / 1000;
    let rows = '';
    for (let i = 0; i < b.samplesMg.length; i += 3) {
      const g = [b.samplesMg[i] / 1000, b.samplesMg[i + 1] / 1000, b.samplesMg[i + 2] / 1000];
      this.values.push(...g);
      rows += `${g[0].toFixed(3)},${g[1].toFixed(3)},${g[2].toFixed(3)}\n`;
    }
    return rows;
  }

  summary(): CaptureSummary {
    const wall = (this.tLast - this.t0) / 1000;
    // Samples after the first batch were produced over (tLast - t0): their count (by sequence number,
    // lost ones included) over that time is the sensor's rate; a lost batch must not lower it.
    const measured = wall > 0 ? this.samplesAfterFirst / wall : 0;
    const missing = this.gaps.reduce((a, g) => a + g.missing, 0);
    const samples = this.values.length / 3;
    const seconds = this.deviceRateHz > 0 ? (samples + missing) / this.deviceRateHz : wall;
    return {
      label: this.label,
      group: this.group,
      samples,
      deviceRateHz: this.deviceRateHz,
      measuredRateHz: measured,
      gaps: this.gaps,
      missingSamples: missing,
      duplicateSamples: this.duplicates,
      corruptFrames: this.corruptFrames,
      seconds,
    };
  }

  /** The capture as a Recording at the device's rate (the measured rate is in the summary). */
  recording(source?: string): Recording {
    return {
      label: this.label,
      group: this.group,
      sampleRateHz: this.deviceRateHz,
      axes: [...CAPTURE_AXES],
      units: ['g', 'g', 'g'],
      samples: Float32Array.from(this.values),
      ...(source ? { source } : {}),
    };
  }
}

/** Who recorded a capture, for its sidecar. */
export interface CaptureOrigin {
  board: string | null;
  port: string;
  engine?: string;
  startedAt: string;
  stopReason: string;
  /** The CSV's base name. */
  file: string;
}

/**
 * The sidecar of a CSV capture (schemas/capture.schema.json, format tinyforge-capture/1, without
 * `data`): what `tinyforge data split` reads beside the CSV. `fallbackRateHz` is used when the
 * device never reported a rate (no batch arrived).
 */
export function captureSidecar(s: CaptureSummary, o: CaptureOrigin, fallbackRateHz = 1): Record<string, unknown> {
  return {
    format: 'tinyforge-capture/1', label: s.label, group: s.group, sampleRateHz: s.deviceRateHz || fallbackRateHz || 1,
    axes: [...CAPTURE_AXES], units: ['g', 'g', 'g'], deviceRateHz: s.deviceRateHz, measuredRateHz: s.measuredRateHz, board: o.board,
    device: { port: o.port, engine: o.engine }, startedAt: o.startedAt, samples: s.samples, seconds: s.seconds, gaps: s.gaps, missingSamples: s.missingSamples, duplicateSamples: s.duplicateSamples, corruptFrames: s.corruptFrames, stopReason: o.stopReason, file: o.file,
  };
}
