/**
 * Feature blocks as a pipeline stage: windows → integer features → standardised float (training)
 * or int8 (the model's quantised input). See registry.ts for the blocks, docs/features.md for the
 * arithmetic.
 */
import type { FeatureSettings, ModelSettings, WindowSet } from '../core/dataset.js';
import { badInput } from '../core/errors.js';
import { windowCounts } from './input.js';
import { featureQuantisers, fitStandardisation, quantiseFeatures, standardise } from './quant.js';
import { resolveBlock } from './registry.js';
import type { ResolvedBlock } from './types.js';

export { BLOCKS, BLOCK_NAMES, BLOCK_IDS, resolveBlock, isBlockName } from './registry.js';
export { featureQuantisers, fitStandardisation, quantiseFeatures, standardise } from './quant.js';
export { windowCounts, toCount } from './input.js';
export type { ResolvedBlock, WindowContext, BlockName } from './types.js';

/** The block of a windows set's shape (context from the windows themselves). */
export function blockForWindows(name: string, params: Record<string, unknown> | undefined, ws: Pick<WindowSet, 'windowLength' | 'sampleRateHz' | 'axes'>, units?: string[]): ResolvedBlock {
  return resolveBlock(name, params, { windowLength: ws.windowLength, sampleRateHz: ws.sampleRateHz, axes: ws.axes, units });
}

/** The block a model was trained with (null for raw windows). */
export function blockFromSettings(s: Pick<ModelSettings, 'features' | 'windowLength' | 'sampleRateHz' | 'axes' | 'units'>): ResolvedBlock | null {
  if (!s.features) return null;
  const b = resolveBlock(s.features.block, s.features.params, { windowLength: s.windowLength, sampleRateHz: s.sampleRateHz, axes: s.axes, units: s.units });
  if (b.count !== s.features.names.length || s.features.standardisation.mean.length !== b.count || s.features.standardisation.std.length !== b.count) {
    throw badInput(`the settings' features list ${s.features.names.length} names and ${s.features.standardisation.mean.length} standardisation constants, but the ${b.block} block with these parameters makes ${b.count} features`, {
      remedy: 'use the settings.json written by tinyforge train with this model',
    });
  }
  return b;
}

/** Integer features of every window of `ws`: [count × block.count], plus the int16 counts the board would see. */
export function computeFeatures(ws: WindowSet, block: ResolvedBlock): Int32Array {
  const n = ws.y.length;
  const out = new Int32Array(n * block.count);
  for (let w = 0; w < n; w++) out.set(block.compute(windowCounts(ws.x, w, ws.windowLength, block.inputScale)), w * block.count);
  return out;
}

/** Float64 reference features of every window (same units as computeFeatures). */
export function referenceFeatures(ws: WindowSet, block: ResolvedBlock): Float64Array {
  const n = ws.y.length;
  const out = new Float64Array(n * block.count);
  for (let w = 0; w < n; w++) out.set(block.reference(windowCounts(ws.x, w, ws.windowLength, block.inputScale)), w * block.count);
  return out;
}

/** A window set whose "windows" are feature vectors: windowLength 1, one "axis" per feature. */
export function featureSet(ws: WindowSet, names: string[], x: Float32Array): WindowSet {
  return { ...ws, windowLength: 1, axes: names.slice(), x };
}

/** Standardised feature windows (the float model's input) of raw windows, given the trained settings. */
export function standardisedFeatureSet(ws: WindowSet, f: FeatureSettings, block: ResolvedBlock): WindowSet {
  return featureSet(ws, f.names, standardise(computeFeatures(ws, block), f.standardisation));
}

/** Fit the standardisation on training windows → the FeatureSettings to save. */
export function fitFeatureSettings(train: WindowSet, block: ResolvedBlock): { settings: FeatureSettings; features: Int32Array } {
  if (block.block === 'raw') throw badInput('the raw front-end has no feature settings', { remedy: 'internal: call only for spectral/flatten' });
  const features = computeFeatures(train, block);
  return {
    settings: { block: block.block, params: block.params, names: block.names, standardisation: fitStandardisation(features, block.count) },
    features,
  };
}

/** int8 model inputs of raw windows (the integer path, as on the device), one Uint8Array per window. */
export function int8FeatureInputs(ws: WindowSet, s: ModelSettings, block: ResolvedBlock): Uint8Array[] {
  if (!s.features || !s.inputQuant) throw badInput('the settings have no features or no input quantisation', { remedy: 'quantise the model first (tinyforge quantize)' });
  const q = featureQuantisers(s.features.standardisation, s.inputQuant);
  const f = computeFeatures(ws, block);
  const out: Uint8Array[] = [];
  for (let w = 0; w < ws.y.length; w++) out.push(new Uint8Array(quantiseFeatures(f.subarray(w * block.count, (w + 1) * block.count), q).buffer));
  return out;
}

/** A raw window as the INFER payload of a features model: int16 little-endian counts [t][axis]. */
export function rawWindowBytes(ws: WindowSet, w: number, block: ResolvedBlock): Uint8Array {
  const c = windowCounts(ws.x, w, ws.windowLength, block.inputScale);
  return new Uint8Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength));
}

/** Raw windows → the float model's input under `settings`: the standardised features, or the normalised window. */
export function modelInputSet(ws: WindowSet, s: ModelSettings, normaliseRaw: (ws: WindowSet) => WindowSet): WindowSet {
  const block = blockFromSettings(s);
  return block && s.features ? standardisedFeatureSet(ws, s.features, block) : normaliseRaw(ws);
}

export interface FeatureSqnr {
  name: string;
  /** 10·log10(Σ float² / Σ (integer − float)²) over the windows; null when the two are identical. */
  sqnrDb: number | null;
  maxAbsError: number;
}

/** What the integer arithmetic costs, per feature: integer block vs its float64 reference on `ws`. */
export function featureSqnr(ws: WindowSet, block: ResolvedBlock): FeatureSqnr[] {
  const i = computeFeatures(ws, block);
  const f = referenceFeatures(ws, block);
  const c = block.count;
  return block.names.map((name, j) => {
    let s = 0, e = 0, m = 0;
    for (let w = 0; w < ws.y.length; w++) {
      const d = i[w * c + j] - f[w * c + j];
      s += f[w * c + j] ** 2;
      e += d * d;
      m = Math.max(m, Math.abs(d));
    }
    return { name, sqnrDb: e === 0 ? null : 10 * Math.log10(s / e), maxAbsError: m };
  });
}

/** The per-feature SQNR table, beside eval --per-layer's tensor table. */
export function formatFeatureSqnr(block: string, rows: FeatureSqnr[], windows: number): string {
  const w = Math.max(7, ...rows.map((r) => r.name.length));
  return [
    `${block} front-end: integer features vs the float reference over ${windows} windows (docs/features.md):`,
    `${'feature'.padEnd(w)}  ${'SQNR dB'.padStart(8)}  ${'max err'.padStart(10)}`,
    ...rows.map((r) => `${r.name.padEnd(w)}  ${(r.sqnrDb === null ? 'exact' : r.sqnrDb.toFixed(1)).padStart(8)}  ${r.maxAbsError.toPrecision(3).padStart(10)}`),
  ].join('\n');
}
