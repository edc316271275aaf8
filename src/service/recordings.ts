/**
 * Service: one recording's samples, crop, split and window spectrum — for the studio's Record page
 * and `tinyforge data crop` / `data split-recording` / `data inspect --spectrum`. Recordings are
 * tinyforge captures (CSV + `.json` sidecar, tinyforge-capture/1).
 *
 * Nothing is lost, and no file is ever half written:
 *  1. the whole edit is planned and checked first (src/data/recording-edit.ts: ranges, points,
 *     pieces of at least one window), and no new name may clash with a file already there;
 *  2. every new recording is written with writeFileAtomic, its CSV before its sidecar (a listing
 *     shows a recording only once its sidecar exists); a failure removes the new files again;
 *  3. only then is the original moved — not deleted — into the dataset's `.originals/` folder
 *     (hidden: folder imports and the studio's list skip it), from where it can be moved back.
 * The file system comes in as a port (RecordingFiles), from the client's Platform.
 */
import { basename, dirname, join } from 'node:path';
import type { ModelSettings } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import type { FilePort } from './ports.js';
import { builtinWindowing } from '../data/prepare.js';
import { parseCaptureRows, pieceFiles, planCrop, planSplit, sampleAt, type CaptureRows, type EditPlan, type EditResult, type RecordingSamples, type SplitSpec } from '../data/recording-edit.js';

export type { EditResult, RecordingSamples };
import { spectrumParams, windowSpectrum, type WindowSpectrum } from '../features/spectrum.js';

/** The file system as these functions use it (a port: src/adapters/platform.ts binds it). */
export type RecordingFiles = Pick<FilePort, 'exists' | 'readText' | 'makeDir' | 'writeFileAtomic' | 'moveFile' | 'removePath'>;

/** Where edited originals go, inside the dataset folder. */
export const ORIGINALS_DIR = '.originals';

const NOT_CAPTURE = 'crop and split work on recordings made by tinyforge capture or the studio (a CSV with its .json sidecar)';

/** Reads a CSV capture and its sidecar, strictly (src/data/recording-edit.ts parseCaptureRows). */
export function readCaptureRows(files: Pick<RecordingFiles, 'exists' | 'readText'>, path: string): CaptureRows {
  if (!/\.csv$/i.test(path)) throw badInput(`${path} is not a .csv recording`, { remedy: NOT_CAPTURE });
  if (!files.exists(path)) throw badInput(`no recording ${path}`, { remedy: 'check the path (tinyforge data inspect FOLDER lists the recordings)' });
  if (!files.exists(path + '.json')) throw badInput(`${path} has no sidecar ${basename(path)}.json, so it is not a tinyforge capture`, { remedy: NOT_CAPTURE });
  return parseCaptureRows(files.readText(path), files.readText(path + '.json'), path);
}

/**
 * One window, in samples at `rateHz`: the model's window length (scaled to this rate when the
 * model runs at another), else 2 s — `data split`'s and `train`'s default.
 */
export function editWindow(settings: Pick<ModelSettings, 'windowLength' | 'sampleRateHz'> | null, rateHz: number): number {
  if (settings && settings.windowLength > 0 && settings.sampleRateHz > 0) return Math.max(1, Math.round((settings.windowLength * rateHz) / settings.sampleRateHz));
  return builtinWindowing(rateHz).length;
}

export function recordingSamples(files: Pick<RecordingFiles, 'exists' | 'readText'>, path: string, settings: ModelSettings | null = null): RecordingSamples {
  const c = readCaptureRows(files, path);
  const nA = c.meta.axes.length;
  const n = c.rows.length;
  const columns = c.meta.axes.map((_, a) => {
    const col = new Array<number>(n);
    for (let t = 0; t < n; t++) col[t] = c.samples[t * nA + a];
    return col;
  });
  return {
    file: basename(path), label: c.meta.label, group: c.meta.group, sampleRateHz: c.meta.sampleRateHz, axes: c.meta.axes, units: c.meta.units,
    samples: n, seconds: n / c.meta.sampleRateHz, columns, gaps: c.meta.gaps ?? [], windowSamples: editWindow(settings, c.meta.sampleRateHz),
  };
}

export interface EditOptions {
  /** The shortest piece allowed, in samples (default: editWindow of `settings`). */
  minSamples?: number;
  /** The model whose window sets the shortest piece. */
  settings?: ModelSettings | null;
  /** Base name of the new file(s) instead of ORIGINAL-crop / ORIGINAL-p1… */
  name?: string;
  /** Positions and lengths in samples (default) or seconds (rounded to the nearest sample at the recording's rate). */
  unit?: 'samples' | 'seconds';
}

function checkName(name: string | undefined): void {
  if (name === undefined) return;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/.test(name) || name.includes('..')) {
    throw badInput(`the new name ${JSON.stringify(name)} is not a plain file name`, { remedy: 'use letters, digits, ".", "_" and "-" (up to 120 characters, no folders), e.g. walking.alice.cut' });
  }
}

