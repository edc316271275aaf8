/**
 * Generic CSV with a header row and (usually) a timestamp column.
 *
 * - Timestamp column: `timeColumn`, else the first header that names time (t, time, timestamp,
 *   ts, ms, millis, micros, us, sec, seconds, elapsed, time_ms, "time (s)", …). Unit: `timeUnit`,
 *   else from the name (…ms, …us, …s), else guessed from the median interval and stated in the
 *   report (intervals ≥ 1000 → µs, ≥ 1 → ms, else s: the guess assumes 1 Hz–1 kHz sampling).
 * - Rate: 1000 / median interval (ms). Jitter: std of the intervals. Gaps: intervals > 1.5 ×
 *   median; recordings are split at gaps so no window spans missing samples. Timestamps that do
 *   not increase are bad rows.
 * - Label / group columns (label, class, activity, gesture, target / group, subject, user,
 *   participant, session, device) are optional; a change of label or group starts a new recording.
 *   Without them, `label` / `group` options or the file name are used.
 * - Axes: `axes` (names), else every other column; each must be numeric. Units come from
 *   "name (unit)" / "name[unit]" headers or the axis name convention (aX → g, gX → deg/s).
 * - Without a timestamp column, `rateHz` is required.
 */
import { parse } from 'csv-parse/sync';
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import {
  MS_PER_UNIT,
  RowIssues,
  fileStem,
  median,
  parseNumber,
  stddev,
  unitForAxis,
  type CommonImportOptions,
  type ImportResult,
  type TimeUnit,
  type TimingReport,
} from './common.js';

export interface CsvImportOptions extends CommonImportOptions {
  timeColumn?: string;
  timeUnit?: TimeUnit;
  /** Sample rate when there is no timestamp column. */
  rateHz?: number;
  /** Sensor columns to import, by header name (default: all non-time, non-label/group columns). */
  axes?: string[];
  labelColumn?: string;
  groupColumn?: string;
}

const TIME_NAMES = new Set(['t', 'time', 'timestamp', 'ts', 'ms', 'millis', 'milliseconds', 'us', 'micros', 'microseconds', 's', 'sec', 'secs', 'seconds', 'elapsed', 'ns']);
const LABEL_NAMES = new Set(['label', 'class', 'activity', 'gesture', 'target']);
const GROUP_NAMES = new Set(['group', 'subject', 'user', 'participant', 'session', 'device']);
/** Intervals this much longer than the median are gaps. */
export const GAP_FACTOR = 1.5;

interface Column {
  header: string;
  name: string;
  unit: string;
}

function splitHeader(h: string): Column {
  const m = /^(.*?)\s*[([]\s*([^)\]]*)\s*[)\]]\s*$/.exec(h);
  return m ? { header: h, name: m[1], unit: m[2] } : { header: h, name: h, unit: '' };
}

/** "time_ms" → { base: "time", unit: "ms" }; "Timestamp (s)" → { base: "timestamp", unit: "s" }. */
function timeName(col: Column): { base: string; unit?: TimeUnit } | null {
  const key = col.name.toLowerCase().replace(/[^a-z]/g, '');
  const unitOf = (u: string): TimeUnit | undefined =>
    ({ s: 's', sec: 's', secs: 's', seconds: 's', ms: 'ms', millis: 'ms', milliseconds: 'ms', us: 'us', micros: 'us', microseconds: 'us', ns: 'ns' } as Record<string, TimeUnit>)[u.toLowerCase()];
  if (TIME_NAMES.has(key)) return { base: key, unit: unitOf(col.unit) ?? (key === 't' || key === 'time' || key === 'timestamp' || key === 'ts' || key === 'elapsed' ? undefined : unitOf(key)) };
  const m = /^(t|time|timestamp|ts|elapsed)(s|sec|ms|us|ns|millis|micros)$/.exec(key);
  if (m) return { base: m[1], unit: unitOf(m[2]) };
  return null;
}

type CsvRow = { record: string[]; info: { lines: number } };

/**
 * Rows with their 1-based line numbers. Files without quotes (nearly all sensor logs) are split
 * directly, which is several times faster than csv-parse on large logs and gives the same rows;
 * anything quoted goes through csv-parse.
 */
