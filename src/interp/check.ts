/**
 * The whole-model check every consumer of a graph runs before it computes or writes anything: the
 * interpreter (createInterpreter), the native C generator (emitNativeEngine), and the firmware
 * generator for every engine (emitFirmware, readModelForFirmware). One function, so a model the
 * interpreter refuses can never become firmware (issue 18 item 2).
 *
 * In order, each failure a TinyforgeError naming the operator or tensor:
 * 1. validateGraph (./validate.ts): indices, shapes, byte sizes against a bound, constant sizes,
 *    scales and zero points;
 * 2. execution order: every tensor an operator reads is constant, a graph input, or written by an
 *    earlier operator; every graph output is written;
 * 3. shape-only operators (SHAPE and the int32 arithmetic on it) folded to constants (./fold.ts);
 * 4. each remaining operator's Prepare from the op registry (src/ops/): dtypes, shapes, options and
 *    every derived integer parameter, multipliers and shifts within TFLM's limits (src/ops/quant.ts
 *    checkMultiplier).
 */
import type { Graph } from '../core/graph.js';
import { TinyforgeError, badInput } from '../core/errors.js';
import { findOp, opDef } from '../ops/registry.js';
import type { AnyOpDef } from '../ops/types.js';
import { validateGraph, type ValidateOptions } from './validate.js';
import { foldShapeOps } from './fold.js';

export interface CheckOptions extends ValidateOptions {
  /**
   * The TFLM engine's models may hold builtin ops tinyforge does not implement, kept by name by the
   * reader (readTflite's tflmOnlyOps): they get every structural check but no Prepare (TFLM
   * prepares them on the device); their entry in `ops` is null.
   */
  tflmOnlyOps?: boolean;
}

export interface CheckedGraph {
  /** Byte size of every tensor. */
  sizes: number[];
  /**
   * The graph to run or compile: the input with its shape-only operators folded to constants
   * (./fold.ts; the input itself when there are none). Same tensors (folded ones gain data).
   */
  graph: Graph;
  /** Per operator of `graph`, its index in the input graph (the file's numbering, used in messages). */
  original: number[];
  /** Input-graph indices of the operators folded to constants. */
  folded: number[];
  /** Per operator of `graph`: its registry entry and its prepared parameters (null: an op kept by name for TFLM, see CheckOptions). */
  ops: ({ def: AnyOpDef; prepared: unknown } | null)[];
}

/** Runs every check (see the file comment); throws on the first defect. Pure. */
export function checkGraph(graph: Graph, opts: CheckOptions = {}): CheckedGraph {
  const sizes = validateGraph(graph, opts);
  const ready = new Set<number>(graph.inputs);
  graph.tensors.forEach((t, i) => t.data && ready.add(i));
  graph.operators.forEach((op, opIndex) => {
    op.inputs.forEach((i, k) => {
      if (i >= 0 && !ready.has(i)) {
        throw badInput(`operator ${opIndex} (${op.op}) reads tensor ${i} ("${graph.tensors[i].name}", input ${k}) before anything writes it`, {
          remedy: 'Operators must be stored in execution order; re-export the model.',
          details: { operator: opIndex, op: op.op, tensor: i },
        });
      }
    });
    op.outputs.forEach((i) => ready.add(i));
  });
  for (const o of graph.outputs) {
    if (!ready.has(o)) {
      throw badInput(`graph output tensor ${o} ("${graph.tensors[o].name}") is never written`, { remedy: 'The model file is inconsistent.', details: { tensor: o } });
    }
  }
  const fold = foldShapeOps(graph);
  const g = fold.graph;
  const ops = g.operators.map((op, k) => {
    const opIndex = fold.original[k];
    if (opts.tflmOnlyOps && !findOp(op.op)) return null;
    const def = opDef(op.op, 'tinyforge', opIndex);
    const prepared = withOperator(opIndex, op.op, () => def.prepare({ graph: g, op, opIndex }));
    return { def, prepared };
  });
  return { sizes, graph: g, original: fold.original, folded: fold.folded, ops };
}

/** Errors raised below an op's Prepare (e.g. by quantizeMultiplier) get the operator they are about. */
export function withOperator<T>(opIndex: number, op: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof TinyforgeError && e.details?.operator === undefined) {
      throw new TinyforgeError(e.kind, `operator ${opIndex} (${op}): ${e.message}`, { remedy: e.remedy, cause: e.cause, details: { ...e.details, operator: opIndex, op } });
    }
    throw e;
  }
}
