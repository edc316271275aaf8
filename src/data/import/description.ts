/**
 * One import description for every data layout, and the one function that applies it.
 *
 * An `ImportDescription` (plain data; JSON Schema: `data.import` in
 * schemas/tinyforge.config.schema.json, `IMPORT_DESCRIPTION_SCHEMA` here) says where the files
 * are, their format and columns, units, rate or time column, where labels and groups come from,
 * and rows per gesture. `importRecordings(desc, io)` applies it through a small `ImportIo`
 * (list / read / chunks), so it stays pure: tests pass in-memory files, the CLI the file system
 * (src/adapters/import-fs.ts).
 *
 * Order per file: format (declared or detected) → importer (with label/group from the name
 * pattern, folder or fixed value) → unit check and conversion (src/data/import/units.ts) →
 * segments table (if any) cuts the file's recording into labelled pieces.
 */
import { resolve } from 'node:path';
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import configSchema from '../../../schemas/tinyforge.config.schema.json' with { type: 'json' };
import { IMPORT_FORMATS, fileStem, type ImportFormat, type ImportReport, type TimeUnit } from './common.js';
import { readTable, type Delimiter } from './csv.js';
import { detectFormat, importText } from './index.js';
import { checkUnits, type DeclaredUnits } from './units.js';

export type LabelSource = { fixed: string } | { column: string } | { field: string } | { folder: true };
export type GroupSource = { fixed: string } | { column: string } | { field: string } | { folder: true };

/** A table of labelled segments of the recordings (as many public datasets ship). */
export interface SegmentsTable {
  /** The table's file (delimited text; header row, or `columns`). */
  file: string;
  header?: boolean;
  columns?: string[];
  delimiter?: Delimiter;
  /** Columns (defaults: recording, label, start, end; group optional). */
  recordingColumn?: string;
  labelColumn?: string;
  startColumn?: string;
  endColumn?: string;
  groupColumn?: string;
  /** start/end in sample indices or seconds. */
  unit: 'samples' | 's';
  /** Index of the first sample in the table's numbering (0 or 1; default 0). */
  firstSample?: 0 | 1;
  /** Whether `end` is the last sample of the segment (default false: one past it). */
  endInclusive?: boolean;
  /** Label codes → names (e.g. {"1": "walking"}); a code mapped to null is left out (counted and reported). */
  labels?: Record<string, string | null>;
}

/** What the segments table did: segments imported, left out by code, naming files not imported. */
export interface SegmentsReport {
  file: string;
  segments: number;
  imported: number;
  /** Segments whose code maps to null, per code. */
  leftOut: { code: string; segments: number }[];
  /** Segments naming recordings that were not imported (a subset of the files was given). */
  notImported: { segments: number; recordings: string[] };
}

export interface ImportDescription {
  /** Importer; default auto (detected per file). `csv` covers headerless numeric text too. */
  format?: 'auto' | ImportFormat;
  /** Files, folders (every .csv/.json below, recursively) or globs (`rec/** /*.txt`, `{a,b}`). */
  files?: string[];
  /** csv: false = no header row (then `columns` names the columns). Default: detected. */
  header?: boolean;
  /** csv: column names (headerless files), or new names for the header's columns. */
  columns?: string[];
  delimiter?: Delimiter;
  /** Sensor columns to import, in this order. */
  axes?: string[];
  /** Units the numbers are in (checked against the data; converted to g and deg/s). */
  units?: DeclaredUnits;
  /** Sample rate, Hz: required without a time column; checked against timestamps when both. */
  rateHz?: number;
  timeColumn?: string;
  timeUnit?: TimeUnit;
  label?: LabelSource;
  group?: GroupSource;
  /**
   * Pattern for file paths (relative to the folder / the glob's fixed part; the file name when
   * it has no `/`): `{field}` matches one name part, `*` anything within a name, `**` any
   * folders; or `/regex/` with named groups. Fields: label, subject, session, group, recording.
   */
  namePattern?: string;
  segments?: SegmentsTable;
  /** IMU_Capture: rows per gesture; 'auto' (default) detects it, 'file' = one gesture per file. */
  rowsPerGesture?: number | 'auto' | 'file';
  /** Skip and count bad rows (up to 10 %) instead of stopping at the first. */
  lenient?: boolean;
  /** The largest file one import may read, MiB (default 1024, the fs adapter's DEFAULT_MAX_FILE_MB). */
  maxFileMB?: number;
}

