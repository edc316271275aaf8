/**
 * Arduino `IMU_Capture` CSV (the TinyML gesture tutorial's sketch): a header such as
 * `aX,aY,aZ,gX,gY,gZ`, then gestures of N rows each, no timestamps; CRLF or LF. Each gesture
 * becomes one Recording. Repeated header lines (captures concatenated from the serial monitor)
 * are skipped and reported.
 *
 * Gesture length N is never assumed (the MPU6050 variant of the sketch records 140 rows, the
 * LSM9DS1 one 119):
 *  1. declared (`samplesPerGesture`): the rows must be a whole number of gestures, else an error
 *     naming the counts (lenient: the trailing partial gesture is dropped and reported);
 *  2. blank separator lines (the tutorial's sketch prints one after each gesture): the runs
 *     between them are the gestures (a blank after every row is just spacing and is ignored);
 *  3. else the boundary test: gestures are recorded apart in time, so consecutive rows jump at a
 *     gesture boundary and are smooth inside one. For each N in [MIN_GESTURE_ROWS, rows/2] that
 *     divides the rows, score(N) = median jump at rows kN / median jump overall (jumps = Σ axes
 *     |Δx| / the axis' median |Δx|). From the best N (score ≥ BOUNDARY_SCORE), the fundamental
 *     is taken: a divisor d of N whose extra boundaries jump too (fundamentalLength) — ten
 *     gestures glued together are not one gesture. Nothing scoring, or two lengths neither a
 *     multiple of the other scoring alike → an error naming the counts, the scores and why.
 */
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import { Float32Builder, RowIssues, checkRate, fileStem, median, parseNumber, parseSample, splitLines, unitForAxis, type CommonImportOptions, type DetectionReport, type ImportResult } from './common.js';

export interface ImuCaptureOptions extends CommonImportOptions {
  /** Rows per gesture; omitted = detected from the data; `'file'` = the whole file is one gesture. */
  samplesPerGesture?: number | 'file';
  /** Sample rate in Hz. Default 119 (the LSM9DS1 library's fixed rate). */
  rateHz?: number;
}

export const IMU_CAPTURE_DEFAULTS = { rateHz: 119 } as const;
/** Shortest gesture the boundary test considers (rows). */
export const MIN_GESTURE_ROWS = 10;
/** Median boundary jump / median jump needed to accept a gesture length. */
export const BOUNDARY_SCORE = 3;

interface Rows {
  values: Float32Builder;
  nA: number;
  count: number;
  lines: number[];
  /** Row indices that follow a blank line (the first row never counts). */
  afterBlank: number[];
}

/** Jump per row (row t vs t−1: Σ axes |Δx| / the axis' median |Δx|) and the median jump overall. */
function jumpsOf(v: ArrayLike<number>, nA: number, rows: number): { jump: Float64Array; overall: number } {
  const jump = new Float64Array(rows);
  const scale: number[] = [];
  for (let a = 0; a < nA; a++) {
    const d: number[] = [];
    for (let t = 1; t < rows; t++) d.push(Math.abs(v[t * nA + a] - v[(t - 1) * nA + a]));
    const m = median(d);
    scale.push(m > 0 ? m : d.reduce((p, c) => p + c, 0) / d.length || 1);
  }
  for (let t = 1; t < rows; t++) {
    let s = 0;
    for (let a = 0; a < nA; a++) s += Math.abs(v[t * nA + a] - v[(t - 1) * nA + a]) / scale[a];
    jump[t] = s;
  }
  return { jump, overall: median(Array.from(jump.subarray(1))) || 1e-12 };
}

/** score(N) for every divisor N of the row count in [MIN_GESTURE_ROWS, rows/2], best first. */
export function boundaryScores(v: ArrayLike<number>, nA: number, rows: number): { rows: number; score: number }[] {
  if (rows < 2 * MIN_GESTURE_ROWS) return [];
  const { jump, overall } = jumpsOf(v, nA, rows);
  return scoresOf(jump, overall, rows);
}

