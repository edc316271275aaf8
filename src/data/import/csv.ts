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
 * - Without a timestamp column, `rateHz` is required. With both, the measured rate must agree with
 *   the declared one within RATE_TOLERANCE (and a guessed time unit is the one that agrees).
 * - Headerless numeric text (`header: false`, or a first line of numbers): `columns` names the
 *   columns; cells are separated by commas, semicolons, tabs or whitespace (`delimiter`, else
 *   detected from the first line).
 * - Streaming: the input may be an iterable of text chunks; rows are parsed line by line into
 *   float32 storage, so memory is bounded by the samples (not the text), and any width works.
 */
import { parse } from 'csv-parse/sync';
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import {
  Float32Builder,
  MS_PER_UNIT,
  checkRate,
  parseSample,
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
  /** false: no header row (name the columns with `columns`); default: detected (a first line of numbers is data). */
  header?: boolean;
  /** Column names: for headerless files, or to rename the header's columns. */
  columns?: string[];
  /** Cell separator; default: detected from the first line (comma, semicolon, tab, else whitespace). */
  delimiter?: Delimiter;
}

export const DELIMITERS = ['comma', 'semicolon', 'tab', 'whitespace'] as const;
export type Delimiter = (typeof DELIMITERS)[number];
/** Measured and declared rate may differ by this fraction. */
export const RATE_TOLERANCE = 0.02;

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


