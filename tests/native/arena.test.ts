// Offline arena planner: expected offsets worked out by hand from the greedy rule
// (largest first, lowest 16-aligned offset that avoids every time-overlapping buffer).
import { describe, expect, it } from 'vitest';
import { planArena } from '../../src/firmware/native/index.js';

describe('planArena', () => {
  it('reuses memory of buffers whose lifetimes do not overlap', () => {
    // a: steps 0-1, b: 1-2, c: 2-3. a and c never live together, so c reuses a's bytes.
    const plan = planArena([
      { id: 0, size: 100, first: 0, last: 1 },
      { id: 1, size: 50, first: 1, last: 2 },
      { id: 2, size: 100, first: 2, last: 3 },
    ]);
    // Order by size: a (100, first 0) → 0; c (100, first 2) overlaps only b (not yet placed) → 0;
    // b (50) overlaps a [0,100) and c [0,100) → align16(100) = 112.
    expect(plan.offsets.get(0)).toBe(0);
    expect(plan.offsets.get(2)).toBe(0);
    expect(plan.offsets.get(1)).toBe(112);
    expect(plan.bytes).toBe(112 + 64); // 162 rounded up to 16
  });

  it('fills a gap between placed buffers when it fits', () => {
    const plan = planArena([
      { id: 0, size: 64, first: 0, last: 5 }, // 0
      { id: 1, size: 48, first: 0, last: 1 }, // 64
      { id: 2, size: 40, first: 2, last: 5 }, // overlaps 0 (0..64) only → 64: reuses 1's slot
      { id: 3, size: 16, first: 0, last: 5 }, // overlaps all: 0 [0,64), 1 [64,112), 2 [64,104) → 112
    ]);
    expect([0, 1, 2, 3].map((i) => plan.offsets.get(i))).toEqual([0, 64, 64, 112]);
    expect(plan.bytes).toBe(128);
  });

  it('never overlaps two buffers that are live at the same step (randomised check)', () => {
    let s = 12345;
    const rnd = (n: number) => ((s = (s * 1103515245 + 12345) % 2147483648), s % n);
    for (let trial = 0; trial < 50; trial++) {
      const reqs = Array.from({ length: 12 }, (_, id) => {
        const first = rnd(10);
        return { id, size: 1 + rnd(300), first, last: first + rnd(5) };
      });
      const plan = planArena(reqs);
      for (const a of reqs)
        for (const b of reqs) {
          if (a.id >= b.id || a.first > b.last || b.first > a.last) continue;
          const oa = plan.offsets.get(a.id)!;
          const ob = plan.offsets.get(b.id)!;
          expect(oa + a.size <= ob || ob + b.size <= oa).toBe(true);
        }
      for (const r of reqs) {
        expect(plan.offsets.get(r.id)! % 16).toBe(0);
        expect(plan.offsets.get(r.id)! + r.size).toBeLessThanOrEqual(plan.bytes);
      }
    }
  });

  it('is empty for no requests and rejects duplicate ids', () => {
    expect(planArena([]).bytes).toBe(0);
    expect(() => planArena([{ id: 1, size: 1, first: 0, last: 0 }, { id: 1, size: 1, first: 0, last: 0 }])).toThrow(/duplicate/);
  });
});