function scoresOf(jump: Float64Array, overall: number, rows: number): { rows: number; score: number }[] {
  const out: { rows: number; score: number }[] = [];
  for (let n = MIN_GESTURE_ROWS; n <= rows / 2; n++) {
    if (rows % n) continue;
    const at: number[] = [];
    for (let t = n; t < rows; t += n) at.push(jump[t]);
    out.push({ rows: n, score: median(at) / overall });
  }
  return out.sort((a, b) => b.score - a.score || a.rows - b.rows);
}

/** The gesture length the median rule alone picks (the smallest N scoring ≥ 0.6 × the best and ≥ BOUNDARY_SCORE), or null. */
export function pickGestureLength(scores: { rows: number; score: number }[]): number | null {
  const best = scores[0]?.score ?? 0;
  if (best < BOUNDARY_SCORE) return null;
  return Math.min(...scores.filter((s) => s.score >= 0.6 * best).map((s) => s.rows));
}

/** Of the extra boundaries a length d adds inside gestures of length m (multiples of d that are not of m), this share must jump. */
export const FUNDAMENTAL_SHARE = 0.75;

/**
 * The fundamental gesture length: a multiple of a good length is not a better length. Start from
 * the median rule's length B (pickGestureLength); a divisor d of B is the gesture length instead when the boundaries it
 * adds (rows at multiples of d that are not multiples of B) jump too — at least FUNDAMENTAL_SHARE
 * of them by ≥ BOUNDARY_SCORE × the median jump — so ten gestures glued together (B = 10 d) give
 * d, while half a gesture (d = B / 2, whose extra rows lie inside gestures) does not. Unsure —
 * nothing scores, or a length that is not a multiple of the choice scores nearly as well — is
 * null with the reason.
 */
export function fundamentalLength(v: ArrayLike<number>, nA: number, rows: number): { rows: number | null; why?: string; scores: { rows: number; score: number }[] } {
  if (rows < 2 * MIN_GESTURE_ROWS) return { rows: null, why: `${rows} rows are too few to see gesture boundaries`, scores: [] };
  const { jump, overall } = jumpsOf(v, nA, rows);
  const scores = scoresOf(jump, overall, rows);
  const best = scores[0];
  if (!best || best.score < BOUNDARY_SCORE) return { rows: null, why: `no length that divides them shows gesture boundaries (needs a score ≥ ${BOUNDARY_SCORE})`, scores };
  // The median rule's pick (the smallest length scoring ≥ 0.6 × the best) is where a finer length is looked for.
  const picked = pickGestureLength(scores)!;
  let n = picked;
  for (let d = MIN_GESTURE_ROWS; d < picked; d++) {
    if (picked % d) continue;
    let jumps = 0;
    let extra = 0;
    for (let t = d; t < rows; t += d) {
      if (t % picked === 0) continue;
      extra++;
      if (jump[t] >= BOUNDARY_SCORE * overall) jumps++;
    }
    if (extra > 0 && jumps >= FUNDAMENTAL_SHARE * extra) {
      n = d;
      break;
    }
  }
  const score = scores.find((s) => s.rows === n)!.score;
  const rival = scores.find((s) => s.rows % n !== 0 && n % s.rows !== 0 && s.score >= BOUNDARY_SCORE && s.score >= 0.6 * score);
  if (rival) return { rows: null, why: `unsure: ${n} rows (score ${score.toFixed(1)}) and ${rival.rows} rows (score ${rival.score.toFixed(1)}) both look like gesture lengths, and neither is a multiple of the other`, scores };
  return { rows: n, scores };
}

function scoreText(scores: { rows: number; score: number }[]): string {
  return scores.length ? scores.slice(0, 4).map((s) => `${s.rows} rows (boundary score ${s.score.toFixed(1)})`).join(', ') : 'none in range';
}