function csvRows(text: string, source: string): CsvRow[] {
  const clean = text.replace(/^\uFEFF/, '');
  if (!clean.includes('"')) {
    const out: CsvRow[] = [];
    const lines = clean.split(/\r?\n|\r/);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i].trim();
      if (l !== '') out.push({ record: l.split(',').map((c) => c.trim()), info: { lines: i + 1 } });
    }
    return out;
  }
  try {
    return parse(clean.replace(/\r\n?/g, '\n'), { info: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as unknown as CsvRow[];
  } catch (e) {
    throw badInput(`${source}: not valid CSV (${(e as Error).message})`, { remedy: 'check quoting and delimiters (comma-separated, one header row)', details: { file: source } });
  }
}

export function importCsv(text: string, opts: CsvImportOptions = {}): ImportResult {
  const source = opts.source ?? '<text>';
  const rows = csvRows(text, source);
  if (rows.length === 0) throw badInput(`${source}: file is empty`, { remedy: 'a CSV needs a header row and data rows' });
  const header = rows[0].record.map(splitHeader);
  const names = header.map((c) => c.name);
  const find = (explicit: string | undefined, set: Set<string>, what: string): number => {
    if (explicit !== undefined) {
      const i = names.findIndex((n, k) => n === explicit || header[k].header === explicit);
      if (i < 0) throw badInput(`${source}: no ${what} column "${explicit}" (columns: ${names.join(', ')})`, { remedy: `name one of the header's columns` });
      return i;
    }
    return names.findIndex((n) => set.has(n.toLowerCase()));
  };
  let ti = -1;
  let tUnit: TimeUnit | undefined = opts.timeUnit;
  if (opts.timeColumn !== undefined) {
    ti = find(opts.timeColumn, TIME_NAMES, 'time');
    tUnit ??= timeName(header[ti])?.unit;
  } else {
    ti = header.findIndex((c) => timeName(c) !== null);
    if (ti >= 0) tUnit ??= timeName(header[ti])!.unit;
  }
  const li = find(opts.labelColumn, LABEL_NAMES, 'label');
  const gi = find(opts.groupColumn, GROUP_NAMES, 'group');
  const special = new Set([ti, li, gi].filter((i) => i >= 0));
  let axisIdx: number[];
  const warnings: string[] = [];
  if (opts.axes) {
    axisIdx = opts.axes.map((a) => {
      const i = names.findIndex((n, k) => n === a || header[k].header === a);
      if (i < 0) throw badInput(`${source}: no column "${a}" (columns: ${names.join(', ')})`, { remedy: 'pick axes among the header\'s columns (--axes aX,aY,aZ)' });
      return i;
    });
    const ignored = names.filter((_, i) => !special.has(i) && !axisIdx.includes(i));
    if (ignored.length) warnings.push(`columns not imported: ${ignored.join(', ')}`);
  } else {
    axisIdx = names.map((_, i) => i).filter((i) => !special.has(i));
  }
  if (axisIdx.length === 0) throw badInput(`${source}: no sensor columns (columns: ${names.join(', ')})`, { remedy: 'the CSV needs at least one numeric sensor column beside time/label/group' });
  if (ti < 0 && !(opts.rateHz && opts.rateHz > 0)) {
    throw badInput(`${source}: no timestamp column found (looked for t, time, timestamp, ms, …; columns: ${names.join(', ')})`, {
      remedy: 'name the time column with --time-column, or give the sample rate with --rate HZ',
    });
  }
  // A column that is text in the first data row is a column we do not understand: say so now,
  // rather than reporting every row as bad.
  const first = rows[1]?.record;
  if (first && first.length === header.length) {
    for (const i of axisIdx) {
      if (parseNumber(first[i]) === null && parseNumber(rows[2]?.record[i] ?? '') === null) {
        throw badInput(`${source}:${rows[1].info.lines}: column "${names[i]}" is not numeric ("${first[i]}")`, {
          remedy: `select the sensor columns with --axes (unknown text columns cannot be imported), or name it with --label-column/--group-column`,
          details: { file: source, line: rows[1].info.lines, column: names[i] },
        });
      }
    }
  }

  const issues = new RowIssues(source, opts.lenient ?? false, `fix the row (${header.length} columns: ${names.join(',')})`);
  type Row = { line: number; t: number; label: string; group: string; v: number[] };
  const good: Row[] = [];
  let lastT = -Infinity;
  for (let r = 1; r < rows.length; r++) {
    const { record, info } = rows[r];
    const line = info.lines;
    if (record.length !== header.length) {
      issues.bad(line, `expected ${header.length} columns, found ${record.length}`);
      continue;
    }
    const v = axisIdx.map((i) => parseNumber(record[i]));
    const badAt = v.findIndex((x) => x === null);
    if (badAt >= 0) {
      issues.bad(line, `column ${names[axisIdx[badAt]]} is not a finite number: "${record[axisIdx[badAt]]}"`);
      continue;
    }
    let t = r;
    if (ti >= 0) {
      const tv = parseNumber(record[ti]);
      if (tv === null) {
        issues.bad(line, `timestamp "${record[ti]}" is not a number`);
        continue;
      }
      if (tv <= lastT) {
        issues.bad(line, `timestamp ${tv} does not increase (previous ${lastT})`);
        continue;
      }
      t = lastT = tv;
    }
    const label = li >= 0 ? record[li] : (opts.label ?? fileStem(source));
    const group = gi >= 0 ? record[gi] : (opts.group ?? fileStem(source));
    if (label === '' || group === '') {
      issues.bad(line, `empty ${label === '' ? 'label' : 'group'}`);
      continue;
    }
    good.push({ line, t, label: opts.label ?? label, group: opts.group ?? group, v: v as number[] });
  }
  issues.check(rows.length - 1);
  if (good.length === 0) throw badInput(`${source}: no data rows`, { remedy: 'the CSV needs data rows below the header' });

  // Runs of one label and group; intervals are measured within runs only.
  const runs: Row[][] = [];
  for (const row of good) {
    const cur = runs[runs.length - 1];
    if (cur && cur[0].label === row.label && cur[0].group === row.group) cur.push(row);
    else runs.push([row]);
  }
  let rateHz: number;
  let timing: TimingReport | undefined;
  let pieces: Row[][] = runs;
  if (ti >= 0) {
    const dts: { dt: number; line: number }[] = [];
    for (const run of runs) for (let k = 1; k < run.length; k++) dts.push({ dt: run[k].t - run[k - 1].t, line: run[k].line });
    if (dts.length === 0) throw badInput(`${source}: need at least two rows per recording to measure the sample rate`, { remedy: 'record longer, or give --rate and drop the time column' });
    const med = median(dts.map((d) => d.dt));
    let unitGuessed = false;
    if (!tUnit) {
      tUnit = med >= 1000 ? 'us' : med >= 1 ? 'ms' : 's';
      unitGuessed = true;
    }
    const msPer = MS_PER_UNIT[tUnit];
    const gapAt = new Set<number>();
    const gaps: TimingReport['gaps'] = { count: 0, examples: [] };
    const regular: number[] = [];
    for (const d of dts) {
      if (d.dt > GAP_FACTOR * med) {
        gapAt.add(d.line);
        gaps.count++;
        if (gaps.examples.length < 10) gaps.examples.push({ line: d.line, intervalMs: d.dt * msPer });
      } else regular.push(d.dt * msPer);
    }
    // Mixed rates: the two halves of the file disagree by more than 5 %.
    const half = Math.floor(regular.length / 2);
    if (half >= 8) {
      const a = median(regular.slice(0, half));
      const b = median(regular.slice(half));
      if (Math.abs(a - b) > 0.05 * Math.max(a, b)) {
        throw badInput(`${source}: mixed sample rates: intervals of ${round(a)} ms in the first half, ${round(b)} ms in the second`, {
          remedy: 'import each rate from a separate file (resample one part), since a model runs at one rate',
          details: { file: source },
        });
      }
    }
    const medMs = med * msPer;
    rateHz = 1000 / medMs;
    timing = { column: names[ti], unit: tUnit, unitGuessed, medianIntervalMs: medMs, jitterMs: stddev(regular), gaps };
    if (unitGuessed) warnings.push(`timestamp unit guessed as ${tUnit} (median interval ${round(med)} → ${round(rateHz)} Hz); pass --time-unit to set it`);
    if (gaps.count) warnings.push(`${gaps.count} gap(s) in the timestamps (interval > ${GAP_FACTOR}× median): recordings split there`);
    pieces = [];
    for (const run of runs) {
      let cur: Row[] = [];
      for (const row of run) {
        if (gapAt.has(row.line) && cur.length) {
          pieces.push(cur);
          cur = [];
        }
        cur.push(row);
      }
      pieces.push(cur);
    }
  } else {
    rateHz = opts.rateHz!;
  }
  const axes = axisIdx.map((i) => names[i]);
  const units = axisIdx.map((i) => header[i].unit || unitForAxis(names[i]));
  const recordings: Recording[] = pieces.map((p) => ({
    label: p[0].label,
    group: p[0].group,
    sampleRateHz: rateHz,
    axes: axes.slice(),
    units: units.slice(),
    samples: Float32Array.from(p.flatMap((row) => row.v)),
    source: `${source}:${p[0].line}-${p[p.length - 1].line}`,
  }));
  return {
    recordings,
    report: {
      source,
      format: 'csv',
      recordings: recordings.length,
      frames: good.length,
      rateHz,
      rateSource: ti >= 0 ? 'measured' : 'option',
      skipped: { count: issues.count, examples: issues.examples },
      warnings,
      ...(timing ? { timing } : {}),
    },
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
