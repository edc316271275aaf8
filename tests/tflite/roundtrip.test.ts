// Writer tests. Expected values: the converter-made shared/vectors models (read by the reader,
// itself checked against meta.json in vectors.test.ts) and hand-built graphs whose facts are
// stated in the test.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { TinyforgeError } from '../../src/core/errors.js';
import type { Graph } from '../../src/core/graph.js';
import { PROVENANCE } from '../../src/core/version.js';
import { readTflite, modelFacts } from '../../src/tflite/reader.js';
import { parseTfliteRaw } from '../../src/tflite/raw.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { describeTflite, opResolverLines } from '../../src/tflite/describe.js';

const shared = sharedForTests();

// vitest's deep equality on 300 kB Uint8Arrays is slow: compare bytes as base64 strings instead.
const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
const canon = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? `bytes:${b64(v)}` : v)));
const vdir = shared ? join(shared, 'vectors') : '';
const models = shared ? readdirSync(vdir).filter((d) => existsSync(join(vdir, d, 'meta.json'))) : [];

/** Positions of each non-empty buffer's data in the file, found independently of the reader. */
function bufferDataOffsets(bytes: Uint8Array): number[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (p: number) => dv.getUint32(p, true);
  const table = (p: number) => ({ p, vt: p - dv.getInt32(p, true) });
  const field = (t: { p: number; vt: number }, id: number) => {
    const vtSize = dv.getUint16(t.vt, true);
    const slot = 4 + 2 * id;
    return slot < vtSize ? dv.getUint16(t.vt + slot, true) : 0;
  };
  const root = table(u32(0));
  const bufsField = root.p + field(root, 4);
  const vec = bufsField + u32(bufsField);
  const out: number[] = [];
  for (let i = 0; i < u32(vec); i++) {
    const e = vec + 4 + 4 * i;
    const b = table(e + u32(e));
    const f = field(b, 0);
    if (!f) continue;
    const d = b.p + f + u32(b.p + f);
    if (u32(d) > 0) out.push(d + 4);
  }
  return out;
}

// A tiny classifier built by hand: input [1,4] int8 → FC(3) + bias → SOFTMAX.
function tinyGraph(): Graph {
  return {
    name: 'main',
    tensors: [
      { name: 'x', dtype: 'int8', shape: [1, 4], quant: { scale: [0.5], zeroPoint: [-3], quantizedDimension: 0 } },
      { name: 'w', dtype: 'int8', shape: [3, 4], quant: { scale: [0.1, 0.2, 0.3].map(Math.fround), zeroPoint: [0, 0, 0], quantizedDimension: 0 }, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) },
      { name: 'b', dtype: 'int32', shape: [3], quant: { scale: [0.05, 0.1, 0.15].map(Math.fround), zeroPoint: [0, 0, 0], quantizedDimension: 0 }, data: new Uint8Array(12).fill(1) },
      { name: 'logits', dtype: 'int8', shape: [1, 3], quant: { scale: [0.25], zeroPoint: [7], quantizedDimension: 0 } },
      { name: 'probs', dtype: 'int8', shape: [1, 3], quant: { scale: [1 / 256], zeroPoint: [-128], quantizedDimension: 0 } },
    ],
    operators: [
      { op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } },
      { op: 'SOFTMAX', inputs: [3], outputs: [4], options: { beta: 1 } },
    ],
    inputs: [0],
    outputs: [4],
  };
}

describe('writeTflite on a hand-built graph', () => {
  it('writes what the converter writes: schema 3, both opcode fields, int8 op versions, description, min_runtime_version', () => {
    const bytes = writeTflite(tinyGraph());
    expect(String.fromCharCode(...bytes.subarray(4, 8))).toBe('TFL3');
    const f = modelFacts(bytes);
    expect(f.version).toBe(3);
    expect(f.description).toBe(PROVENANCE);
    // FULLY_CONNECTED int8 is version 4 and SOFTMAX int8 version 2 (op_version.cc; same as hello_world/magic_wand).
    expect(f.operatorCodes.map((c) => [c.op, c.deprecatedBuiltinCode, c.builtinCode, c.builtinCodeFieldPresent, c.version])).toEqual([
      ['FULLY_CONNECTED', 9, 9, true, 4],
      ['SOFTMAX', 25, 25, true, 2],
    ]);
    const m = readTflite(bytes);
    // runtime_version.cc: FULLY_CONNECTED v4 and SOFTMAX v2 both need 1.14.0; 16 bytes NUL-padded.
    expect(m.metadata.map((x) => x.name)).toEqual(['min_runtime_version']);
    expect(Array.from(m.metadata[0].data)).toEqual([...Buffer.from('1.14.0'), ...new Array(10).fill(0)]);
    const raw = parseTfliteRaw(bytes);
    expect(raw.buffers[0].data.length).toBe(0); // sentinel
    expect(raw.subgraphs[0].tensors.map((t) => t.buffer)).toEqual([0, 1, 2, 0, 0]);
  });

  it('reads back the identical graph and is byte-for-byte deterministic', () => {
    const g = tinyGraph();
    const bytes = writeTflite(g, { description: 'x' });
    const back = readTflite(bytes).graph;
    // Versions are filled in by the writer; everything else must survive unchanged.
    expect(back.operators.map((o) => o.version)).toEqual([4, 2]);
    expect({ ...back, operators: back.operators.map(({ version: _v, ...o }) => o) }).toEqual(g);
    expect(writeTflite(tinyGraph(), { description: 'x' })).toEqual(bytes);
    expect(readTflite(bytes).description).toBe('x');
  });

  it('aligns every buffer to 16 bytes in the file', () => {
    const offs = bufferDataOffsets(writeTflite(tinyGraph()));
    expect(offs.length).toBe(3); // w, b, min_runtime_version
    for (const o of offs) expect(o % 16).toBe(0);
  });

  it('rejects inconsistent graphs with bad-input', () => {
    const cases: ((g: Graph) => void)[] = [
      (g) => (g.outputs = [9]),
      (g) => (g.operators[0].inputs = [0, 7, 2]),
      (g) => (g.tensors[1].data = new Uint8Array(5)),
      (g) => (g.tensors[1].quant!.zeroPoint = [0]),
      (g) => (g.tensors[0].shape = [1, -4]),
      (g) => (g.tensors[0].quant!.scale = [NaN]),
    ];
    for (const c of cases) {
      const g = tinyGraph();
      c(g);
      let err: unknown;
      try {
        writeTflite(g);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TinyforgeError);
      expect((err as TinyforgeError).kind).toBe('bad-input');
    }
  });

  it('opResolverLines lists each distinct op once, sorted, with TFLM method names', () => {
    expect(opResolverLines(tinyGraph())).toEqual({
      count: 2,
      lines: ['tflite::MicroMutableOpResolver<2> resolver;', 'resolver.AddFullyConnected();', 'resolver.AddSoftmax();'],
    });
  });

  it('describeTflite reports sizes: weights 24 bytes, activations 4+3+3', () => {
    const bytes = writeTflite(tinyGraph());
    const d = describeTflite(readTflite(bytes), bytes);
    expect(d.weightsBytes).toBe(12 + 12);
    expect(d.activationBytes).toBe(10);
    expect(d.largestActivationBytes).toBe(4);
    expect(d.fileBytes).toBe(bytes.length);
    expect(d.inputs[0].quant).toEqual({ scale: [0.5], zeroPoint: [-3], quantizedDimension: 0, perChannel: false });
    expect(d.tensors[1].quant?.perChannel).toBe(true);
    expect(d.metadata).toEqual([{ name: 'min_runtime_version', bytes: 16, text: '1.14.0' }]);
  });
});