function decideLength(r: Rows, opts: ImuCaptureOptions, source: string, warnings: string[]): { n: number; detected: NonNullable<DetectionReport['rowsPerGesture']> } {
  const rows = r.count;
  const declared = opts.samplesPerGesture;
  if (declared === 'file') return { n: rows, detected: { value: rows, how: 'declared' } };
  // Blank separators that are not simply after every row mark gesture ends.
  const starts = [0, ...r.afterBlank.filter((i) => i > 0 && i < rows)];
  const runs = starts.map((s, k) => (starts[k + 1] ?? rows) - s);
  const separated = runs.length > 1 && runs.some((x) => x > 1);
  if (declared !== undefined) {
    if (!Number.isInteger(declared) || declared < 1) throw badInput(`rows per gesture must be a positive integer, got ${declared}`, { remedy: 'declare e.g. rowsPerGesture 119 (--rows-per-gesture 119), or leave it out to detect it' });
    if (separated && runs.slice(0, -1).every((x) => x === runs[0]) && runs[0] !== declared) {
      throw badInput(`${source}: blank lines separate gestures of ${runs[0]} rows, but ${declared} rows per gesture were declared`, {
        remedy: `declare ${runs[0]} rows per gesture, or leave it out to use the file's separators`,
      });
    }
    const partial = rows % declared;
    if (partial) {
      const msg = `${source}: ${rows} rows are not a whole number of ${declared}-row gestures (${Math.floor(rows / declared)} gestures and ${partial} rows left)`;
      const { rows: found, scores } = fundamentalLength(r.values.slice(), r.nA, rows);
      if (!opts.lenient) {
        throw badInput(`${msg}; lengths that divide ${rows}: ${scoreText(scores)}`, {
          remedy: found ? `the data suggests ${found} rows per gesture: declare that, or leave rowsPerGesture out` : 'declare the rows per gesture your sketch records, or pass --lenient to drop the trailing partial gesture',
          details: { file: source, rows, declared },
        });
      }
      warnings.push(`trailing partial gesture of ${partial} row(s) (lines ${r.lines[rows - partial]}–${r.lines[rows - 1]}) dropped: a gesture is ${declared} rows`);
    }
    return { n: declared, detected: { value: declared, how: 'declared' } };
  }
  if (separated) {
    const full = runs.slice(0, -1);
    const last = runs[runs.length - 1];
    if (full.every((x) => x === runs[0]) && last <= runs[0]) {
      if (last < runs[0]) warnings.push(`last gesture has ${last} of ${runs[0]} rows (lines ${r.lines[rows - last]}–${r.lines[rows - 1]}): dropped as partial`);
      return { n: runs[0], detected: { value: runs[0], how: 'blank-lines' } };
    }
    const counts = [...new Set(runs)].sort((a, b) => a - b);
    throw badInput(`${source}: blank lines separate gestures of different lengths (${counts.slice(0, 8).join(', ')} rows)`, {
      remedy: 'every IMU_Capture gesture has the same number of rows: remove the broken ones, or declare rowsPerGesture and --lenient',
      details: { file: source, runs: counts },
    });
  }
  const { rows: n, why, scores } = fundamentalLength(r.values.slice(), r.nA, rows);
  if (n === null) {
    throw badInput(`${source}: cannot tell the gesture length from the ${rows} rows: ${why} (${scoreText(scores)})`, {
      remedy: "declare the rows per gesture (--rows-per-gesture N, data.import.rowsPerGesture; with --lenient a trailing partial gesture is dropped), 'file' when each file is one gesture, or --format csv --rate HZ for one continuous recording",
      details: { file: source, rows, candidates: scores.slice(0, 8) },
    });
  }
  return { n, detected: { value: n, how: 'boundaries', boundaryScore: scores.find((s) => s.rows === n)!.score, candidates: scores.slice(0, 5) } };
}

