/**
 * LinkTiming: how long to wait for a reply, from what the link has shown so far. Pure (no clock of
 * its own): the client reports each finished exchange with `observe`, and asks `timeoutMs` before
 * each attempt and `backoffMs` before each retry.
 *
 * Model: reply time ≈ (request bytes + reply bytes) × ms-per-byte + inference time (INFER only).
 *  - ms-per-byte starts at the transport's nominal rate (baud / 10) and follows the measured one:
 *    each exchange's wall time over its bytes both ways (HELLO/INFO, ACKs, RESULTs). Latency is
 *    folded into it, so small frames get a conservative figure. The estimate is the slower of an
 *    exponential average and the latest sample, so one slow reply on a loaded machine widens the
 *    next timeout at once and fast ones narrow it only gradually.
 *  - inference time starts at `initialInferenceMs` and follows each INFER's wall time minus its
 *    transfer time, and never below the device's own measurement (RESULT.micros).
 * timeout = min(maxTimeoutMs, (floorMs + safety × expected) × 2^min(attempt, 3)): each retry waits
 * twice as long (up to 8×), so a timeout too short for a loaded machine costs one retry, not the request.
 * Units: milliseconds and bytes throughout.
 */
export interface LinkTimingOptions {
  /** Nominal throughput before anything is measured, bytes/s. */
  bytesPerSecond: number;
  /** Fixed part of every timeout (OS and scheduling latency), ms. */
  floorMs: number;
  /** Inference allowance before an INFER has been measured, ms. */
  initialInferenceMs: number;
  /** Multiplier on the expected time. Default 4. */
  safety?: number;
  /** No single attempt waits longer than this, ms. Default 30000. */
  maxTimeoutMs?: number;
  /** First pause before a retry, doubled per retry (a noisy line settles, late bytes arrive and are flushed), ms. Default 10. */
  backoffBaseMs?: number;
  /** Longest pause before a retry, ms. Default 500. */
  maxBackoffMs?: number;
}

/** Retries double the timeout at most this many times (×8), so the total stays bounded by attempts × 8 × the first. */
const MAX_DOUBLINGS = 3;
/** Weight of the newest sample in the averages. */
const ALPHA = 0.3;

export class LinkTiming {
  private msPerByteAvg: number;
  private msPerByteLast: number;
  private inferAvg: number | null = null;
  private inferLast: number | null = null;
  private readonly safety: number;
  private readonly maxTimeoutMs: number;
  private readonly backoffBaseMs: number;
  private readonly maxBackoffMs: number;

  constructor(private readonly o: LinkTimingOptions) {
    this.msPerByteAvg = this.msPerByteLast = 1000 / o.bytesPerSecond;
    this.safety = o.safety ?? 4;
    this.maxTimeoutMs = o.maxTimeoutMs ?? 30_000;
    this.backoffBaseMs = o.backoffBaseMs ?? 10;
    this.maxBackoffMs = o.maxBackoffMs ?? 500;
  }

  /** Current estimate of the link's throughput, bytes/s (latency included). */
  get bytesPerSecond(): number {
    return 1000 / this.msPerByte();
  }

  /** Current estimate of one inference, ms (null before the first INFER). */
  get inferenceMs(): number | null {
    return this.inferAvg === null ? null : Math.max(this.inferAvg, this.inferLast ?? 0);
  }

  private msPerByte(): number {
    return Math.max(this.msPerByteAvg, this.msPerByteLast);
  }

  /**
   * One successful exchange: `bytes` both ways took `elapsedMs` of wall time. For an INFER pass
   * `deviceMs` (RESULT.micros / 1000): the rest of the time is inference, not transfer.
   */
  observe(bytes: number, elapsedMs: number, inference?: { deviceMs: number }): void {
    if (!(bytes > 0) || !(elapsedMs >= 0) || !Number.isFinite(elapsedMs)) return;
    if (!inference) {
      const s = Math.max(elapsedMs, 0.01) / bytes;
      this.msPerByteLast = s;
      this.msPerByteAvg = ALPHA * s + (1 - ALPHA) * this.msPerByteAvg;
      return;
    }
    // An INFER faster than its predicted transfer alone shows the link is at least that fast.
    const perByte = Math.max(elapsedMs, 0.01) / bytes;
    if (perByte < this.msPerByteAvg) {
      this.msPerByteLast = perByte;
      this.msPerByteAvg = ALPHA * perByte + (1 - ALPHA) * this.msPerByteAvg;
    }
    const s = Math.max(inference.deviceMs, elapsedMs - bytes * this.msPerByteAvg, 0);
    this.inferLast = s;
    this.inferAvg = this.inferAvg === null ? s : ALPHA * s + (1 - ALPHA) * this.inferAvg;
  }

  /** Expected reply time for `bytes` both ways, plus an inference when `inference`, ms. */
  expectedMs(bytes: number, inference = false): number {
    return bytes * this.msPerByte() + (inference ? (this.inferenceMs ?? this.o.initialInferenceMs) : 0);
  }

  /**
   * Wait for attempt `attempt` (0 = first) of an exchange of `bytes` both ways, ms. The unmeasured
   * inference allowance is already a generous guess, so it is added once, not multiplied by `safety`.
   */
  timeoutMs(bytes: number, inference = false, attempt = 0): number {
    const measured = this.safety * (bytes * this.msPerByte() + (inference ? (this.inferenceMs ?? 0) : 0));
    const guess = inference && this.inferenceMs === null ? this.o.initialInferenceMs : 0;
    const t = (this.o.floorMs + measured + guess) * 2 ** Math.min(attempt, MAX_DOUBLINGS);
    return Math.ceil(Math.min(this.maxTimeoutMs, t));
  }

  /** Pause before retry number `retry` (1 = first retry), ms. */
  backoffMs(retry: number): number {
    if (retry <= 0) return 0;
    return Math.min(this.maxBackoffMs, this.backoffBaseMs * 2 ** Math.min(retry - 1, 16));
  }
}
