/**
 * The int8 graph: tinyforge's in-memory form of a TFLite model (one subgraph).
 *
 * It is the contract between the stages: the quantiser produces it, `writeTflite()` serialises it,
 * `readTflite()` parses any `.tflite` (ours or the official converter's) back into it, the reference
 * interpreter runs it and the native firmware generator turns it into C. Plain data only: no
 * classes, no methods, structured-cloneable, so every stage stays a pure function.
 *
 * Conventions (all as in TFLite):
 * - Shapes are row-major, activations NHWC. FULLY_CONNECTED weights are [out, in]; CONV_2D weights
 *   [out_ch, kh, kw, in_ch]; DEPTHWISE_CONV_2D weights [1, kh, kw, in_ch * depth_multiplier].
 * - Constant tensor data is raw little-endian bytes in `data` (int8: 1 byte, int32: 4 bytes, …).
 * - Quantisation: real = scale * (q - zeroPoint). Per-tensor: arrays of length 1 and
 *   `quantizedDimension` 0. Per-channel: one scale/zero point per slice of `quantizedDimension`.
 * - Operator inputs use -1 for an absent optional input (e.g. a bias-less FULLY_CONNECTED).
 */

export type DType = 'float32' | 'float16' | 'int32' | 'uint8' | 'int64' | 'string' | 'bool' | 'int16' | 'int8';

/** TFLite TensorType enum values (schema facts). */
export const DTYPE_CODE: Record<DType, number> = {
  float32: 0,
  float16: 1,
  int32: 2,
  uint8: 3,
  int64: 4,
  string: 5,
  bool: 6,
  int16: 7,
  int8: 9,
};

/** Bytes per element of each dtype (string has no fixed size: 0). */
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float16: 2,
  int32: 4,
  uint8: 1,
  int64: 8,
  string: 0,
  bool: 1,
  int16: 2,
  int8: 1,
};

export interface Quantization {
  /** One per tensor, or one per channel along `quantizedDimension`. */
  scale: number[];
  zeroPoint: number[];
  /** Axis of per-channel quantisation; 0 for per-tensor. */
  quantizedDimension: number;
  /** Calibration range (informational; TFLite stores it, kernels ignore it). */
  min?: number[];
  max?: number[];
}

export interface Tensor {
  name: string;
  dtype: DType;
  shape: number[];
  quant?: Quantization;
  /** Constant data (weights, biases, shape tensors): raw little-endian bytes. Absent for activations. */
  data?: Uint8Array;
}

export type Activation = 'NONE' | 'RELU' | 'RELU_N1_TO_1' | 'RELU6' | 'TANH' | 'SIGN_BIT';
export type Padding = 'SAME' | 'VALID';

/** The builtin operators tinyforge reads, writes, interprets and compiles; each has one module in src/ops/ (src/ops/registry.ts). */
export type OpName =
  | 'ADD'
  | 'AVERAGE_POOL_2D'
  | 'CONCATENATION'
  | 'CONV_2D'
  | 'DEPTHWISE_CONV_2D'
  | 'DEQUANTIZE'
  | 'FULLY_CONNECTED'
  | 'LOGISTIC'
  | 'MAX_POOL_2D'
  | 'MEAN'
  | 'MUL'
  | 'QUANTIZE'
  | 'RELU'
  | 'RELU6'
  | 'RESHAPE'
  | 'SOFTMAX'
  | 'TANH'
  | 'PAD'
  | 'PADV2'
  | 'SUB'
  | 'MAXIMUM'
  | 'MINIMUM'
  | 'LEAKY_RELU'
  | 'TRANSPOSE'
  | 'HARD_SWISH'
  | 'LOG_SOFTMAX'
  | 'STRIDED_SLICE'
  | 'SPLIT'
  | 'SPLIT_V'
  | 'PACK'
  | 'UNPACK'
  | 'RESIZE_NEAREST_NEIGHBOR'
  | 'PRELU'
  | 'SHAPE';

