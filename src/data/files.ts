/**
 * File adapter for the importers: reads recording files (or folders of them) from disk, finds a
 * CSV capture's sidecar, and hands the text to the pure importers. The only place in src/data that
 * touches the file system, with src/data/split-files.ts's writer.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Recording } from '../core/dataset.js';
import { badInput, causeText } from '../core/errors.js';
import { importText, type ImportOptions, type ImportReport } from './import/index.js';

export interface LoadedFiles {
  recordings: Recording[];
  reports: ImportReport[];
  files: string[];
}

/** Sidecar candidates of a CSV capture: FILE.csv.json, then FILE.json. */
function sidecarsOf(file: string): string[] {
  return /\.csv$/i.test(file) ? [`${file}.json`, file.replace(/\.csv$/i, '.json')] : [];
}

/** Expands folders to their .csv/.json files (sorted), leaving out CSV captures' sidecars. */
export function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw badInput(`cannot read ${p}`, { cause: causeText(e), remedy: 'check the path' });
    }
    if (!st.isDirectory()) {
      out.push(p);
      continue;
    }
    const names = readdirSync(p).filter((n) => /\.(csv|json)$/i.test(n)).sort();
    const sidecars = new Set(names.filter((n) => /\.csv$/i.test(n)).flatMap((n) => sidecarsOf(n)));
    const files = names.filter((n) => !sidecars.has(n)).map((n) => join(p, n));
    if (files.length === 0) throw badInput(`folder ${p} has no .csv or .json recordings`, { remedy: 'point at the recording files or their folder' });
    out.push(...files);
  }
  return out;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(`cannot read ${file}`, { cause: causeText(e), remedy: 'check the path and permissions' });
  }
}

/** Reads and imports every file; `opts` apply to each (label/group override per file). */
export function readRecordingFiles(paths: readonly string[], opts: Omit<ImportOptions, 'source' | 'sidecarText'> = {}): LoadedFiles {
  if (paths.length === 0) throw badInput('no input files', { remedy: 'name recording files or folders, or use --builtin' });
  const files = expandPaths(paths);
  const recordings: Recording[] = [];
  const reports: ImportReport[] = [];
  for (const f of files) {
    let sidecarText: string | undefined;
    for (const s of sidecarsOf(f)) {
      try {
        sidecarText = readFileSync(s, 'utf8');
        break;
      } catch {
        // No sidecar there: a plain CSV.
      }
    }
    const r = importText(readText(f), { ...opts, source: basename(f), sidecarText });
    recordings.push(...r.recordings);
    reports.push(r.report);
  }
  return { recordings, reports, files };
}
