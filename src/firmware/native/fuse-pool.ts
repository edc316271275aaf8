/**
 * CONV_2D → MAX_POOL_2D fusion for the native engine's DSP target: the pool's max is taken over
 * the convolution's outputs as they are computed (tf_dsp_conv_max_pool_s8 in tf_dsp.h), so the
 * convolution's output tensor is never written (its arena bytes and the pool's pass are saved).
 * Always exact: a max pool copies the largest int8 value of each window and clamps it to its
 * activation range, and the fused kernel takes that max of the very int8 values the convolution
 * would have stored (with the solved requantisation it takes the max of the accumulators and
 * requantises once: that requantisation is monotone non-decreasing, see tf_dsp_conv_store).
 * Fused only when it is also no slower and the convolution's output has no other use:
 * - DSP target, and the convolution runs on the DSP conv kernel (dspConvTaps);
 * - the pool reads the convolution's output, which nothing else reads and is not a graph output;
 * - the pool windows do not overlap (stride >= filter on both axes: no convolution output is
 *   computed twice) and hold an even number of positions (the kernel computes them two at a time).
 * The interpreter runs both operators unfused; tests/native compare the two bit for bit.
 */
import type { Graph, Operator } from '../../core/graph.js';
import type { NativeTarget } from '../../ops/types.js';
import type { ConvPrepared } from '../../ops/conv-common.js';
import type { PoolPrepared } from '../../ops/pool.js';
import { dspConvTaps, type PooledConv } from './dsp/emit.js';
import { withoutFused, type Fusion } from './fuse-pad.js';

/** Why a MAX_POOL_2D stays unfused (null: it is fused). */
export type PoolFusionRefusal = 'target' | 'producer' | 'kernel' | 'graph-output' | 'readers' | 'overlap' | 'odd-window';

/** Whether MAX_POOL_2D operator `i` fuses into the convolution that produces its input, and which that is. */
export function poolFusion(g: Graph, prepared: readonly unknown[], i: number, target: NativeTarget): { conv: number } | { refused: PoolFusionRefusal } {
  const p = prepared[i] as PoolPrepared;
  if (target !== 'dsp' || p.kind !== 'int8') return { refused: 'target' };
  const t = g.operators[i].inputs[0];
  const c = g.operators.findIndex((o) => o.outputs.includes(t));
  const conv = g.operators[c];
  if (!conv || (conv.op !== 'CONV_2D' && conv.op !== 'DEPTHWISE_CONV_2D') || conv.outputs.length !== 1) return { refused: 'producer' };
  if (!dspConvTaps(prepared[c] as ConvPrepared, conv.op === 'DEPTHWISE_CONV_2D', { graph: g, target })) return { refused: 'kernel' };
  if (g.outputs.includes(t)) return { refused: 'graph-output' };
  const reads = g.operators.reduce((n, o) => n + o.inputs.filter((x) => x === t).length, 0);
  if (reads !== 1) return { refused: 'readers' };
  if (p.strideH < p.filterH || p.strideW < p.filterW) return { refused: 'overlap' };
  if ((p.filterH * p.filterW) % 2 !== 0) return { refused: 'odd-window' };
  return { conv: c };
}

/** Finds and applies every CONV_2D → MAX_POOL_2D fusion (none: the graph unchanged). `fused`: pool → convolution. */
export function fuseMaxPools(g: Graph, prepared: readonly unknown[], target: NativeTarget): Fusion {
  const fused = new Map<number, number>();
  const replaced = new Map<number, { op: Operator; prepared: unknown }>();
  g.operators.forEach((op, i) => {
    if (op.op !== 'MAX_POOL_2D') return;
    const f = poolFusion(g, prepared, i, target);
    if (!('conv' in f)) return;
    const pool = prepared[i] as PoolPrepared;
    const cp: PooledConv = { ...(prepared[f.conv] as ConvPrepared), output: pool.output, maxPool: pool };
    fused.set(i, f.conv);
    replaced.set(f.conv, { op: { ...g.operators[f.conv], outputs: [pool.output] } as Operator, prepared: cp });
  });
  return withoutFused(g, prepared, fused, replaced);
}
