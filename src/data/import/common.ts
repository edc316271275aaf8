/**
 * What every importer shares: the report it returns, strict/lenient handling of bad rows, strict
 * number parsing, and names derived from a file name. Importers are pure (text in, recordings out);
 * the CLI reads the files.
 */
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';

export const IMPORT_FORMATS = ['imu-capture', 'csv', 'edge-impulse', 'capture'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export interface ImportIssue {
  /** 1-based line in the file (or index in a JSON array, as stated in `message`). */
  line?: number;
  message: string;
}

export interface ImportReport {
  /** The file name (or "<text>") the numbers refer to. */
  source: string;
  format: ImportFormat;
  recordings: number;
  /** Frames (sample instants) imported, over all recordings. */
  frames: number;
  /** The recordings' rate in Hz, and whether it was measured from timestamps. */
  rateHz: number;
  rateSource: 'nominal' | 'option' | 'measured' | 'file';
  /** Rows (or gestures) dropped, with the first few reasons. Never silent. */
  skipped: { count: number; examples: ImportIssue[] };
  warnings: string[];
  /** Timestamp statistics, for formats that carry time. */
  timing?: TimingReport;
  /** Per axis: whether its unit was stated by the file (header, metadata) or only inferred from its name. */
  unitsFrom?: ('file' | 'name')[];
  /** What was detected from the data rather than declared (gesture length, units, rate). */
  detected?: DetectionReport;
}

/** How a fact about the data was established: given in the description, read from the file, or detected. */
export type Provenance = 'declared' | 'file' | 'name' | 'detected' | 'default';

export interface DetectionReport {
  /** IMU_Capture: rows per gesture, and how it was found (blank separator lines, or the boundary test). */
  rowsPerGesture?: { value: number; how: 'declared' | 'blank-lines' | 'boundaries' | 'whole-file'; boundaryScore?: number; candidates?: { rows: number; score: number }[] };
  /** Per sensor kind: the unit the file is in, how that was established, the plausibility statistic. */
  units?: UnitFinding[];
  /** Rate: declared and/or measured from timestamps. */
  rate?: { hz: number; how: Provenance | 'measured'; declaredHz?: number; measuredHz?: number };
}

export interface UnitFinding {
  kind: 'accel' | 'gyro';
  axes: string[];
  /** The unit of the numbers in the file. */
  unit: string;
  how: Provenance;
  /** The statistic the plausibility check used (median |a| in the file's unit; p95 |ω|). */
  statistic: string;
  value: number;
  /** Set when samples were converted to tinyforge's units (g, deg/s). */
  convertedTo?: string;
  /** Set when declared raw counts were scaled first: count × scale + offset. */
  counts?: { scale: number; offset: number };
}

export interface TimingReport {
  column?: string;
  unit: TimeUnit;
  unitGuessed: boolean;
  medianIntervalMs: number;
  /** Standard deviation of the intervals (ms), gaps excluded. */
  jitterMs: number;
  /** Intervals > 1.5 × median: recordings are split there. */
  gaps: { count: number; examples: { line?: number; frame?: number; intervalMs: number }[] };
}

export type TimeUnit = 's' | 'ms' | 'us' | 'ns';
export const MS_PER_UNIT: Record<TimeUnit, number> = { s: 1000, ms: 1, us: 1e-3, ns: 1e-6 };

export interface ImportResult {
  recordings: Recording[];
  report: ImportReport;
}

export interface CommonImportOptions {
  /** File name, for messages and for labels/groups derived from it. */
  source?: string;
  /** Label for every recording (else from the file name or a label column). */
  label?: string;
  /** Group for every recording (else from the file name or a group column). */
  group?: string;
  /** Skip (count and report) bad rows instead of failing on the first one. */
  lenient?: boolean;
}

const EXAMPLES = 10;
/** Even in lenient mode, more bad rows than this fraction (and more than 2) means the file is not what we think. */
export const MAX_BAD_FRACTION = 0.1;

/** Collects bad rows: throws at once in strict mode, counts them in lenient mode. */
export class RowIssues {
  count = 0;
  examples: ImportIssue[] = [];
  constructor(
    private readonly source: string,
    private readonly lenient: boolean,
    private readonly remedy: string,
  ) {}
  bad(line: number | undefined, message: string): void {
    if (!this.lenient) {
      throw badInput(`${this.source}${line !== undefined ? `:${line}` : ''}: ${message}`, {
        remedy: `${this.remedy}, or pass --lenient to skip (and count) bad rows`,
        details: { file: this.source, line },
      });
    }
    this.count++;
    if (this.examples.length < EXAMPLES) this.examples.push({ line, message });
  }
  /** After parsing `rows` rows: fail if lenient mode skipped too many for the data to be trusted. */
  check(rows: number): void {
    // A couple of bad rows in a short file are still "isolated"; beyond that the fraction rules.
    if (this.count > Math.max(2, MAX_BAD_FRACTION * rows)) {
      throw badInput(`${this.source}: ${this.count} of ${rows} rows are bad (first: line ${this.examples[0].line}: ${this.examples[0].message})`, {
        remedy: `${this.remedy}; more than ${MAX_BAD_FRACTION * 100}% bad rows means the format or columns are probably wrong`,
        details: { file: this.source },
      });
    }
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite decimal number, or null (empty cells, "NaN", "inf", "1,5", "0x10" are all null). */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/** Largest finite float32 (samples are stored as float32: anything beyond becomes Infinity). */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** True when `v` is a number that stays finite as float32 (so 1e39, a finite double, is false). */
export function isFiniteFloat32(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(Math.fround(v));
}

/**
 * A sample cell: its value, or why it cannot be one (empty, not a number, or outside float32's
 * range — `1e39` is a finite double but Infinity as float32).
 */
export function parseSample(text: string): number | string {
  const v = parseNumber(text);
  if (v === null) return `is not a finite number: "${text.trim().slice(0, 40)}"`;
  if (!isFiniteFloat32(v)) return `is ${text.trim().slice(0, 40)}, outside the float32 range (±3.4e38) samples are stored in`;
  return v;
}

/**
 * Sample rates tinyforge accepts, Hz: 0.1 Hz (one sample per 10 s — slower is a log, not a
 * signal to window) to 100 kHz (beyond any IMU's output data rate; MEMS accelerometers top out
 * near 25 kHz). Anything outside is a wrong unit or a damaged field, never a recording.
 */
export const MIN_RATE_HZ = 0.1;
export const MAX_RATE_HZ = 100_000;

/** A sample rate within MIN_RATE_HZ–MAX_RATE_HZ, or a bad-input error naming `what` (the field) and the remedy. */
export function checkRate(rateHz: unknown, what: string, remedy = 'give the rate in Hz, e.g. 50'): number {
  if (typeof rateHz !== 'number' || !Number.isFinite(rateHz) || !(rateHz > 0) || !Number.isFinite(Math.fround(rateHz))) {
    throw badInput(`${what}: sample rate must be a positive, finite number of Hz, got ${String(rateHz)}`, { remedy });
  }
  if (rateHz < MIN_RATE_HZ || rateHz > MAX_RATE_HZ) {
    throw badInput(`${what}: a sample rate of ${rateHz >= 1e6 ? rateHz.toExponential(3).replace(/\.?0+e/, 'e') : String(Number(rateHz.toPrecision(4)))} Hz is outside ${MIN_RATE_HZ} Hz–${MAX_RATE_HZ / 1000} kHz, the range of motion sensors`, { remedy, details: { rateHz, minHz: MIN_RATE_HZ, maxHz: MAX_RATE_HZ } });
  }
  return rateHz;
}

/** Axis names must be distinct (a model input, a unit and a column each): else an error naming the repeated ones. */
export function checkAxisNames(axes: readonly string[], what: string, remedy: string): void {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const a of axes) (seen.has(a) ? twice : seen).add(a);
  if (twice.size) throw badInput(`${what}: axis name${twice.size > 1 ? 's' : ''} ${[...twice].slice(0, 5).map((a) => `"${a}"`).join(', ')} given more than once (${axes.slice(0, 12).join(', ')}${axes.length > 12 ? ', …' : ''})`, { remedy });
}

/** A growing Float32Array (no per-value JS arrays or spread pushes: bounded by the data, any width). */
export class Float32Builder {
  private buf: Float32Array;
  length = 0;
  constructor(initial = 1024) {
    this.buf = new Float32Array(Math.max(16, initial));
  }
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  /** A copy of values [from, to). */
  slice(from = 0, to = this.length): Float32Array {
    return this.buf.slice(from, to);
  }
}

/** "data/walking.csv" → "walking"; "idle.a1b2.json" with `firstDot` → "idle". */
export function fileStem(source: string, firstDot = false): string {
  const base = source.replace(/\\/g, '/').split('/').pop() ?? source;
  if (firstDot) {
    const i = base.indexOf('.');
    return i > 0 ? base.slice(0, i) : base;
  }
  const i = base.lastIndexOf('.');
  return i > 0 ? base.slice(0, i) : base;
}

/** Unit of a sensor axis from its conventional name: aX → g, gX → deg/s, mX → uT. */
export function unitForAxis(name: string): string {
  if (/^a[xyz]$/i.test(name) || /^acc/i.test(name)) return 'g';
  if (/^g[xyz]$/i.test(name) || /^gyr/i.test(name)) return 'deg/s';
  if (/^m[xyz]$/i.test(name) || /^mag/i.test(name)) return 'uT';
  return '';
}

/** Lines of a text file (CRLF or LF), 1-based numbering via index + 1. A BOM is dropped. */
export function splitLines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r?\n/);
}

export function median(values: ArrayLike<number>): number {
  // A typed copy sorts numerically, natively: no comparator calls on millions of values.
  const a = Float64Array.from(values).sort();
  const n = a.length;
  if (n === 0) return NaN;
  return n % 2 ? a[(n - 1) / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
}

export function stddev(values: number[]): number {
  if (values.length === 0) return 0;
  const m = values.reduce((p, c) => p + c, 0) / values.length;
  return Math.sqrt(values.reduce((p, c) => p + (c - m) ** 2, 0) / values.length);
}
