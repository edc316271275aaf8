/**
 * Format detection and one entry point over the importers. Pure: the caller supplies the text
 * (and, for a CSV capture, its sidecar's text).
 *
 * Detection ("auto"): JSON with `format: "tinyforge-capture/1"` → capture; JSON with
 * `payload.values` → edge-impulse; a CSV with a capture sidecar → capture; a CSV whose header
 * has only sensor-style axis names (aX, aY, aZ, gX, gY, gZ, mX, mY, mZ) and no time column →
 * imu-capture; any other CSV → csv.
 */
import { badInput } from '../../core/errors.js';
import { importCapture, importCaptureCsv } from './capture.js';
import { IMPORT_FORMATS, checkAxisNames, splitLines, type CommonImportOptions, type ImportFormat, type ImportResult, type TimeUnit } from './common.js';
import { importCsv, type Delimiter } from './csv.js';
import { importEdgeImpulse } from './edge-impulse.js';
import { importImuCapture } from './imu-capture.js';

export interface ImportOptions extends CommonImportOptions {
  format?: ImportFormat | 'auto';
  /** imu-capture: rows per gesture (default: detected; 'file' = one gesture per file). */
  samplesPerGesture?: number | 'file';
  /** imu-capture: rate (default 119); csv without a time column: rate (required); with one: checked. */
  rateHz?: number;
  timeColumn?: string;
  timeUnit?: TimeUnit;
  axes?: string[];
  labelColumn?: string;
  groupColumn?: string;
  /** csv: header row present (default: detected), column names, cell separator. */
  header?: boolean;
  columns?: string[];
  delimiter?: Delimiter;
  /** Text of FILE.json beside a CSV capture, when present. */
  sidecarText?: string;
}

const IMU_AXIS = /^[agm][XYZ]$/;

export function detectFormat(text: string, opts: { sidecarText?: string } = {}): ImportFormat {
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{')) {
    let doc: { format?: unknown; payload?: { values?: unknown } } | null = null;
    try {
      doc = JSON.parse(head);
    } catch {
      doc = null;
    }
    if (doc?.format === 'tinyforge-capture/1') return 'capture';
    if (doc?.payload && Array.isArray(doc.payload.values)) return 'edge-impulse';
    throw badInput('cannot tell the format of this JSON file (not a tinyforge capture, not Edge Impulse data acquisition)', {
      remedy: 'pass --format capture|edge-impulse, or check the file',
    });
  }
  if (opts.sidecarText !== undefined) {
    try {
      if ((JSON.parse(opts.sidecarText) as { format?: unknown }).format === 'tinyforge-capture/1') return 'capture';
    } catch {
      // Not a capture sidecar: treat the CSV on its own.
    }
  }
  const first = splitLines(head)[0] ?? '';
  const cols = first.split(',').map((c) => c.trim());
  if (cols.length > 0 && cols.every((c) => IMU_AXIS.test(c))) return 'imu-capture';
  return 'csv';
}

/** Imports one file's text (a stream of chunks is read in bounded memory by the csv importer). */
export function importText(input: string | Iterable<string>, opts: ImportOptions = {}): ImportResult {
  const r = importAny(input, opts);
  const axes = r.recordings[0]?.axes;
  if (axes) checkAxisNames(axes, opts.source ?? 'file', 'rename the columns/sensors so each axis has its own name (--columns, --axes)');
  return r;
}

function importAny(input: string | Iterable<string>, opts: ImportOptions): ImportResult {
  if (opts.format === 'csv') return importCsv(input, opts);
  const text = typeof input === 'string' ? input : [...input].join('');
  const format = !opts.format || opts.format === 'auto' ? detectFormat(text, opts) : opts.format;
  if (!(IMPORT_FORMATS as readonly string[]).includes(format)) {
    throw badInput(`unknown format "${format}"`, { remedy: `use one of: auto, ${IMPORT_FORMATS.join(', ')}` });
  }
  switch (format) {
    case 'imu-capture':
      return importImuCapture(text, opts);
    case 'csv':
      return importCsv(text, opts);
    case 'edge-impulse':
      return importEdgeImpulse(text, opts);
    case 'capture':
      if (text.replace(/^\uFEFF/, '').trimStart().startsWith('{')) return importCapture(text, opts);
      if (opts.sidecarText === undefined) {
        throw badInput(`${opts.source ?? 'CSV'}: a CSV capture needs its sidecar ${opts.source ?? 'FILE'}.json`, { remedy: 'keep the .json beside the CSV, or import with --format csv --rate HZ' });
      }
      return importCaptureCsv(text, opts.sidecarText, opts);
  }
}

export * from './common.js';
export { importCapture, importCaptureCsv, parseCapture, parseCaptureFile, writeCapture, float32Text, CAPTURE_FORMAT, type CaptureMeta, type CaptureGap } from './capture.js';
export { importCsv, textLines, readTable, DELIMITERS, type CsvImportOptions, type Delimiter } from './csv.js';
export { importEdgeImpulse } from './edge-impulse.js';
export { importImuCapture, boundaryScores, pickGestureLength, fundamentalLength, IMU_CAPTURE_DEFAULTS, type ImuCaptureOptions } from './imu-capture.js';
export { checkUnits, canonicalUnit, type AccelUnit, type GyroUnit, type DeclaredUnits } from './units.js';
