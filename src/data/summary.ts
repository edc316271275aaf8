/** What a set of recordings holds: per class, per group, rates and axes (for `data inspect`). */
import type { Recording } from '../core/dataset.js';

export interface DatasetSummary {
  recordings: number;
  frames: number;
  seconds: number;
  labels: string[];
  groups: string[];
  /** Distinct sample rates (Hz, rounded to 0.001) with the recordings at each. */
  rates: { rateHz: number; recordings: number }[];
  /** Distinct axis lists with the recordings having each. */
  axes: { axes: string[]; units: string[]; recordings: number }[];
  classes: { label: string; recordings: number; frames: number; seconds: number; groups: number }[];
  /** Seconds of each class per group (own keys only: read with `secondsOf`, never `seconds[label]`). */
  perGroup: { group: string; recordings: number; seconds: Record<string, number> }[];
  /** Per axis over all samples (first axis list only): min, max, mean. */
  ranges: { axis: string; min: number; max: number; mean: number }[];
}

export function summarise(recs: readonly Recording[]): DatasetSummary {
  const labels = [...new Set(recs.map((r) => r.label))].sort();
  const groups = [...new Set(recs.map((r) => r.group))].sort();
  const frames = (r: Recording) => r.samples.length / r.axes.length;
  const secs = (r: Recording) => frames(r) / r.sampleRateHz;
  const rates = new Map<number, number>();
  const axes = new Map<string, { axes: string[]; units: string[]; recordings: number }>();
  for (const r of recs) {
    const k = Math.round(r.sampleRateHz * 1000) / 1000;
    rates.set(k, (rates.get(k) ?? 0) + 1);
    const key = JSON.stringify([r.axes, r.units]);
    const a = axes.get(key) ?? { axes: r.axes, units: r.units, recordings: 0 };
    a.recordings++;
    axes.set(key, a);
  }
  const first = recs[0]?.axes ?? [];
  const ranges = first.map((axis) => ({ axis, min: Infinity, max: -Infinity, mean: 0 }));
  let count = 0;
  for (const r of recs) {
    if (JSON.stringify(r.axes) !== JSON.stringify(first)) continue;
    const n = first.length;
    for (let i = 0; i < r.samples.length; i++) {
      const g = ranges[i % n];
      const v = r.samples[i];
      if (v < g.min) g.min = v;
      if (v > g.max) g.max = v;
      g.mean += v;
    }
    count += frames(r);
  }
  for (const g of ranges) g.mean = count ? g.mean / count : 0;
  return {
    recordings: recs.length,
    frames: recs.reduce((a, r) => a + frames(r), 0),
    seconds: recs.reduce((a, r) => a + secs(r), 0),
    labels,
    groups,
    rates: [...rates].sort((a, b) => a[0] - b[0]).map(([rateHz, recordings]) => ({ rateHz, recordings })),
    axes: [...axes.values()],
    classes: labels.map((label) => {
      const mine = recs.filter((r) => r.label === label);
      return {
        label,
        recordings: mine.length,
        frames: mine.reduce((a, r) => a + frames(r), 0),
        seconds: mine.reduce((a, r) => a + secs(r), 0),
        groups: new Set(mine.map((r) => r.group)).size,
      };
    }),
    perGroup: groups.map((group) => {
      const mine = recs.filter((r) => r.group === group);
      const seconds = new Map<string, number>();
      for (const r of mine) seconds.set(r.label, (seconds.get(r.label) ?? 0) + secs(r));
      // Own properties only (fromEntries): a label such as "__proto__" or "constructor" is a plain key.
      return { group, recordings: mine.length, seconds: Object.fromEntries(seconds) as Record<string, number> };
    }),
    ranges,
  };
}

/** Seconds of `label` in one per-group row (0 when absent; labels like "constructor" are not inherited keys). */
export function secondsOf(row: DatasetSummary['perGroup'][number], label: string): number {
  return Object.hasOwn(row.seconds, label) ? row.seconds[label] : 0;
}
