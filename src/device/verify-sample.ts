/**
 * Which test windows `verify` sends: a bounded, class-stratified, seeded sample by default, every
 * window on request. Pure: window count and labels in, window indices out.
 *
 * Stratified (labels known): each class gets a share of `max` proportional to its window count
 * (largest remainder; ties to the lower class index), at least one window per present class when
 * `max` allows; within a class the windows are a seeded shuffle's first k. Without labels: a seeded
 * uniform sample. Indices are returned ascending, so the board sees windows in their file order.
 */
import { usageError } from '../core/errors.js';
import { mulberry32, shuffled } from '../data/prng.js';

/** The default bound: enough windows to catch a wrong kernel, minutes less than thousands. */
export const VERIFY_DEFAULT_MAX = 200;
export const VERIFY_DEFAULT_SEED = 1;

export interface VerifySampleOptions {
  /** Send every window (ignores `max`). */
  all?: boolean;
  /** At most this many windows (default VERIFY_DEFAULT_MAX). */
  max?: number;
  /** Seed of the sample (default VERIFY_DEFAULT_SEED). */
  seed?: number;
}

export interface VerifySample {
  /** all: every window (asked for, or no more than max); stratified: per-class shares; random: seeded, no labels. */
  mode: 'all' | 'stratified' | 'random';
  /** Windows sent, of `total`. */
  n: number;
  total: number;
  /** The bound applied (null with --all). */
  max: number | null;
  seed: number;
  /** Chosen window indices, ascending. */
  indices: number[];
  /** Windows sent per class index (stratified only). */
  perClass?: Record<number, number>;
}

/** Largest-remainder apportionment of `n` over `weights`, at least 1 each when n ≥ count. */
function apportion(weights: number[], n: number): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (w * n) / total);
  const q = exact.map(Math.floor);
  let left = n - q.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    q[i]++;
    left--;
  }
  if (n >= weights.length) {
    // A class with a few windows still gets one; the largest share gives it up.
    for (let i = 0; i < q.length; i++) {
      if (q[i] > 0) continue;
      const donor = q.reduce((best, v, k) => (v > q[best] ? k : best), 0);
      q[donor]--;
      q[i] = 1;
    }
  }
  return q;
}

export function selectVerifySample(total: number, labels: readonly number[] | undefined, opts: VerifySampleOptions = {}): VerifySample {
  const seed = opts.seed ?? VERIFY_DEFAULT_SEED;
  const max = opts.max ?? VERIFY_DEFAULT_MAX;
  if (!Number.isInteger(max) || max < 1) throw usageError(`--max must be a whole number ≥ 1, got ${max}`, { remedy: 'e.g. --max 200, or --all for every window' });
  if (!Number.isInteger(seed)) throw usageError(`the verify seed must be an integer, got ${seed}`, { remedy: 'e.g. --seed 1' });
  const everything = Array.from({ length: total }, (_, i) => i);
  if (opts.all || total <= max) return { mode: 'all', n: total, total, max: opts.all ? null : max, seed, indices: everything };
  const rng = mulberry32(seed);
  if (!labels || labels.length !== total) {
    const indices = shuffled(everything, rng).slice(0, max).sort((a, b) => a - b);
    return { mode: 'random', n: max, total, max, seed, indices };
  }
  const classes = [...new Set(labels)].sort((a, b) => a - b);
  const members = classes.map((c) => everything.filter((i) => labels[i] === c));
  const quota = apportion(members.map((m) => m.length), max);
  const perClass: Record<number, number> = {};
  const indices: number[] = [];
  classes.forEach((c, k) => {
    // One stream per class, so one class's count never changes another class's windows.
    const pick = shuffled(members[k], rng.fork(`class-${c}`)).slice(0, Math.min(quota[k], members[k].length));
    perClass[c] = pick.length;
    indices.push(...pick);
  });
  indices.sort((a, b) => a - b);
  return { mode: 'stratified', n: indices.length, total, max, seed, indices, perClass };
}

/** One line for the text report: which windows were sent. */
export function describeVerifySample(s: Omit<VerifySample, 'indices'>): string {
  if (s.mode === 'all') return s.max === null ? `all ${s.total} windows (--all)` : `all ${s.total} windows (no more than --max ${s.max})`;
  const how = s.mode === 'stratified' ? 'class-stratified' : 'random (no labels)';
  return `${s.n} of ${s.total} windows, ${how} sample, seed ${s.seed}`;
}
