/**
 * Continuous recordings with activity changes, for stream scoring: the built-in simulator's
 * people doing one activity after another (segments of random length, in a seeded order), and
 * real recordings cut by a segments table. A stream is raw accelerometer samples in g at the
 * sensor's rate plus the true label of every sample. Pure. (Real sessions are cut by the import's
 * --segments table: `eval --stream --data FILE --segments TABLE`.)
 */
import { ACTIVITIES, simulateSession, type Activity } from '../data/simulator.js';
import { mulberry32 } from '../data/prng.js';

export interface LabelledStream {
  name: string;
  rateHz: number;
  /** aX, aY, aZ in g, interleaved. */
  xyz: Float32Array;
  /** True label per sample (index into `labels`). */
  truth: number[];
  labels: string[];
}

export interface SimulatedStreamsOptions {
  /** Streams to make. */
  count: number;
  /** Seed of the order and lengths (the simulator's own seed stays the dataset's). */
  seed: number;
  /** Segments per stream (default 8) and their length range in seconds (default 8–30). */
  segments?: number;
  minSeconds?: number;
  maxSeconds?: number;
  rateHz?: number;
  /** First simulated subject (0-based); stream k uses subject first + k. Default 20: people the default training set (10 subjects) never saw. */
  firstSubject?: number;
}

/** Simulated sessions: each stream one person, activities changing every segment (never twice in a row). */
export function simulatedStreams(o: SimulatedStreamsOptions): LabelledStream[] {
  const rate = o.rateHz ?? 50;
  const nSeg = o.segments ?? 8;
  const lo = o.minSeconds ?? 8, hi = o.maxSeconds ?? 30;
  const labels = [...ACTIVITIES];
  const out: LabelledStream[] = [];
  for (let k = 0; k < o.count; k++) {
    const rng = mulberry32(o.seed).fork(`stream/${k}`);
    const subject = (o.firstSubject ?? 20) + k;
    const parts: Float32Array[] = [];
    const truth: number[] = [];
    let prev = -1;
    for (let s = 0; s < nSeg; s++) {
      let a = Math.floor(rng.next() * labels.length);
      if (a === prev) a = (a + 1 + Math.floor(rng.next() * (labels.length - 1))) % labels.length;
      prev = a;
      const frames = Math.round((lo + rng.next() * (hi - lo)) * rate);
      // Sessions 100+ are never in a training set (builtinDataset uses at most a few per person).
      parts.push(simulateSession({ subject, activity: labels[a] as Activity, session: 100 + s, frames, rateHz: rate }));
      for (let i = 0; i < frames; i++) truth.push(a);
    }
    const xyz = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) (xyz.set(p, off), (off += p.length));
    out.push({ name: `simulated subject ${subject + 1}`, rateHz: rate, xyz, truth, labels });
  }
  return out;
}
