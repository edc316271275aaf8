/**
 * Reads recording files (or folders of them) from disk: `importRecordings` with the file-system
 * adapter. Kept for callers that only have paths and importer options.
 */
import { fsImportIo } from '../adapters/import-fs.js';
import { importRecordings, type ImportDescription, type ImportedRecordings } from './import/description.js';

export type LoadedFiles = ImportedRecordings;

/** Reads and imports every file the description names (`files`) from disk. */
export function readRecordingFiles(paths: readonly string[], desc: Omit<ImportDescription, 'files'> = {}): LoadedFiles {
  return importRecordings({ ...desc, files: [...paths] }, fsImportIo());
}
