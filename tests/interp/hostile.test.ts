// Issue 10 item 5: every graph gets a result or a TinyforgeError from the interpreter, in bounded
// memory, and op kernels never see an invalid shape or scale (validateGraph runs at creation,
// before any allocation). On main the first four tests failed with untyped RangeErrors (exit 1):
// "Array buffer allocation failed", "Invalid typed array length" and "The number Infinity cannot
// be converted to a BigInt" (MEAN with output scale 0); a seeded mutation run like the property
// test below found 98 untyped errors in 3,000 mutated models.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import type { Graph, Tensor } from '../../src/core/graph.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { createInterpreter, DEFAULT_MAX_GRAPH_BYTES } from '../../src/interp/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { cli } from '../helpers/cli.js';

const q = (scale: number, zeroPoint = 0) => ({ scale: [scale], zeroPoint: [zeroPoint], quantizedDimension: 0 });
const i8 = (name: string, shape: number[], scale: number, data?: Uint8Array): Tensor => ({ name, dtype: 'int8', shape, quant: q(scale), ...(data ? { data } : {}) });

/** MEAN over axes 1, 2 of a [1, 2, 2, 1] int8 tensor (the shape of the GlobalAveragePooling in tinyforge's models). */
function meanGraph(outScale: number): Graph {
  return {
    tensors: [
      i8('x', [1, 2, 2, 1], 0.5),
      { name: 'axes', dtype: 'int32', shape: [2], data: new Uint8Array(new Int32Array([1, 2]).buffer) },
      i8('mean', [1, 1, 1, 1], outScale),
    ],
    operators: [{ op: 'MEAN', inputs: [0, 1], outputs: [2], options: { keepDims: true } }],
    inputs: [0],
    outputs: [2],
  };
}

/** Outcome of creating and running: 'ok', or the TinyforgeError kind. Any other exception fails the test. */
function outcome(g: Graph): string {
  try {
    const it = createInterpreter(g);
    it.invoke(it.inputBytes.map((n) => new Uint8Array(n)));
    return 'ok';
  } catch (e) {
    if (!(e instanceof TinyforgeError)) throw new Error(`non-TinyforgeError: ${String(e)}`, { cause: e });
    return e.kind;
  }
}

function caught(f: () => unknown): TinyforgeError {
  try {
    f();
  } catch (e) {
    if (e instanceof TinyforgeError) return e;
    throw new Error(`non-TinyforgeError: ${String(e)}`, { cause: e });
  }
  throw new Error('expected a TinyforgeError, nothing was thrown');
}

