/**
 * fast-check settings for the property tests in tests/fuzz/: in `npm test` seeded and bounded (the
 * same inputs every run, a few hundred cases each); `npm run fuzz` (TINYFORGE_FUZZ=long) runs the
 * same properties with 50× the cases and a fresh random seed, which fast-check prints on failure
 * (re-run with `fc.assert(…, { seed, path })` to reproduce).
 */
import fc from 'fast-check';
import { TinyforgeError } from '../../src/core/errors.js';

export const LONG = process.env.TINYFORGE_FUZZ === 'long';

export function runs(n: number): fc.Parameters<unknown> {
  return LONG ? { numRuns: n * 50 } : { seed: 20261201, numRuns: n };
}

/** A test timeout that fits the long mode too (ms). */
export const FUZZ_TIMEOUT = LONG ? 1_800_000 : 120_000;

/** Byte-level mutations of a valid input: flips, overwrites with extreme values, truncation, splices. */
/** `light`: one or two single-byte edits and no truncation, so most results still parse (to reach what runs after the reader). */
export function mutated(base: Uint8Array, light = false): fc.Arbitrary<Uint8Array> {
  const n = base.length;
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('byte' as const), at: fc.nat(n - 1), v: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('u32' as const), at: fc.nat(Math.max(0, n - 4)), v: fc.constantFrom(0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 0xffff, n, n - 1) }),
    fc.record({ kind: fc.constant('f32' as const), at: fc.nat(Math.max(0, n - 4)), v: fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e-45, 3.4e38) }),
  );
  const byteEdit = fc.record({ kind: fc.constant('byte' as const), at: fc.nat(n - 1), v: fc.integer({ min: 0, max: 255 }) });
  const edits = light ? fc.array(fc.oneof({ weight: 4, arbitrary: byteEdit }, { weight: 1, arbitrary: edit }), { minLength: 1, maxLength: 2 }) : fc.array(edit, { minLength: 1, maxLength: 8 });
  const cut = light ? fc.constant(null) : fc.option(fc.nat(n), { freq: 4 });
  return fc.record({ edits, cut }).map(({ edits, cut }) => {
    const b = base.slice();
    const v = new DataView(b.buffer);
    for (const e of edits) {
      if (e.kind === 'byte') b[e.at] = e.v;
      else if (e.kind === 'u32') v.setUint32(e.at, e.v >>> 0, true);
      else v.setFloat32(e.at, e.v, true);
    }
    return cut === null ? b : b.subarray(0, cut);
  });
}

/** Runs f: 'ok', or the TinyforgeError's kind; any other exception propagates (and fails the property). */
export function typed(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof TinyforgeError) return e.kind;
    throw e;
  }
}
