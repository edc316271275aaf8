/**
 * Plain-data types for motion datasets, shared by the data, train, quantise and firmware stages.
 * Units: samples in the recording's own units (accelerometer in g, gyroscope in deg/s).
 */

/** One labelled, continuous recording from one sensor at one fixed rate. */
export interface Recording {
  /** Class label ("walking", "punch", …). */
  label: string;
  /** Subject / device / session: splits never put one group in two splits. */
  group: string;
  /** Nominal or measured sample rate in Hz. */
  sampleRateHz: number;
  /** Axis names, e.g. ["aX","aY","aZ"]. */
  axes: string[];
  /** Unit per axis, e.g. ["g","g","g"]. */
  units: string[];
  /** Interleaved samples: samples[t * axes.length + a]. Length = frames × axes.length. Never NaN. */
  samples: Float32Array;
  /** Where it came from (file and line range, capture session), for error messages and reports. */
  source?: string;
}

/** Per-axis normalisation x' = (x - mean) / std. Saved with the model; becomes firmware constants. */
export interface Normalisation {
  mean: number[];
  std: number[];
}

/** Windowed examples ready for training: x is [count, windowLength, axes.length], row-major. */
export interface WindowSet {
  axes: string[];
  labels: string[];
  windowLength: number;
  sampleRateHz: number;
  x: Float32Array;
  /** Class index into `labels`, one per window. */
  y: Int32Array;
  /** Group of the recording each window came from. */
  groups: string[];
}

/**
 * A feature block in front of the model (src/features/, docs/features.md). Absent → the raw window
 * (normalised with `normalisation`). Present → the model's input is the block's features,
 * standardised with `standardisation` (fitted on the training features).
 */
export interface FeatureSettings {
  block: 'spectral' | 'flatten';
  /** Every parameter of the block, defaults filled in (inputScale included). */
  params: Record<string, unknown>;
  /** One name per feature (the model input's length). */
  names: string[];
  /** Per-feature x = (f − mean) / std, in the features' integer units. */
  standardisation: Normalisation;
}

/** The settings a model was trained with: one source of truth for host and firmware. */
export interface ModelSettings {
  /**
   * What the outputs mean: "classification" (one score per label, the arg-max is the class),
   * "regression" (values; `labels` name them, or are empty for unnamed values of any count),
   * "anomaly" (an autoencoder: the outputs reconstruct the input, the anomaly score is the mean
   * squared reconstruction error; `labels` empty).
   */
  task: 'classification' | 'regression' | 'anomaly';
  labels: string[];
  axes: string[];
  units: string[];
  sampleRateHz: number;
  /** Samples per window and hop between windows. */
  windowLength: number;
  windowStride: number;
  normalisation: Normalisation;
  /** The feature block in front of the model; absent for raw windows. */
  features?: FeatureSettings;
  /**
   * The board library's result smoothing (tf_model.h), chosen by `eval --stream` on validation
   * streams: moving average over `average` results, a minimum averaged int8 score, and the
   * consecutive windows a new class must lead before it is reported. Absent → none.
   */
  smoothing?: { average: number; minScore: number; minWindows: number };
  /**
   * The anomaly block (`train --anomaly K`, src/train/anomaly.ts): K-means centroids in the model's
   * float input units (normalised window values or standardised features), k × input values, and
   * the squared-distance threshold, the `quantile` of the validation windows' distances. The board
   * and the host use their int8 form (anomalyInt8). Classification only; absent → no score.
   */
  anomaly?: { method: 'kmeans'; centroids: number[][]; threshold: number; quantile: number; thresholdFrom: 'validation' | 'train' };
  /** Filled in by the quantiser: how float inputs map to int8 and outputs back. */
  inputQuant?: { scale: number; zeroPoint: number };
  outputQuant?: { scale: number; zeroPoint: number };
}
