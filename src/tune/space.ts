/**
 * The search space of `tinyforge tune`, as data: which front-ends, windows, architecture families
 * (with depth, widths, kernel sizes, pooling), learning rates and epoch budgets a search may try.
 * DEFAULT_SPACE is the built-in space; the project file's `tune.space` overrides any of its fields
 * (mergeSpace), and validateSpace names every invalid entry with its remedy.
 *
 * A Candidate is one point of the space (what a trial trains); its `archKey` covers exactly what
 * decides the generated firmware (front-end, window, architecture), so two candidates with the
 * same key have the same arena, flash and (within noise) instructions per inference.
 */
import { createHash } from 'node:crypto';
import { badInput } from '../core/errors.js';
import type { Rng } from '../data/prng.js';

/** Front-ends a candidate may use before the network. 'raw': the normalised samples themselves. */
export const FRONT_ENDS = ['raw'] as const;
export const FAMILIES = ['dense', 'conv1d', 'dsconv'] as const;
export const POOLINGS = ['max', 'avg', 'none'] as const;

export type FrontEnd = (typeof FRONT_ENDS)[number];
export type Family = (typeof FAMILIES)[number];
export type Pooling = (typeof POOLINGS)[number];

export interface SearchSpace {
  /** Front-ends (FRONT_ENDS). */
  frontEnd: string[];
  /** Window lengths, in seconds of signal (turned into samples at the data's rate). */
  windowSeconds: number[];
  /** Hop between training windows as a fraction of the window length (0 < f ≤ 1). */
  windowStride: number[];
  /** Architecture families (FAMILIES): dense = Flatten → Dense…; conv1d = Conv1D blocks → GAP; dsconv = Conv then depthwise-separable blocks → GAP. */
  family: string[];
  /** Hidden blocks (dense layers or convolution blocks). */
  depth: number[];
  /** Units / filters of the first block; each later convolution block doubles it (up to 4×). */
  width: number[];
  /** Convolution kernel lengths (samples); ignored by dense. */
  kernelSize: number[];
  /** Pooling (×2) between convolution blocks: max, avg or none; ignored by dense. */
  pooling: string[];
  /** Adam learning rates. */
  learningRate: number[];
  /** Epoch budget of successive halving: rung r trains `min · eta^r` epochs, up to `max`. */
  epochs: { min: number; max: number; eta: number };
}

export const DEFAULT_SPACE: SearchSpace = {
  frontEnd: ['raw'],
  windowSeconds: [1, 1.5, 2],
  windowStride: [0.5],
  family: ['dense', 'conv1d', 'dsconv'],
  depth: [1, 2, 3],
  width: [4, 8, 16, 32],
  kernelSize: [3, 5, 7],
  pooling: ['max', 'avg', 'none'],
  learningRate: [0.001, 0.003, 0.01],
  epochs: { min: 4, max: 16, eta: 2 },
};

/** One point of the space: what one trial trains (epochs come from its rung). */
export interface Candidate {
  frontEnd: FrontEnd;
  windowSeconds: number;
  windowStride: number;
  family: Family;
  depth: number;
  width: number;
  kernelSize: number;
  pooling: Pooling;
  learningRate: number;
}

const LIST_KEYS = ['frontEnd', 'windowSeconds', 'windowStride', 'family', 'depth', 'width', 'kernelSize', 'pooling', 'learningRate'] as const;
type ListKey = (typeof LIST_KEYS)[number];

/** What each list may hold: a check per value and the remedy when one fails. */
const RULES: Record<ListKey, { ok: (v: unknown) => boolean; want: string }> = {
  frontEnd: { ok: (v) => (FRONT_ENDS as readonly unknown[]).includes(v), want: `one of ${FRONT_ENDS.join(', ')}` },
  windowSeconds: { ok: (v) => typeof v === 'number' && v > 0 && v <= 60, want: 'a number of seconds in (0, 60]' },
  windowStride: { ok: (v) => typeof v === 'number' && v > 0 && v <= 1, want: 'a fraction of the window in (0, 1]' },
  family: { ok: (v) => (FAMILIES as readonly unknown[]).includes(v), want: `one of ${FAMILIES.join(', ')}` },
  depth: { ok: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 6, want: 'a whole number 1–6' },
  width: { ok: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 256, want: 'a whole number 1–256' },
  kernelSize: { ok: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 31, want: 'a whole number 1–31' },
  pooling: { ok: (v) => (POOLINGS as readonly unknown[]).includes(v), want: `one of ${POOLINGS.join(', ')}` },
  learningRate: { ok: (v) => typeof v === 'number' && v > 0 && v < 1, want: 'a number in (0, 1)' },
};

