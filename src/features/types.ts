/**
 * Feature blocks: the signal-processing stage between windowing and the model (docs/features.md).
 * A block turns one raw window — int16 sensor counts laid out [sample][axis] — into int32 features,
 * with integer arithmetic defined once and implemented twice (this TypeScript and
 * firmware/features/tf_features.c), bit for bit identical.
 */

/** What a block needs to know about the windows it will see. */
export interface WindowContext {
  windowLength: number;
  sampleRateHz: number;
  axes: string[];
  /** Unit per axis ("g", "deg/s", …): picks the counts-per-unit scale (see inputScales). */
  units?: string[];
}

/** A block with its parameters checked and its constants derived: everything needed to run it. */
export interface ResolvedBlock {
  block: BlockName;
  /** Every parameter, defaults filled in (what the settings store). */
  params: Record<string, unknown>;
  /** Features per window. */
  count: number;
  /** The model input shape the block emits, without the batch dimension. */
  shape: number[];
  /** One name per feature, e.g. "aX.rms", "aY.bin3". */
  names: string[];
  /** Counts per unit for each axis (powers of two): window value x → round(x · scale) counts. */
  inputScale: number[];
  /** The integer features of one window of counts [windowLength × axes]. */
  compute(counts: ArrayLike<number>): Int32Array;
  /** The same features computed in float64 without any fixed-point rounding (for SQNR), in the same units. */
  reference(counts: ArrayLike<number>): Float64Array;
  /** Body of the block's part of tf_features_config.h (#defines and const tables). */
  cConfig(): string[];
  /** Scratch RAM the C implementation needs per window, in bytes (static, planned beside the arena). */
  scratchBytes: number;
}

export type BlockName = 'raw' | 'spectral' | 'flatten';
