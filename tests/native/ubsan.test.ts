// Issue 18 item 1: the generated native C must have no undefined behaviour for any model tinyforge
// accepts. Every model here is emitted, compiled with the portable kernels under gcc's
// -fsanitize=undefined -fno-sanitize-recover=all (the first report aborts the run), and run on
// extreme and random inputs; its output must equal the interpreter's byte for byte. The models sit
// at the edges of what the multiplier check (src/ops/quant.ts checkMultiplier, TFLM's
// MultiplyByQuantizedMultiplier contract: shift −31…30) accepts — shift 30, shift −31, multipliers
// near 2^31 — and carry biases at INT32_MIN / INT32_MAX (the accumulator + bias wraps as in the
// interpreter). Skipped visibly when gcc cannot build with UBSan; required in CI
// (TINYFORGE_REQUIRE_UBSAN=1).
import { describe, expect, it } from 'vitest';
import type { Graph, TfliteModel } from '../../src/core/graph.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { createInterpreter } from '../../src/interp/index.js';
import { quantizeMultiplier } from '../../src/ops/quant.js';
import { buildRunner, runEngine, tempDir, UBSAN_FLAGS, ubsanAvailable } from './helpers.js';
import { UBSAN_GRAPHS } from './ubsan-graphs.js';

const SHA = 'cd'.repeat(32);
const model = (graph: Graph): TfliteModel => ({ graph, version: 3, description: 'ubsan', metadata: [] });
const bytesOf = (a: Int8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Inputs: all −128, all 127, a ramp and a few pseudo-random vectors. */
function inputsFor(n: number): Uint8Array[] {
  let seed = 11;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0), (seed >>> 8) & 0xff);
  return [
    bytesOf(new Int8Array(n).fill(-128)),
    bytesOf(new Int8Array(n).fill(127)),
    bytesOf(Int8Array.from({ length: n }, (_, i) => ((i * 37) % 256) - 128)),
    ...Array.from({ length: 3 }, () => bytesOf(Int8Array.from({ length: n }, () => rnd() - 128))),
  ];
}

const available = ubsanAvailable();

describe('edge-of-range multipliers are accepted exactly up to TFLM\'s limits', () => {
  it('the shift-30 / shift-−31 / near-2^31 multipliers these models use are what the names say', () => {
    // Hand-derived: 0.8·2^30 = frexp 0.8 × 2^30 → shift 30; 0.75·2^−31 → shift −31; (1−2^−24)² → q·2^31 rounds to 2^31 − 256.
    expect(quantizeMultiplier(0.8 * 2 ** 30)).toEqual({ multiplier: Math.round(0.8 * 2 ** 31), shift: 30 });
    expect(quantizeMultiplier(0.75 * 2 ** -31)).toEqual({ multiplier: 0.75 * 2 ** 31, shift: -31 });
    expect(quantizeMultiplier((1 - 2 ** -24) ** 2)).toEqual({ multiplier: 2 ** 31 - 256, shift: 0 });
  });
});

describe.skipIf(!available)('generated native C under -fsanitize=undefined', () => {
  for (const [name, graph] of Object.entries(UBSAN_GRAPHS)) {
    it(`${name}: no UBSan report, bit-exact with the interpreter`, () => {
      const res = emitNativeEngine(model(graph), { modelSha256: SHA });
      const dir = tempDir('tf-ubsan-');
      const exe = buildRunner(res.files, dir, { cflags: UBSAN_FLAGS, kernelFlags: UBSAN_FLAGS });
      const n = graph.tensors[graph.inputs[0]].shape.reduce((a, b) => a * b, 1);
      const inputs = inputsFor(n);
      // runEngine throws (non-zero exit, UBSan's report on stderr) at the first undefined behaviour.
      const { outputs } = runEngine(exe, inputs, dir);
      const interp = createInterpreter(graph);
      outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `input ${k}`).toBe(Buffer.from(interp.invoke([inputs[k]])[0]).toString('hex')));
    });
  }
});

