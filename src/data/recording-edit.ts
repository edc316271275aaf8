/**
 * Crop and split of one recording (pure): what the studio's Record page and `tinyforge data crop` /
 * `data split-recording` do to a tinyforge capture (CSV + sidecar, tinyforge-capture/1).
 *
 * Positions are sample (frame) indices, ranges half-open [start, end). Every piece must hold at
 * least one window (`minSamples`): a piece without a window adds nothing to training and is
 * silently ignored by it, so asking for one is an error naming the remedy. The CSV rows are copied
 * verbatim — a crop or split never re-formats a number — and each piece's sidecar keeps the
 * original's metadata with the counts recomputed, the sequence gaps that fall inside it shifted,
 * and `derivedFrom` naming the original file and range. Writing (new files first, then the
 * original moved aside) is the service's (src/service/recordings.ts).
 */
import { badInput } from '../core/errors.js';
import { checkMeta, type CaptureGap, type CaptureMeta } from './import/capture.js';
import { parseSample, splitLines } from './import/common.js';

/** A CSV capture as rows of text (one per frame, verbatim) with its samples and sidecar. */
export interface CaptureRows {
  /** The sidecar object as read (unknown fields kept). */
  meta: CaptureMeta & Record<string, unknown>;
  header: string;
  rows: string[];
  /**
   * Interleaved samples [frame][axis] in the sidecar's units, as the file's decimals say (float64:
   * a chart gets 0.479, not float32's 0.4790000021…; importers and feature blocks round to float32).
   */
  samples: Float64Array;
}

/** One new recording: frames [start, end) of the original, written as `file`. */
export interface Piece {
  file: string;
  start: number;
  end: number;
}

export interface EditPlan {
  operation: 'crop' | 'split';
  /** The original's file name. */
  file: string;
  samples: number;
  sampleRateHz: number;
  pieces: Piece[];
  /** What the plan did that was not asked for in so many words (a short tail joined to the last piece). */
  notes: string[];
}

/** How to split: at sample indices, or into pieces of `every` samples. */
export type SplitSpec = { at: number[] } | { every: number };

const secs = (n: number, rate: number) => `${(n / rate).toFixed(2)} s`;
const span = (a: number, b: number, rate: number) => `${(a / rate).toFixed(2)}–${(b / rate).toFixed(2)} s`;

/**
 * Parses a CSV capture and its sidecar text, strictly: the header must be the sidecar's axes, every
 * row one finite number per axis, and the sidecar's sample count the CSV's (an edit must neither
 * drop a bad row nor act on a recording still being written).
 */
export function parseCaptureRows(csvText: string, sidecarText: string, source: string): CaptureRows {
  let doc: unknown;
  try {
    doc = JSON.parse(sidecarText);
  } catch (e) {
    throw badInput(`${source}.json: not valid JSON (${(e as Error).message})`, { remedy: 'the sidecar is damaged: restore it, or delete the recording' });
  }
  const meta = checkMeta(doc, `${source}.json`) as CaptureMeta & Record<string, unknown>;
  const lines = splitLines(csvText);
  const header = (lines[0] ?? '').trim();
  if (header !== meta.axes.join(',')) {
    throw badInput(`${source}:1: header "${header}" does not match the sidecar's axes ${meta.axes.join(',')}`, { remedy: 'keep the CSV and its .json sidecar together, unedited' });
  }
  const nA = meta.axes.length;
  const rows: string[] = [];
  const values: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const row = lines[i].trim();
    if (row === '') continue;
    const cells = row.split(',');
    if (cells.length !== nA) throw badInput(`${source}:${i + 1}: expected ${nA} columns (${header}), found ${cells.length}`, { remedy: `fix or remove line ${i + 1}, then edit the recording again (tinyforge data inspect ${source} --lenient shows every bad row)` });
    for (let a = 0; a < nA; a++) {
      const v = parseSample(cells[a]);
      if (typeof v === 'string') throw badInput(`${source}:${i + 1}: column ${meta.axes[a]} ${v}`, { remedy: `fix or remove line ${i + 1}, then edit the recording again` });
      values.push(v);
    }
    rows.push(row);
  }
  if (meta.samples !== undefined && meta.samples !== rows.length) {
    throw badInput(`${source}: the sidecar says ${meta.samples} samples, the CSV has ${rows.length}`, {
      remedy: `the recording is damaged or still being written: wait for it to finish, or check it with tinyforge data inspect ${source}`,
    });
  }
  return { meta, header, rows, samples: Float64Array.from(values) };
}

