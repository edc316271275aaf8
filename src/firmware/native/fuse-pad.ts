/**
 * PAD → convolution fusion for the native engine. A PAD (or PADV2) is folded into the padding of
 * the CONV_2D / DEPTHWISE_CONV_2D that reads its output when that is exact:
 * - int8, rank 4, padding only height and width;
 * - the pad value is the output zero point, i.e. the convolution's input zero point, so a padded
 *   element contributes (zero_point + input_offset) · w = 0 to every sum — exactly what the
 *   kernels' skipped out-of-image taps contribute (PAD pads with it; a PADV2 constant must equal it);
 * - the PAD's output is read by that convolution only and is not a graph output.
 * The convolution then reads the PAD's input with its top/left padding increased by the PAD's
 * (bottom/right padding needs nothing: taps past the image are skipped up to the output size).
 * The interpreter runs PAD and convolution unfused; tests/native compare the two bit for bit.
 */
import type { Graph, Operator } from '../../core/graph.js';
import type { ConvPrepared } from '../../ops/conv-common.js';
import type { PadPrepared } from '../../ops/pad.js';

/** A fusion's result (PAD → convolution here, convolution → MAX_POOL_2D in fuse-pool.ts). */
export interface Fusion {
  /** The graph without the fused PADs, each of their convolutions reading the PAD's input. */
  graph: Graph;
  /** For each operator of `graph`, its index in the original graph. */
  original: number[];
  /** Prepared parameters per operator of `graph` (the fused convolutions' adjusted). */
  prepared: unknown[];
  /** Original index of each fused operator (a PAD here) → original index of the operator it went into. */
  fused: Map<number, number>;
}

function fusable(g: Graph, i: number, p: PadPrepared): number | null {
  const op = g.operators[i];
  if (p.kind !== 'int8' || g.tensors[op.inputs[0]].shape.length !== 4) return null;
  if (p.before[0] || p.after[0] || p.before[3] || p.after[3]) return null;
  const zp = g.tensors[p.output].quant?.zeroPoint[0] ?? 0;
  if (p.constantTensor !== null && (!g.tensors[p.constantTensor].data || p.padValue !== zp)) return null;
  if (g.outputs.includes(p.output)) return null;
  const readers = g.operators.flatMap((o, k) => (o.inputs.includes(p.output) ? [k] : []));
  if (readers.length !== 1) return null;
  const c = g.operators[readers[0]];
  if ((c.op !== 'CONV_2D' && c.op !== 'DEPTHWISE_CONV_2D') || c.inputs[0] !== p.output || c.inputs.indexOf(p.output, 1) !== -1) return null;
  return readers[0];
}

/** Finds and applies every exact PAD → convolution fusion (none: the graph unchanged). */
export function fusePads(g: Graph, prepared: readonly unknown[]): Fusion {
  const fused = new Map<number, number>();
  const replaced = new Map<number, { op: Operator; prepared: unknown }>();
  g.operators.forEach((op, i) => {
    if (op.op !== 'PAD' && op.op !== 'PADV2') return;
    const p = prepared[i] as PadPrepared;
    const c = fusable(g, i, p);
    if (c === null) return;
    const cp = prepared[c] as ConvPrepared;
    const conv = g.operators[c];
    fused.set(i, c);
    replaced.set(c, {
      op: { ...conv, inputs: [op.inputs[0], ...conv.inputs.slice(1)] } as Operator,
      prepared: { ...cp, input: op.inputs[0], inH: p.inDims[1], inW: p.inDims[2], padH: cp.padH + p.before[1], padW: cp.padW + p.before[2] },
    });
  });
  return withoutFused(g, prepared, fused, replaced);
}

/**
 * The graph of a fusion: the operators in `fused` (original index → the operator it went into)
 * dropped, the operators in `replaced` swapped for their rewritten op and prepared parameters.
 */
export function withoutFused(g: Graph, prepared: readonly unknown[], fused: Map<number, number>, replaced: Map<number, { op: Operator; prepared: unknown }>): Fusion {
  if (!fused.size) return { graph: g, original: g.operators.map((_, i) => i), prepared: [...prepared], fused };
  const original: number[] = [];
  const ops: Operator[] = [];
  const prep: unknown[] = [];
  g.operators.forEach((op, i) => {
    if (fused.has(i)) return;
    original.push(i);
    const r = replaced.get(i);
    ops.push(r ? r.op : op);
    prep.push(r ? r.prepared : prepared[i]);
  });
  return { graph: { ...g, operators: ops }, original, prepared: prep, fused };
}
