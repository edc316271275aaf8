/**
 * From the project file's `data` section (or CLI flags) to train/val/test windows, using the data
 * stage's simulator, splitter and windowing. Pure: recordings in, windows out (the CLI reads files).
 */
import type { Recording } from '../core/dataset.js';
import { fileStem } from '../data/import/common.js';
import { badInput } from '../core/errors.js';
import { builtinPrepared, builtinWindowing, prepareDataset, selectClasses, type PreparedDataset } from '../data/prepare.js';
import type { DataConfig } from './config.js';
import type { SplitContext } from './train.js';
import type { BuiltinOptions } from '../data/simulator.js';

export interface TrainingData extends PreparedDataset {
  /** Units per axis (from the recordings) for ModelSettings. */
  units: string[];
  /** What was done to the data, in words, for the CLI to print (warnings start with "warning:"). */
  notes: string[];
  /** The split in words for the report and the fit verdict. */
  splitContext: SplitContext;
}

function leftOutNotes(leftOut: { label: string; recordings: number }[] | undefined): string[] {
  return leftOut?.length ? [`classes left out (data.labels / --exclude-labels): ${leftOut.map((l) => `${l.label} (${l.recordings} recording${l.recordings > 1 ? 's' : ''})`).join(', ')}`] : [];
}

/** The split's context: what its groups are, whether they stayed apart, and its warnings. */
function contextOf(d: PreparedDataset, groups: string): SplitContext {
  return { mode: d.split.mode, groups, apart: d.split.mode !== 'contiguous', warnings: d.split.warnings.slice() };
}

/**
 * What the groups of imported recordings are, in words: "subjects" when a group names a person
 * or session (not the file), "files" when each group is the file it came from, "recordings
 * (single gestures)" when each recording was made its own group.
 */
function groupNoun(recs: readonly Recording[], ownGroup: boolean, hint?: string): string {
  if (ownGroup) return hint === 'gestures' ? 'gestures (of the same people)' : 'recordings (of the same people)';
  const fileOf = (r: Recording) => (r.source ?? '').replace(/(:\d+-\d+| samples .*)$/, '');
  return recs.every((r) => r.source && r.group === fileStem(fileOf(r))) ? 'files' : 'groups (subjects or sessions)';
}

/** The built-in simulated activity data, split by subject. */
export function builtinTrainingData(cfg: DataConfig = {}, hooks: Pick<BuiltinOptions, 'onProgress'> = {}): TrainingData {
  const b = typeof cfg.builtin === 'object' ? cfg.builtin : {};
  const d = builtinPrepared({
    ...b,
    ...hooks,
    ...(cfg.excludeLabels ? { excludeLabels: cfg.excludeLabels } : {}),
    ...(cfg.split ?? {}),
    seed: cfg.split?.seed ?? b.seed,
    ...(cfg.windowLength ? { length: cfg.windowLength } : {}),
    ...(cfg.windowStride ? { stride: cfg.windowStride } : {}),
    ...(cfg.labels ? { labels: cfg.labels } : {}),
    ...(cfg.axes ? { axes: cfg.axes } : {}),
  });
  return { ...d, units: d.axes.map(() => 'g'), notes: [`built-in activity data (simulated), split by subject`, ...leftOutNotes(d.leftOut), ...d.split.warnings.map((w) => `warning: ${w}`)], splitContext: contextOf(d, 'subjects') };
}

/**
 * Imported recordings → windows. Window defaults: when every recording has the same short length
 * (≤ 4 s: one gesture per recording, as IMU_Capture files are), one window per recording; else
 * 2 s windows with a 1 s hop. When each group holds a single class (e.g. one file per gesture
 * class, grouped by file), groups cannot be split fairly, so each recording becomes its own group.
 */
export function recordingsTrainingData(all: Recording[], cfg: DataConfig = {}, hints: { groups?: string } = {}): TrainingData {
  if (all.length === 0) throw badInput('no recordings to train on', { remedy: 'Pass files with --data, or use --builtin.' });
  // One rule for the classes (data.labels, excludeLabels), the same for data split, train and run.
  const sel = selectClasses(all, cfg.labels, cfg.excludeLabels);
  const recs = sel.recordings;
  const notes: string[] = leftOutNotes(sel.leftOut);
  const labels = sel.labels;
  if (labels.length < 2) {
    throw badInput(`training needs at least 2 classes, the data has ${labels.length} (${labels.join(', ')})`, { remedy: 'Import recordings of at least two labels (e.g. one file per gesture).' });
  }
  const frames = recs.map((r) => r.samples.length / r.axes.length);
  const rate = recs[0].sampleRateHz;
  let length = cfg.windowLength;
  let stride = cfg.windowStride;
  if (length === undefined) {
    const same = frames.every((f) => f === frames[0]);
    if (same && frames[0] <= 4 * rate) {
      length = frames[0];
      notes.push(`every recording has ${frames[0]} samples: one window per recording`);
    } else {
      length = builtinWindowing(rate).length;
    }
  }
  stride ??= length === frames[0] ? length : Math.max(1, Math.round(length / 2));
  const labelsPerGroup = new Map<string, Set<string>>();
  for (const r of recs) labelsPerGroup.set(r.group, (labelsPerGroup.get(r.group) ?? new Set()).add(r.label));
  let data = recs;
  const ownGroup = [...labelsPerGroup.values()].every((s) => s.size === 1) && labelsPerGroup.size <= labels.length;
  if (ownGroup) {
    data = recs.map((r, i) => ({ ...r, group: `${r.group}#${i + 1}` }));
    notes.push(`each group holds one class only, so each of the ${recs.length} recordings is its own group for the split`);
  }
  const d = prepareDataset(data, {
    length,
    stride,
    labels,
    ...(cfg.axes ? { axes: cfg.axes } : {}),
    ...(cfg.split ?? {}),
  });
  const units = d.axes.map((a) => recs[0].units[recs[0].axes.indexOf(a)] ?? '');
  for (const w of d.split.warnings) notes.push(`warning: ${w}`);
  return { ...d, ...(sel.leftOut.length ? { leftOut: sel.leftOut } : {}), units, notes, splitContext: contextOf(d, groupNoun(recs, ownGroup, hints.groups)) };
}