/** The description's JSON Schema (one source: the project file's `data.import`). */
export const IMPORT_DESCRIPTION_SCHEMA: Record<string, unknown> = { ...configSchema.properties.data.properties.import, $defs: configSchema.$defs };

/** How the fs adapter and tests present files to `importRecordings`. */
export interface ImportIo {
  /**
   * Files a spec names, sorted: a file (rel = its name), a folder (every file below it, rel = the
   * path below the folder), or a glob (rel = the path below its fixed prefix). Throws a typed
   * error when nothing is there.
   */
  list(spec: string): { path: string; rel: string }[];
  read(path: string): string;
  /** The file as text chunks (bounded memory for large CSVs); default `[read(path)]`. */
  chunks?(path: string): Iterable<string>;
  /** Whether a file exists (sidecars). */
  exists(path: string): boolean;
}

export interface ImportedRecordings {
  recordings: Recording[];
  reports: ImportReport[];
  files: string[];
  /** Present when a segments table was applied. */
  segments?: SegmentsReport;
  /** Import-wide warnings (beyond each file's report), in words. */
  warnings?: string[];
}

const GLOB_CHARS = /[*?{}[\]]/;
export const isGlob = (spec: string) => GLOB_CHARS.test(spec);

/** A glob (`*`, `?`, `**`, `{a,b}`) as an anchored RegExp over '/'-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += `(?:${glob.slice(i + 1, close).split(',').map((p) => p.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|')})`;
        i = close;
      }
    } else re += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The fixed folder part of a glob ("data/raw/*.txt" → "data/raw"), '.' when none. */
export function globRoot(glob: string): string {
  const parts = glob.split('/');
  const k = parts.findIndex((p) => isGlob(p));
  return parts.slice(0, k < 0 ? parts.length - 1 : k).join('/') || (glob.startsWith('/') ? '/' : '.');
}

/** A name pattern → a matcher returning its named fields, or null when the path does not match. */
export function namePatternMatcher(pattern: string): (rel: string) => Record<string, string> | null {
  let re: RegExp;
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.lastIndexOf('/') > 0) {
    const end = pattern.lastIndexOf('/');
    try {
      re = new RegExp(pattern.slice(1, end), pattern.slice(end + 1));
    } catch (e) {
      throw badInput(`name pattern ${pattern} is not a valid regular expression (${(e as Error).message})`, { remedy: 'fix the regex, e.g. /(?<subject>\\w+)_(?<label>\\w+)\\.csv$/' });
    }
  } else {
    let src = '';
    const fields: string[] = [];
    for (const part of pattern.split(/(\{[A-Za-z_]\w*\})/)) {
      const m = /^\{([A-Za-z_]\w*)\}$/.exec(part);
      if (m) {
        if (fields.includes(m[1])) throw badInput(`name pattern ${pattern} uses {${m[1]}} twice`, { remedy: 'name each field once' });
        fields.push(m[1]);
        src += `(?<${m[1]}>[^/]+?)`;
      } else src += globToRegExp(part).source.slice(1, -1);
    }
    re = new RegExp(`(?:^|/)${src}$`);
  }
  return (rel) => {
    const target = pattern.includes('/') ? rel : rel.split('/').pop()!;
    const m = re.exec(target);
    return m ? { ...(m.groups ?? {}) } : null;
  };
}

const RECORDING_EXT = /\.(csv|json)$/i;

/** Sidecar candidates of a CSV capture: FILE.csv.json, then FILE.json. */
export function sidecarsOf(file: string): string[] {
  return /\.csv$/i.test(file) ? [`${file}.json`, file.replace(/\.csv$/i, '.json')] : [];
}

function groupFromFields(f: Record<string, string>): string | undefined {
  if (f.group) return f.group;
  if (f.subject && f.session) return `${f.subject}/${f.session}`;
  return f.subject ?? f.session;
}

