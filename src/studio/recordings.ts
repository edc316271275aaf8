/**
 * The studio's dataset folder (adapter: file I/O). Recordings are the files `tinyforge capture`
 * writes: `NAME.csv` (aX,aY,aZ in g) plus the sidecar `NAME.csv.json` (tinyforge-capture/1).
 * Listing reads only the sidecars; relabel rewrites a sidecar atomically; delete removes both.
 * Every file name from a request goes through `recordingPath` (no traversal).
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { badInput } from '../core/errors.js';
import { recordingPath, validName } from './security.js';
import type { DatasetListing, RecordingEntry } from './wire.js';

export type { DatasetListing, RecordingEntry };

function readSidecar(csvPath: string): Record<string, unknown> {
  const text = readFileSync(csvPath + '.json', 'utf8');
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
    const secs = r.sampleRateHz > 0 ? r.samples / r.sampleRateHz : 0;
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
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.csv')).sort() : [];
  for (const file of names) {
    const p = recordingPath(dir, file);
    if (!p) {
      skipped.push({ file, reason: 'file name has characters the studio does not handle' });
      continue;
    }
    if (!existsSync(p + '.json')) continue;
    try {
      const m = readSidecar(p);
      const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
      recordings.push({
        file,
        label: String(m.label),
        group: String(m.group),
        samples: num(m.samples),
        seconds: num(m.seconds),
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

function existing(dir: string, file: string): string {
  const p = recordingPath(dir, file);
  if (!p) throw badInput(`"${file}" is not a recording file name`, { remedy: 'use a name from the recordings list' });
  if (!existsSync(p) || !existsSync(p + '.json')) throw badInput(`no recording ${file}`, { remedy: 'refresh the list' });
  return p;
}

/** Changes a recording's label (and optionally its subject) in its sidecar. */
export function relabelRecording(dir: string, file: string, label: string, group?: string): void {
  const p = existing(dir, file);
  if (!validName(label) || (group !== undefined && !validName(group))) throw badInput('labels and subjects are 1–64 characters without control characters or surrounding spaces', { remedy: 'pick another name' });
  const m = readSidecar(p);
  m.label = label;
  if (group !== undefined) m.group = group;
  writeFileSync(p + '.json.tmp', JSON.stringify(m, null, 2) + '\n');
  renameSync(p + '.json.tmp', p + '.json');
}

export function deleteRecording(dir: string, file: string): void {
  const p = existing(dir, file);
  rmSync(p + '.json');
  rmSync(p);
}
