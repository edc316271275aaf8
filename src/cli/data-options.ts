/**
 * The one option table of every command that reads recordings (`data inspect`, `data split`,
 * `train`, `eval`, `verify --data`): commander options, and `descriptionFromOptions`, which lays
 * the flags over the project file's `data` section (flags win, field by field) to give the
 * ImportDescription that `importRecordings` applies.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput, usageError } from '../core/errors.js';
import { DEFAULT_MAX_FILE_MB, fsImportIo } from '../adapters/import-fs.js';
import { IMPORT_FORMATS, MAX_RATE_HZ, MIN_RATE_HZ, type ImportReport, type TimeUnit } from '../data/import/common.js';
import { DELIMITERS, type Delimiter } from '../data/import/csv.js';
import { importRecordings, isGlob, type GroupSource, type ImportDescription, type ImportedRecordings, type LabelSource } from '../data/import/description.js';
import { rawWindowsForModel } from '../data/prepare.js';
import { applyNormalisation } from '../data/window.js';
import { modelInputSet } from '../features/index.js';
import type { AccelUnit, GyroUnit } from '../data/import/units.js';
import { type DataConfig } from '../train/config.js';
import { findConfig } from '../adapters/files.js';
import type { BuiltinOptions } from '../data/simulator.js';
import { info, progress, type OutputOptions, type Progress } from './util.js';

/** The flags `addImportOptions` defines, as commander parses them. */
export interface ImportFlags {
  format?: string;
  label?: string;
  labelColumn?: string;
  labelFromFolder?: boolean;
  group?: string;
  groupColumn?: string;
  groupFromFolder?: boolean;
  namePattern?: string;
  lenient?: boolean;
  rowsPerGesture?: string;
  samplesPerGesture?: string;
  rate?: string;
  timeColumn?: string;
  timeUnit?: TimeUnit;
  axes?: string;
  columns?: string;
  headerless?: boolean;
  delimiter?: Delimiter;
  accelUnit?: AccelUnit;
  gyroUnit?: GyroUnit;
  segments?: string;
  segmentUnit?: 'samples' | 's';
  segmentColumns?: string;
  segmentFirstSample?: string;
  segmentEndInclusive?: boolean;
  segmentLabels?: string;
  segmentHeader?: boolean;
  segmentHeaderless?: boolean;
  segmentDelimiter?: Delimiter;
  maxFileMb?: string;
  accelScale?: string;
  accelOffset?: string;
  gyroScale?: string;
  gyroOffset?: string;
}

