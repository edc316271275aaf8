/**
 * The studio's dataset folder (adapter: file I/O). Recordings are the files `tinyforge capture`
 * writes: `NAME.csv` (aX,aY,aZ in g) plus the sidecar `NAME.csv.json` (tinyforge-capture/1).
 * Listing reads only the sidecars; relabel rewrites a sidecar atomically and renames a studio-named file; delete removes both.
 * Every file name from a request goes through `recordingPath` (no traversal).
 */
import { join } from 'node:path';
import { exists, listDir, makeDir, moveFile, readText, removeFile, removePath, writeFileAtomic } from '../adapters/files.js';
import type { RecordingFiles } from '../service/recordings.js';
import { badInput } from '../core/errors.js';
import { fileNamePart, recordingPath, validName } from './security.js';
import type { DatasetListing, RecordingEntry } from './wire.js';

export type { DatasetListing, RecordingEntry };

/** The file-system port the recording service (crop, split, samples, spectrum) gets from the studio when its caller gives none. */
export const studioFiles: RecordingFiles = { exists, readText, makeDir, writeFileAtomic, moveFile, removePath };

function readSidecar(csvPath: string): Record<string, unknown> {
  const text = readText(csvPath + '.json');
  const m = JSON.parse(text) as unknown;
  if (!m || typeof m !== 'object' || (m as { format?: unknown }).format !== 'tinyforge-capture/1') throw new Error('sidecar is not tinyforge-capture/1');
  return m as Record<string, unknown>;
}

/** Totals over entries (pure). */
export function datasetTotals(recordings: RecordingEntry[]): Pick<DatasetListing, 'byLabel' | 'bySubject' | 'balance'> {
  // Maps while counting (a label such as "__proto__" is data, not a key of Object.prototype);
  // fromEntries then defines own properties for the JSON answer.
  type Totals = { recordings: number; samples: number; seconds: number };
  const byLabel = new Map<string, Totals>();
  const bySubject = new Map<string, Totals>();
  let all = 0;
  for (const r of recordings) {
    const secs = r.seconds;
    for (const [m, k] of [[byLabel, r.label], [bySubject, r.group]] as const) {
      let t = m.get(k);
      if (!t) m.set(k, (t = { recordings: 0, samples: 0, seconds: 0 }));
      t.recordings++;
      t.samples += r.samples;
      t.seconds += secs;
    }
    all += r.samples;
  }
  const balance = new Map([...byLabel].map(([k, t]) => [k, all > 0 ? t.samples / all : 0]));
  return { byLabel: Object.fromEntries(byLabel), bySubject: Object.fromEntries(bySubject), balance: Object.fromEntries(balance) };
}

export function listRecordings(dir: string): DatasetListing {
  const recordings: RecordingEntry[] = [];
  const skipped: DatasetListing['skipped'] = [];
  const names = exists(dir) ? listDir(dir).filter((n) => n.endsWith('.csv')).sort() : [];
  for (const file of names) {
    const p = recordingPath(dir, file);
    if (!p) {
      skipped.push({ file, reason: 'file name has characters the studio does not handle' });
      continue;
    }
    if (!exists(p + '.json')) continue;
    try {
      const m = readSidecar(p);
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
      recordings.push({
        file,
        label: String(m.label),
        group: String(m.group),
        samples: num(m.samples),
        // The sensor's clock (samples at its rate), as the totals count it — not the host's wall
        // clock between the first and last batch, which bursts make wrong.
        seconds: num(m.sampleRateHz) > 0 ? num(m.samples) / num(m.sampleRateHz) : num(m.seconds),
        sampleRateHz: num(m.sampleRateHz),
        missingSamples: num(m.missingSamples),
        startedAt: typeof m.startedAt === 'string' ? m.startedAt : null,
        stopReason: typeof m.stopReason === 'string' ? m.stopReason : null,
      });
    } catch (e) {
      skipped.push({ file, reason: (e as Error).message });
    }
  }
  return { dir, recordings, ...datasetTotals(recordings), skipped };
}

/** The path of recording `file` in `dir`: a plain name (no traversal) of a CSV with its sidecar, else a typed error. */
export function existingRecording(dir: string, file: string): string {
  const p = recordingPath(dir, file);
  if (!p) throw badInput(`"${file}" is not a recording file name`, { remedy: 'use a name from the recordings list' });
  if (!exists(p) || !exists(p + '.json')) throw badInput(`no recording ${file}`, { remedy: 'refresh the list' });
  return p;
}

/**
 * Changes a recording's label (and optionally its subject): the sidecar is rewritten atomically,
 * and a file named as the studio names recordings (LABEL.SUBJECT.STAMP.csv) is renamed to the new
 * label and subject, so the name never contradicts the label. Returns the (new) file name.
 */
export function relabelRecording(dir: string, file: string, label: string, group?: string): string {
  const p = existingRecording(dir, file);
  if (!validName(label) || (group !== undefined && !validName(group))) throw badInput('labels and subjects are 1–64 characters without control characters or surrounding spaces', { remedy: 'pick another name' });
  const m = readSidecar(p);
  const old = { label: String(m.label), group: String(m.group) };
  m.label = label;
  if (group !== undefined) m.group = group;
  let name = file;
  const parts = /^(.+)\.(.+)\.(\d{8}T\d{6}(?:-[A-Za-z0-9]+)*)\.csv$/.exec(file);
  if (parts && parts[1] === fileNamePart(old.label) && parts[2] === fileNamePart(old.group)) {
    const base = `${fileNamePart(label)}.${fileNamePart(String(m.group))}.`;
    name = `${base}${parts[3]}.csv`;
    for (let i = 2; name !== file && exists(join(dir, name)); i++) name = `${base}${parts[3]}-r${i}.csv`;
  }
  if (name === file) {
    writeFileAtomic(p + '.json', JSON.stringify(m, null, 2) + '\n');
    return file;
  }
  // The new sidecar first, then the data under its new name, then the old sidecar goes: at every
  // moment the CSV has a sidecar (a listing never loses the recording).
  const q = join(dir, name);
  m.file = name;
  writeFileAtomic(q + '.json', JSON.stringify(m, null, 2) + '\n');
  moveFile(p, q);
  removeFile(p + '.json');
  return name;
}

export function deleteRecording(dir: string, file: string): void {
  const p = existingRecording(dir, file);
  removeFile(p + '.json');
  removeFile(p);
}
