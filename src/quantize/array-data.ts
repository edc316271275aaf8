/**
 * Representative / evaluation data for the quantise / convert / eval commands as plain arrays, and
 * its JSON form (parsed here, pure; read from disk by src/adapters/model-sources.ts).
 */
import { join } from 'node:path';
import { badInput } from '../core/errors.js';

/** Resolve "DIR" or "DIR/model.json" to the model.json path. */
export function modelJsonPath(p: string): string {
  return p.endsWith('.json') ? p : join(p, 'model.json');
}

export interface ArrayData {
  x: Float32Array;
  /** [n, ...example shape]. */
  shape: number[];
  y?: Int32Array;
  labels?: string[];
  /** The exact int8 model inputs, one per example, when they are not x quantised with the input scale: a feature block's integer fold (src/features/quant.ts). */
  int8?: Uint8Array[];
}

function flattenInto(v: unknown, out: number[], shape: number[], depth: number, path: string): void {
  if (Array.isArray(v)) {
    if (shape.length <= depth) shape.push(v.length);
    else if (shape[depth] !== v.length) throw badInput(`data.x is ragged at ${path}: ${v.length} entries, expected ${shape[depth]}`, { remedy: 'Give every example the same shape.' });
    v.forEach((e, i) => flattenInto(e, out, shape, depth + 1, `${path}[${i}]`));
    return;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`data.x${path} is ${JSON.stringify(v)}, not a finite number`, { remedy: 'Remove NaN/null values from the data.' });
  if (shape.length !== depth) throw badInput(`data.x is ragged at ${path}`, { remedy: 'Give every example the same shape.' });
  out.push(v);
}

/**
 * Parse representative / evaluation data: `{ "x": nested or flat numbers, "shape"?: [n, ...],
 * "y"?: class indices, "labels"?: names }`. With a flat x, `shape` is required.
 */
export function parseArrayData(j: unknown, source: string): ArrayData {
  if (!j || typeof j !== 'object' || !('x' in j)) throw badInput(`${source} has no "x" field`, { remedy: 'Write the data as {"x": [...], "shape": [n, ...], "y": [...]}.' });
  const o = j as { x: unknown; shape?: unknown; y?: unknown; labels?: unknown };
  const flat: number[] = [];
  const inferred: number[] = [];
  flattenInto(o.x, flat, inferred, 0, '');
  let shape = inferred;
  if (o.shape !== undefined) {
    if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isInteger(d) && d > 0)) throw badInput(`${source}: "shape" must be positive integers`, { remedy: 'e.g. "shape": [100, 128, 3].' });
    shape = o.shape as number[];
    if (shape.reduce((a, b) => a * b, 1) !== flat.length) throw badInput(`${source}: shape [${shape}] needs ${shape.reduce((a, b) => a * b, 1)} values but x has ${flat.length}`, { remedy: 'Fix "shape" or "x".' });
  } else if (shape.length < 2) throw badInput(`${source}: flat "x" needs a "shape" ([n, ...example shape])`, { remedy: 'Add "shape".' });
  let y: Int32Array | undefined;
  if (o.y !== undefined) {
    if (!Array.isArray(o.y) || o.y.length !== shape[0] || !o.y.every((v) => Number.isInteger(v) && v >= 0)) {
      throw badInput(`${source}: "y" must hold ${shape[0]} non-negative class indices`, { remedy: 'One class index per example.' });
    }
    y = Int32Array.from(o.y as number[]);
  }
  const labels = Array.isArray(o.labels) ? (o.labels as unknown[]).map(String) : undefined;
  return { x: Float32Array.from(flat), shape, ...(y ? { y } : {}), ...(labels ? { labels } : {}) };
}