describe.skipIf(!shared)('round trip of every shared/vectors model', () => {
  for (const name of models) {
    it(name, () => {
      const bytes = new Uint8Array(readFileSync(join(vdir, name, 'model.tflite')));
      const m = readTflite(bytes);
      const w1 = writeTflite(m);
      const w2 = writeTflite(readTflite(bytes));
      expect(b64(w2)).toBe(b64(w1));
      const back = readTflite(w1);
      expect(canon(back.graph)).toEqual(canon(m.graph));
      expect(back.description).toBe(m.description);
      // Metadata kept as is; a model without min_runtime_version gains one.
      const names = m.metadata.map((x) => x.name);
      expect(canon(back.metadata.filter((x) => names.includes(x.name)))).toEqual(canon(m.metadata));
      expect(describeTflite(back)).toEqual(describeTflite({ ...m, metadata: back.metadata }));
      for (const o of bufferDataOffsets(w1)) expect(o % 16).toBe(0);
      // Re-writing what we wrote is a fixed point.
      expect(b64(writeTflite(back))).toBe(b64(w1));
    });
  }
});

describe('buffers stored outside the flatbuffer (offset/size, the >2 GB layout)', () => {
  it('reads tensor data from the file offset the Buffer names', async () => {
    const flatbuffers = await import('flatbuffers');
    const { Model } = await import('../../src/tflite/generated/tflite/model.js');
    const { SubGraph } = await import('../../src/tflite/generated/tflite/sub-graph.js');
    const { Tensor } = await import('../../src/tflite/generated/tflite/tensor.js');
    const { Buffer: TflBuffer } = await import('../../src/tflite/generated/tflite/buffer.js');
    const payload = new Uint8Array([10, 20, 30, 40, 50, 60]); // int8 [2,3]
    // The flatbuffer's size does not depend on the offset's value (a fixed 8-byte field), so
    // build once to learn the size, then again with the real offset; the data follows the buffer.
    const build = (offset: bigint) => {
      const b = new flatbuffers.Builder(256);
      TflBuffer.startBuffer(b);
      const sentinel = TflBuffer.endBuffer(b);
      const ext = TflBuffer.createBuffer(b, 0, offset, BigInt(payload.length));
      const shape = Tensor.createShapeVector(b, [2, 3]);
      Tensor.startTensor(b);
      Tensor.addShape(b, shape);
      Tensor.addType(b, 9);
      Tensor.addBuffer(b, 1);
      const t = Tensor.endTensor(b);
      const tv = SubGraph.createTensorsVector(b, [t]);
      SubGraph.startSubGraph(b);
      SubGraph.addTensors(b, tv);
      const sg = SubGraph.endSubGraph(b);
      const sgs = Model.createSubgraphsVector(b, [sg]);
      const bufs = Model.createBuffersVector(b, [sentinel, ext]);
      Model.startModel(b);
      Model.addVersion(b, 3);
      Model.addSubgraphs(b, sgs);
      Model.addBuffers(b, bufs);
      Model.finishModelBuffer(b, Model.endModel(b));
      return b.asUint8Array().slice();
    };
    const size = build(1n << 40n).length;
    const at = Math.ceil(size / 16) * 16;
    const fb = build(BigInt(at));
    expect(fb.length).toBe(size);
    const file = new Uint8Array(at + payload.length);
    file.set(fb);
    file.set(payload, at);
    const m = readTflite(file);
    expect(Array.from(m.graph.tensors[0].data!)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(modelFacts(file).buffersWithOffset).toBe(1);
    // The same file cut short: the external data is missing, which is bad input.
    let err: unknown;
    try {
      readTflite(file.slice(0, at + 3));
    } catch (e) {
      err = e;
    }
    expect((err as TinyforgeError).kind).toBe('bad-input');
  });
});