function sameId(a: string, b: string): boolean {
  if (a === b) return true;
  const [x, y] = [Number(a), Number(b)];
  return a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y) && x === y;
}

function headOf(io: ImportIo, path: string): { head: string; stream: () => Iterable<string> } {
  if (!io.chunks) {
    const text = io.read(path);
    return { head: text, stream: () => [text] };
  }
  const it = io.chunks(path)[Symbol.iterator]();
  let head = '';
  const taken: string[] = [];
  while (head.length < 65536) {
    const n = it.next();
    if (n.done) break;
    taken.push(n.value);
    head += n.value;
  }
  return {
    head,
    stream: function* () {
      yield* taken;
      for (let n = it.next(); !n.done; n = it.next()) yield n.value;
    },
  };
}

/** Cuts each file's recording into the labelled segments of the table. */
function applySegments(seg: SegmentsTable, table: ReturnType<typeof readTable>, perFile: { id: string; recs: Recording[]; report: ImportReport }[]): { recordings: Recording[]; report: SegmentsReport } {
  const col = (name: string | undefined, dflt: string, required: boolean) => {
    const want = name ?? dflt;
    const i = table.names.indexOf(want);
    if (i < 0 && required) throw badInput(`${seg.file}: no column "${want}" in the segments table (columns: ${table.names.join(', ')})`, { remedy: 'name the table\'s columns (segments.columns) or pick its columns (recordingColumn, labelColumn, startColumn, endColumn)' });
    return i;
  };
  const [ri, li, si, ei] = [col(seg.recordingColumn, 'recording', true), col(seg.labelColumn, 'label', true), col(seg.startColumn, 'start', true), col(seg.endColumn, 'end', true)];
  const gi = seg.groupColumn ? col(seg.groupColumn, seg.groupColumn, true) : -1;
  const base = seg.firstSample ?? 0;
  // A Map, not the plain object: codes such as "__proto__" or "constructor" are data, not keys of Object.prototype.
  const codes = seg.labels ? new Map(Object.entries(seg.labels)) : null;
  const out: Recording[] = [];
  const used = new Set<number>();
  const unmatched = new Map<string, number>();
  const leftOut = new Map<string, number>();
  for (const { no, cells } of table.rows) {
    const at = `${seg.file}:${no}`;
    if (cells.length !== table.names.length) throw badInput(`${at}: expected ${table.names.length} columns, found ${cells.length}`, { remedy: 'fix the segments table row', details: { file: seg.file, line: no } });
    const id = cells[ri];
    const [start, end] = [Number(cells[si]), Number(cells[ei])];
    if (!Number.isFinite(start) || !Number.isFinite(end) || cells[si] === '' || cells[ei] === '') {
      throw badInput(`${at}: start "${cells[si]}" / end "${cells[ei]}" are not numbers`, { remedy: `start and end are ${seg.unit === 's' ? 'seconds' : 'sample indices'}${no === table.rows[0]?.no ? '; if this line is a header, set segments.header true (--segment-header)' : ''}`, details: { file: seg.file, line: no } });
    }
    const code = cells[li];
    const label = codes ? codes.get(code) : code;
    if (label === undefined || label === '') throw badInput(`${at}: label code "${code}" is not in segments.labels`, { remedy: `add "${code}" to segments.labels (map it to null to leave such segments out), or leave labels out to use the codes`, details: { file: seg.file, line: no } });
    const k = perFile.findIndex((f) => sameId(f.id, id));
    if (k < 0) {
      unmatched.set(id, (unmatched.get(id) ?? 0) + 1);
      continue;
    }
    if (label === null) {
      leftOut.set(code, (leftOut.get(code) ?? 0) + 1);
      continue;
    }
    const file = perFile[k];
    if (file.recs.length !== 1) {
      throw badInput(`${at}: recording "${id}" (${file.report.source}) imported as ${file.recs.length} pieces (timestamp gaps or label changes), but segments need one continuous recording per file`, { remedy: 'fix the gaps in the recording, or drop the segments table and label it by column' });
    }
    const rec = file.recs[0];
    const frames = rec.samples.length / rec.axes.length;
    const a = seg.unit === 's' ? Math.round(start * rec.sampleRateHz) : start - base;
    const b = seg.unit === 's' ? Math.round(end * rec.sampleRateHz) : end - base + (seg.endInclusive ? 1 : 0);
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b > frames || b <= a) {
      throw badInput(`${at}: segment ${cells[si]}–${cells[ei]} (${seg.unit}) is samples ${a}–${b - 1}, outside recording "${id}" (${frames} samples, ${file.report.source})`, {
        remedy: `check segments.unit (samples | s), firstSample (0 | 1) and endInclusive (--segment-unit, --segment-first-sample, --segment-end-inclusive)`,
        details: { file: seg.file, line: no },
      });
    }
    used.add(k);
    const nA = rec.axes.length;
    out.push({ ...rec, label, group: gi >= 0 ? cells[gi] : rec.group, samples: rec.samples.slice(a * nA, b * nA), source: `${file.report.source} samples ${a}–${b - 1} (${at})` });
  }
  const notImported = [...unmatched.values()].reduce((p, c) => p + c, 0);
  if (out.length === 0 && leftOut.size === 0) {
    throw badInput(`${seg.file}: none of its ${table.rows.length} segment(s) names an imported recording (the table names ${[...unmatched.keys()].slice(0, 5).join(', ')}; imported: ${perFile.slice(0, 5).map((f) => f.id).join(', ')})`, {
      remedy: 'the recording id is the file name (without extension) or the {recording} field of namePattern',
      details: { file: seg.file },
    });
  }
  perFile.forEach((f, k) => {
    if (!used.has(k)) f.report.warnings.push('no segment in the segments table: not imported');
    f.report.recordings = used.has(k) ? out.filter((r) => r.source?.startsWith(`${f.report.source} samples`)).length : 0;
  });
  return {
    recordings: out,
    report: {
      file: seg.file,
      segments: table.rows.length,
      imported: out.length,
      leftOut: [...leftOut].map(([code, segments]) => ({ code, segments })),
      notImported: { segments: notImported, recordings: [...unmatched.keys()] },
    },
  };
}

