/**
 * The interpreter's load-time check of a whole graph, run by createInterpreter before it allocates
 * anything or prepares any operator, so op kernels never see an index, a shape or a scale that
 * cannot be computed with. A graph may come from the reader (which checks much of this already)
 * or be built in memory, so nothing here assumes the reader ran.
 *
 * Checked, each failure a TinyforgeError('bad-input') naming the tensor:
 * - every tensor index of the graph and its operators exists (-1 only for optional op inputs);
 * - every dimension is an integer in [0, 2^31 - 1] (TFLite stores int32 dimensions);
 * - every tensor's byte size, and their sum, is at most `maxBytes` (memory stays bounded: the
 *   interpreter gives every tensor its own memory);
 * - constant data has exactly the bytes its shape and dtype need;
 * - quantisation: as many zero points as scales, every scale a positive finite float32 (so every
 *   multiplier derived from scales — ratios and products of float32 values in double precision — is
 *   finite and non-zero) and every zero point an integer within its tensor's type (int8 −128…127).
 */
import { DTYPE_BYTES, numElements, type DType, type Graph } from '../core/graph.js';
import { badInput } from '../core/errors.js';

/**
 * Default bound on the interpreter's memory for one graph: 256 MiB. Microcontroller models need a
 * few hundred KiB (the largest shared vector model, person_detect, about 300 KiB of weights).
 */
export const DEFAULT_MAX_GRAPH_BYTES = 256 * 1024 * 1024;

/** The zero points a quantised tensor of each integer type can hold. */
const ZERO_POINT_RANGE: Partial<Record<DType, [number, number]>> = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] };

const REMEDY = 'The model file is corrupt or was written inconsistently; re-export it with the TFLite converter or tinyforge quantize.';
const MAX_DIM = 0x7fffffff;

export interface ValidateOptions {
  /** Upper bound on the bytes of all tensors together (and so on any one of them). */
  maxBytes?: number;
}

/** Throws bad-input on the first defect found (see the file comment); returns each tensor's byte size. */
export function validateGraph(graph: Graph, opts: ValidateOptions = {}): number[] {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_GRAPH_BYTES;
  const nT = graph.tensors.length;
  const checkIndex = (i: number, where: string, optional: boolean) => {
    if ((optional && i === -1) || (Number.isInteger(i) && i >= 0 && i < nT)) return;
    throw badInput(`${where} refers to tensor ${i}, but the graph has ${nT} tensors`, { remedy: REMEDY });
  };
  graph.inputs.forEach((i) => checkIndex(i, 'a graph input', false));
  graph.outputs.forEach((i) => checkIndex(i, 'a graph output', false));
  graph.operators.forEach((op, k) => {
    op.inputs.forEach((i) => checkIndex(i, `operator ${k} (${op.op}) input`, true));
    op.outputs.forEach((i) => checkIndex(i, `operator ${k} (${op.op}) output`, false));
  });

  let total = 0;
  return graph.tensors.map((t, i) => {
    const label = `tensor ${i} ("${t.name}")`;
    const details = { tensor: i, name: t.name };
    if (!Array.isArray(t.shape) || t.shape.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_DIM)) {
      throw badInput(`${label} has an unresolved or invalid shape [${t.shape}]`, {
        remedy: 'Give every tensor a fixed shape (batch size 1) before converting the model.',
        details,
      });
    }
    const per = DTYPE_BYTES[t.dtype] ?? 0;
    // Float products of int32 dimensions: exact until they pass 2^53, and far above maxBytes by then.
    const bytes = numElements(t.shape) * per;
    total += bytes;
    if (bytes > maxBytes || total > maxBytes) {
      throw badInput(`${label} of shape [${t.shape}] ${t.dtype} needs ${bytes} bytes; with the tensors before it that is ${total}, above the interpreter's limit of ${maxBytes}`, {
        remedy: 'A microcontroller model needs far less: the shapes in this file are corrupt. Re-export the model.',
        details: { ...details, bytes, totalBytes: total, maxBytes },
      });
    }
    if (t.data && per > 0 && t.data.byteLength !== bytes) {
      throw badInput(`constant ${label} has ${t.data.byteLength} bytes but its shape [${t.shape}] × ${t.dtype} needs ${bytes}`, { remedy: REMEDY, details });
    }
    const q = t.quant;
    if (q && q.scale.length > 0) {
      if (q.zeroPoint.length !== q.scale.length) {
        throw badInput(`${label} has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`, { remedy: REMEDY, details });
      }
      q.scale.forEach((s, c) => {
        const f = Math.fround(s);
        if (!(Number.isFinite(f) && f > 0)) {
          throw badInput(`${label} has quantisation scale ${s}${q.scale.length > 1 ? ` (channel ${c})` : ''}; scales must be positive and finite in float32`, {
            remedy: 'Quantise the model again (tinyforge quantize or the TFLite converter) instead of editing its parameters.',
            details: { ...details, channel: c, scale: String(s) },
          });
        }
      });
      const zpRange = ZERO_POINT_RANGE[t.dtype];
      q.zeroPoint.forEach((z, c) => {
        if (!Number.isSafeInteger(z)) throw badInput(`${label} has zero point ${z}${q.scale.length > 1 ? ` (channel ${c})` : ''}, not an integer`, { remedy: REMEDY, details });
        // A zero point is a value of the tensor's own type (TFLite's quantisation spec).
        if (zpRange && (z < zpRange[0] || z > zpRange[1])) {
          throw badInput(`${label} (${t.dtype}) has zero point ${z}${q.scale.length > 1 ? ` (channel ${c})` : ''}, outside ${t.dtype}'s range ${zpRange[0]}…${zpRange[1]}`, { remedy: REMEDY, details: { ...details, zeroPoint: z } });
        }
      });
    }
    return bytes;
  });
}