export function importImuCapture(text: string, opts: ImuCaptureOptions = {}): ImportResult {
  const source = opts.source ?? '<text>';
  const rateHz = checkRate(opts.rateHz ?? IMU_CAPTURE_DEFAULTS.rateHz, source, 'declare the rate, e.g. --rate 119');
  const lines = splitLines(text);
  let h = 0;
  while (h < lines.length && lines[h].trim() === '') h++;
  if (h === lines.length) throw badInput(`${source}: file is empty`, { remedy: 'record some gestures with the IMU_Capture sketch' });
  const headerLine = lines[h].trim();
  const axes = headerLine.split(',').map((c) => c.trim());
  if (axes.some((a) => a === '' || parseNumber(a) !== null)) {
    throw badInput(`${source}:${h + 1}: expected a header such as aX,aY,aZ,gX,gY,gZ, found "${headerLine.slice(0, 60)}"`, {
      remedy: 'add the header line the IMU_Capture sketch prints first (aX,aY,aZ,gX,gY,gZ)',
      details: { file: source, line: h + 1 },
    });
  }
  const nA = axes.length;
  const issues = new RowIssues(source, opts.lenient ?? false, `fix the row so it has ${nA} numbers (${headerLine})`);
  const warnings: string[] = [];
  // A bad row still occupies its slot (so later gestures stay aligned) but spoils its gesture,
  // which is then dropped in lenient mode.
  const r: Rows = { values: new Float32Builder(nA * 1024), nA, count: 0, lines: [], afterBlank: [] };
  const badRows: number[] = [];
  let blank = false;
  for (let i = h + 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') {
      blank = true;
      continue;
    }
    if (raw === headerLine) {
      warnings.push(`line ${i + 1}: repeated header skipped`);
      continue;
    }
    if (blank) r.afterBlank.push(r.count);
    blank = false;
    const cells = raw.split(',');
    const slot = r.count++;
    r.lines.push(i + 1);
    let ok = cells.length === nA;
    if (!ok) issues.bad(i + 1, `expected ${nA} columns (${headerLine}), found ${cells.length}: "${raw.slice(0, 60)}"`);
    for (let a = 0; a < nA; a++) {
      const v = ok ? parseSample(cells[a]) : 0;
      if (typeof v === 'string') {
        issues.bad(i + 1, `column ${axes[a]} ${v}`);
        ok = false;
      }
      r.values.push(ok && typeof v === 'number' ? v : 0);
    }
    if (!ok) badRows.push(slot);
  }
  issues.check(r.count);
  if (r.count === 0) {
    return { recordings: [], report: { source, format: 'imu-capture', recordings: 0, frames: 0, rateHz, rateSource: opts.rateHz === undefined ? 'nominal' : 'option', skipped: { count: 0, examples: [] }, warnings: ['no data rows after the header'] } };
  }
  const { n: N, detected } = decideLength(r, opts, source, warnings);
  if (opts.rateHz === undefined && N !== 119) {
    warnings.push(`rate ${rateHz} Hz assumed (the LSM9DS1 sketch's: ${rateHz} rows = 1 s), but gestures here are ${N} rows: another sensor's sketch may run at another rate; declare it (rateHz / --rate)`);
  }
  const spoiled = new Set(badRows.map((s) => Math.floor(s / N)));
  const full = Math.floor(r.count / N);
  const label = opts.label ?? fileStem(source);
  const group = opts.group ?? fileStem(source);
  const recordings: Recording[] = [];
  const skippedExamples = issues.examples.slice();
  for (let g = 0; g < full; g++) {
    const first = r.lines[g * N];
    const last = r.lines[g * N + N - 1];
    if (spoiled.has(g)) {
      skippedExamples.push({ line: first, message: `gesture ${g + 1} (lines ${first}–${last}) dropped: it contains a bad row` });
      continue;
    }
    recordings.push({ label, group, sampleRateHz: rateHz, axes: axes.slice(), units: axes.map(unitForAxis), samples: r.values.slice(g * N * nA, (g + 1) * N * nA), source: `${source}:${first}-${last}` });
  }
  return {
    recordings,
    report: {
      source,
      format: 'imu-capture',
      recordings: recordings.length,
      frames: recordings.length * N,
      rateHz,
      rateSource: opts.rateHz === undefined ? 'nominal' : 'option',
      skipped: { count: issues.count + [...spoiled].filter((g) => g < full).length, examples: skippedExamples.slice(0, 10) },
      warnings,
      unitsFrom: axes.map(() => 'name'),
      detected: { rowsPerGesture: detected, rate: { hz: rateHz, how: opts.rateHz === undefined ? 'default' : 'declared' } },
    },
  };
}
