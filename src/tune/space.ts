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
import { BLOCK_NAMES, BLOCKS } from '../features/registry.js';
import type { BlockName } from '../features/types.js';

/**
 * Front-ends a candidate may use before the network (the feature-block registry's): 'raw' the
 * normalised samples; 'spectral' and 'flatten' integer DSP on the board (docs/features.md), whose
 * one feature vector per window always feeds a dense network.
 */
export const FRONT_ENDS: readonly BlockName[] = BLOCK_NAMES;
export const FAMILIES = ['dense', 'conv1d', 'dsconv'] as const;
export const POOLINGS = ['max', 'avg', 'none'] as const;

export type FrontEnd = BlockName;
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
  /** The spectral front-end's searched parameters (src/features/spectral.ts); the others keep their defaults. */
  spectral: SpectralSpace;
}

/** Searched parameters of the spectral block, each a list (names as in SpectralParams). */
export interface SpectralSpace {
  fftLength: number[];
  filterType: string[];
  filterCutoff: number[];
  filterOrder: number[];
  doFftOverlap: boolean[];
  includeMean: boolean[];
  magnitude: boolean[];
}

/** The spectral parameters of one candidate. */
export type SpectralChoice = { [K in keyof SpectralSpace]: SpectralSpace[K][number] };

export const DEFAULT_SPACE: SearchSpace = {
  frontEnd: ['raw', 'spectral', 'flatten'],
  windowSeconds: [1, 1.5, 2],
  windowStride: [0.5],
  family: ['dense', 'conv1d', 'dsconv'],
  depth: [1, 2, 3],
  width: [4, 8, 16, 32],
  kernelSize: [3, 5, 7],
  pooling: ['max', 'avg', 'none'],
  learningRate: [0.001, 0.003, 0.01],
  epochs: { min: 4, max: 16, eta: 2 },
  spectral: { fftLength: [16, 32, 64], filterType: ['low', 'none'], filterCutoff: [4, 8], filterOrder: [2, 6], doFftOverlap: [true, false], includeMean: [false, true], magnitude: [false, true] },
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
  /** Only with frontEnd 'spectral': its parameters (a filter's cut-off and order only when it filters). */
  spectral?: Partial<SpectralChoice>;
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

const SPECTRAL_KEYS = ['fftLength', 'filterType', 'filterCutoff', 'filterOrder', 'doFftOverlap', 'includeMean', 'magnitude'] as const;
const bool = { ok: (v: unknown) => typeof v === 'boolean', want: 'true or false' };
/** What each spectral list may hold (the window- and rate-dependent checks are the block's own, per candidate). */
const SPECTRAL_RULES: Record<(typeof SPECTRAL_KEYS)[number], { ok: (v: unknown) => boolean; want: string }> = {
  fftLength: { ok: (v) => [16, 32, 64, 128, 256].includes(v as number), want: 'a power of two 16–256' },
  filterType: { ok: (v) => ['low', 'high', 'none'].includes(v as string), want: 'one of low, high, none' },
  filterCutoff: { ok: (v) => typeof v === 'number' && v > 0, want: 'a frequency in Hz above 0 (below the data\'s Nyquist)' },
  filterOrder: { ok: (v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 8, want: 'a whole number 1–8' },
  doFftOverlap: bool,
  includeMean: bool,
  magnitude: bool,
};

function checkList(source: string, v: unknown, rule: { ok: (v: unknown) => boolean; want: string }, problems: string[]): void {
  if (!Array.isArray(v) || v.length === 0) {
    problems.push(`${source}: must be a non-empty list of ${rule.want}`);
    return;
  }
  v.forEach((x, i) => {
    if (!rule.ok(x)) problems.push(`${source}[${i}]: ${JSON.stringify(x)} is not ${rule.want}`);
  });
}

/**
 * Checks every entry of a (merged) space; throws one bad-input error naming each invalid entry
 * (`tune.space.width[2]: 0 is not a whole number 1–256`) with the remedy.
 */
export function validateSpace(space: unknown, source = 'tune.space'): SearchSpace {
  const problems: string[] = [];
  const s = (space ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(s)) {
    if (!(LIST_KEYS as readonly string[]).includes(k) && k !== 'epochs' && k !== 'spectral') problems.push(`${source}.${k}: unknown entry (the space has ${[...LIST_KEYS, 'epochs', 'spectral'].join(', ')})`);
  }
  for (const k of LIST_KEYS) checkList(`${source}.${k}`, s[k], RULES[k], problems);
  const sp = s.spectral as Record<string, unknown> | undefined;
  if (!sp || typeof sp !== 'object' || Array.isArray(sp)) problems.push(`${source}.spectral: must be { ${SPECTRAL_KEYS.map((k) => `"${k}": [...]`).join(', ')} }`);
  else {
    for (const k of SPECTRAL_KEYS) checkList(`${source}.spectral.${k}`, sp[k], SPECTRAL_RULES[k], problems);
    for (const k of Object.keys(sp)) if (!(SPECTRAL_KEYS as readonly string[]).includes(k)) problems.push(`${source}.spectral.${k}: unknown entry (${SPECTRAL_KEYS.join(', ')})`);
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
  if (o.spectral && typeof o.spectral === 'object' && !Array.isArray(o.spectral)) merged.spectral = { ...base.spectral, ...(o.spectral as object) };
  // Single values are accepted for lists: "family": "conv1d" means ["conv1d"].
  const listify = (r: Record<string, unknown>, keys: readonly string[]) => {
    for (const k of keys) if (r[k] !== undefined && !Array.isArray(r[k])) r[k] = [r[k]];
  };
  listify(merged, LIST_KEYS);
  if (merged.spectral && typeof merged.spectral === 'object') listify(merged.spectral as Record<string, unknown>, SPECTRAL_KEYS);
  return validateSpace(merged);
}

/** Epochs of each successive-halving rung: min, min·eta, … up to max (max always the last). */
export function rungEpochs(e: SearchSpace['epochs']): number[] {
  const out: number[] = [];
  for (let x = e.min; x < e.max; x *= e.eta) out.push(x);
  out.push(e.max);
  return out;
}

/** Candidates the space holds (the product of its list lengths, the spectral front-end counting once per combination of its parameters). */
export function spaceSize(s: SearchSpace): number {
  const perFrontEnd = s.frontEnd.reduce((a, f) => a + (f === 'spectral' ? SPECTRAL_KEYS.reduce((b, k) => b * s.spectral[k].length, 1) : 1), 0);
  return LIST_KEYS.filter((k) => k !== 'frontEnd').reduce((a, k) => a * s[k].length, perFrontEnd);
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
  const row = (k: string, v: unknown, h: string) => lines.push(`  ${k.padEnd(22)} ${JSON.stringify(v).padEnd(28)} ${h}`);
  for (const k of LIST_KEYS) row(k, s[k], help[k]);
  row('epochs', s.epochs, `${help.epochs} ${rungEpochs(s.epochs).join(' → ')}`);
  const spectralHelp = BLOCKS.spectral.help;
  for (const k of SPECTRAL_KEYS) row(`spectral.${k}`, s.spectral[k], spectralHelp[k]);
  lines.push(`  feature front-ends (${FRONT_ENDS.filter((f) => f !== 'raw').join(', ')}) give one vector per window: their network is dense (family, kernelSize, pooling ignored)`);
  lines.push(`  ${spaceSize(s)} candidates`);
  return lines.join('\n');
}

const pickFrom = <T>(xs: readonly T[], rng: Rng) => xs[rng.int(xs.length)];

/** Random spectral parameters from the space. */
function sampleSpectral(s: SearchSpace, rng: Rng): SpectralChoice {
  const out: Record<string, unknown> = {};
  for (const k of SPECTRAL_KEYS) out[k] = pickFrom(s.spectral[k] as unknown[], rng);
  return out as SpectralChoice;
}

/** A uniformly random candidate of the space. */
export function sampleCandidate(s: SearchSpace, rng: Rng): Candidate {
  const c: Record<string, unknown> = {};
  for (const k of LIST_KEYS) c[k] = pickFrom(s[k] as unknown[], rng);
  // Drawn for every candidate (the draws stay aligned whatever the front-end); kept for spectral only.
  c.spectral = sampleSpectral(s, rng);
  return normaliseCandidate(c as unknown as Candidate);
}

/** One entry changed to another value of its list (evolutionary step); the rest kept. */
export function mutateCandidate(c: Candidate, s: SearchSpace, rng: Rng): Candidate {
  // Entries the candidate ignores (a dense network's kernel, a raw front-end's FFT) are not mutated.
  const feature = c.frontEnd !== 'raw';
  const keys: string[] = LIST_KEYS.filter((k) => s[k].length > 1 && !(feature && (k === 'family' || k === 'kernelSize' || k === 'pooling')) && !(c.family === 'dense' && (k === 'kernelSize' || k === 'pooling')));
  if (c.frontEnd === 'spectral') {
    const filtered = c.spectral?.filterType !== 'none';
    keys.push(...SPECTRAL_KEYS.filter((k) => s.spectral[k].length > 1 && (filtered || (k !== 'filterCutoff' && k !== 'filterOrder'))).map((k) => `spectral.${k}`));
  }
  if (!keys.length) return c;
  const k = keys[rng.int(keys.length)];
  if (k.startsWith('spectral.')) {
    const sk = k.slice('spectral.'.length) as (typeof SPECTRAL_KEYS)[number];
    const others = (s.spectral[sk] as unknown[]).filter((v) => v !== c.spectral?.[sk]);
    return normaliseCandidate({ ...c, spectral: { ...c.spectral, [sk]: pickFrom(others, rng) } });
  }
  const others = (s[k as ListKey] as unknown[]).filter((v) => v !== c[k as ListKey]);
  const m = { ...c, [k]: pickFrom(others, rng) } as Candidate;
  // A candidate turned spectral gets spectral parameters of its own.
  if (m.frontEnd === 'spectral' && !m.spectral) m.spectral = sampleSpectral(s, rng);
  return normaliseCandidate(m);
}

/**
 * Entries a candidate ignores get fixed values, so equal networks get equal keys: a feature
 * front-end's network is dense; dense has no kernel or pooling; only spectral has spectral
 * parameters, and an unfiltered spectrum no cut-off or order.
 */
export function normaliseCandidate(c: Candidate): Candidate {
  const { spectral, ...rest } = c;
  const out: Candidate = { ...rest, ...(c.frontEnd !== 'raw' ? { family: 'dense' as const } : {}) };
  if (out.family === 'dense') Object.assign(out, { kernelSize: 1, pooling: 'none' });
  if (c.frontEnd === 'spectral') {
    const sp: Partial<SpectralChoice> = {};
    for (const k of SPECTRAL_KEYS) if (spectral?.[k] !== undefined) (sp as Record<string, unknown>)[k] = spectral[k];
    if (sp.filterType === 'none') {
      delete sp.filterCutoff;
      delete sp.filterOrder;
    }
    out.spectral = sp;
  }
  return out;
}

/** The candidate's front-end as the trainer takes it (block + parameters), or undefined for raw windows. */
export function frontEndOf(c: Candidate): { block: BlockName; params: Record<string, unknown> } | undefined {
  if (c.frontEnd === 'raw') return undefined;
  return { block: c.frontEnd, params: c.frontEnd === 'spectral' ? { ...c.spectral } : {} };
}

/** Stable text of a candidate (fixed key order). */
export function candidateKey(c: Candidate): string {
  const n = normaliseCandidate(c);
  return JSON.stringify([...LIST_KEYS.map((k) => n[k]), ...(n.spectral ? SPECTRAL_KEYS.map((k) => n.spectral![k] ?? null) : [])]);
}

/** Hash of what decides the firmware: front-end (with its parameters), window and architecture (not the learning rate, stride or epochs). */
export function archKey(c: Candidate, data: { rateHz: number; axes: number; classes: number }): string {
  const n = normaliseCandidate(c);
  const a = { f: n.frontEnd, L: windowSamples(c, data.rateHz), A: data.axes, K: data.classes, fam: n.family, d: n.depth, w: n.width, k: n.kernelSize, p: n.pooling, ...(n.spectral ? { sp: SPECTRAL_KEYS.map((k) => n.spectral![k] ?? null) } : {}) };
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

/**
 * The smallest candidate of each family (raw windows) and of each feature front-end the space
 * allows, for "no candidate fits" reports. The spectral one takes the shortest FFT, no extra
 * channels or features, and no filter when the space allows none.
 */
export function smallestCandidates(s: SearchSpace): Candidate[] {
  const min = (xs: number[]) => Math.min(...xs);
  const smallest = (frontEnd: FrontEnd, family: Family): Candidate =>
    normaliseCandidate({
      frontEnd,
      windowSeconds: min(s.windowSeconds),
      windowStride: s.windowStride[0],
      family,
      depth: min(s.depth),
      width: min(s.width),
      kernelSize: min(s.kernelSize),
      pooling: (s.pooling.includes('max') ? 'max' : s.pooling[0]) as Pooling,
      learningRate: s.learningRate[0],
      ...(frontEnd === 'spectral'
        ? {
            spectral: {
              fftLength: min(s.spectral.fftLength),
              filterType: s.spectral.filterType.includes('none') ? 'none' : s.spectral.filterType[0],
              filterCutoff: s.spectral.filterCutoff[0],
              filterOrder: min(s.spectral.filterOrder),
              doFftOverlap: s.spectral.doFftOverlap.includes(false) ? false : s.spectral.doFftOverlap[0],
              includeMean: s.spectral.includeMean.includes(false) ? false : s.spectral.includeMean[0],
              magnitude: s.spectral.magnitude.includes(false) ? false : s.spectral.magnitude[0],
            },
          }
        : {}),
    });
  const out: Candidate[] = [];
  for (const f of s.frontEnd as FrontEnd[]) {
    if (f === 'raw') out.push(...(s.family as Family[]).map((family) => smallest('raw', family)));
    else out.push(smallest(f, 'dense'));
  }
  return out;
}
