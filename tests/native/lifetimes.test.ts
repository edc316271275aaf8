// The arena layout's extension points for optimised kernels (scratch per op, aliasing) and the
// generator's kernel target. Expected offsets worked out by hand from planArena's rule (largest
// first, lowest non-overlapping 16-aligned offset among buffers live at the same time).
import { describe, expect, it } from 'vitest';
import type { Graph, Tensor } from '../../src/core/graph.js';
import { layoutArena } from '../../src/firmware/native/lifetimes.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';

const i8 = (n: number, name = 't'): Tensor => ({ name, dtype: 'int8', shape: [n], quant: { scale: [0.5], zeroPoint: [0], quantizedDimension: 0 } });
// t0 --op0--> t1 --op1--> t2 : 64, 32, 16 bytes (only the layout is planned, so the ops' shapes need not agree).
const chain: Graph = {
  tensors: [i8(64), i8(32), i8(16)],
  operators: [
    { op: 'RELU', inputs: [0], outputs: [1], options: {} },
    { op: 'RELU', inputs: [1], outputs: [2], options: {} },
  ],
  inputs: [0],
  outputs: [2],
};

describe('native arena layout', () => {
  it('without scratch: t0 (64 B, ops 0) at 0, t1 (32 B, ops 0-1) at 64, t2 (16 B, op 1-end) at 0', () => {
    const l = layoutArena({ graph: chain, aliases: [null, null], scratch: [0, 0] });
    expect([0, 1, 2].map((t) => l.offsetOf(t))).toEqual([0, 64, 0]);
    expect(l.bytes).toBe(96);
    expect(l.scratchOffset(0)).toBeNull();
  });

  it('reserves an op\'s scratch during its own step only', () => {
    // Lifetimes: t0 [0,0], t1 [0,1], t2 [1,2], scratch of op 1 (48 B) [1,1]. Largest first:
    // t0 64@0; scratch overlaps nothing placed in time → 0; t1 overlaps t0 and scratch → 64;
    // t2 overlaps scratch (0-48) and t1 (64-96) → the gap at 48.
    const l = layoutArena({ graph: chain, aliases: [null, null], scratch: [0, 48] });
    expect(l.scratchOffset(1)).toBe(0);
    expect(l.offsetOf(1)).toBe(64);
    expect(l.offsetOf(2)).toBe(48);
    expect(l.bytes).toBe(96);
  });

  it('aliased tensors share one region', () => {
    const l = layoutArena({ graph: chain, aliases: [{ output: 1, input: 0 }, null], scratch: [0, 0] });
    expect(l.offsetOf(1)).toBe(l.offsetOf(0));
    expect(l.offsetOf(2)).not.toBe(l.offsetOf(1));
  });

  it('the dsp target generates the same code as portable while no op specialises', () => {
    const sha = 'cd'.repeat(32);
    const graph: Graph = { ...chain, tensors: [i8(16), i8(16), i8(16)] };
    const model = { graph, version: 3, description: '', metadata: [] };
    const a = emitNativeEngine(model, { modelSha256: sha });
    const b = emitNativeEngine(model, { modelSha256: sha, target: 'dsp' });
    expect(b.files[0].contents).toBe(a.files[0].contents);
    expect(a.schedule).toEqual([{ op: 'RELU', kernel: 'tf_k_relu_s8' }, { op: 'RELU', kernel: 'tf_k_relu_s8' }]);
  });
});
