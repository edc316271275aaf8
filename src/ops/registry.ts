/**
 * The op registry: every operator tinyforge reads, writes, interprets, compiles natively or hands to
 * TFLM, one OpDef each (see ./types.ts). Every per-op list in the project is derived from here:
 * the reader's/writer's builtin codes, option slots and versions (src/tflite/ops.ts), the
 * interpreter's dispatch, the native generator's dispatch and kernel files, the TFLM resolver and
 * CMSIS-NN references (src/firmware/tflm.ts), `inspect`'s resolver lines and lowering's op check.
 * tests/ops/registry.test.ts fails when any of them drifts.
 */
import type { OpName } from '../core/graph.js';
import { unsupported } from '../core/errors.js';
import { ADD, MUL, SUB } from './add-mul.js';
import { CONCATENATION } from './concatenation.js';
import { CONV_2D } from './conv-2d.js';
import { DEPTHWISE_CONV_2D } from './depthwise-conv-2d.js';
import { DEQUANTIZE } from './dequantize.js';
import { FULLY_CONNECTED } from './fully-connected.js';
import { LOGISTIC, TANH } from './logistic-tanh.js';
import { HARD_SWISH } from './hard-swish.js';
import { LEAKY_RELU } from './leaky-relu.js';
import { LOG_SOFTMAX } from './log-softmax.js';
import { MAXIMUM, MINIMUM } from './maximum-minimum.js';
import { MEAN } from './mean.js';
import { PAD, PADV2 } from './pad.js';
import { AVERAGE_POOL_2D, MAX_POOL_2D } from './pool.js';
import { PRELU } from './prelu.js';
import { QUANTIZE } from './quantize.js';
import { RELU, RELU6 } from './relu.js';
import { RESHAPE } from './reshape.js';
import { RESIZE_NEAREST_NEIGHBOR } from './resize-nearest-neighbor.js';
import { SHAPE } from './shape.js';
import { SOFTMAX } from './softmax.js';
import { PACK, SPLIT, SPLIT_V, UNPACK } from './split-pack.js';
import { STRIDED_SLICE } from './strided-slice.js';
import { TRANSPOSE } from './transpose.js';
import type { AnyOpDef } from './types.js';

/** Every op, keyed by name (the compiler checks that each OpName has an entry; the registry test that each entry is keyed by its own name). */
export const OPS: Readonly<Record<OpName, AnyOpDef>> = {
  ADD,
  AVERAGE_POOL_2D,
  CONCATENATION,
  CONV_2D,
  DEPTHWISE_CONV_2D,
  DEQUANTIZE,
  FULLY_CONNECTED,
  HARD_SWISH,
  LEAKY_RELU,
  LOG_SOFTMAX,
  LOGISTIC,
  MAXIMUM,
  MAX_POOL_2D,
  MEAN,
  MINIMUM,
  MUL,
  PACK,
  PAD,
  PADV2,
  PRELU,
  QUANTIZE,
  RELU,
  RELU6,
  RESHAPE,
  RESIZE_NEAREST_NEIGHBOR,
  SHAPE,
  SOFTMAX,
  SPLIT,
  SPLIT_V,
  STRIDED_SLICE,
  SUB,
  TANH,
  TRANSPOSE,
  UNPACK,
};

/** All op names, sorted. */
export const OP_NAMES: readonly OpName[] = (Object.keys(OPS) as OpName[]).sort();

/** The OpDef of `name`, or undefined for a name tinyforge does not know. */
export function findOp(name: string): AnyOpDef | undefined {
  return Object.prototype.hasOwnProperty.call(OPS, name) ? OPS[name as OpName] : undefined;
}

/** The OpDef of `name`; throws 'unsupported' naming what `who` supports. */
export function opDef(name: string, who: string, operator?: number): AnyOpDef {
  const d = findOp(name);
  if (!d) {
    throw unsupported(`${operator === undefined ? 'op' : `operator ${operator}`} (${name}) is not supported by ${who}`, {
      remedy: `Supported ops: ${OP_NAMES.join(', ')}.`,
      details: { operator, op: name },
    });
  }
  return d;
}

/** The weighted ops (filter + bias inputs, see OpDef.weights), e.g. for the quantiser's per-channel choice and TFLM's arena estimate. */
export const WEIGHTED_OPS: readonly OpName[] = OP_NAMES.filter((n) => OPS[n].weights !== undefined);

/** The ops the native engine generates code for (every other op is 'tflm-only'). */
export const NATIVE_OPS: readonly OpName[] = OP_NAMES.filter((n) => OPS[n].native !== 'tflm-only');
