// Malformed, truncated and hostile inputs: each must end in a TinyforgeError (never another
// exception type, never a hang). Inputs are derived from a valid model by truncation and
// mutation, or built by hand so the defect is known.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { sharedForTests } from '../support/shared.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { readTflite, modelFacts } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { Model } from '../../src/tflite/generated/tflite/model.js';
import { SubGraph } from '../../src/tflite/generated/tflite/sub-graph.js';
import { Tensor as TflTensor } from '../../src/tflite/generated/tflite/tensor.js';
import { Buffer as TflBuffer } from '../../src/tflite/generated/tflite/buffer.js';
import type { Graph } from '../../src/core/graph.js';
import { unknownOpModel } from './fixtures.js';

const shared = sharedForTests();

/** Outcome of reading: 'ok', or the TinyforgeError kind. Any other exception fails the test. */
function outcome(bytes: Uint8Array): string {
  try {
    readTflite(bytes);
    modelFacts(bytes);
    return 'ok';
  } catch (e) {
    if (!(e instanceof TinyforgeError)) throw new Error(`non-TinyforgeError: ${String(e)}`, { cause: e });
    expect(e.remedy).toBeTruthy();
    return e.kind;
  }
}

const small: Graph = {
  tensors: [
    { name: 'in', dtype: 'int8', shape: [1, 2], quant: { scale: [0.5], zeroPoint: [1], quantizedDimension: 0 } },
    { name: 'w', dtype: 'int8', shape: [2, 2], quant: { scale: [0.25], zeroPoint: [0], quantizedDimension: 0 }, data: new Uint8Array([1, 2, 3, 4]) },
    { name: 'out', dtype: 'int8', shape: [1, 2], quant: { scale: [0.5], zeroPoint: [1], quantizedDimension: 0 } },
  ],
  operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, -1], outputs: [2], options: { fusedActivation: 'RELU', keepNumDims: false } }],
  inputs: [0],
  outputs: [2],
};

// xorshift32, for reproducible random bytes.
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