export function addImportOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <format>', 'importer (default: auto, detected per file)').choices(['auto', ...IMPORT_FORMATS]))
    .option('--label <label>', 'label for every recording (default: name pattern {label}, a label column, else the file name)')
    .option('--label-column <name>', 'csv: the column holding labels')
    .option('--label-from-folder', 'label = the name of the folder holding the file (a folder per class)')
    .option('--group <group>', 'group (subject/session) for every recording (default: name pattern {subject}/{session}, group column, else the file name)')
    .option('--group-column <name>', 'csv: the column holding groups')
    .option('--group-from-folder', 'group = the name of the folder holding the file')
    .option('--name-pattern <pattern>', "fields from file paths: '{subject}_{label}.csv', '{label}/*', or a /regex/ with named groups")
    .option('--max-file-mb <n>', `refuse files larger than this, MiB (default ${DEFAULT_MAX_FILE_MB})`)
    .option('--lenient', 'skip and count bad rows (at most 10 %) instead of stopping at the first')
    .option('--rows-per-gesture <n>', "imu-capture: rows per gesture, 'auto' (default: detected) or 'file'")
    .addOption(new Option('--samples-per-gesture <n>').hideHelp())
    .option('--rate <hz>', 'sample rate in Hz: imu-capture (default 119), csv without timestamps (required), csv with timestamps (checked)')
    .option('--time-column <name>', 'csv: the timestamp column (default: auto-detect t/time/timestamp/ms…)')
    .addOption(new Option('--time-unit <unit>', 'csv: timestamp unit (default: from the column name, else detected and reported)').choices(['s', 'ms', 'us', 'ns']))
    .option('--axes <list>', 'sensor columns to import, comma-separated (e.g. aX,aY,aZ)')
    .option('--columns <list>', 'csv: names of the columns of a headerless file (or new names for the header)')
    .option('--headerless', 'csv: the files have no header row (name the columns with --columns)')
    .addOption(new Option('--delimiter <name>', 'csv: cell separator (default: detected)').choices([...DELIMITERS]))
    .addOption(new Option('--accel-unit <unit>', 'unit of the accelerometer numbers (checked against the data; converted to g)').choices(['g', 'm/s2']))
    .option('--accel-scale <s>', 'raw counts: count × S + offset is in --accel-unit (e.g. 0.047619 for 6-bit codes over ±1.5 g)')
    .option('--accel-offset <o>', 'raw counts: added after --accel-scale (e.g. -1.5)')
    .option('--gyro-scale <s>', 'raw counts: count × S + offset is in --gyro-unit')
    .option('--gyro-offset <o>', 'raw counts: added after --gyro-scale')
    .addOption(new Option('--gyro-unit <unit>', 'unit of the gyroscope numbers (checked against the data; converted to deg/s)').choices(['dps', 'rad/s']))
    .option('--segments <file>', 'a table of labelled segments (columns recording,label,start,end) cutting the recordings')
    .addOption(new Option('--segment-unit <unit>', 'start/end of --segments in samples or seconds (default samples)').choices(['samples', 's']))
    .option('--segment-columns <list>', 'column names of a headerless --segments table')
    .addOption(new Option('--segment-first-sample <n>', 'index of the first sample in the --segments table (1 for 1-based tables; default 0)').choices(['0', '1']))
    .option('--segment-end-inclusive', "--segments: end is the segment's last sample (default: one past it)")
    .option('--segment-labels <map>', "--segments label codes → names, e.g. '1=walking,2=upstairs,7=null' (null: leave those segments out, counted)")
    .option('--segment-header', '--segments: the first row is a header')
    .option('--segment-headerless', '--segments: the table has no header row (name its columns with --segment-columns)')
    .addOption(new Option('--segment-delimiter <name>', '--segments: cell separator (default: detected)').choices([...DELIMITERS]));
}

function positive(flag: string, text: string, example: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !(n > 0)) throw usageError(`${flag} must be a positive number, got "${text}"`, { remedy: example });
  return n;
}

const list = (s: string | undefined) => (s === undefined ? undefined : s.split(',').map((x) => x.trim()).filter((x) => x !== ''));

function source<T extends LabelSource | GroupSource>(what: string, fixed: string | undefined, column: string | undefined, folder: boolean | undefined, base: T | undefined): T | undefined {
  const given = [fixed !== undefined, column !== undefined, folder === true].filter(Boolean).length;
  if (given > 1) throw usageError(`give one of --${what}, --${what}-column, --${what}-from-folder`, { remedy: `drop all but one ${what} source` });
  if (fixed !== undefined) return { fixed } as T;
  if (column !== undefined) return { column } as T;
  if (folder) return { folder: true } as T;
  return base;
}

/** `--segment-labels '1=walking,7=null'` → { "1": "walking", "7": null } (the project file's segments.labels). */
export function segmentLabels(text: string): Record<string, string | null> {
  const out: Record<string, string | null> = Object.create(null);
  for (const part of text.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const eq = part.indexOf('=');
    const [code, name] = eq > 0 ? [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] : ['', ''];
    if (code === '' || name === '') throw usageError(`--segment-labels: "${part}" is not CODE=NAME`, { remedy: "e.g. --segment-labels '1=walking,2=upstairs,7=null'" });
    if (Object.hasOwn(out, code)) throw usageError(`--segment-labels: code "${code}" given twice`, { remedy: 'map each code once' });
    Object.defineProperty(out, code, { value: name === 'null' ? null : name, enumerable: true, writable: true, configurable: true });
  }
  return { ...out };
}

/**
 * Flags over the project file's `data` section → one ImportDescription. `paths` (positional
 * arguments or --data) replace the section's files when given.
 */
