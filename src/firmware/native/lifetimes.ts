/**
 * Tensor lifetimes for the native engine's offline arena: every non-constant tensor (graph inputs
 * and outputs included) is live from its first to its last use in execution order; tensors an op
 * aliases (NativeOp.alias, e.g. a RESHAPE output and its input) share one region; each op's scratch
 * (NativeOp.scratchBytes) is a region live during that op's step only. planArena places them.
 */
import { unsupported } from '../../core/errors.js';
import { DTYPE_BYTES, numElements, type Graph, type Tensor } from '../../core/graph.js';
import { planArena, type ArenaRequest } from './arena.js';

export const REMEDY_TFLM = 'build the firmware with the TFLM engine (--engine tflm), which supports more ops and types';

export function tensorBytes(t: Tensor, index: number): number {
  const per = DTYPE_BYTES[t.dtype];
  if (!per) throw unsupported(`tensor ${index} "${t.name}" has dtype ${t.dtype}`, { remedy: REMEDY_TFLM });
  return numElements(t.shape) * per;
}

export interface LifetimeInput {
  graph: Graph;
  /** Per operator: the output tensor sharing its input's region, or null. */
  aliases: ({ output: number; input: number } | null)[];
  /** Per operator: scratch bytes needed during its step (0 = none). */
  scratch: number[];
}

export interface ArenaLayout {
  /** Arena bytes used (a multiple of 16). */
  bytes: number;
  /** Byte offset of a non-constant tensor's region. */
  offsetOf(tensor: number): number;
  /** Byte offset of operator i's scratch region, or null when it asked for none. */
  scratchOffset(op: number): number | null;
}

export function layoutArena({ graph: g, aliases, scratch }: LifetimeInput): ArenaLayout {
  const nOps = g.operators.length;
  const group = new Map<number, number>();
  const find = (t: number): number => {
    let r = t;
    while (group.has(r) && group.get(r) !== r) r = group.get(r)!;
    return r;
  };
  const isConst = (t: number) => t >= 0 && g.tensors[t].data !== undefined;
  const life = new Map<number, { first: number; last: number }>();
  const touch = (t: number, step: number) => {
    if (t < 0 || isConst(t)) return;
    const l = life.get(t);
    if (!l) life.set(t, { first: step, last: step });
    else {
      l.first = Math.min(l.first, step);
      l.last = Math.max(l.last, step);
    }
  };
  for (const t of g.inputs) touch(t, 0);
  g.operators.forEach((op, i) => {
    for (const t of op.inputs) touch(t, i);
    for (const t of op.outputs) touch(t, i);
  });
  for (const t of g.outputs) touch(t, Math.max(nOps, 0));
  for (const a of aliases) if (a) group.set(find(a.output), find(a.input));
  const groups = new Map<number, ArenaRequest>();
  for (const [t, l] of life) {
    const bytes = tensorBytes(g.tensors[t], t);
    const root = find(t);
    const r = groups.get(root);
    if (!r) groups.set(root, { id: root, size: bytes, first: l.first, last: l.last });
    else {
      r.size = Math.max(r.size, bytes);
      r.first = Math.min(r.first, l.first);
      r.last = Math.max(r.last, l.last);
    }
  }
  // Scratch regions get negative ids (tensor groups are >= 0).
  const requests = [...groups.values()].sort((a, b) => a.id - b.id);
  scratch.forEach((bytes, i) => {
    if (bytes > 0) requests.push({ id: -1 - i, size: bytes, first: i, last: i });
  });
  const plan = planArena(requests, 16);
  return {
    bytes: plan.bytes,
    offsetOf: (t) => plan.offsets.get(find(t))!,
    scratchOffset: (i) => plan.offsets.get(-1 - i) ?? null,
  };
}
