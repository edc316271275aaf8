/** Small synthetic window sets for train tests (the data stage's simulator is tested on its own). */
import type { WindowSet } from '../../src/core/dataset.js';
import { mulberry32 } from '../../src/data/prng.js';

/**
 * `classes` classes told apart by the frequency of a sine on axis 0 (class c: 1 + c cycles per
 * window) plus noise; `groups` subjects with their own amplitude and offset.
 */
export function synthWindows(opts: { perClassPerGroup: number; groups: string[]; classes?: number; length?: number; seed?: number; noise?: number }): WindowSet {
  const K = opts.classes ?? 3;
  const L = opts.length ?? 32;
  const A = 3;
  const r = mulberry32(opts.seed ?? 1);
  const n = opts.perClassPerGroup * K * opts.groups.length;
  const x = new Float32Array(n * L * A);
  const y = new Int32Array(n);
  const groups: string[] = [];
  let i = 0;
  for (const g of opts.groups) {
    const amp = 0.8 + 0.4 * r.next();
    const off = r.uniform(-0.2, 0.2);
    for (let c = 0; c < K; c++) {
      for (let j = 0; j < opts.perClassPerGroup; j++) {
        const phase = r.uniform(0, 2 * Math.PI);
        for (let t = 0; t < L; t++) {
          x[(i * L + t) * A + 0] = amp * Math.sin(phase + (2 * Math.PI * (1 + c) * t) / L) + (opts.noise ?? 0.3) * r.normal() + off;
          x[(i * L + t) * A + 1] = (opts.noise ?? 0.3) * r.normal() + 1;
          x[(i * L + t) * A + 2] = (opts.noise ?? 0.3) * r.normal();
        }
        y[i] = c;
        groups.push(g);
        i++;
      }
    }
  }
  return { axes: ['aX', 'aY', 'aZ'], labels: Array.from({ length: K }, (_, c) => `c${c}`), windowLength: L, sampleRateHz: 50, x, y, groups };
}