export function descriptionFromOptions(f: ImportFlags, section: DataConfig | undefined, paths?: readonly string[]): ImportDescription {
  const base: ImportDescription = { ...(section?.import ?? {}) };
  const files = paths && paths.length ? [...paths] : (base.files ?? section?.paths);
  const rate = f.rate === undefined ? base.rateHz : Number(f.rate);
  if (f.rate !== undefined && (f.rate.trim() === '' || !Number.isFinite(rate) || !(rate! >= MIN_RATE_HZ) || !(rate! <= MAX_RATE_HZ))) {
    throw usageError(`--rate must be a number of Hz within ${MIN_RATE_HZ}–${MAX_RATE_HZ}, got "${f.rate}"`, { remedy: 'e.g. --rate 50' });
  }
  const rpgText = f.rowsPerGesture ?? f.samplesPerGesture;
  let rowsPerGesture = base.rowsPerGesture;
  if (rpgText !== undefined) {
    const n = Number(rpgText);
    if (rpgText === 'auto' || rpgText === 'file') rowsPerGesture = rpgText;
    else if (Number.isInteger(n) && n >= 1) rowsPerGesture = n;
    else throw usageError(`--rows-per-gesture must be a whole number ≥ 1, 'auto' or 'file', got "${rpgText}"`, { remedy: 'e.g. --rows-per-gesture 119' });
  }
  let segments = base.segments;
  if (f.segments !== undefined) segments = { ...(segments ?? {}), file: f.segments, unit: f.segmentUnit ?? segments?.unit ?? 'samples' };
  else if (f.segmentUnit && segments) segments = { ...segments, unit: f.segmentUnit };
  const segFlags = f.segmentColumns !== undefined || f.segmentFirstSample !== undefined || f.segmentEndInclusive || f.segmentLabels !== undefined || f.segmentHeader || f.segmentHeaderless || f.segmentDelimiter !== undefined;
  if (segFlags && !segments) throw usageError('--segment-* options need a segments table', { remedy: 'name it with --segments FILE (or data.import.segments.file)' });
  if (f.segmentHeader && f.segmentHeaderless) throw usageError('give one of --segment-header, --segment-headerless', { remedy: 'drop one' });
  if (segments && segFlags) {
    segments = {
      ...segments,
      ...(f.segmentColumns !== undefined ? { columns: list(f.segmentColumns) } : {}),
      ...(f.segmentFirstSample !== undefined ? { firstSample: Number(f.segmentFirstSample) as 0 | 1 } : {}),
      ...(f.segmentEndInclusive ? { endInclusive: true } : {}),
      ...(f.segmentLabels !== undefined ? { labels: segmentLabels(f.segmentLabels) } : {}),
      ...(f.segmentHeader ? { header: true } : f.segmentHeaderless ? { header: false } : {}),
      ...(f.segmentDelimiter !== undefined ? { delimiter: f.segmentDelimiter } : {}),
    };
  }
  const format = (f.format ?? base.format ?? section?.format) as ImportDescription['format'];
  const desc: ImportDescription = {
    ...base,
    ...(files ? { files } : {}),
    ...(format ? { format } : {}),
    ...(rate !== undefined ? { rateHz: rate } : {}),
    ...(rowsPerGesture !== undefined ? { rowsPerGesture } : {}),
    ...(segments ? { segments } : {}),
    ...(f.timeColumn !== undefined ? { timeColumn: f.timeColumn } : {}),
    ...(f.timeUnit !== undefined ? { timeUnit: f.timeUnit } : {}),
    ...(f.axes !== undefined ? { axes: list(f.axes) } : {}),
    ...(f.columns !== undefined ? { columns: list(f.columns) } : {}),
    ...(f.headerless ? { header: false } : {}),
    ...(f.delimiter !== undefined ? { delimiter: f.delimiter } : {}),
    ...(f.namePattern !== undefined ? { namePattern: f.namePattern } : {}),
    ...(f.lenient ? { lenient: true } : {}),
    ...(f.maxFileMb !== undefined ? { maxFileMB: positive('--max-file-mb', f.maxFileMb, 'e.g. --max-file-mb 4096') } : {}),
  };
  const label = source<LabelSource>('label', f.label, f.labelColumn, f.labelFromFolder, base.label);
  const group = source<GroupSource>('group', f.group, f.groupColumn, f.groupFromFolder, base.group);
  if (label) desc.label = label;
  if (group) desc.group = group;
  const factor = (flag: string, text: string | undefined, nonZero: boolean) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n) || (nonZero && n === 0)) throw usageError(`${flag} must be a finite number${nonZero ? ' other than 0' : ''}, got "${text}"`, { remedy: 'e.g. --accel-scale 0.047619 --accel-offset -1.5' });
    return n;
  };
  const scales = {
    accelScale: factor('--accel-scale', f.accelScale, true),
    accelOffset: factor('--accel-offset', f.accelOffset, false),
    gyroScale: factor('--gyro-scale', f.gyroScale, true),
    gyroOffset: factor('--gyro-offset', f.gyroOffset, false),
  };
  const given = Object.fromEntries(Object.entries(scales).filter(([, v]) => v !== undefined));
  if (f.accelUnit || f.gyroUnit || Object.keys(given).length) {
    desc.units = { ...(base.units ?? {}), ...(f.accelUnit ? { accel: f.accelUnit } : {}), ...(f.gyroUnit ? { gyro: f.gyroUnit } : {}), ...given };
  }
  return desc;
}

