/**
 * The search itself, as pure functions over trial records: the proposer (random for the first
 * generation, then evolutionary: tournament selection among the trained candidates by validation
 * int8 accuracy, one mutation each), successive halving on epochs, and the Pareto front.
 *
 * Determinism: generation g's proposals depend only on the seed, g and the records of earlier
 * generations; promotions depend only on the records of the rung below. Neither depends on how
 * many workers ran the trials or in which order they finished, so a search run locally and the
 * same search through a queue give the same trials.
 */
import { mulberry32 } from '../data/prng.js';
import type { Figures } from './budget.js';
import { candidateKey, mutateCandidate, sampleCandidate, type Candidate, type SearchSpace } from './space.js';

export type TrialStatus = 'done' | 'rejected' | 'failed';

/** One line of DIR/trials.jsonl. The last line of an id is that trial's current state. */
export interface TrialRecord {
  /** Trial number, 1-based, in proposal order. */
  id: number;
  generation: number;
  /** Successive-halving rung (0 = first, fewest epochs). */
  rung: number;
  epochs: number;
  seed: number;
  candidate: Candidate;
  /** Hash of the firmware-deciding part of the candidate (space.ts archKey). */
  arch: string;
  status: TrialStatus;
  /** Why it was rejected or failed. */
  reason?: string;
  /**
   * Flash, RAM, arena, instructions and latency (under the budget's CPI and clock): measured before
   * training with placeholder weights (rejected trials, and the budget check), then, once trained,
   * measured again on the trained model (the figures the front and the report use).
   */
  figures?: Figures & { latencyMs: number };
  /** A trained trial's figures as predicted before training. */
  predicted?: Figures & { latencyMs: number };
  /** Accuracy in [0, 1]; test only for Pareto-front trials (never used to choose). */
  accuracy?: { val: { float: number; int8: number }; test?: { float: number; int8: number } };
  epochsRun?: number;
  params?: number;
  /** Wall-clock seconds of training (not deterministic). */
  trainSeconds?: number;
  /** Who ran it: "local" or the queue worker's name (not deterministic). */
  worker?: string;
  /** The trial's folder, relative to the search folder (model.tflite, settings.json, float model). */
  dir?: string;
}

/** Candidates proposed per generation (fixed: never the worker count, so results do not depend on it). */
export const GENERATION_SIZE = 8;

/** The latest record of every trial id, in id order. */
export function latestById(records: readonly TrialRecord[]): TrialRecord[] {
  const m = new Map<number, TrialRecord>();
  for (const r of records) m.set(r.id, r);
  return [...m.values()].sort((a, b) => a.id - b.id);
}

const valInt8 = (r: TrialRecord) => r.accuracy?.val.int8 ?? -1;

/** Best first: validation int8 accuracy, then fewer instructions, then the lower id. */
export function byValidation(a: TrialRecord, b: TrialRecord): number {
  return valInt8(b) - valInt8(a) || (a.figures?.instructions ?? 0) - (b.figures?.instructions ?? 0) || a.id - b.id;
}

/**
 * The next candidate to try in generation `gen`, attempt `k` (0, 1, … until one is new and fits).
 * Generation 0 (and any generation without a trained trial yet): uniform random. Later: a
 * tournament of 3 among the trained trials of earlier generations, the winner mutated; every
 * fifth attempt stays random so the search keeps exploring.
 */
export function proposeCandidate(space: SearchSpace, seed: number, gen: number, k: number, earlier: readonly TrialRecord[]): Candidate {
  const rng = mulberry32(seed).fork(`tune-gen-${gen}-${k}`);
  const trained = latestById(earlier).filter((r) => r.status === 'done' && r.generation < gen);
  if (gen === 0 || trained.length === 0 || k % 5 === 4) return sampleCandidate(space, rng);
  let best: TrialRecord | null = null;
  for (let i = 0; i < Math.min(3, trained.length); i++) {
    const r = trained[rng.int(trained.length)];
    if (!best || byValidation(r, best) < 0) best = r;
  }
  let c = mutateCandidate(best!.candidate, space, rng);
  if (rng.next() < 0.3) c = mutateCandidate(c, space, rng);
  return c;
}

/** Keys of every candidate already proposed (trained, rejected or failed): never proposed twice. */
export function seenKeys(records: readonly TrialRecord[]): Set<string> {
  return new Set(records.map((r) => candidateKey(r.candidate)));
}

/** Trials of a rung promoted to the next: the best 1/eta (at least one) by validation int8 accuracy. */
export function promote(rungRecords: readonly TrialRecord[], eta: number): TrialRecord[] {
  const done = rungRecords.filter((r) => r.status === 'done').sort(byValidation);
  return done.slice(0, Math.max(1, Math.floor(done.length / eta)));
}

export interface FrontPoint {
  acc: number;
  instructions: number;
  ram: number;
  flash: number;
}

/** a dominates b: no worse in every objective (higher accuracy, fewer instructions, less RAM and flash), better in one. */
export function dominates(a: FrontPoint, b: FrontPoint): boolean {
  const noWorse = a.acc >= b.acc && a.instructions <= b.instructions && a.ram <= b.ram && a.flash <= b.flash;
  const better = a.acc > b.acc || a.instructions < b.instructions || a.ram < b.ram || a.flash < b.flash;
  return noWorse && better;
}

/** The Pareto front of the trained trials (int8 validation accuracy × instructions × RAM × flash), best accuracy first. */
export function paretoFront(records: readonly TrialRecord[]): TrialRecord[] {
  const done = latestById(records).filter((r) => r.status === 'done' && r.figures && r.accuracy);
  const pt = (r: TrialRecord): FrontPoint => ({ acc: r.accuracy!.val.int8, instructions: r.figures!.instructions, ram: r.figures!.ram, flash: r.figures!.flash });
  // Equal points: keep the lowest id only.
  const front = done.filter((r) => !done.some((o) => o !== r && (dominates(pt(o), pt(r)) || (sameFigures(pt(o), pt(r)) && o.id < r.id))));
  return front.sort(byValidation);
}

function sameFigures(a: FrontPoint, b: FrontPoint): boolean {
  return a.acc === b.acc && a.instructions === b.instructions && a.ram === b.ram && a.flash === b.flash;
}

/** The trial selected: best validation int8 accuracy among the trained ones (ties: fewer instructions). */
export function bestTrial(records: readonly TrialRecord[]): TrialRecord | null {
  const done = latestById(records).filter((r) => r.status === 'done');
  return done.sort(byValidation)[0] ?? null;
}
