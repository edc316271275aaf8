/**
 * Monitor helpers (pure): prediction lines with dequantised confidence, and parsing a recorded
 * accelerometer CSV to feed a board that has no IMU.
 */
import { parse } from 'csv-parse/sync';
import { badInput } from '../core/errors.js';
import type { AnomalyScoreMsg, InfoMsg, PredictionMsg } from './protocol.generated.js';
import { mcuPowerFor } from '../firmware/energy.js';

export interface PredictionLine {
  window: number;
  lastSample: number;
  classIndex: number;
  label: string;
  /** Dequantised score of the predicted class: outputScale × (q − outputZeroPoint). */
  confidence: number;
  scores: number[];
  micros: number;
  /**
   * ESTIMATED energy of this inference on the board's MCU (src/firmware/energy.ts): the board's
   * measured µs × the datasheet's CPU-running current × supply voltage. Absent when the MCU is unknown.
   */
  microjoules?: number;
  /** The anomaly block's score of this window (ANOMALY_SCORE), for firmware with one. */
  anomaly?: { distance: number; threshold: number; cluster: number; flagged: boolean };
}

export function describePrediction(p: PredictionMsg, info: Pick<InfoMsg, 'labels' | 'outputScale' | 'outputZeroPoint'> & Partial<Pick<InfoMsg, 'board'>>, anomaly?: AnomalyScoreMsg): PredictionLine {
  const scores = Array.from(p.scores);
  const power = info.board ? mcuPowerFor(info.board) : null;
  return {
    window: p.window,
    lastSample: p.lastSample,
    classIndex: p.classIndex,
    label: info.labels[p.classIndex] ?? `class ${p.classIndex}`,
    confidence: info.outputScale * (scores[p.classIndex] - info.outputZeroPoint),
    scores,
    micros: p.micros,
    ...(power ? { microjoules: power.runAmps * power.volts * p.micros } : {}),
    ...(anomaly ? { anomaly: { distance: anomaly.distance, threshold: anomaly.threshold, cluster: anomaly.cluster, flagged: anomaly.flagged === 1 } } : {}),
  };
}

export function formatPrediction(l: PredictionLine): string {
  const energy = l.microjoules === undefined ? '' : `, ≈${l.microjoules.toFixed(1)} µJ est.`;
  const anomaly = l.anomaly ? `  anomaly ${l.anomaly.distance}/${l.anomaly.threshold}${l.anomaly.flagged ? ' UNKNOWN MOTION' : ''}` : '';
  return `window ${String(l.window).padStart(5)}  ${l.label.padEnd(12)} ${l.confidence.toFixed(3)}  (${l.micros} µs${energy})${anomaly}`;
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