/** Imports what the description names from disk. */
export function loadRecordings(desc: ImportDescription): ImportedRecordings {
  return importRecordings(desc, fsImportIo({ maxFileMB: desc.maxFileMB }));
}

/**
 * Whether `--data PATH` of eval / verify names recordings (files, folders, globs to import) rather
 * than a train directory or a windows JSON file ({"x", "shape"} / {"inputs"}).
 */
export function namesRecordings(path: string): boolean {
  if (isGlob(path)) return true;
  if (!existsSync(path)) return false;
  const st = statSync(path);
  if (st.isDirectory()) return !(existsSync(join(path, 'settings.json')) && existsSync(join(path, 'windows.json')));
  // A FIFO or device is never opened here (it could block): the importer refuses it by name.
  if (!st.isFile() || !/\.json$/i.test(path)) return true;
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(4096);
  let n: number;
  try {
    n = readSync(fd, buf, 0, buf.length, 0);
  } finally {
    closeSync(fd);
  }
  const head = buf.subarray(0, n).toString('utf8');
  return /"format"\s*:\s*"tinyforge-capture\/1"|"payload"\s*:/.test(head);
}

/**
 * `--data` recordings (with the import flags over the project file's data section) → the windows
 * the model takes, normalised with its settings.
 */
export function modelWindowsFromData(path: string, f: ImportFlags & { config?: string }, settings: ModelSettings | undefined): WindowSet {
  if (!settings) throw badInput(`--data ${path} names recordings, but the model's settings (window, axes, normalisation) are unknown`, { remedy: 'keep settings.json beside the model (tinyforge convert/train write it), or pass a train directory' });
  const desc = descriptionFromOptions(f, findConfig(f.config).config.data, [path]);
  const raw = rawWindowsForModel(loadRecordings(desc).recordings, settings);
  // The model's float input: the standardised features of a feature block, else the normalised window.
  return modelInputSet(raw, settings, (w) => applyNormalisation(w, settings.normalisation));
}

/** Recordings → raw windows (sensor units) for a model with a feature block (verify sends these). */
export function modelRawWindowsFromData(path: string, f: ImportFlags & { config?: string }, settings: ModelSettings): WindowSet {
  return rawWindowsForModel(loadRecordings(descriptionFromOptions(f, findConfig(f.config).config.data, [path])).recordings, settings);
}

const fmt = (x: number, d: number) => (Number.isInteger(x) ? String(x) : x.toFixed(d));