function checkIndex(name: string, v: number): void {
  if (!Number.isInteger(v)) throw badInput(`${name} must be a whole sample index, got ${v}`, { remedy: 'give positions in samples (whole numbers), or in seconds where the command takes seconds' });
}

/** Base name of a recording file without `.csv`. */
function stem(file: string): string {
  return file.replace(/\.csv$/i, '');
}

/** The new files' names: `STEM-crop.csv`, `STEM-p1.csv`…, or from `name` (a base without .csv). */
export function pieceNames(file: string, operation: 'crop' | 'split', count: number, name?: string): string[] {
  const base = name === undefined ? stem(file) : stem(name);
  if (operation === 'crop') return [name === undefined ? `${base}-crop.csv` : `${base}.csv`];
  return Array.from({ length: count }, (_, i) => `${base}-p${i + 1}.csv`);
}

/**
 * Keep frames [start, end) of a recording of `samples` frames. The range must lie inside the
 * recording, differ from the whole of it, and hold at least `minSamples` frames (one window).
 */
export function planCrop(file: string, samples: number, rateHz: number, range: { start: number; end: number }, minSamples: number, name?: string): EditPlan {
  const { start, end } = range;
  checkIndex('the crop start', start);
  checkIndex('the crop end', end);
  const whole = `0–${secs(samples, rateHz)} (${samples} samples)`;
  if (start < 0 || end > samples || start >= end) {
    throw badInput(`the crop range ${span(start, end, rateHz)} (samples ${start}–${end}) is not inside the recording ${file}, ${whole}`, {
      remedy: `select a range with 0 ≤ start < end ≤ ${secs(samples, rateHz)}`,
    });
  }
  if (start === 0 && end === samples) throw badInput(`the crop range is the whole recording ${file}: nothing to crop`, { remedy: 'select the part to keep' });
  if (end - start < minSamples) {
    throw badInput(`the crop keeps ${end - start} samples (${secs(end - start, rateHz)}), fewer than one window (${minSamples} samples, ${secs(minSamples, rateHz)}): no window would fit`, {
      remedy: `keep at least ${secs(minSamples, rateHz)}, or delete the recording instead`,
    });
  }
  return { operation: 'crop', file, samples, sampleRateHz: rateHz, pieces: [{ file: pieceNames(file, 'crop', 1, name)[0], start, end }], notes: [] };
}

/**
 * Cut a recording into consecutive pieces that together hold every frame: at the given sample
 * indices (each strictly inside the recording), or every `every` samples (a tail shorter than
 * `minSamples` joins the last piece, said in `notes`). Every piece holds at least `minSamples`.
 */
