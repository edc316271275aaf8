/**
 * Reads recording files (or folders of them) from disk with the per-file importer options of
 * `importText`: a thin wrapper over `importRecordings` and the file-system adapter, for callers
 * that predate the import description. New code builds an ImportDescription instead.
 */
import { fsImportIo } from '../adapters/import-fs.js';
import { importRecordings, type ImportedRecordings } from './import/description.js';
import type { ImportOptions } from './import/index.js';

export type LoadedFiles = ImportedRecordings;

/** Reads and imports every file; `opts` apply to each (label/group override per file). */
export function readRecordingFiles(paths: readonly string[], opts: Omit<ImportOptions, 'source' | 'sidecarText'> = {}): LoadedFiles {
  const { samplesPerGesture, label, group, labelColumn, groupColumn, ...rest } = opts;
  return importRecordings(
    {
      ...rest,
      files: [...paths],
      ...(samplesPerGesture !== undefined ? { rowsPerGesture: samplesPerGesture } : {}),
      ...(label !== undefined ? { label: { fixed: label } } : labelColumn !== undefined ? { label: { column: labelColumn } } : {}),
      ...(group !== undefined ? { group: { fixed: group } } : groupColumn !== undefined ? { group: { column: groupColumn } } : {}),
    },
    fsImportIo(),
  );
}
