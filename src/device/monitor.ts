/**
 * Monitor helpers (pure): prediction lines with dequantised confidence, and parsing a recorded
 * accelerometer CSV to feed a board that has no IMU.
 */
import { parse } from 'csv-parse/sync';
import { badInput } from '../core/errors.js';
import type { InfoMsg, PredictionMsg } from './protocol.generated.js';

export interface PredictionLine {
  window: number;
  lastSample: number;
  classIndex: number;
  label: string;
  /** Dequantised score of the predicted class: outputScale × (q − outputZeroPoint). */
  confidence: number;
  scores: number[];
  micros: number;
}

export function describePrediction(p: PredictionMsg, info: Pick<InfoMsg, 'labels' | 'outputScale' | 'outputZeroPoint'>): PredictionLine {
  const scores = Array.from(p.scores);
  return {
    window: p.window,
    lastSample: p.lastSample,
    classIndex: p.classIndex,
    label: info.labels[p.classIndex] ?? `class ${p.classIndex}`,
    confidence: info.outputScale * (scores[p.classIndex] - info.outputZeroPoint),
    scores,
    micros: p.micros,
  };
}

export function formatPrediction(l: PredictionLine): string {
  return `window ${String(l.window).padStart(5)}  ${l.label.padEnd(12)} ${l.confidence.toFixed(3)}  (${l.micros} µs)`;
}

/**
 * Reads accelerometer samples from CSV text with a header naming the axes (IMU_Capture style:
 * aX,aY,aZ[,gX,gY,gZ]); returns interleaved values for the requested axes.
 */
export function parseFeedCsv(text: string, axes: string[], source = 'feed file'): Float32Array {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#' }) as Record<string, string>[];
  } catch (e) {
    throw badInput(`${source} is not valid CSV`, { cause: e, remedy: 'use a CSV with a header row such as aX,aY,aZ' });
  }
  if (!rows.length) throw badInput(`${source} has no samples`, { remedy: 'record some data first (tinyforge capture)' });
  const missing = axes.filter((a) => !(a in rows[0]));
  if (missing.length) throw badInput(`${source} lacks column(s) ${missing.join(', ')}`, { remedy: `its header must name the model's axes: ${axes.join(',')}` });
  const out = new Float32Array(rows.length * axes.length);
  rows.forEach((r, i) =>
    axes.forEach((a, k) => {
      const v = Number(r[a]);
      if (!Number.isFinite(v)) throw badInput(`${source} line ${i + 2}: ${a} = "${r[a]}" is not a number`, { remedy: 'fix or remove that line' });
      out[i * axes.length + k] = v;
    }),
  );
  return out;
}