/** Lines of a text or of a stream of text chunks, with 1-based numbers (CRLF, LF or CR; BOM dropped). */
export function* textLines(input: string | Iterable<string>): Generator<{ no: number; text: string }> {
  let no = 0;
  let rest = '';
  let first = true;
  let pendingCr = false;
  for (let chunk of typeof input === 'string' ? [input] : input) {
    if (first && chunk.length) {
      chunk = chunk.replace(/^\uFEFF/, '');
      first = false;
    }
    if (pendingCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
    pendingCr = false;
    let buf = rest + chunk;
    let from = 0;
    // Next LF / CR at or after `from`, each searched again only once passed (one scan per chunk).
    let nl = -2;
    let cr = -2;
    for (;;) {
      if (nl !== -1 && nl < from) nl = buf.indexOf('\n', from);
      if (cr !== -1 && cr < from) cr = buf.indexOf('\r', from);
      const at = nl < 0 ? cr : cr < 0 ? nl : Math.min(nl, cr);
      if (at < 0) break;
      yield { no: ++no, text: buf.slice(from, at) };
      if (buf[at] === '\r') {
        if (at + 1 === buf.length) pendingCr = true;
        else if (buf[at + 1] === '\n') {
          from = at + 2;
          continue;
        }
      }
      from = at + 1;
    }
    rest = buf.slice(from);
    buf = '';
  }
  if (rest !== '') yield { no: ++no, text: rest };
}

const SEP: Record<Delimiter, string | RegExp> = { comma: ',', semicolon: ';', tab: '\t', whitespace: /\s+/ };

function detectDelimiter(line: string): Delimiter {
  if (line.includes(',')) return 'comma';
  if (line.includes(';')) return 'semicolon';
  if (line.includes('\t')) return 'tab';
  return 'whitespace';
}

/**
 * Cells of one line. Quoted lines go through csv-parse (a quoted field cannot span lines here).
 * A `;` ending a line of another separator (`33,Jogging,…,0.50395286;` as some public sets
 * ship) is a line terminator, not a cell: dropped.
 */
function cellsOf(line: string, delim: Delimiter, source: string, no: number): string[] {
  if (delim !== 'semicolon' && line.endsWith(';')) line = line.slice(0, -1).trimEnd();
  if (line.includes('"') && delim !== 'whitespace') {
    try {
      const rec = parse(line, { delimiter: SEP[delim] as string, relax_column_count: true, trim: true }) as string[][];
      return rec[0] ?? [];
    } catch (e) {
      throw badInput(`${source}:${no}: not valid CSV (${(e as Error).message})`, { remedy: 'check quoting (a quoted field must close on the same line) and delimiters', details: { file: source, line: no } });
    }
  }
  const parts = line.split(SEP[delim]);
  for (let i = 0; i < parts.length; i++) parts[i] = parts[i].trim();
  return parts;
}

/**
 * Whether a first row is a header: every cell is text (not a number). A row mixing text and
 * numbers (a data row with a text label, or a malformed one) is data, so it is imported or
 * refused like any other row — never silently dropped as a "header".
 */
export function looksLikeHeader(cells: readonly string[]): boolean {
  return cells.length > 0 && cells.every((c) => parseNumber(c) === null);
}

/**
 * A small delimited table (e.g. a segments table): column names and the rows' cells with line
 * numbers. With `columns` given and `header` unset, the first row is a header only when its
 * cells are those names (case-insensitive); a first row of other text is refused as ambiguous
 * (set `header`), and any row holding a number is data.
 */
export function readTable(input: string | Iterable<string>, opts: { header?: boolean; columns?: string[]; delimiter?: Delimiter }, source: string): { names: string[]; rows: { no: number; cells: string[] }[] } {
  const rows: { no: number; cells: string[] }[] = [];
  let delim = opts.delimiter;
  for (const { no, text } of textLines(input)) {
    const t = text.trim();
    if (t === '') continue;
    delim ??= detectDelimiter(t);
    rows.push({ no, cells: cellsOf(t, delim, source, no) });
  }
  if (rows.length === 0) throw badInput(`${source}: table is empty`, { remedy: 'the table needs rows' });
  const first = rows[0];
  let hasHeader = opts.header;
  if (hasHeader === undefined) {
    if (!looksLikeHeader(first.cells)) hasHeader = false;
    else if (!opts.columns) hasHeader = true;
    else {
      const same = first.cells.length === opts.columns.length && first.cells.every((c, i) => c.toLowerCase() === opts.columns![i].toLowerCase());
      if (!same) {
        throw badInput(`${source}:${first.no}: the first row (${first.cells.slice(0, 8).join(' ')}) is all text but not the given column names (${opts.columns.join(', ')}): a header, or a malformed row?`, {
          remedy: 'say which: header: true (--segment-header) to skip it as a header, or header: false (--segment-headerless) to read it as data',
          details: { file: source, line: first.no },
        });
      }
      hasHeader = true;
    }
  }
  const names = opts.columns ?? (hasHeader ? first.cells : null);
  if (!names) throw badInput(`${source}: no header row (${first.cells.length} columns)`, { remedy: 'name the table\'s columns (columns: [...])' });
  return { names, rows: hasHeader ? rows.slice(1) : rows };
}

export function importCsv(input: string | Iterable<string>, opts: CsvImportOptions = {}): ImportResult {
  const source = opts.source ?? '<text>';
  if (opts.rateHz !== undefined) checkRate(opts.rateHz, source, 'declare the rate in Hz, e.g. --rate 50');
  const lines = textLines(input)[Symbol.iterator]();
  let firstLine: { no: number; text: string } | undefined;
  for (let l = lines.next(); !l.done; l = lines.next()) {
    if (l.value.text.trim() !== '') {
      firstLine = { no: l.value.no, text: l.value.text.trim() };
      break;
    }
  }
  if (!firstLine) throw badInput(`${source}: file is empty`, { remedy: 'a CSV needs a header row and data rows' });
  const delim = opts.delimiter ?? detectDelimiter(firstLine.text);
  const firstCells = cellsOf(firstLine.text, delim, source, firstLine.no);
  // A first row holding any number is data (a text label beside numbers is not a header).
  const hasHeader = opts.header ?? looksLikeHeader(firstCells);
  let headerCells: string[];
  if (!hasHeader) {
    if (!opts.columns) {
      throw badInput(`${source}:${firstLine.no}: no header row (the first line holds ${firstCells.length} ${firstCells.every((c) => parseNumber(c) !== null) ? 'numbers' : 'cells, not all text'})`, {
        remedy: `name the ${firstCells.length} columns in the import description (columns: [...], or --columns ${firstCells.length === 3 ? 'aX,aY,aZ' : 'a,b,…'})`,
        details: { file: source, columns: firstCells.length },
      });
    }
    headerCells = opts.columns;
  } else {
    headerCells = firstCells;
    if (opts.columns) {
      if (opts.columns.length !== firstCells.length) throw badInput(`${source}: ${opts.columns.length} column names given for ${firstCells.length} header columns`, { remedy: 'give one name per column' });
      headerCells = opts.columns;
    }
  }
  const header = headerCells.map(splitHeader);
  const names = header.map((c) => c.name);
  const find = (explicit: string | undefined, set: Set<string>, what: string): number => {
    if (explicit !== undefined) {
      const i = names.findIndex((n, k) => n === explicit || header[k].header === explicit);
      if (i < 0) throw badInput(`${source}: no ${what} column "${explicit}" (columns: ${names.slice(0, 20).join(', ')})`, { remedy: `name one of the header's columns` });
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
      if (i < 0) throw badInput(`${source}: no column "${a}" (columns: ${names.slice(0, 20).join(', ')})`, { remedy: "pick axes among the header's columns (--axes aX,aY,aZ)" });
      return i;
    });
    const chosen = new Set(axisIdx);
    const ignored = names.filter((_, i) => !special.has(i) && !chosen.has(i));
    if (ignored.length) warnings.push(`columns not imported: ${ignored.slice(0, 20).join(', ')}${ignored.length > 20 ? ` and ${ignored.length - 20} more` : ''}`);
  } else {
    axisIdx = [];
    for (let i = 0; i < names.length; i++) if (!special.has(i)) axisIdx.push(i);
  }
  if (axisIdx.length === 0) throw badInput(`${source}: no sensor columns (columns: ${names.join(', ')})`, { remedy: 'the CSV needs at least one numeric sensor column beside time/label/group' });
  if (ti < 0 && opts.rateHz === undefined) {
    throw badInput(`${source}: no timestamp column found (looked for t, time, timestamp, ms, …; columns: ${names.slice(0, 20).join(', ')})`, {
      remedy: 'name the time column with --time-column, or give the sample rate with --rate HZ',
    });
  }

  const nA = axisIdx.length;
  const nCols = header.length;
  const issues = new RowIssues(source, opts.lenient ?? false, `fix the row (${nCols} columns: ${names.slice(0, 20).join(',')})`);
  const values = new Float32Builder(nA * 4096);
  const times: number[] = [];
  const rowLines: number[] = [];
  /** Runs of one label and group: [first row index, label, group]. */
  const runs: { at: number; label: string; group: string }[] = [];
  const row = new Float64Array(nA);
  let lastT = -Infinity;
  let restarts = 0;
  let dataRows = 0;
  let checkedText = false;
  const take = (no: number, text: string) => {
    const record = cellsOf(text, delim, source, no);
    dataRows++;
    // A column that is text in the first data row is one we do not understand: say so now rather
    // than reporting every row as bad.
    if (!checkedText && record.length === nCols) {
      checkedText = true;
      for (const i of axisIdx) {
        if (parseNumber(record[i]) === null && record[i] !== '' && !/^[+-]?(nan|inf(inity)?)$/i.test(record[i])) {
          throw badInput(`${source}:${no}: column "${names[i]}" is not numeric ("${record[i].slice(0, 40)}")`, {
            remedy: 'select the sensor columns with --axes (unknown text columns cannot be imported), or name it with --label-column/--group-column',
            details: { file: source, line: no, column: names[i] },
          });
        }
      }
    }
    if (record.length !== nCols) {
      issues.bad(no, `expected ${nCols} columns, found ${record.length}`);
      return;
    }
    for (let k = 0; k < nA; k++) {
      const v = parseSample(record[axisIdx[k]]);
      if (typeof v === 'string') {
        issues.bad(no, `column ${names[axisIdx[k]]} ${v}`);
        return;
      }
      row[k] = v;
    }
    const label = opts.label ?? (li >= 0 ? record[li] : fileStem(source));
    const group = opts.group ?? (gi >= 0 ? record[gi] : fileStem(source));
    if (label === '' || group === '') {
      issues.bad(no, `empty ${label === '' ? 'label' : 'group'}`);
      return;
    }
    const cur = runs[runs.length - 1];
    const newRun = !cur || cur.label !== label || cur.group !== group;
    let t = dataRows;
    if (ti >= 0) {
      const tv = parseNumber(record[ti]);
      if (tv === null) {
        issues.bad(no, `timestamp "${record[ti].slice(0, 40)}" is not a number`);
        return;
      }
      // A label/group change starts a new recording, whose clock may start again.
      if (tv <= lastT && !newRun) {
        issues.bad(no, `timestamp ${tv} does not increase (previous ${lastT})`);
        return;
      }
      if (newRun && cur && tv <= lastT) restarts++;
      t = lastT = tv;
    }
    if (newRun) runs.push({ at: rowLines.length, label, group });
    for (let k = 0; k < nA; k++) values.push(row[k]);
    times.push(t);
    rowLines.push(no);
  };
  if (!hasHeader) take(firstLine.no, firstLine.text);
  for (let l = lines.next(); !l.done; l = lines.next()) {
    const text = l.value.text.trim();
    if (text !== '') take(l.value.no, text);
  }
  issues.check(dataRows);
  const good = rowLines.length;
  if (good === 0) throw badInput(`${source}: no data rows`, { remedy: 'the CSV needs data rows below the header' });

  // Pieces: runs, split at timestamp gaps. [first, end) row indices.
  const runEnd = (k: number) => (k + 1 < runs.length ? runs[k + 1].at : good);
  let pieces: [number, number][] = runs.map((r, k) => [r.at, runEnd(k)]);
  let rateHz: number;
  let timing: TimingReport | undefined;
  let measuredHz: number | undefined;
  if (ti >= 0) {
    const dts = new Float64Array(Math.max(0, good - 1));
    const dtRow = new Int32Array(dts.length);
    let n = 0;
    for (const [a, b] of pieces) {
      for (let i = a + 1; i < b; i++) {
        dts[n] = times[i] - times[i - 1];
        dtRow[n++] = i;
      }
    }
    if (n === 0) throw badInput(`${source}: need at least two rows per recording to measure the sample rate`, { remedy: 'record longer, or give --rate and drop the time column' });
    const med = medianOf(dts.subarray(0, n));
    let unitGuessed = false;
    if (!tUnit) {
      unitGuessed = true;
      const fits = opts.rateHz !== undefined ? (Object.keys(MS_PER_UNIT) as TimeUnit[]).find((u) => Math.abs(1000 / (med * MS_PER_UNIT[u]) - opts.rateHz!) <= RATE_TOLERANCE * opts.rateHz!) : undefined;
      tUnit = fits ?? (med >= 1000 ? 'us' : med >= 1 ? 'ms' : 's');
    }
    const msPer = MS_PER_UNIT[tUnit];
    const gapRows = new Set<number>();
    const gaps: TimingReport['gaps'] = { count: 0, examples: [] };
    const regular: number[] = [];
    for (let k = 0; k < n; k++) {
      if (dts[k] > GAP_FACTOR * med) {
        gapRows.add(dtRow[k]);
        gaps.count++;
        if (gaps.examples.length < 10) gaps.examples.push({ line: rowLines[dtRow[k]], intervalMs: dts[k] * msPer });
      } else regular.push(dts[k] * msPer);
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
    rateHz = checkRate(1000 / medMs, `${source}: timestamps (median interval ${medMs} ms)`, 'check the time column and its unit (--time-unit)');
    measuredHz = rateHz;
    if (opts.rateHz !== undefined && Math.abs(rateHz - opts.rateHz) > RATE_TOLERANCE * opts.rateHz) {
      throw badInput(`${source}: the timestamps say ${round(rateHz)} Hz (median interval ${round(medMs)} ms, time unit ${tUnit}${unitGuessed ? ', guessed' : ''}), but ${opts.rateHz} Hz was declared`, {
        remedy: 'fix the declared rate, or the time unit (--time-unit / timeUnit) if the timestamps are not in ' + tUnit,
        details: { file: source, measuredHz: rateHz, declaredHz: opts.rateHz },
      });
    }
    timing = { column: names[ti], unit: tUnit, unitGuessed, medianIntervalMs: medMs, jitterMs: stddev(regular), gaps };
    if (restarts) warnings.push(`timestamps start again at ${restarts} label/group change(s): each is a new recording`);
    if (unitGuessed) warnings.push(`timestamp unit guessed as ${tUnit} (median interval ${round(med)} → ${round(rateHz)} Hz${opts.rateHz !== undefined ? ', the declared rate' : ''}); pass --time-unit to set it`);
    if (gaps.count) warnings.push(`${gaps.count} gap(s) in the timestamps (interval > ${GAP_FACTOR}× median): recordings split there`);
    if (gaps.count) {
      const split: [number, number][] = [];
      for (const [a, b] of pieces) {
        let s = a;
        for (let i = a + 1; i < b; i++) {
          if (gapRows.has(i)) {
            split.push([s, i]);
            s = i;
          }
        }
        split.push([s, b]);
      }
      pieces = split;
    }
  } else {
    rateHz = opts.rateHz!;
  }
  const axes = axisIdx.map((i) => names[i]);
  const units = axisIdx.map((i) => header[i].unit || unitForAxis(names[i]));
  const runOf = (rowIdx: number) => {
    let lo = 0;
    let hi = runs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (runs[mid].at <= rowIdx) lo = mid;
      else hi = mid - 1;
    }
    return runs[lo];
  };
  const recordings: Recording[] = pieces.map(([a, b]) => ({
    label: runOf(a).label,
    group: runOf(a).group,
    sampleRateHz: rateHz,
    axes: axes.slice(),
    units: units.slice(),
    samples: values.slice(a * nA, b * nA),
    source: `${source}:${rowLines[a]}-${rowLines[b - 1]}`,
  }));
  return {
    recordings,
    report: {
      source,
      format: 'csv',
      recordings: recordings.length,
      frames: good,
      rateHz,
      rateSource: ti >= 0 ? 'measured' : 'option',
      skipped: { count: issues.count, examples: issues.examples },
      warnings,
      ...(timing ? { timing } : {}),
      unitsFrom: axisIdx.map((i) => (header[i].unit ? 'file' : 'name')),
      detected: { rate: { hz: rateHz, how: ti >= 0 ? 'measured' : 'declared', ...(opts.rateHz !== undefined ? { declaredHz: opts.rateHz } : {}), ...(measuredHz !== undefined ? { measuredHz } : {}) } },
    },
  };
}

function medianOf(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