describe('interpreter: validated before allocating', () => {
  it('the MEAN graph runs with a sane output scale (so the failures below are due to the damage)', () => {
    expect(outcome(meanGraph(0.25))).toBe('ok');
  });

  it('a huge activation shape (64 GiB) is bad-input naming the tensor, not an allocation failure', () => {
    const g = meanGraph(0.25);
    g.tensors[0] = i8('x', [1, 65536, 65536, 16], 0.5);
    const e = caught(() => createInterpreter(g));
    expect(e).toMatchObject({ kind: 'bad-input', exitCode: 3, details: { tensor: 0, name: 'x', bytes: 65536 * 65536 * 16 } });
    expect(e.message).toMatch(/tensor 0 \("x"\).*limit/);
  });

  it('sizes add up: many tensors each under the bound, together over it', () => {
    const n = 9;
    const each = Math.floor(DEFAULT_MAX_GRAPH_BYTES / 8);
    const g = meanGraph(0.25);
    for (let k = 0; k < n; k++) g.tensors.push(i8(`spare${k}`, [each], 0.5));
    // 13 bytes of the MEAN graph + 8 × 32 MiB passes 256 MiB at the eighth spare tensor.
    expect(caught(() => createInterpreter(g))).toMatchObject({ kind: 'bad-input', details: { name: 'spare7' } });
    // A caller's own bound: the 4-byte input fits 5 bytes, the 8-byte axes after it do not.
    expect(caught(() => createInterpreter(meanGraph(0.25), { maxBytes: 5 }))).toMatchObject({ kind: 'bad-input', details: { maxBytes: 5 } });
  });

  it('non-integer, negative and int32-overflowing dimensions are bad-input', () => {
    for (const d of [1.5, -1, 2 ** 31, NaN]) {
      const g = meanGraph(0.25);
      g.tensors[2] = i8('mean', [1, 1, d, 1], 0.25);
      expect(caught(() => createInterpreter(g))).toMatchObject({ kind: 'bad-input', details: { tensor: 2 } });
    }
  });

  it('constant data that does not match its shape is bad-input before anything is allocated', () => {
    const g = meanGraph(0.25);
    g.tensors[1] = { ...g.tensors[1], shape: [1 << 30] };
    expect(caught(() => createInterpreter(g))).toMatchObject({ kind: 'bad-input', details: { tensor: 1, name: 'axes' } });
  });

  for (const s of [0, -1, NaN, Infinity, 1e-50]) {
    it(`MEAN with output scale ${s} is bad-input naming the tensor (never BigInt(Infinity))`, () => {
      const e = caught(() => createInterpreter(meanGraph(s)));
      expect(e).toMatchObject({ kind: 'bad-input', details: { tensor: 2, name: 'mean' } });
      expect(e.remedy).toBeTruthy();
    });
  }

  it('a per-channel scale list with one bad channel names the channel', () => {
    const g = meanGraph(0.25);
    g.tensors[0] = { ...g.tensors[0], quant: { scale: [0.5, NaN], zeroPoint: [0, 0], quantizedDimension: 3 } };
    expect(caught(() => createInterpreter(g))).toMatchObject({ kind: 'bad-input', details: { tensor: 0, channel: 1 } });
  });

  it('an int8 zero point outside −128…127 is bad-input naming the tensor (TFLite: a zero point is a value of the type)', () => {
    for (const zp of [-129, 128, 200]) {
      const g = meanGraph(0.25);
      g.tensors[2] = { ...g.tensors[2], quant: q(0.25, zp) };
      expect(caught(() => createInterpreter(g))).toMatchObject({ kind: 'bad-input', details: { tensor: 2, zeroPoint: zp } });
    }
    const edge = meanGraph(0.25);
    edge.tensors[2] = { ...edge.tensors[2], quant: q(0.25, 127) };
    expect(outcome(edge)).toBe('ok');
  });
});

describe('tinyforge firmware on such files', () => {
  it('an int8 zero point of 200 exits 3 and writes no project (the firmware runs the same whole-graph check)', async () => {
    const g = meanGraph(0.25);
    g.tensors[2] = { ...g.tensors[2], quant: q(0.25, 200) };
    const dir = mkdtempSync(join(tmpdir(), 'tf-zp-'));
    const file = join(dir, 'zp.tflite');
    writeFileSync(file, writeTflite(g));
    const r = await cli(['firmware', '--board', 'qemu-mps2-an386', '--model', file, '--out', join(dir, 'fw')]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/zero point 200, outside int8's range/);
    expect(readdirSync(dir)).toEqual(['zp.tflite']);
  });
});

describe('tinyforge infer on such files', () => {
  it('a .tflite whose input is 64 GiB exits 3 naming the tensor (on main: exit 1, RangeError)', () => {
    const g = meanGraph(0.25);
    g.tensors[0] = i8('x', [1, 65536, 65536, 16], 0.5);
    const file = join(mkdtempSync(join(tmpdir(), 'tf-huge-')), 'huge.tflite');
    writeFileSync(file, writeTflite(g));
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/tinyforge.mjs'), '--json', 'infer', file, '--values', '0'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout + r.stderr).toMatch(/tensor 0 \(\\"x\\"\).*limit/);
  }, 60_000);
});

describe('derived multipliers are finite', () => {
  // Per-tensor FULLY_CONNECTED: TFLM takes float32(in_scale × filter_scale); 3e38 × 3e38 overflows
  // float32 to Infinity although both scales are valid. On main the interpreter built a kernel with
  // multiplier Infinity (silently wrong outputs) and the native emitter threw an untyped RangeError.
  const fc: Graph = {
    tensors: [
      i8('in', [1, 2], 3e38),
      i8('w', [2, 2], 3e38, new Uint8Array([1, 2, 3, 4])),
      i8('out', [1, 2], 0.5),
    ],
    operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, -1], outputs: [2], options: { fusedActivation: 'NONE', keepNumDims: false } }],
    inputs: [0],
    outputs: [2],
  };

  it('interpreter: bad-input naming the operator', () => {
    const e = caught(() => createInterpreter(fc));
    expect(e).toMatchObject({ kind: 'bad-input', details: { operator: 0, op: 'FULLY_CONNECTED' } });
    expect(e.message).toMatch(/^operator 0 \(FULLY_CONNECTED\): .*multiplier.*Infinity/);
  });

  it('native emitter: bad-input, no C written', () => {
    expect(caught(() => emitNativeEngine({ graph: fc, version: 3, description: '', metadata: [] }, { modelSha256: '00'.repeat(32) }))).toMatchObject({ kind: 'bad-input' });
  });
});

