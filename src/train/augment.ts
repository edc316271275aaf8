/**
 * Training-time augmentation of motion windows, in sensor units (before normalisation), seeded.
 * It imitates what differs between people and sessions, the usual cause of the train/test gap:
 * - rotate: the sensor sits at a slightly different angle — every XYZ triplet of axes (aX,aY,aZ;
 *   gX,gY,gZ; …) is turned by one small random rotation per window (the IMU is rigid, so all its
 *   triplets turn together); angles ~ N(0, rotate²) radians about each axis;
 * - gain: per-axis scale ~ 1 + N(0, gain²);
 * - noise: additive white noise ~ N(0, noise²) in sensor units.
 */
import type { WindowSet } from '../core/dataset.js';
import type { Rng } from '../data/prng.js';
import { rotationMatrix } from '../data/simulator.js';

export interface AugmentOptions {
  /** Rotation standard deviation per axis, radians (e.g. 0.15). */
  rotate?: number;
  /** Per-axis gain standard deviation (e.g. 0.05). */
  gain?: number;
  /** Additive noise standard deviation, sensor units. */
  noise?: number;
}

/** Start indices of axis triplets named <p>X, <p>Y, <p>Z (case-insensitive) in that order. */
export function xyzTriplets(axes: readonly string[]): number[] {
  const out: number[] = [];
  for (let a = 0; a + 2 < axes.length; a++) {
    const [x, y, z] = [axes[a], axes[a + 1], axes[a + 2]];
    const p = x.slice(0, -1);
    if (/x$/i.test(x) && /y$/i.test(y) && /z$/i.test(z) && y.slice(0, -1) === p && z.slice(0, -1) === p) {
      out.push(a);
      a += 2;
    }
  }
  return out;
}

/** A new x for `ws` with every window augmented (labels and order unchanged). */
export function augmentWindows(ws: WindowSet, opts: AugmentOptions, rng: Rng): Float32Array {
  const A = ws.axes.length;
  const L = ws.windowLength;
  const n = ws.x.length / (A * L);
  const out = new Float32Array(ws.x.length);
  const triplets = opts.rotate ? xyzTriplets(ws.axes) : [];
  const g = new Float64Array(A);
  for (let i = 0; i < n; i++) {
    const R = opts.rotate ? rotationMatrix(rng.normal() * opts.rotate, rng.normal() * opts.rotate, rng.normal() * opts.rotate) : null;
    for (let a = 0; a < A; a++) g[a] = opts.gain ? 1 + rng.normal() * opts.gain : 1;
    for (let t = 0; t < L; t++) {
      const o = (i * L + t) * A;
      for (let a = 0; a < A; a++) out[o + a] = ws.x[o + a];
      if (R) {
        for (const b of triplets) {
          const [x, y, z] = [out[o + b], out[o + b + 1], out[o + b + 2]];
          out[o + b] = R[0] * x + R[1] * y + R[2] * z;
          out[o + b + 1] = R[3] * x + R[4] * y + R[5] * z;
          out[o + b + 2] = R[6] * x + R[7] * y + R[8] * z;
        }
      }
      for (let a = 0; a < A; a++) out[o + a] = out[o + a] * g[a] + (opts.noise ? rng.normal() * opts.noise : 0);
    }
  }
  return out;
}
