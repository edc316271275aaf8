/**
 * Train/validation/test splits that never put one group (subject, device, session) in two splits,
 * stratified by class, seeded and reproducible.
 *
 * Group mode (the normal case): whole groups are assigned to splits. The number of groups per
 * split is fixed first (val and test each get round(fraction × groups), at least 1 when their
 * fraction is > 0; train gets the rest and at least 1); then groups, largest first with seeded
 * tie-breaking, go greedily to the split (with room left) that keeps every class's share of each
 * split closest to the target fractions.
 *
 * Fallback (documented, reported): when there are too few groups for every non-empty split to
 * receive every class — e.g. one subject, or one file per class — `splitByGroup` splits each
 * class's recordings into contiguous blocks in recording order (first → train, then val, then
 * test). Whole recordings stay together; windows are never interleaved between splits. The report
 * says so (`mode: "contiguous"`) and warns that groups are shared. `fallback: "error"` refuses
 * instead.
 */
import type { Recording, WindowSet } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { mulberry32, shuffled } from './prng.js';
import { subsetWindows } from './window.js';

export const SPLIT_NAMES = ['train', 'val', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

export interface SplitOptions {
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Fraction of the data for validation, 0–0.5. Default 0.15. */
  val?: number;
  /** Fraction of the data for test, 0–0.5. Default 0.15. */
  test?: number;
  /** What to do when groups cannot be kept apart while stratifying. Default "contiguous". */
  fallback?: 'contiguous' | 'error';
  /** Groups held out as the test split (chosen, not drawn); the rest go to train and val by group. */
  testGroups?: string[];
}

export interface SplitReport {
  mode: 'group' | 'contiguous' | 'chosen';
  seed: number;
  /** Groups in each split (sorted). In contiguous mode a group may be listed in several. */
  groups: Record<SplitName, string[]>;
  /** Per split, per class: recordings (splitByGroup) or windows (splitWindowsByGroup). */
  counts: Record<SplitName, Record<string, number>>;
  warnings: string[];
}

export interface RecordingSplit {
  train: Recording[];
  val: Recording[];
  test: Recording[];
  report: SplitReport;
}

export interface WindowSplit {
  train: WindowSet;
  val: WindowSet;
  test: WindowSet;
  report: SplitReport;
}

interface Item {
  group: string;
  label: string;
  /** Weight (frames or windows) used to balance the splits. */
  weight: number;
}

function checkFractions(opts: SplitOptions): { seed: number; fr: number[] } {
  const val = opts.val ?? 0.15;
  const test = opts.test ?? 0.15;
  for (const [name, f] of [['val', val], ['test', test]] as const) {
    if (!(f >= 0 && f <= 0.5)) throw badInput(`split fraction --${name} must be within 0–0.5, got ${f}`, { remedy: `pass e.g. --${name} 0.15` });
  }
  const seed = opts.seed ?? 1;
  if (!Number.isFinite(seed)) throw badInput(`split seed must be an integer, got ${seed}`, { remedy: 'pass e.g. --seed 1' });
  return { seed, fr: [1 - val - test, val, test] };
}

/**
 * Assigns whole groups to splits. Returns split index per group, or null when some class would be
 * missing from a non-empty split (too few groups to stratify).
 */
function assignGroups(items: readonly Item[], fr: number[], seed: number): Map<string, number> | null {
  const labels = [...new Set(items.map((i) => i.label))].sort();
  const li = new Map(labels.map((l, k) => [l, k]));
  const byGroup = new Map<string, number[]>();
  for (const it of items) {
    let c = byGroup.get(it.group);
    if (!c) byGroup.set(it.group, (c = new Array(labels.length).fill(0)));
    c[li.get(it.label)!] += it.weight;
  }
  const G = byGroup.size;
  const quota = [0, fr[1] > 0 ? Math.max(1, Math.round(fr[1] * G)) : 0, fr[2] > 0 ? Math.max(1, Math.round(fr[2] * G)) : 0];
  quota[0] = G - quota[1] - quota[2];
  if (quota[0] < 1) return null;
  const total = new Array(labels.length).fill(0);
  for (const c of byGroup.values()) c.forEach((v, k) => (total[k] += v));
  const sum = (c: number[]) => c.reduce((a, b) => a + b, 0);
  // Seeded shuffle, then a stable sort by size: big groups placed first balance best. Sizes within
  // 25 % of each other count as equal, so the seed changes which people are held out (real
  // subjects never record exactly the same amount; an exact sort would make the seed moot).
  const bucket = (g: string) => Math.round(Math.log(Math.max(1, sum(byGroup.get(g)!))) / Math.log(1.25));
  const order = shuffled([...byGroup.keys()].sort(), mulberry32(seed)).sort((a, b) => bucket(b) - bucket(a));
  const acc = [0, 1, 2].map(() => new Array(labels.length).fill(0));
  const used = [0, 0, 0];
  const out = new Map<string, number>();
  for (const g of order) {
    const c = byGroup.get(g)!;
    let best = -1;
    let bestCost = Infinity;
    for (let s = 0; s < 3; s++) {
      if (used[s] >= quota[s]) continue;
      let cost = 0;
      for (let s2 = 0; s2 < 3; s2++) {
        for (let k = 0; k < labels.length; k++) {
          const share = (acc[s2][k] + (s2 === s ? c[k] : 0)) / total[k];
          cost += (share - fr[s2]) ** 2;
        }
      }
      // Prefer the split with the most unfilled room on ties.
      if (cost < bestCost - 1e-12 || (Math.abs(cost - bestCost) <= 1e-12 && quota[s] - used[s] > quota[best] - used[best])) {
        best = s;
        bestCost = cost;
      }
    }
    out.set(g, best);
    used[best]++;
    c.forEach((v, k) => (acc[best][k] += v));
  }
  for (let s = 0; s < 3; s++) {
    if (quota[s] === 0) continue;
    if (acc[s].some((v) => v === 0)) return null;
  }
  return out;
}

/** A report being filled: counts in Maps (labels such as "__proto__" are data, never object keys). */
type Tallied = SplitReport & { tallies: Record<SplitName, Map<string, number>> };

function emptyReport(mode: SplitReport['mode'], seed: number): Tallied {
  return { mode, seed, groups: { train: [], val: [], test: [] }, counts: { train: {}, val: {}, test: {} }, warnings: [], tallies: { train: new Map(), val: new Map(), test: new Map() } };
}

function tally(report: Tallied, split: SplitName, group: string, label: string, n: number): void {
  if (!report.groups[split].includes(group)) report.groups[split].push(group);
  const t = report.tallies[split];
  t.set(label, (t.get(label) ?? 0) + n);
}

function finish(report: Tallied): SplitReport {
  const { tallies, ...out } = report;
  for (const s of SPLIT_NAMES) {
    out.groups[s].sort();
    // fromEntries defines own properties, so a "__proto__" label is an ordinary key of the JSON report.
    out.counts[s] = Object.fromEntries(tallies[s]);
  }
  return out;
}

/** Splits recordings (before windowing) by group; see the module comment for the fallback. */
export function splitByGroup(recs: readonly Recording[], opts: SplitOptions = {}): RecordingSplit {
  const { seed, fr } = checkFractions(opts);
  if (recs.length === 0) throw badInput('no recordings to split', { remedy: 'import at least one recording' });
  if (opts.testGroups) return splitChosen(recs, opts.testGroups, fr[1], seed);
  const items = recs.map((r) => ({ group: r.group, label: r.label, weight: r.samples.length / r.axes.length }));
  const assigned = assignGroups(items, fr, seed);
  const parts: Recording[][] = [[], [], []];
  if (assigned) {
    const report = emptyReport('group', seed);
    recs.forEach((r) => {
      const s = assigned.get(r.group)!;
      parts[s].push(r);
      tally(report, SPLIT_NAMES[s], r.group, r.label, 1);
    });
    return { train: parts[0], val: parts[1], test: parts[2], report: finish(report) };
  }
  const groups = new Set(recs.map((r) => r.group)).size;
  if (opts.fallback === 'error') {
    throw badInput(`cannot split ${groups} group(s) into train/val/test with every class in every split`, {
      remedy: 'record more subjects/sessions (groups), lower --val/--test to 0, or allow the contiguous-recording fallback',
    });
  }
  const report = emptyReport('contiguous', seed);
  const labels = [...new Set(recs.map((r) => r.label))].sort();
  for (const label of labels) {
    const mine = recs.filter((r) => r.label === label);
    const n = mine.length;
    const nVal = fr[1] > 0 ? Math.max(1, Math.round(fr[1] * n)) : 0;
    const nTest = fr[2] > 0 ? Math.max(1, Math.round(fr[2] * n)) : 0;
    const nTrain = n - nVal - nTest;
    if (nTrain < 1) {
      throw badInput(`class "${label}" has only ${n} recording(s) in ${groups} group(s): too few to split into train/val/test without sharing a recording`, {
        remedy: 'record more (separate recordings or subjects), or lower --val/--test to 0',
      });
    }
    mine.forEach((r, i) => {
      const s = i < nTrain ? 0 : i < nTrain + nVal ? 1 : 2;
      parts[s].push(r);
      tally(report, SPLIT_NAMES[s], r.group, r.label, 1);
    });
  }
  const shared = [...new Set(recs.map((r) => r.group))].filter((g) => SPLIT_NAMES.filter((s) => report.groups[s].includes(g)).length > 1);
  // Why: the classes recorded in fewer groups than there are splits to fill (a class one person recorded).
  const needed = 1 + (fr[1] > 0 ? 1 : 0) + (fr[2] > 0 ? 1 : 0);
  const groupsOf = new Map<string, Set<string>>();
  for (const r of recs) (groupsOf.get(r.label) ?? groupsOf.set(r.label, new Set()).get(r.label)!).add(r.group);
  const thin = [...groupsOf].filter(([, g]) => g.size < needed).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const why = thin.length
    ? thin.map(([l, g]) => `class "${l}" is recorded in only ${g.size} group${g.size > 1 ? 's' : ''} (${[...g].sort().slice(0, 5).join(', ')})`).join(', ')
    : `only ${groups} group(s)`;
  report.warnings.push(
    `${why}: groups cannot be kept apart with every class in every split, so each class's recordings were split into contiguous blocks (train, val, test in recording order)` +
      (shared.length ? `; ${shared.length} group(s) in several splits (${shared.sort().slice(0, 10).join(', ')}${shared.length > 10 ? ', …' : ''}) — held-out accuracy is about known groups and may be optimistic` : '') +
      `. Leave such classes out (--exclude-labels, data.labels), record them from more groups, or choose the test groups (--test-groups)`,
  );
  return { train: parts[0], val: parts[1], test: parts[2], report: finish(report) };
}

/**
 * The test split is the chosen groups; the others are split into train and val by group (as in
 * group mode, stratified and seeded), falling back to no val when too few groups remain.
 */
function splitChosen(recs: readonly Recording[], testGroups: readonly string[], val: number, seed: number): RecordingSplit {
  const all = new Set(recs.map((r) => r.group));
  const unknown = testGroups.filter((g) => !all.has(g));
  if (unknown.length) throw badInput(`--test-groups names group(s) the data does not have: ${unknown.slice(0, 8).join(', ')} (groups: ${[...all].sort().slice(0, 12).join(', ')})`, { remedy: 'name groups data inspect lists' });
  const chosen = new Set(testGroups);
  if (chosen.size >= all.size) throw badInput('--test-groups names every group: nothing is left to train on', { remedy: 'hold out fewer groups' });
  const rest = recs.filter((r) => !chosen.has(r.group));
  const items = rest.map((r) => ({ group: r.group, label: r.label, weight: r.samples.length / r.axes.length }));
  const report = emptyReport('chosen', seed);
  const labels = new Set(recs.map((r) => r.label));
  const testLabels = new Set(recs.filter((r) => chosen.has(r.group)).map((r) => r.label));
  const missing = [...labels].filter((l) => !testLabels.has(l)).sort();
  if (missing.length) report.warnings.push(`the test groups (${[...chosen].sort().join(', ')}) have no recordings of ${missing.join(', ')}: those classes are not tested`);
  let assigned = val > 0 ? assignGroups(items, [1 - val, val, 0], seed) : null;
  if (!assigned) {
    if (val > 0) report.warnings.push('too few groups besides the test groups for a validation split with every class: no validation split');
    assigned = new Map(rest.map((r) => [r.group, 0]));
  }
  const parts: Recording[][] = [[], [], []];
  for (const r of recs) {
    const s = chosen.has(r.group) ? 2 : assigned.get(r.group)!;
    parts[s].push(r);
    tally(report, SPLIT_NAMES[s], r.group, r.label, 1);
  }
  return { train: parts[0], val: parts[1], test: parts[2], report: finish(report) };
}

/** Splits already-windowed data by the windows' groups. No fallback: windows do not know their
 * recording boundaries, so with too few groups split the recordings instead (splitByGroup). */
export function splitWindowsByGroup(ws: WindowSet, opts: SplitOptions = {}): WindowSplit {
  const { seed, fr } = checkFractions(opts);
  const items = ws.groups.map((g, i) => ({ group: g, label: ws.labels[ws.y[i]], weight: 1 }));
  const assigned = items.length ? assignGroups(items, fr, seed) : null;
  if (!assigned) {
    throw badInput(`cannot split windows of ${new Set(ws.groups).size} group(s) into train/val/test with every class in every split`, {
      remedy: 'split the recordings before windowing (its contiguous fallback handles few groups), record more groups, or lower --val/--test',
    });
  }
  const report = emptyReport('group', seed);
  const idx: number[][] = [[], [], []];
  items.forEach((it, i) => {
    const s = assigned.get(it.group)!;
    idx[s].push(i);
    tally(report, SPLIT_NAMES[s], it.group, it.label, 1);
  });
  return { train: subsetWindows(ws, idx[0]), val: subsetWindows(ws, idx[1]), test: subsetWindows(ws, idx[2]), report: finish(report) };
}

export interface GroupFold {
  /** The held-out group. */
  group: string;
  train: Recording[];
  test: Recording[];
}

/** One fold per group (sorted by name): that group is the test set, all others train. */
export function leaveOneGroupOut(recs: readonly Recording[]): GroupFold[] {
  const groups = [...new Set(recs.map((r) => r.group))].sort();
  if (groups.length < 2) {
    throw badInput(`leave-one-group-out needs at least 2 groups, found ${groups.length}`, { remedy: 'import recordings from several subjects/sessions (set --group per file)' });
  }
  return groups.map((group) => ({ group, train: recs.filter((r) => r.group !== group), test: recs.filter((r) => r.group === group) }));
}

/**
 * Grouped k-fold: the groups dealt into `k` folds of about equal size (frames), largest first
 * with seeded tie-breaking (sizes within 25 % are ties, as in the split), each fold's groups
 * sorted. Each fold is one run's `testGroups`; no group is in two folds.
 */
export function groupFolds(recs: readonly Recording[], k: number, seed = 1): string[][] {
  const size = new Map<string, number>();
  for (const r of recs) size.set(r.group, (size.get(r.group) ?? 0) + r.samples.length / r.axes.length);
  if (!Number.isInteger(k) || k < 2) throw badInput(`--folds must be a whole number ≥ 2, got ${k}`, { remedy: 'e.g. --folds 5' });
  if (size.size < k) throw badInput(`--folds ${k} needs at least ${k} groups, the data has ${size.size}`, { remedy: `use at most --folds ${size.size}, or record more groups` });
  const bucket = (g: string) => Math.round(Math.log(Math.max(1, size.get(g)!)) / Math.log(1.25));
  const order = shuffled([...size.keys()].sort(), mulberry32(seed)).sort((a, b) => bucket(b) - bucket(a));
  const folds: string[][] = Array.from({ length: k }, () => []);
  const load = new Array<number>(k).fill(0);
  for (const g of order) {
    let best = 0;
    for (let f = 1; f < k; f++) if (load[f] < load[best] || (load[f] === load[best] && folds[f].length < folds[best].length)) best = f;
    folds[best].push(g);
    load[best] += size.get(g)!;
  }
  return folds.map((f) => f.sort());
}