/** The segments report in words (data inspect, train). */
export function segmentsLines(r: SegmentsReport): string[] {
  const out = [`${r.file}: ${r.segments} segment(s), ${r.imported} imported`];
  if (r.leftOut.length) out.push(`  left out (code mapped to null): ${r.leftOut.map((l) => `code ${l.code} × ${l.segments}`).join(', ')}`);
  if (r.notImported.segments) out.push(`  ${r.notImported.segments} segment(s) name recordings that were not imported (${r.notImported.recordings.slice(0, 8).join(', ')}${r.notImported.recordings.length > 8 ? ', …' : ''}): skipped`);
  return out;
}

/** Applies an import description: every file it names → labelled recordings and one report per file. */
export function importRecordings(desc: ImportDescription, io: ImportIo): ImportedRecordings {
  const specs = desc.files ?? [];
  if (specs.length === 0) throw badInput('no input files', { remedy: 'name recording files, folders or globs (data.import.files, --data, or paths), or use --builtin' });
  const format = desc.format ?? 'auto';
  if (format !== 'auto' && !(IMPORT_FORMATS as readonly string[]).includes(format)) throw badInput(`unknown format "${format}"`, { remedy: `use one of: auto, ${IMPORT_FORMATS.join(', ')}` });
  const match = desc.namePattern ? namePatternMatcher(desc.namePattern) : null;
  const listed: { path: string; rel: string }[] = [];
  for (const spec of specs) {
    const entries = io.list(spec);
    // A plain file is taken whatever its name; a folder gives its .csv/.json files; a glob all it matches.
    const single = entries.length === 1 && entries[0].path === spec;
    const files = single || isGlob(spec) ? entries : entries.filter((e) => RECORDING_EXT.test(e.rel));
    const all = new Set(files.map((e) => e.path));
    for (const e of files) {
      // A capture's sidecar is read with its CSV; the segments table is not a recording.
      if (/\.json$/i.test(e.path) && [e.path.replace(/\.csv\.json$/i, '.csv'), e.path.replace(/\.json$/i, '.csv')].some((c) => c !== e.path && all.has(c))) continue;
      if (desc.segments && resolve(e.path) === resolve(desc.segments.file)) continue;
      listed.push(e);
    }
  }
  if (listed.length === 0) throw badInput(`no recordings in ${specs.join(', ')}`, { remedy: 'point at recording files (.csv, .json), folders of them, or a glob for other names' });
  const recordings: Recording[] = [];
  const reports: ImportReport[] = [];
  const perFile: { id: string; recs: Recording[]; report: ImportReport }[] = [];
  for (const { path, rel } of listed) {
    const fields = match ? match(rel) : {};
    if (fields === null) {
      throw badInput(`${rel}: the file name does not match the name pattern ${desc.namePattern}`, { remedy: 'fix namePattern, or narrow files to the ones it describes', details: { file: path } });
    }
    const dirs = rel.split('/').slice(0, -1);
    const folderName = dirs.length ? dirs[dirs.length - 1] : undefined;
    const pick = (src: LabelSource | GroupSource | undefined, field: string | undefined, what: string): { value?: string; column?: string } => {
      if (!src) return { value: field };
      if ('fixed' in src) return { value: src.fixed };
      if ('column' in src) return { column: src.column };
      if ('field' in src) {
        if (!fields[src.field]) throw badInput(`${rel}: the name pattern gives no {${src.field}} for the ${what}`, { remedy: `put {${src.field}} in namePattern` });
        return { value: fields[src.field] };
      }
      if (!folderName) throw badInput(`${rel}: the ${what} comes from the folder name, but the file is not in a folder below ${specs.join(', ')}`, { remedy: 'point files at the folder that holds one folder per class' });
      return { value: folderName };
    };
    const label = pick(desc.label, fields.label, 'label');
    const group = pick(desc.group, groupFromFields(fields), 'group');
    let sidecarText: string | undefined;
    for (const s of sidecarsOf(path)) {
      if (io.exists(s)) {
        sidecarText = io.read(s);
        break;
      }
    }
    const { head, stream } = /\.json$/i.test(path) ? { head: io.read(path), stream: null } : headOf(io, path);
    const fmt = format === 'auto' ? (desc.header === false || desc.columns ? 'csv' : detectFormat(head, { sidecarText })) : format;
    if ((label.column || group.column) && fmt !== 'csv') {
      throw badInput(`${rel}: ${label.column ? 'label' : 'group'} column "${label.column ?? group.column}" given, but the file is read as ${fmt}, which has no such columns`, { remedy: 'use --format csv, or take labels/groups from the file name, a folder or a fixed value' });
    }
    const text = stream && fmt === 'csv' ? stream() : stream ? [...stream()].join('') : head;
    const r = importText(text, {
      format: fmt,
      source: rel,
      label: label.value,
      group: group.value,
      labelColumn: label.column,
      groupColumn: group.column,
      lenient: desc.lenient,
      samplesPerGesture: desc.rowsPerGesture === 'auto' ? undefined : desc.rowsPerGesture,
      rateHz: desc.rateHz,
      timeColumn: desc.timeColumn,
      timeUnit: desc.timeUnit,
      axes: desc.axes,
      header: desc.header,
      columns: desc.columns,
      delimiter: desc.delimiter,
      sidecarText,
    });
    const checked = checkUnits(r.recordings, desc.units ?? {}, rel, r.report.unitsFrom);
    r.report.detected = { ...(r.report.detected ?? {}), units: checked.findings };
    reports.push(r.report);
    perFile.push({ id: fields.recording ?? fileStem(rel), recs: checked.recordings, report: r.report });
  }
  if (desc.segments) {
    const seg = desc.segments;
    const table = readTable(io.chunks ? io.chunks(seg.file) : io.read(seg.file), seg, seg.file);
    const applied = applySegments(seg, table, perFile);
    for (const r of applied.recordings) recordings.push(r);
    return { recordings, reports, files: listed.map((l) => l.path), segments: applied.report, warnings: segmentsLines(applied.report).slice(1).map((l) => l.trim()) };
  }
  for (const f of perFile) for (const r of f.recs) recordings.push(r);
  return { recordings, reports, files: listed.map((l) => l.path) };
}