/**
 * Checks every entry of a (merged) space; throws one bad-input error naming each invalid entry
 * (`tune.space.width[2]: 0 is not a whole number 1–256`) with the remedy.
 */
export function validateSpace(space: unknown, source = 'tune.space'): SearchSpace {
  const problems: string[] = [];
  const s = (space ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!(LIST_KEYS as readonly string[]).includes(k) && k !== 'epochs') problems.push(`${source}.${k}: unknown entry (the space has ${[...LIST_KEYS, 'epochs'].join(', ')})`);
  }
  for (const k of LIST_KEYS) {
    const v = s[k];
    if (!Array.isArray(v) || v.length === 0) {
      problems.push(`${source}.${k}: must be a non-empty list of ${RULES[k].want}`);
      continue;
    }
    v.forEach((x, i) => {
      if (!RULES[k].ok(x)) problems.push(`${source}.${k}[${i}]: ${JSON.stringify(x)} is not ${RULES[k].want}`);
    });
  }
  const e = s.epochs as Record<string, unknown> | undefined;
  const int = (x: unknown) => Number.isInteger(x) && (x as number) >= 1;
  if (!e || typeof e !== 'object') problems.push(`${source}.epochs: must be { "min": N, "max": N, "eta": N }`);
  else {
    if (!int(e.min)) problems.push(`${source}.epochs.min: ${JSON.stringify(e.min)} is not a whole number ≥ 1`);
    if (!int(e.max)) problems.push(`${source}.epochs.max: ${JSON.stringify(e.max)} is not a whole number ≥ 1`);
    if (!(int(e.eta) && (e.eta as number) >= 2)) problems.push(`${source}.epochs.eta: ${JSON.stringify(e.eta)} is not a whole number ≥ 2`);
    if (int(e.min) && int(e.max) && (e.min as number) > (e.max as number)) problems.push(`${source}.epochs: min ${e.min} > max ${e.max}`);
    for (const k of Object.keys(e)) if (!['min', 'max', 'eta'].includes(k)) problems.push(`${source}.epochs.${k}: unknown entry (min, max, eta)`);
  }
  if (problems.length) {
    throw badInput(`invalid search space:\n  - ${problems.join('\n  - ')}`, {
      remedy: 'fix or remove these entries in the project file\'s "tune.space" (tinyforge tune --print-space shows the default space and what each entry means)',
      details: { problems },
    });
  }
  return s as unknown as SearchSpace;
}

/** The default space with the project file's entries replacing whole fields (epochs field by field), validated. */
export function mergeSpace(override: Record<string, unknown> | undefined, base: SearchSpace = DEFAULT_SPACE): SearchSpace {
  const o = override ?? {};
  const merged: Record<string, unknown> = { ...structuredClone(base), ...o };
  if (o.epochs && typeof o.epochs === 'object') merged.epochs = { ...base.epochs, ...(o.epochs as object) };
  // Single values are accepted for lists: "family": "conv1d" means ["conv1d"].
  for (const k of LIST_KEYS) if (merged[k] !== undefined && !Array.isArray(merged[k])) merged[k] = [merged[k]];
  return validateSpace(merged);
}

/** Epochs of each successive-halving rung: min, min·eta, … up to max (max always the last). */
export function rungEpochs(e: SearchSpace['epochs']): number[] {
  const out: number[] = [];
  for (let x = e.min; x < e.max; x *= e.eta) out.push(x);
  out.push(e.max);
  return out;
}

/** Candidates the space holds (the product of its list lengths). */
export function spaceSize(s: SearchSpace): number {
  return LIST_KEYS.reduce((a, k) => a * s[k].length, 1);
}