/** Writes the plan's pieces, then moves the original aside (see the module comment). */
function execute(files: RecordingFiles, path: string, c: CaptureRows, plan: EditPlan): EditResult {
  const { exists, makeDir, moveFile, removePath, writeFileAtomic } = files;
  const dir = dirname(path);
  for (const p of plan.pieces) {
    if (exists(join(dir, p.file)) || exists(join(dir, p.file + '.json'))) {
      throw badInput(`a recording named ${p.file} already exists in ${dir}`, { remedy: `give the new ${plan.pieces.length > 1 ? 'pieces' : 'recording'} another name (the name field, or --name NAME), or delete ${p.file} first` });
    }
  }
  const written: string[] = [];
  try {
    for (const p of plan.pieces) {
      const f = pieceFiles(c, plan, p);
      writeFileAtomic(join(dir, p.file), f.csv);
      written.push(join(dir, p.file));
      writeFileAtomic(join(dir, p.file + '.json'), f.sidecar);
      written.push(join(dir, p.file + '.json'));
    }
  } catch (e) {
    for (const w of written.reverse()) removePath(w);
    throw e;
  }
  makeDir(join(dir, ORIGINALS_DIR));
  const stem = plan.file.replace(/\.csv$/i, '');
  let backup = join(ORIGINALS_DIR, plan.file);
  for (let i = 2; exists(join(dir, backup)) || exists(join(dir, backup + '.json')); i++) backup = join(ORIGINALS_DIR, `${stem}-${i}.csv`);
  // The CSV first: the studio lists a CSV only beside its sidecar, so it never shows half a move.
  moveFile(path, join(dir, backup));
  moveFile(path + '.json', join(dir, backup + '.json'));
  const rate = plan.sampleRateHz;
  return {
    operation: plan.operation, original: plan.file, backup,
    pieces: plan.pieces.map((p) => ({ ...p, samples: p.end - p.start, seconds: (p.end - p.start) / rate })),
    notes: plan.notes,
  };
}

/** Position → sample index under the options' unit. */
const toSample = (o: EditOptions, rate: number) => (v: number) => (o.unit === 'seconds' ? sampleAt(v, rate) : v);

/**
 * Keeps [start, end) of the recording at `path` (default start 0, end the recording's end) as a new
 * recording; the original goes to .originals/.
 */
export function cropRecording(files: RecordingFiles, path: string, range: { start?: number; end?: number }, o: EditOptions = {}): EditResult {
  checkName(o.name);
  const c = readCaptureRows(files, path);
  const rate = c.meta.sampleRateHz;
  const at = toSample(o, rate);
  const plan = planCrop(basename(path), c.rows.length, rate, { start: range.start === undefined ? 0 : at(range.start), end: range.end === undefined ? c.rows.length : at(range.end) }, o.minSamples ?? editWindow(o.settings ?? null, rate), o.name);
  return execute(files, path, c, plan);
}

/** Cuts the recording at `path` into pieces (at points, or every N); the original goes to .originals/. */
export function splitRecording(files: RecordingFiles, path: string, spec: SplitSpec, o: EditOptions = {}): EditResult {
  checkName(o.name);
  const c = readCaptureRows(files, path);
  const rate = c.meta.sampleRateHz;
  const at = toSample(o, rate);
  const samples: SplitSpec = 'every' in spec ? { every: at(spec.every) } : { at: Array.isArray(spec.at) ? spec.at.map(at) : spec.at };
  const plan = planSplit(basename(path), c.rows.length, rate, samples, o.minSamples ?? editWindow(o.settings ?? null, rate), o.name);
  return execute(files, path, c, plan);
}

/** The model settings in a demo/run/train output folder (settings.json), or null when there are none. */
export function readModelSettings(files: Pick<RecordingFiles, 'exists' | 'readText'>, dir: string | null): ModelSettings | null {
  if (!dir || !files.exists(join(dir, 'settings.json'))) return null;
  try {
    return JSON.parse(files.readText(join(dir, 'settings.json'))) as ModelSettings;
  } catch {
    return null;
  }
}

/**
 * The spectrum of the window starting at sample `start` of the recording at `path`: the model's
 * spectral block (its settings' parameters and window length) or the block's defaults and a 2 s
 * window; `windowLength` and `fftLength` override.
 */
export function recordingSpectrum(files: Pick<RecordingFiles, 'exists' | 'readText'>, path: string, start: number, o: { settings?: ModelSettings | null; windowLength?: number; fftLength?: number } = {}): WindowSpectrum {
  const c = readCaptureRows(files, path);
  const { params, from } = spectrumParams(o.settings ?? null, o.fftLength);
  const rec = { samples: c.samples, axes: c.meta.axes, units: c.meta.units, sampleRateHz: c.meta.sampleRateHz };
  return windowSpectrum(rec, start, o.windowLength ?? editWindow(o.settings ?? null, rec.sampleRateHz), params, from);
}
