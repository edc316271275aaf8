/**
 * Scoring a continuous recording the way a tracker is judged (MLPerf Tiny's streaming scores):
 * the reported class over time against the true activity segments. Pure.
 *
 * The prediction at model-rate sample i is the reported class of the latest window whose newest
 * sample is <= i (none before the first window). With the true label per sample:
 *   sampleAccuracy   share of samples from the first window on whose prediction equals the truth
 *   segments         maximal runs of one true label: a hit when the prediction equals the label at
 *                    some sample inside it, else a miss
 *   falseChanges     reported changes to a class other than the truth at that window's newest
 *                    sample; per hour of stream
 *   latency          for each true change (a segment after the first): seconds from its first
 *                    sample to the first sample predicted correctly inside it (hits only)
 *   flicker          reported changes not caused by a true change: a change inside a segment after
 *                    the segment's label was already reported; per minute
 */
import type { Smoothing, StreamWindow } from './continuous.js';
import { MAX_SMOOTH_AVERAGE, smoothStream } from './continuous.js';

export interface StreamScore {
  samples: number;
  seconds: number;
  sampleAccuracy: number;
  segments: number;
  hits: number;
  misses: number;
  falseChanges: number;
  falseChangesPerHour: number;
  /** Seconds: mean, median, max over the hit true changes (null when none). */
  latency: { mean: number; median: number; max: number; n: number } | null;
  flicker: number;
  flickerPerMinute: number;
}

/** Runs of equal labels: [start, end) sample ranges. */
export function segmentsOf(truth: readonly number[]): { start: number; end: number; label: number }[] {
  const out: { start: number; end: number; label: number }[] = [];
  for (let i = 0; i < truth.length; i++) {
    if (!out.length || out[out.length - 1].label !== truth[i]) out.push({ start: i, end: i + 1, label: truth[i] });
    else out[out.length - 1].end = i + 1;
  }
  return out;
}

export function scoreStream(truth: readonly number[], windows: readonly StreamWindow[], reported: readonly number[], rateHz: number): StreamScore {
  const n = truth.length;
  const pred = new Int32Array(n).fill(-1);
  let k = 0;
  let cur = -1;
  for (let i = 0; i < n; i++) {
    while (k < windows.length && windows[k].lastSample <= i) cur = reported[k++];
    pred[i] = cur;
  }
  const from = windows.length ? windows[0].lastSample : n;
  let correct = 0;
  for (let i = from; i < n; i++) if (pred[i] === truth[i]) correct++;
  const segs = segmentsOf(truth);
  let hits = 0;
  const lat: number[] = [];
  segs.forEach((s, j) => {
    let first = -1;
    for (let i = s.start; i < s.end; i++) if (pred[i] === s.label) { first = i; break; }
    if (first >= 0) {
      hits++;
      if (j > 0) lat.push((first - s.start) / rateHz);
    }
  });
  let falseChanges = 0, flicker = 0;
  for (let w = 1; w < windows.length; w++) {
    if (reported[w] === reported[w - 1] || reported[w] < 0) continue;
    const at = windows[w].lastSample;
    if (reported[w] !== truth[at]) falseChanges++;
    const seg = segs.find((s) => at >= s.start && at < s.end)!;
    const seenBefore = windows.some((x, v) => v < w && x.lastSample >= seg.start && reported[v] === seg.label);
    if (seenBefore) flicker++;
  }
  const seconds = n / rateHz;
  const sorted = [...lat].sort((a, b) => a - b);
  return {
    samples: n,
    seconds,
    sampleAccuracy: n > from ? correct / (n - from) : 0,
    segments: segs.length,
    hits,
    misses: segs.length - hits,
    falseChanges,
    falseChangesPerHour: seconds > 0 ? (falseChanges * 3600) / seconds : 0,
    latency: lat.length ? { mean: lat.reduce((a, b) => a + b, 0) / lat.length, median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1], n: lat.length } : null,
    flicker,
    flickerPerMinute: seconds > 0 ? (flicker * 60) / seconds : 0,
  };
}

/** Totals over several streams (sample-weighted accuracy, summed counts, pooled latency means). */
export function combineScores(scores: readonly StreamScore[]): StreamScore {
  const sum = (f: (s: StreamScore) => number) => scores.reduce((a, s) => a + f(s), 0);
  const samples = sum((s) => s.samples), seconds = sum((s) => s.seconds);
  const latN = sum((s) => s.latency?.n ?? 0);
  const falseChanges = sum((s) => s.falseChanges), flicker = sum((s) => s.flicker);
  return {
    samples,
    seconds,
    sampleAccuracy: samples ? sum((s) => s.sampleAccuracy * s.samples) / samples : 0,
    segments: sum((s) => s.segments),
    hits: sum((s) => s.hits),
    misses: sum((s) => s.misses),
    falseChanges,
    falseChangesPerHour: seconds ? (falseChanges * 3600) / seconds : 0,
    latency: latN ? { mean: sum((s) => (s.latency ? s.latency.mean * s.latency.n : 0)) / latN, median: NaN, max: Math.max(...scores.map((s) => s.latency?.max ?? 0)), n: latN } : null,
    flicker,
    flickerPerMinute: seconds ? (flicker * 60) / seconds : 0,
  };
}

/**
 * The objective smoothing is chosen by on validation streams: per-sample accuracy minus 0.2 points
 * per false change per hour (ten false alarms an hour cost as much as 2 % of the time wrong); on a
 * tie the smaller average and minimum run (less latency).
 */
export function streamObjective(s: StreamScore): number {
  return s.sampleAccuracy - 0.002 * s.falseChangesPerHour;
}

export interface SmoothingChoice {
  smoothing: Smoothing;
  score: StreamScore;
  /** Every setting tried, with its objective. */
  tried: { smoothing: Smoothing; objective: number }[];
}

/** Grid search over the smoothing on validation streams (their truths and windows). */
export function chooseSmoothing(streams: readonly { truth: number[]; windows: StreamWindow[] }[], rateHz: number, outputQuant: { scale: number; zeroPoint: number }): SmoothingChoice {
  const q = (p: number) => Math.max(-128, Math.min(127, Math.round(p / outputQuant.scale) + outputQuant.zeroPoint));
  const grid: Smoothing[] = [];
  for (const average of [1, 2, 3, 4, 6, 8].filter((a) => a <= MAX_SMOOTH_AVERAGE))
    for (const minWindows of [1, 2, 3, 4])
      for (const minScore of [-128, q(0.5), q(0.7)]) grid.push({ average, minScore, minWindows });
  let best: SmoothingChoice | null = null;
  const tried: SmoothingChoice['tried'] = [];
  for (const s of grid) {
    const score = combineScores(streams.map((st) => scoreStream(st.truth, st.windows, smoothStream(st.windows.map((w) => w.scores), s), rateHz)));
    const objective = streamObjective(score);
    tried.push({ smoothing: s, objective });
    if (!best || objective > streamObjective(best.score) + 1e-12) best = { smoothing: s, score, tried };
  }
  return best!;
}
