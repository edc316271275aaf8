/**
 * The registry of feature blocks: one entry per block, every list of blocks derives from it
 * (train --features, the project file's schema check, the header generator, tune's search space).
 * Plain API: a block name + a parameter object + the window context → a ResolvedBlock (feature
 * count, shape, names, integer compute, float reference, C configuration).
 */
import { badInput } from '../core/errors.js';
import { FLATTEN_DEFAULTS, FLATTEN_HELP, resolveFlatten } from './flatten.js';
import { inputScales } from './input.js';
import { resolveSpectral, SPECTRAL_DEFAULTS, SPECTRAL_HELP } from './spectral.js';
import type { BlockName, ResolvedBlock, WindowContext } from './types.js';

export interface BlockEntry {
  name: BlockName;
  summary: string;
  defaults: Record<string, unknown>;
  help: Record<string, string>;
  resolve(params: Record<string, unknown>, ctx: WindowContext): ResolvedBlock;
}

function resolveRaw(params: Record<string, unknown>, ctx: WindowContext): ResolvedBlock {
  if (Object.keys(params).length) throw badInput(`the raw front-end takes no parameters (got ${Object.keys(params).join(', ')})`, { remedy: 'remove the parameters, or pick --features spectral|flatten' });
  const n = ctx.windowLength * ctx.axes.length;
  const scales = inputScales(ctx.axes, ctx.units);
  return {
    block: 'raw',
    params: {},
    count: n,
    shape: [ctx.windowLength, ctx.axes.length],
    names: Array.from({ length: n }, (_, i) => `${ctx.axes[i % ctx.axes.length]}[${Math.floor(i / ctx.axes.length)}]`),
    inputScale: scales,
    compute: (counts) => Int32Array.from(counts as ArrayLike<number>),
    reference: (counts) => Float64Array.from(counts as ArrayLike<number>),
    cConfig: () => [],
    scratchBytes: 0,
  };
}

export const BLOCKS: Record<BlockName, BlockEntry> = {
  raw: {
    name: 'raw',
    summary: 'the normalised window itself (default; normalised in float as before)',
    defaults: {},
    help: {},
    resolve: resolveRaw,
  },
  spectral: {
    name: 'spectral',
    summary: 'per axis: filter, RMS, skewness, kurtosis, log power spectrum (FFT over frames), spectral skewness/kurtosis',
    defaults: { ...SPECTRAL_DEFAULTS },
    help: SPECTRAL_HELP,
    resolve: (p, ctx) => resolveSpectral(p, ctx),
  },
  flatten: {
    name: 'flatten',
    summary: 'per axis: mean, min, max, RMS, std, skewness, kurtosis',
    defaults: { ...FLATTEN_DEFAULTS },
    help: FLATTEN_HELP,
    resolve: (p, ctx) => resolveFlatten(p, ctx),
  },
};

export const BLOCK_NAMES = Object.keys(BLOCKS) as BlockName[];

/** Numeric id of a block in the generated C (TF_FEATURES_BLOCK). */
export const BLOCK_IDS: Record<BlockName, number> = { raw: 0, spectral: 1, flatten: 2 };

export function isBlockName(s: string): s is BlockName {
  return (BLOCK_NAMES as string[]).includes(s);
}

/** Block name + parameters + window context → the runnable block; typed errors for anything wrong. */
export function resolveBlock(name: string, params: Record<string, unknown> | undefined, ctx: WindowContext): ResolvedBlock {
  if (!isBlockName(name)) throw badInput(`unknown feature block "${name}"`, { remedy: `use one of: ${BLOCK_NAMES.join(', ')}` });
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params))) {
    throw badInput(`the ${name} block's parameters must be an object`, { remedy: 'e.g. "features": { "block": "spectral", "fftLength": 64 }' });
  }
  return BLOCKS[name].resolve(params ?? {}, ctx);
}