/** What an import detected rather than was told, in words (data inspect, train). */
export function detectionLines(r: ImportReport): string[] {
  const out: string[] = [];
  const d = r.detected;
  if (d?.rowsPerGesture) {
    const g = d.rowsPerGesture;
    out.push(`rows per gesture: ${g.value} (${g.how === 'boundaries' ? `detected from gesture boundaries, score ${fmt(g.boundaryScore ?? 0, 1)}` : g.how === 'blank-lines' ? 'detected from blank separator lines' : g.how})`);
  }
  for (const u of d?.units ?? []) {
    out.push(`${u.kind === 'accel' ? 'accelerometer' : 'gyroscope'} ${u.axes.join(',')}: ${u.unit} (${u.counts ? `raw counts × ${u.counts.scale} + ${u.counts.offset}, ` : ''}${u.how === 'name' ? 'assumed from the axis names' : u.how}; ${u.statistic} ${fmt(u.value, 3)}, plausible)${u.convertedTo ? ` → converted to ${u.convertedTo}` : ''}`);
  }
  if (d?.rate?.how === 'default') out.push(`rate: ${d.rate.hz} Hz assumed (no timestamps in this format; declare rateHz / --rate if the sensor ran at another rate)`);
  if (d?.rate?.declaredHz !== undefined && d.rate.measuredHz !== undefined) out.push(`rate: measured ${fmt(d.rate.measuredHz, 3)} Hz, agrees with the declared ${d.rate.declaredHz} Hz`);
  return out;
}

/**
 * Progress of the built-in simulator for a command: above a million samples the estimate is
 * stated first (samples, memory) and a progress bar runs on a TTY (nothing under --json or a pipe).
 */
export function builtinProgress(o: OutputOptions): NonNullable<BuiltinOptions['onProgress']> & { stop(): void } {
  let bar: Progress | null = null;
  let started = false;
  const fn = (p: Parameters<NonNullable<BuiltinOptions['onProgress']>>[0]) => {
    if (!started) {
      started = true;
      if (p.totalFrames >= 1_000_000) {
        info(o, `simulating ${p.totalRecordings} recordings, ${p.totalFrames.toLocaleString('en')} samples (${((p.totalFrames * 12) / 1e6).toFixed(0)} MB)…`);
        bar = progress(o, p.totalRecordings, 'simulating');
      }
    }
    bar?.update(p.recordings);
    if (p.recordings === p.totalRecordings) fn.stop();
  };
  fn.stop = () => {
    bar?.stop();
    bar = null;
  };
  return fn;
}

/** The flags that choose classes and the split, the same on `data split`, `train` (and `run`'s project file). */
export interface SplitFlags {
  seed?: string;
  val?: string;
  test?: string;
  window?: string;
  stride?: string;
  fallback?: 'contiguous' | 'error';
  excludeLabels?: string;
  testGroups?: string;
}

export function addSplitOptions(cmd: Command): Command {
  return cmd
    .option('--exclude-labels <list>', 'classes to leave out, comma-separated (counted and reported; data.excludeLabels)')
    .option('--test-groups <list>', 'groups (subjects) to hold out as the test split, comma-separated; the rest split into train/val by group (data.split.testGroups)');
}

/** A numeric flag within min–max, or a usage error naming it (shared by the data commands). */
export function flagNumber(name: string, v: string | undefined, integer: boolean, min: number, max = Infinity): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw usageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} within ${min}–${max}, got "${v}"`, { remedy: `e.g. --${name} ${integer ? Math.max(min, 1) : min}` });
  }
  return n;
}

/**
 * Flags over the project file's data section for everything after the import: classes
 * (data.labels, --exclude-labels), windows and the split. One function for `data split` and
 * `train`, so both apply data.labels (and every other field) by one rule.
 */
export function dataSectionFromFlags(section: DataConfig | undefined, f: SplitFlags): DataConfig {
  const base = section ?? {};
  const split = {
    ...(base.split ?? {}),
    ...(f.seed !== undefined ? { seed: flagNumber('seed', f.seed, true, -2147483648, 2147483647) } : {}),
    ...(f.val !== undefined ? { val: flagNumber('val', f.val, false, 0, 0.5) } : {}),
    ...(f.test !== undefined ? { test: flagNumber('test', f.test, false, 0, 0.5) } : {}),
    ...(f.fallback !== undefined ? { fallback: f.fallback } : {}),
    ...(f.testGroups !== undefined ? { testGroups: list(f.testGroups) } : {}),
  };
  return {
    ...base,
    ...(f.window !== undefined ? { windowLength: flagNumber('window', f.window, true, 1) } : {}),
    ...(f.stride !== undefined ? { windowStride: flagNumber('stride', f.stride, true, 1) } : {}),
    ...(f.excludeLabels !== undefined ? { excludeLabels: list(f.excludeLabels) } : {}),
    ...(Object.keys(split).length ? { split } : {}),
  };
}
