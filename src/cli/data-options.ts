/**
 * The one option table of every command that reads recordings (`data inspect`, `data split`,
 * `train`, `eval`, `verify --data`): commander options, and `descriptionFromOptions`, which lays
 * the flags over the project file's `data` section (flags win, field by field) to give the
 * ImportDescription that `importRecordings` applies.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput, usageError } from '../core/errors.js';
import { fsImportIo } from '../adapters/import-fs.js';
import { IMPORT_FORMATS, type ImportReport, type TimeUnit } from '../data/import/common.js';
import { DELIMITERS, type Delimiter } from '../data/import/csv.js';
import { importRecordings, isGlob, type GroupSource, type ImportDescription, type ImportedRecordings, type LabelSource } from '../data/import/description.js';
import { rawWindowsForModel } from '../data/prepare.js';
import { applyNormalisation } from '../data/window.js';
import { modelInputSet } from '../features/index.js';
import type { AccelUnit, GyroUnit } from '../data/import/units.js';
import { type DataConfig } from '../train/config.js';
import { findConfig } from '../adapters/files.js';

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
    .addOption(new Option('--gyro-unit <unit>', 'unit of the gyroscope numbers (checked against the data; converted to deg/s)').choices(['dps', 'rad/s']))
    .option('--segments <file>', 'a table of labelled segments (columns recording,label,start,end) cutting the recordings')
    .addOption(new Option('--segment-unit <unit>', 'start/end of --segments in samples or seconds (default samples)').choices(['samples', 's']))
    .option('--segment-columns <list>', 'column names of a headerless --segments table');
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

/**
 * Flags over the project file's `data` section → one ImportDescription. `paths` (positional
 * arguments or --data) replace the section's files when given.
 */
export function descriptionFromOptions(f: ImportFlags, section: DataConfig | undefined, paths?: readonly string[]): ImportDescription {
  const base: ImportDescription = { ...(section?.import ?? {}) };
  const files = paths && paths.length ? [...paths] : (base.files ?? section?.paths);
  const rate = f.rate === undefined ? base.rateHz : Number(f.rate);
  if (f.rate !== undefined && (f.rate.trim() === '' || !Number.isFinite(rate) || !(rate! > 0))) {
    throw usageError(`--rate must be a positive, finite number of Hz, got "${f.rate}"`, { remedy: 'e.g. --rate 50' });
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
  if (segments && f.segmentColumns) segments = { ...segments, columns: list(f.segmentColumns) };
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
  };
  const label = source<LabelSource>('label', f.label, f.labelColumn, f.labelFromFolder, base.label);
  const group = source<GroupSource>('group', f.group, f.groupColumn, f.groupFromFolder, base.group);
  if (label) desc.label = label;
  if (group) desc.group = group;
  if (f.accelUnit || f.gyroUnit) desc.units = { ...(base.units ?? {}), ...(f.accelUnit ? { accel: f.accelUnit } : {}), ...(f.gyroUnit ? { gyro: f.gyroUnit } : {}) };
  return desc;
}

/** Imports what the description names from disk. */
export function loadRecordings(desc: ImportDescription): ImportedRecordings {
  return importRecordings(desc, fsImportIo());
}

/**
 * Whether `--data PATH` of eval / verify names recordings (files, folders, globs to import) rather
 * than a train directory or a windows JSON file ({"x", "shape"} / {"inputs"}).
 */
export function namesRecordings(path: string): boolean {
  if (isGlob(path)) return true;
  if (!existsSync(path)) return false;
  if (statSync(path).isDirectory()) return !(existsSync(join(path, 'settings.json')) && existsSync(join(path, 'windows.json')));
  if (!/\.json$/i.test(path)) return true;
  const head = readFileSync(path, 'utf8').slice(0, 4096);
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
    out.push(`${u.kind === 'accel' ? 'accelerometer' : 'gyroscope'} ${u.axes.join(',')}: ${u.unit} (${u.how === 'name' ? 'assumed from the axis names' : u.how}; ${u.statistic} ${fmt(u.value, 3)}, plausible)${u.convertedTo ? ` → converted to ${u.convertedTo}` : ''}`);
  }
  if (d?.rate?.how === 'default') out.push(`rate: ${d.rate.hz} Hz assumed (no timestamps in this format; declare rateHz / --rate if the sensor ran at another rate)`);
  if (d?.rate?.declaredHz !== undefined && d.rate.measuredHz !== undefined) out.push(`rate: measured ${fmt(d.rate.measuredHz, 3)} Hz, agrees with the declared ${d.rate.declaredHz} Hz`);
  return out;
}
