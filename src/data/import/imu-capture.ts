/**
 * Arduino `IMU_Capture` CSV (the TinyML gesture tutorial's sketch): a header such as
 * `aX,aY,aZ,gX,gY,gZ`, then fixed-length gestures of N rows (default 119 ≈ 1 s at 119 Hz), no
 * timestamps. Blank separator lines are optional (some sketches print one after every row) and are
 * ignored; CRLF or LF. Each gesture becomes one Recording. A trailing partial gesture is dropped and
 * reported. Repeated header lines (captures concatenated from the serial monitor) are skipped and
 * reported.
 */
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import { RowIssues, fileStem, parseNumber, splitLines, unitForAxis, type CommonImportOptions, type ImportResult } from './common.js';

export interface ImuCaptureOptions extends CommonImportOptions {
  /** Rows per gesture. Default 119. */
  samplesPerGesture?: number;
  /** Sample rate in Hz. Default 119 (the LSM9DS1 library's fixed rate). */
  rateHz?: number;
}

export const IMU_CAPTURE_DEFAULTS = { samplesPerGesture: 119, rateHz: 119 } as const;

export function importImuCapture(text: string, opts: ImuCaptureOptions = {}): ImportResult {
  const source = opts.source ?? '<text>';
  const N = opts.samplesPerGesture ?? IMU_CAPTURE_DEFAULTS.samplesPerGesture;
  const rateHz = opts.rateHz ?? IMU_CAPTURE_DEFAULTS.rateHz;
  if (!Number.isInteger(N) || N < 1) throw badInput(`samples per gesture must be a positive integer, got ${N}`, { remedy: 'pass e.g. --samples-per-gesture 119' });
  if (!(rateHz > 0)) throw badInput(`sample rate must be positive, got ${rateHz}`, { remedy: 'pass e.g. --rate 119' });
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
  // Gesture slots: a bad row still occupies its slot (so later gestures stay aligned) but spoils
  // its gesture, which is then dropped in lenient mode.
  const values: number[] = [];
  const rowLine: number[] = [];
  const spoiled = new Set<number>();
  let rows = 0;
  for (let i = h + 1; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    if (raw === headerLine) {
      warnings.push(`line ${i + 1}: repeated header skipped`);
      continue;
    }
    const cells = raw.split(',');
    const slot = rows++;
    rowLine.push(i + 1);
    let row: number[] | null = null;
    if (cells.length !== nA) {
      issues.bad(i + 1, `expected ${nA} columns (${headerLine}), found ${cells.length}: "${raw.slice(0, 60)}"`);
    } else {
      const v = cells.map(parseNumber);
      const badAt = v.findIndex((x) => x === null);
      if (badAt >= 0) issues.bad(i + 1, `column ${axes[badAt]} is not a finite number: "${cells[badAt].trim()}"`);
      else row = v as number[];
    }
    if (!row) {
      spoiled.add(Math.floor(slot / N));
      row = new Array(nA).fill(0);
    }
    values.push(...row);
  }
  issues.check(rows);
  const full = Math.floor(rows / N);
  const label = opts.label ?? fileStem(source);
  const group = opts.group ?? fileStem(source);
  const recordings: Recording[] = [];
  const skippedExamples = issues.examples.slice();
  for (let g = 0; g < full; g++) {
    const first = rowLine[g * N];
    const last = rowLine[g * N + N - 1];
    if (spoiled.has(g)) {
      skippedExamples.push({ line: first, message: `gesture ${g + 1} (lines ${first}–${last}) dropped: it contains a bad row` });
      continue;
    }
    recordings.push({
      label,
      group,
      sampleRateHz: rateHz,
      axes: axes.slice(),
      units: axes.map(unitForAxis),
      samples: Float32Array.from(values.slice(g * N * nA, (g + 1) * N * nA)),
      source: `${source}:${first}-${last}`,
    });
  }
  const partial = rows - full * N;
  if (partial > 0) {
    warnings.push(`trailing partial gesture of ${partial} row(s) (lines ${rowLine[full * N]}–${rowLine[rows - 1]}) dropped: a gesture is ${N} rows`);
  }
  if (rows === 0) warnings.push('no data rows after the header');
  return {
    recordings,
    report: {
      source,
      format: 'imu-capture',
      recordings: recordings.length,
      frames: recordings.length * N,
      rateHz,
      rateSource: opts.rateHz === undefined ? 'nominal' : 'option',
      skipped: { count: issues.count + spoiled.size, examples: skippedExamples.slice(0, 10) },
      warnings,
    },
  };
}