export interface FullyConnectedOptions {
  fusedActivation: Activation;
  keepNumDims: boolean;
}
export interface Conv2DOptions {
  padding: Padding;
  strideW: number;
  strideH: number;
  dilationW: number;
  dilationH: number;
  fusedActivation: Activation;
}
export interface DepthwiseConv2DOptions extends Conv2DOptions {
  depthMultiplier: number;
}
export interface Pool2DOptions {
  padding: Padding;
  strideW: number;
  strideH: number;
  filterW: number;
  filterH: number;
  fusedActivation: Activation;
}
export interface ReshapeOptions {
  /** Absent when the new shape comes only from the second input tensor. */
  newShape?: number[];
}
export interface SoftmaxOptions {
  beta: number;
}
export interface MeanOptions {
  keepDims: boolean;
}
export interface AddOptions {
  fusedActivation: Activation;
}
export interface ConcatenationOptions {
  axis: number;
  fusedActivation: Activation;
}
export interface LeakyReluOptions {
  alpha: number;
}
export interface StridedSliceOptions {
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
  offset: boolean;
}
export interface SplitOptions {
  numSplits: number;
}
/** PACK (values_count, axis) and UNPACK (num, axis). */
export interface PackOptions {
  valuesCount: number;
  axis: number;
}
export interface ResizeNearestNeighborOptions {
  alignCorners: boolean;
  halfPixelCenters: boolean;
}
/** SHAPE: the output's TensorType (schema.fbs enum: 2 = INT32, 4 = INT64). */
export interface ShapeOptions {
  outType: number;
}
export type NoOptions = Record<string, never>;

export type Operator =
  | { op: 'FULLY_CONNECTED'; inputs: number[]; outputs: number[]; options: FullyConnectedOptions; version?: number }
  | { op: 'CONV_2D'; inputs: number[]; outputs: number[]; options: Conv2DOptions; version?: number }
  | { op: 'DEPTHWISE_CONV_2D'; inputs: number[]; outputs: number[]; options: DepthwiseConv2DOptions; version?: number }
  | { op: 'AVERAGE_POOL_2D' | 'MAX_POOL_2D'; inputs: number[]; outputs: number[]; options: Pool2DOptions; version?: number }
  | { op: 'RESHAPE'; inputs: number[]; outputs: number[]; options: ReshapeOptions; version?: number }
  | { op: 'SOFTMAX'; inputs: number[]; outputs: number[]; options: SoftmaxOptions; version?: number }
  | { op: 'MEAN'; inputs: number[]; outputs: number[]; options: MeanOptions; version?: number }
  | { op: 'ADD' | 'MUL' | 'SUB'; inputs: number[]; outputs: number[]; options: AddOptions; version?: number }
  | { op: 'LEAKY_RELU'; inputs: number[]; outputs: number[]; options: LeakyReluOptions; version?: number }
  | { op: 'STRIDED_SLICE'; inputs: number[]; outputs: number[]; options: StridedSliceOptions; version?: number }
  | { op: 'SPLIT' | 'SPLIT_V'; inputs: number[]; outputs: number[]; options: SplitOptions; version?: number }
  | { op: 'PACK' | 'UNPACK'; inputs: number[]; outputs: number[]; options: PackOptions; version?: number }
  | { op: 'RESIZE_NEAREST_NEIGHBOR'; inputs: number[]; outputs: number[]; options: ResizeNearestNeighborOptions; version?: number }
  | { op: 'CONCATENATION'; inputs: number[]; outputs: number[]; options: ConcatenationOptions; version?: number }
  | { op: 'SHAPE'; inputs: number[]; outputs: number[]; options: ShapeOptions; version?: number }
  | {
      op: 'QUANTIZE' | 'DEQUANTIZE' | 'LOGISTIC' | 'TANH' | 'RELU' | 'RELU6' | 'PAD' | 'PADV2' | 'MAXIMUM' | 'MINIMUM' | 'TRANSPOSE' | 'HARD_SWISH' | 'LOG_SOFTMAX' | 'PRELU';
      inputs: number[];
      outputs: number[];
      options: NoOptions;
      version?: number;
    };

export interface Graph {
  /** Subgraph name (TFLite calls the first one "main"). */
  name?: string;
  tensors: Tensor[];
  /** In execution order. */
  operators: Operator[];
  /** Tensor indices of the graph inputs / outputs (`subgraphs[0].inputs/outputs`). */
  inputs: number[];
  outputs: number[];
}

/** A `.tflite` model: the graph plus the file-level facts the reader reports and the writer sets. */
export interface TfliteModel {
  graph: Graph;
  /** Schema version (3). */
  version: number;
  /** `description` string ("tinyforge 0.1.0", "MLIR Converted.", …). */
  description: string;
  /** Metadata entries (min_runtime_version, …) with their buffer bytes. */
  metadata: { name: string; data: Uint8Array }[];
}

/** Elements in a shape (1 for a scalar []). */
export function numElements(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