describe('hostile .tflite inputs', () => {
  const valid = writeTflite(small);

  it('the unmodified model reads fine (so the failures below are due to the damage)', () => {
    expect(outcome(valid)).toBe('ok');
  });

  it('every truncation of a valid model fails with bad-input', () => {
    for (let n = 0; n < valid.length; n++) expect(outcome(valid.slice(0, n))).toBe('bad-input');
  });

  it('a schema version other than 3 is unsupported (TFLM rejects it too)', () => {
    // Model.version is the root table's first field; find it by patching candidates until modelFacts sees 2.
    let found = false;
    for (let p = 0; p + 4 <= valid.length && !found; p += 4) {
      if (new DataView(valid.buffer, valid.byteOffset).getUint32(p, true) !== 3) continue;
      const b = valid.slice();
      new DataView(b.buffer).setUint32(p, 2, true);
      try {
        if (modelFacts(b).version !== 2) continue;
      } catch {
        continue;
      }
      found = true;
      expect(outcome(b)).toBe('unsupported');
    }
    expect(found).toBe(true);
  });

  it('empty, tiny and wrong-identifier files', () => {
    expect(outcome(new Uint8Array(0))).toBe('bad-input');
    expect(outcome(new Uint8Array(7))).toBe('bad-input');
    const wrong = valid.slice();
    wrong.set([0x54, 0x46, 0x4c, 0x32], 4); // "TFL2"
    expect(outcome(wrong)).toBe('bad-input');
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
    expect(outcome(png)).toBe('bad-input');
  });

  it('random bytes behind a valid identifier', () => {
    const next = rng(12345);
    for (let k = 0; k < 300; k++) {
      const b = new Uint8Array(8 + (next() % 600));
      for (let i = 0; i < b.length; i++) b[i] = next() & 0xff;
      b.set([0x54, 0x46, 0x4c, 0x33], 4);
      expect(outcome(b)).not.toBe('ok');
    }
  });

  it('root offset past the end, and a table whose vtable is itself', () => {
    const far = valid.slice();
    new DataView(far.buffer).setUint32(0, 0xfffffff0, true);
    expect(outcome(far)).toBe('bad-input');
    // Root table at 8 with soffset 0: its "vtable" is the table itself, of size 0.
    const self = new Uint8Array([8, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(outcome(self)).toBe('bad-input');
  });

  it('every aligned uint32 overwritten with hostile values (huge lengths, out-of-file offsets) fails cleanly', () => {
    const values = [0xffffffff, 0x7fffffff, 0x80000000, valid.length, valid.length - 4, 0, 1, 0x10000];
    const seen = new Set<string>();
    for (let p = 0; p + 4 <= valid.length; p += 4) {
      for (const v of values) {
        const b = valid.slice();
        new DataView(b.buffer).setUint32(p, v, true);
        seen.add(outcome(b));
      }
    }
    // Some mutations are harmless (e.g. a scale), most are not: both outcomes occur, nothing else.
    expect(seen.has('bad-input')).toBe(true);
    for (const s of seen) expect(['ok', 'bad-input', 'unsupported']).toContain(s);
  });

  it.skipIf(!shared)('byte mutations of a converter-made model (magic_wand) never escape as other exceptions', () => {
    const real = new Uint8Array(readFileSync(join(shared!, 'vectors', 'magic_wand', 'model.tflite')));
    const next = rng(777);
    for (let k = 0; k < 400; k++) {
      const b = real.slice();
      for (let j = 0; j < 4; j++) b[next() % 4096] = next() & 0xff; // the tables live near the start
      outcome(b);
    }
  });

  it('thousands of tensors sharing one huge shape vector hit the work budget instead of running for minutes', () => {
    const b = new flatbuffers.Builder(1 << 20);
    const shape = TflTensor.createShapeVector(b, new Array(100_000).fill(1));
    const tensors: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      TflTensor.startTensor(b);
      TflTensor.addShape(b, shape);
      tensors.push(TflTensor.endTensor(b));
    }
    const tv = SubGraph.createTensorsVector(b, tensors);
    SubGraph.startSubGraph(b);
    SubGraph.addTensors(b, tv);
    const sg = SubGraph.endSubGraph(b);
    const sgs = Model.createSubgraphsVector(b, [sg]);
    Model.startModel(b);
    Model.addVersion(b, 3);
    Model.addSubgraphs(b, sgs);
    Model.finishModelBuffer(b, Model.endModel(b));
    const bytes = b.asUint8Array();
    expect(outcome(bytes)).toBe('bad-input');
  });

  it('thousands of tensors naming one large buffer are rejected instead of copying it thousands of times', () => {
    const b = new flatbuffers.Builder(1 << 19);
    TflBuffer.startBuffer(b);
    const sentinel = TflBuffer.endBuffer(b);
    const data = b.createByteVector(new Uint8Array(200_000).fill(7));
    TflBuffer.startBuffer(b);
    TflBuffer.addData(b, data);
    const big = TflBuffer.endBuffer(b);
    const shape = TflTensor.createShapeVector(b, [200_000]);
    const tensors: number[] = [];
    for (let i = 0; i < 2000; i++) {
      TflTensor.startTensor(b);
      TflTensor.addShape(b, shape);
      TflTensor.addType(b, 9);
      TflTensor.addBuffer(b, 1);
      tensors.push(TflTensor.endTensor(b));
    }
    const tv = SubGraph.createTensorsVector(b, tensors);
    SubGraph.startSubGraph(b);
    SubGraph.addTensors(b, tv);
    const sg = SubGraph.endSubGraph(b);
    const sgs = Model.createSubgraphsVector(b, [sg]);
    const bufs = Model.createBuffersVector(b, [sentinel, big]);
    Model.startModel(b);
    Model.addVersion(b, 3);
    Model.addSubgraphs(b, sgs);
    Model.addBuffers(b, bufs);
    Model.finishModelBuffer(b, Model.endModel(b));
    expect(outcome(b.asUint8Array())).toBe('bad-input');
  });

  it('an unknown operator is unsupported and is named', () => {
    const bytes = unknownOpModel();
    expect(modelFacts(bytes).opSequence).toEqual(['DEPTH_TO_SPACE']);
    let err: unknown;
    try {
      readTflite(bytes);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinyforgeError);
    expect((err as TinyforgeError).kind).toBe('unsupported');
    expect((err as TinyforgeError).message).toContain('DEPTH_TO_SPACE (BUILTIN code 5)');
  });
});

// Issue 10 item 4: scales the writer refuses must not get in through the reader. On main the reader
// accepted all four; `inspect` exited 1, `infer` 0 with garbage and `firmware` wrote NaN into C.
describe('quantisation scales that are NaN, infinite, zero or negative', () => {
  // A scale no other field of the file holds, so its float32 bytes can be found and overwritten.
  const MARK = Math.fround(0.0123456);
  const marked: Graph = {
    ...small,
    tensors: small.tensors.map((t, i) => (i === 2 ? { ...t, name: 'probs', quant: { scale: [MARK], zeroPoint: [1], quantizedDimension: 0 } } : t)),
  };
  const base = writeTflite(marked);
  const at = (() => {
    const pat = new Uint8Array(new Float32Array([MARK]).buffer);
    const hits: number[] = [];
    for (let p = 0; p + 4 <= base.length; p++) if (pat.every((b, k) => base[p + k] === b)) hits.push(p);
    expect(hits).toHaveLength(1);
    return hits[0];
  })();
  const withScale = (s: number) => {
    const b = base.slice();
    new DataView(b.buffer).setFloat32(at, s, true);
    return b;
  };

  it('the marked model reads and its scale is where the test patches it', () => {
    expect(readTflite(withScale(0.25)).graph.tensors[2].quant!.scale).toEqual([0.25]);
  });

  for (const s of [NaN, Infinity, -Infinity, 0, -0.5]) {
    it(`scale ${s}: bad-input naming tensor 2 ("probs") with a remedy`, () => {
      let err: unknown;
      try {
        readTflite(withScale(s));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TinyforgeError);
      expect(err).toMatchObject({ kind: 'bad-input', exitCode: 3, details: { tensor: 2, name: 'probs' } });
      expect((err as TinyforgeError).message).toContain('tensor 2 ("probs")');
      expect((err as TinyforgeError).remedy).toMatch(/[Qq]uantise the model again/);
    });
  }

  it('the writer refuses the same scales', () => {
    for (const s of [NaN, Infinity, 0, -0.5, 1e-50]) {
      const g: Graph = { ...marked, tensors: marked.tensors.map((t, i) => (i === 2 ? { ...t, quant: { ...t.quant!, scale: [s] } } : t)) };
      expect(() => writeTflite(g)).toThrow(TinyforgeError);
    }
  });

  it('inspect, infer and firmware all exit 3 with the tensor named; firmware writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-scale-'));
    const model = join(dir, 'nan.tflite');
    writeFileSync(model, withScale(NaN));
    const settings = join(dir, 'settings.json');
    writeFileSync(settings, JSON.stringify({ task: 'classification', labels: ['a', 'b'], axes: ['x', 'y'], units: ['1', '1'], sampleRateHz: 1, windowLength: 1, windowStride: 1, normalisation: { mean: [0, 0], std: [1, 1] } }));
    const out = join(dir, 'fw');
    const runs = [
      ['inspect', model],
      ['infer', model, '--values', '0.5,1'],
      ['firmware', '--board', 'qemu-mps2-an386', '--engine', 'native', '--model', model, '--settings', settings, '--out', out],
    ];
    for (const args of runs) {
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/tinyforge.mjs'), '--json', ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, `${args[0]}: ${r.stderr}`).toBe(3);
      expect(r.stdout + r.stderr).toContain('tensor 2 (\\"probs\\")');
    }
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