export function planSplit(file: string, samples: number, rateHz: number, spec: SplitSpec, minSamples: number, name?: string): EditPlan {
  const notes: string[] = [];
  let cuts: number[];
  if ('every' in spec) {
    checkIndex('the piece length', spec.every);
    if (spec.every < minSamples) {
      throw badInput(`pieces of ${spec.every} samples (${secs(spec.every, rateHz)}) are shorter than one window (${minSamples} samples, ${secs(minSamples, rateHz)})`, { remedy: `split into pieces of at least ${secs(minSamples, rateHz)}` });
    }
    cuts = [];
    for (let p = spec.every; p < samples; p += spec.every) cuts.push(p);
    const last = cuts[cuts.length - 1];
    if (last !== undefined && samples - last < minSamples) {
      cuts.pop();
      notes.push(`the last ${samples - last} samples (${secs(samples - last, rateHz)}, less than a window) joined the last piece`);
    }
    if (!cuts.length) {
      throw badInput(`${file} is ${secs(samples, rateHz)} (${samples} samples): pieces of ${secs(spec.every, rateHz)} leave nothing to split`, { remedy: `choose a length of at most half the recording (${secs(Math.floor(samples / 2), rateHz)}) and at least one window (${secs(minSamples, rateHz)})` });
    }
  } else {
    if (!Array.isArray(spec.at) || !spec.at.length) throw badInput('no split point given', { remedy: 'give at least one point inside the recording' });
    for (const p of spec.at) {
      checkIndex('a split point', p);
      if (p <= 0 || p >= samples) {
        throw badInput(`the split point ${secs(p, rateHz)} (sample ${p}) is outside the recording ${file}, 0–${secs(samples, rateHz)} (${samples} samples)`, {
          remedy: `choose points strictly between 0 and ${secs(samples, rateHz)}`,
        });
      }
    }
    cuts = [...new Set(spec.at)].sort((a, b) => a - b);
  }
  const bounds = [0, ...cuts, samples];
  const names = pieceNames(file, 'split', bounds.length - 1, name);
  const pieces = names.map((f, i) => ({ file: f, start: bounds[i], end: bounds[i + 1] }));
  const short = pieces.findIndex((p) => p.end - p.start < minSamples);
  if (short >= 0) {
    const p = pieces[short];
    throw badInput(`piece ${short + 1} (${span(p.start, p.end, rateHz)}) would hold ${p.end - p.start} samples, fewer than one window (${minSamples} samples, ${secs(minSamples, rateHz)})`, {
      remedy: `move or drop the split point${short > 0 ? ` at ${secs(p.start, rateHz)}` : ''}${short < pieces.length - 1 ? `${short > 0 ? ' or' : ''} at ${secs(p.end, rateHz)}` : ''}: every piece needs at least ${secs(minSamples, rateHz)}`,
    });
  }
  return { operation: 'split', file, samples, sampleRateHz: rateHz, pieces, notes };
}

/** Sidecar fields that describe the original capture's link as a whole and cannot be divided among pieces (the backup keeps them). */
const WHOLE_CAPTURE_ONLY = ['duplicateSamples', 'corruptFrames', 'measuredRateHz'];

/** One piece's CSV and sidecar text (the rows verbatim; the counts, gaps and start time recomputed). */
export function pieceFiles(c: CaptureRows, plan: EditPlan, piece: Piece): { csv: string; sidecar: string } {
  const rate = c.meta.sampleRateHz;
  const n = piece.end - piece.start;
  const gaps: CaptureGap[] = (c.meta.gaps ?? []).filter((g) => g.at > piece.start && g.at < piece.end).map((g) => ({ at: g.at - piece.start, missing: g.missing }));
  const meta: Record<string, unknown> = { ...c.meta };
  for (const k of WHOLE_CAPTURE_ONLY) delete meta[k];
  const t0 = typeof c.meta.startedAt === 'string' ? Date.parse(c.meta.startedAt) : NaN;
  Object.assign(meta, {
    samples: n,
    seconds: n / rate,
    gaps,
    missingSamples: gaps.reduce((a, g) => a + g.missing, 0),
    file: piece.file,
    ...(Number.isFinite(t0) ? { startedAt: new Date(t0 + Math.round((piece.start / rate) * 1000)).toISOString() } : {}),
    derivedFrom: { file: plan.file, operation: plan.operation, startSample: piece.start, endSample: piece.end },
  });
  return { csv: `${c.header}\n${c.rows.slice(piece.start, piece.end).join('\n')}\n`, sidecar: JSON.stringify(meta, null, 2) + '\n' };
}

/** A recording for a chart: its metadata and one column of samples per axis. */
export interface RecordingSamples {
  file: string;
  label: string;
  group: string;
  sampleRateHz: number;
  axes: string[];
  units: string[];
  /** Frames; seconds = samples / sampleRateHz (as the recordings list and its totals count them). */
  samples: number;
  seconds: number;
  /** columns[axis][frame], in `units`. */
  columns: number[][];
  gaps: { at: number; missing: number }[];
  /** The shortest piece a crop or split may leave: one window, in samples (src/service/recordings.ts editWindow). */
  windowSamples: number;
}

export interface EditResult {
  operation: 'crop' | 'split';
  /** The original file name, and where it was moved (relative to the dataset folder). */
  original: string;
  backup: string;
  pieces: { file: string; start: number; end: number; samples: number; seconds: number }[];
  notes: string[];
}

/** Seconds → the nearest sample index at `rateHz`. */
export function sampleAt(seconds: number, rateHz: number): number {
  return Math.round(seconds * rateHz);
}
