/**
 * Shape-only operators folded to constants before a graph is run or compiled (issue 17).
 *
 * Converter models compute reshape targets from SHAPE: Keras' Flatten / Reshape with a dynamic batch
 * becomes SHAPE(x) → STRIDED_SLICE (the batch) → PACK([batch, -1]) → RESHAPE(x, that). Shapes are
 * static in a flatbuffer model (TFLM never resizes a tensor), so every value in such a chain is known
 * when the graph is read. An operator is folded when all its outputs are int32 activations (not graph
 * outputs) and it is SHAPE, or all its inputs are constants (earlier folds included): its value is
 * computed by its own registry entry — the same Prepare and host kernel the interpreter runs — and
 * its outputs become constant tensors; the operator is dropped. RESHAPE reads its output shape from
 * the output tensor, so nothing downstream changes meaning.
 *
 * Pure: the input graph is not modified. Tensor indices are kept (folded tensors gain `data`);
 * operators are renumbered, `original[k]` is the file's index of operator k.
 */
import type { Graph, Operator, Tensor } from '../core/graph.js';
import { findOp } from '../ops/registry.js';
import { allocStore, byteSize, type TensorStore } from './common.js';

export interface FoldedGraph {
  graph: Graph;
  /** Per operator of `graph`, its index in the input graph. */
  original: number[];
  /** Indices (in the input graph) of the operators folded to constants. */
  folded: number[];
}

export function foldShapeOps(graph: Graph): FoldedGraph {
  const tensors: Tensor[] = graph.tensors.slice();
  const outputs = new Set(graph.outputs);
  const isConst = (i: number) => i < 0 || tensors[i].data !== undefined;
  const keep: Operator[] = [];
  const original: number[] = [];
  const folded: number[] = [];
  graph.operators.forEach((op, opIndex) => {
    const def = findOp(op.op);
    const foldable =
      def !== undefined &&
      op.outputs.length > 0 &&
      op.outputs.every((o) => o >= 0 && tensors[o].dtype === 'int32' && tensors[o].data === undefined && !outputs.has(o)) &&
      (op.op === 'SHAPE' || op.inputs.every(isConst));
    if (!foldable) {
      keep.push(op);
      original.push(opIndex);
      return;
    }
    const ctx = { graph: { ...graph, tensors }, op, opIndex };
    const stores: TensorStore[] = [];
    for (const i of [...op.inputs, ...op.outputs]) {
      if (i < 0 || stores[i]) continue;
      stores[i] = allocStore(byteSize(tensors[i]));
      if (tensors[i].data) stores[i].bytes.set(tensors[i].data!);
    }
    // Prepare's errors name the operator (ctx.opIndex: the file's index).
    def.host(def.prepare(ctx), ctx, stores)();
    for (const o of op.outputs) tensors[o] = { ...tensors[o], data: stores[o].bytes.slice() };
    folded.push(opIndex);
  });
  if (!folded.length) return { graph, original, folded };
  return { graph: { ...graph, tensors, operators: keep }, original, folded };
}