// Seeded and bounded: tinyforge's own vector models with 1-3 of their shapes, scales, zero points
// or operator options replaced by hostile values must each give a result or a TinyforgeError.
describe('property: mutated models never escape as other exceptions', () => {
  const dirs = readdirSync(join(REPO_ROOT, 'vectors')).filter((d) => !d.includes('.')).sort();
  const models = dirs.map((d) => new Uint8Array(readFileSync(join(REPO_ROOT, 'vectors', d, 'model.tflite'))));
  const hostileInt = fc.constantFrom(0, 1, 2, 3, -1, 1 << 16, 1 << 20, 2 ** 31 - 1, -(2 ** 31), 1000);
  const hostileScale = fc.constantFrom(0, -1, NaN, Infinity, 1e-45, 1e-30, 3e38, 1e30);
  const mutation = fc.record({ kind: fc.constantFrom('shape', 'scale', 'zeroPoint', 'option'), at: fc.nat(), dim: fc.nat(), int: hostileInt, scale: hostileScale });

  it('has models to mutate', () => expect(models.length).toBeGreaterThanOrEqual(4));

  it('createInterpreter + invoke: a result or a TinyforgeError', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (m, muts) => {
        const g = readTflite(models[m % models.length]).graph;
        for (const x of muts) {
          const t = g.tensors[x.at % g.tensors.length];
          if (x.kind === 'shape' && t.shape.length) t.shape[x.dim % t.shape.length] = x.int;
          else if (x.kind === 'scale' && t.quant) t.quant.scale[x.dim % t.quant.scale.length] = x.scale;
          else if (x.kind === 'zeroPoint' && t.quant) t.quant.zeroPoint[x.dim % t.quant.zeroPoint.length] = x.int;
          else if (x.kind === 'option') {
            const op = g.operators[x.at % g.operators.length];
            const keys = Object.keys(op.options);
            if (keys.length) (op.options as Record<string, unknown>)[keys[x.dim % keys.length]] = x.int;
          }
        }
        outcome(g);
      }),
      { seed: 20261201, numRuns: 400 },
    );
  });

  it('model files with bytes overwritten, read and run: a result or a TinyforgeError', () => {
    const byteEdit = fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) });
    fc.assert(
      fc.property(fc.nat(), fc.array(byteEdit, { minLength: 1, maxLength: 6 }), (m, edits) => {
        const b = models[m % models.length].slice();
        // The tables (shapes, quantisation, options) sit before the weight buffers in tinyforge's files.
        for (const e of edits) b[e.at % Math.min(b.length, 4096)] = e.value;
        try {
          outcome(readTflite(b).graph);
        } catch (e) {
          if (!(e instanceof TinyforgeError)) throw e;
        }
      }),
      { seed: 777, numRuns: 400 },
    );
  });
});
