/**
 * Service: the data step (import + window + split). One function used by `data split`, `train`
 * and `run`, so the same recordings, options and seed always give the same split.
 * Reads files through the import description and the Platform's importIo port (src/adapters/import-fs.ts);
 * everything else is the pure data stage.
 */
import type { Recording } from '../core/dataset.js';
import type { Platform } from './ports.js';
import type { ImportReport } from '../data/import/common.js';
import { importRecordings, type ImportDescription } from '../data/import/description.js';
import type { DataConfig } from '../train/config.js';
import type { BuiltinOptions } from '../data/simulator.js';
import { builtinTrainingData, recordingsTrainingData, type TrainingData } from '../train/data-source.js';

export interface DataStageOptions extends DataConfig {
  /** Recordings already in memory (instead of files / built-in). */
  recordings?: Recording[];
  /** Progress of the built-in simulator (estimated first: builtinWork), for a progress bar. */
  onProgress?: BuiltinOptions['onProgress'];
}

export interface DataStageResult extends TrainingData {
  source: 'builtin' | 'files' | 'memory';
  files: string[];
  reports: ImportReport[];
  /** Recordings imported (0 for the built-in data, which is simulated per subject and activity). */
  recordings: number;
}

/** Recordings (in memory, files, else the built-in simulator) → split, windowed training data. */
export function prepareData(io: Pick<Platform, 'importIo'>, o: DataStageOptions): DataStageResult {
  if (o.recordings) return { ...recordingsTrainingData(o.recordings, o), source: 'memory', files: [], reports: [], recordings: o.recordings.length };
  // Files win over `builtin` (as `train` always did); `--builtin` on a command drops the paths.
  const desc = importDescriptionOf(o);
  if (desc.files?.length) {
    const loaded = importRecordings(desc, io.importIo({ maxFileMB: desc.maxFileMB }));
    const d = recordingsTrainingData(loaded.recordings, o, { groups: loaded.reports.length && loaded.reports.every((r) => r.format === 'imu-capture') ? 'gestures' : undefined });
    return { ...d, notes: [...(loaded.warnings ?? []).map((w) => `segments: ${w}`), ...d.notes], source: 'files', files: loaded.files, reports: loaded.reports, recordings: loaded.recordings.length };
  }
  return { ...builtinTrainingData(o, { onProgress: o.onProgress }), source: 'builtin', files: [], reports: [], recordings: 0 };
}

/** The section's import description with `paths` as its files (when given) and `format` as its default format. */
export function importDescriptionOf(o: Pick<DataConfig, 'paths' | 'import' | 'format'>): ImportDescription {
  const files = o.paths && o.paths.length ? [...o.paths] : o.import?.files;
  const format = (o.import?.format ?? o.format) as ImportDescription['format'];
  return { ...(o.import ?? {}), ...(files ? { files } : {}), ...(format ? { format } : {}) };
}

/** Counts for reports: windows and distinct groups per split. */
export function dataCounts(d: Pick<TrainingData, 'train' | 'val' | 'test'>): { windows: Record<'train' | 'val' | 'test', number>; groups: Record<'train' | 'val' | 'test', number> } {
  const parts = { train: d.train, val: d.val, test: d.test };
  const map = <T>(f: (w: TrainingData['train']) => T) => ({ train: f(parts.train), val: f(parts.val), test: f(parts.test) });
  return { windows: map((w) => w.y.length), groups: map((w) => new Set(w.groups).size) };
}