/** The space as text, for `tune --print-space`. */
export function formatSpace(s: SearchSpace): string {
  const help: Record<ListKey | 'epochs', string> = {
    frontEnd: 'front-end before the network',
    windowSeconds: 'window length, seconds (× the data rate = samples)',
    windowStride: 'training hop, fraction of the window',
    family: 'dense | conv1d | dsconv (depthwise-separable)',
    depth: 'hidden blocks',
    width: 'units/filters of the first block (conv blocks double it, ≤ 4×)',
    kernelSize: 'convolution kernel, samples',
    pooling: 'pooling ×2 between conv blocks',
    learningRate: 'Adam learning rate',
    epochs: 'successive halving: rung epochs',
  };
  const lines = ['search space (override any entry in the project file\'s "tune.space"):'];
  for (const k of LIST_KEYS) lines.push(`  ${k.padEnd(14)} ${JSON.stringify(s[k]).padEnd(28)} ${help[k]}`);
  lines.push(`  ${'epochs'.padEnd(14)} ${JSON.stringify(s.epochs).padEnd(28)} ${help.epochs} ${rungEpochs(s.epochs).join(' → ')}`);
  lines.push(`  ${spaceSize(s)} candidates`);
  return lines.join('\n');
}

/** A uniformly random candidate of the space. */
export function sampleCandidate(s: SearchSpace, rng: Rng): Candidate {
  const pick = <T>(xs: readonly T[]) => xs[rng.int(xs.length)];
  const c: Record<string, unknown> = {};
  for (const k of LIST_KEYS) c[k] = pick(s[k] as unknown[]);
  return normaliseCandidate(c as unknown as Candidate);
}

/** One entry changed to another value of its list (evolutionary step); the rest kept. */
export function mutateCandidate(c: Candidate, s: SearchSpace, rng: Rng): Candidate {
  const keys = LIST_KEYS.filter((k) => s[k].length > 1);
  if (!keys.length) return c;
  const k = keys[rng.int(keys.length)];
  const others = (s[k] as unknown[]).filter((v) => v !== c[k]);
  return normaliseCandidate({ ...c, [k]: others[rng.int(others.length)] } as Candidate);
}

/** Entries a family ignores get fixed values, so equal networks get equal keys. */
export function normaliseCandidate(c: Candidate): Candidate {
  return c.family === 'dense' ? { ...c, kernelSize: 1, pooling: 'none' } : c;
}

/** Stable text of a candidate (fixed key order). */
export function candidateKey(c: Candidate): string {
  return JSON.stringify(LIST_KEYS.map((k) => c[k]));
}

/** Hash of what decides the firmware: front-end, window and architecture (not the learning rate, stride or epochs). */
export function archKey(c: Candidate, data: { rateHz: number; axes: number; classes: number }): string {
  const a = { f: c.frontEnd, L: windowSamples(c, data.rateHz), A: data.axes, K: data.classes, fam: c.family, d: c.depth, w: c.width, k: c.kernelSize, p: c.pooling };
  return createHash('sha256').update(JSON.stringify(a)).digest('hex').slice(0, 16);
}

/** Window length in samples at `rateHz`. */
export function windowSamples(c: Pick<Candidate, 'windowSeconds'>, rateHz: number): number {
  return Math.max(1, Math.round(c.windowSeconds * rateHz));
}

/** Hop in samples at `rateHz` (≥ 1). */
export function strideSamples(c: Pick<Candidate, 'windowSeconds' | 'windowStride'>, rateHz: number): number {
  return Math.max(1, Math.round(windowSamples(c, rateHz) * c.windowStride));
}

/** The smallest candidate of each family the space allows (for "no candidate fits" reports). */
export function smallestCandidates(s: SearchSpace): Candidate[] {
  const min = (xs: number[]) => Math.min(...xs);
  return (s.family as Family[]).map((family) =>
    normaliseCandidate({
      frontEnd: s.frontEnd[0] as FrontEnd,
      windowSeconds: min(s.windowSeconds),
      windowStride: s.windowStride[0],
      family,
      depth: min(s.depth),
      width: min(s.width),
      kernelSize: min(s.kernelSize),
      pooling: (s.pooling.includes('max') ? 'max' : s.pooling[0]) as Pooling,
      learningRate: s.learningRate[0],
    }),
  );
}
