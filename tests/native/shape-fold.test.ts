// Issue 17: shape-only ops folded at generation time. Keras' Flatten with a dynamic batch converts
// to SHAPE(x) → STRIDED_SLICE (the batch) → PACK([batch, -1]) → RESHAPE(x, …); TinyMaix-style
// MobileNets carry it. Shapes are static in a .tflite, so src/interp/fold.ts folds the chain into a
// constant and the interpreter and native engine run the model; the TFLM engine keeps the ops.
// The model is made by tinyforge (written with its .tflite writer, read back). Expected values:
// the folded shape [1, -1] by hand (batch 1 of [1, 4, 4, 2]); the outputs from the same model
// written the way a converter with a static batch writes it (RESHAPE with a constant [1, -1]).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph, Operator, Tensor } from '../../src/core/graph.js';
import { foldShapeOps } from '../../src/interp/fold.js';
import { createInterpreter } from '../../src/interp/index.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { tflmConfigHeader } from '../../src/firmware/tflm.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { buildRunner, hasTool, runEngine, tempDir } from './helpers.js';
import { verifyElfOnVirtualBoard } from '../support/model-boards.js';

const bytes = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });
const i32 = (name: string, values: number[], shape = [values.length]): Tensor => ({ name, dtype: 'int32', shape, data: bytes(Int32Array.from(values)) });
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) | 0), (seed >>> 8) & 0xff);
const randI8 = (n: number) => bytes(Int8Array.from({ length: n }, () => rnd() - 128));

/** x [1,4,4,2] → (SHAPE chain | constant [1,-1]) → RESHAPE [1,32] → FULLY_CONNECTED → [1,3]. */
function flattenModel(withShape: boolean): Graph {
  const w = Int8Array.from({ length: 96 }, (_, i) => ((i * 53) % 251) - 125);
  const tail: Tensor[] = [
    { name: 'flat', dtype: 'int8', shape: [1, 32], quant: q(0.05, -3) },
    { name: 'w', dtype: 'int8', shape: [3, 32], data: bytes(w), quant: q(0.01, 0) },
    { name: 'b', dtype: 'int32', shape: [3], data: bytes(Int32Array.from([40, -90, 7])), quant: q(Math.fround(0.05) * Math.fround(0.01), 0) },
    { name: 'y', dtype: 'int8', shape: [1, 3], quant: q(0.2, 2) },
  ];
  const x: Tensor = { name: 'x', dtype: 'int8', shape: [1, 4, 4, 2], quant: q(0.05, -3) };
  const fc = (flat: number): Operator => ({ op: 'FULLY_CONNECTED', inputs: [flat, flat + 1, flat + 2], outputs: [flat + 3], options: { fusedActivation: 'NONE', keepNumDims: false } });
  if (!withShape) {
    return { tensors: [x, i32('new_shape', [1, -1]), ...tail], operators: [{ op: 'RESHAPE', inputs: [0, 1], outputs: [2], options: {} }, fc(2)], inputs: [0], outputs: [5] };
  }
  const tensors: Tensor[] = [
    x,
    { name: 'shape', dtype: 'int32', shape: [4] },
    i32('begin', [0]), i32('end', [1]), i32('strides', [1]),
    { name: 'batch', dtype: 'int32', shape: [] },
    i32('minus1', [-1], []),
    { name: 'packed', dtype: 'int32', shape: [2] },
    ...tail,
  ];
  const operators: Operator[] = [
    { op: 'SHAPE', inputs: [0], outputs: [1], options: { outType: 2 } },
    { op: 'STRIDED_SLICE', inputs: [1, 2, 3, 4], outputs: [5], options: { beginMask: 0, endMask: 0, ellipsisMask: 0, newAxisMask: 0, shrinkAxisMask: 1, offset: false } },
    { op: 'PACK', inputs: [5, 6], outputs: [7], options: { valuesCount: 2, axis: 0 } },
    { op: 'RESHAPE', inputs: [0, 7], outputs: [8], options: {} },
    fc(8),
  ];
  return { tensors, operators, inputs: [0], outputs: [11] };
}

const modelBytes = writeTflite(flattenModel(true));
const model = readTflite(modelBytes);
const g = model.graph;
const inputs = Array.from({ length: 6 }, () => randI8(32));
const SHA = 'cd'.repeat(32);

describe('shape-only ops folded to constants', () => {
  it('the SHAPE → STRIDED_SLICE → PACK chain folds to [1, -1]; the ops survive the writer and reader', () => {
    expect(g.operators.map((o) => o.op)).toEqual(['SHAPE', 'STRIDED_SLICE', 'PACK', 'RESHAPE', 'FULLY_CONNECTED']);
    expect(g.operators[0].options).toEqual({ outType: 2 });
    const f = foldShapeOps(g);
    expect(f.folded).toEqual([0, 1, 2]);
    expect(f.original).toEqual([3, 4]);
    expect(f.graph.operators.map((o) => o.op)).toEqual(['RESHAPE', 'FULLY_CONNECTED']);
    expect(Array.from(new Int32Array(f.graph.tensors[7].data!.slice().buffer))).toEqual([1, -1]);
    expect(Array.from(new Int32Array(f.graph.tensors[1].data!.slice().buffer))).toEqual([1, 4, 4, 2]);
    expect(g.tensors[7].data).toBeUndefined(); // the input graph is left as it was
  });

  it('the interpreter runs it; outputs equal the static-batch model\'s', () => {
    const folded = createInterpreter(g);
    const plain = createInterpreter(flattenModel(false));
    for (const x of inputs) expect(Buffer.from(folded.invoke([x])[0]).toString('hex')).toBe(Buffer.from(plain.invoke([x])[0]).toString('hex'));
    expect(Array.from(new Int32Array(folded.readTensor(7).buffer))).toEqual([1, -1]);
  });

  it.each(['portable', 'dsp'] as const)('the native engine (%s) is bit-exact with the interpreter; the plan says "folded"', (target) => {
    const res = emitNativeEngine(model, { modelSha256: SHA, target });
    expect(res.schedule.map((s) => s.kernel).slice(0, 3)).toEqual(['folded', 'folded', 'folded']);
    expect(res.schedule).toHaveLength(5);
    const dir = tempDir('tf-shapefold-');
    const dsp = target === 'dsp' ? { sources: [join(REPO_ROOT, 'firmware/native/dsp/tf_k_depthwise_dsp.c')] } : {};
    const { outputs } = runEngine(buildRunner(res.files, dir, dsp), inputs, dir);
    const interp = createInterpreter(g);
    outputs.forEach((o, k) => expect(Buffer.from(o).toString('hex'), `input ${k}`).toBe(Buffer.from(interp.invoke([inputs[k]])[0]).toString('hex')));
  }, 120_000);

  it('the TFLM engine keeps SHAPE (its resolver registers AddShape)', () => {
    expect(tflmConfigHeader({ model, modelSha256: SHA }).contents).toMatch(/AddShape\(\)/);
  });

  it('an int64 SHAPE (TFLM writes int32 only) is refused naming the operator', () => {
    const bad = flattenModel(true);
    bad.operators[0] = { ...bad.operators[0], options: { outType: 4 } } as Operator;
    expect(() => createInterpreter(bad)).toThrow(/operator 0 \(SHAPE\).*int32 only/);
  });
});

const tools = hasTool('arm-none-eabi-gcc') && hasTool('qemu-system-arm');
describe.skipIf(!tools)('shape-only ops on the virtual board', () => {
  it('firmware from the SHAPE model verifies bit-exact against the host interpreter', async () => {
    const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model, modelBytes, settings: settingsFromGraph(g), sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
    expect(project.native?.kernels.map((k) => k.kernel).slice(0, 3)).toEqual(['folded', 'folded', 'folded']);
    const fw = writeProject(join(tempDir('tf-shapefold-fw-'), 'fw'), project.files);
    await runPlan(buildPlan(fw, 'qemu-mps2-an386', { engine: 'native' }));
    expect(readFileSync(join(fw, 'build/firmware.elf')).length).toBeGreaterThan(0);
    const interp = createInterpreter(g);
    const report = await verifyElfOnVirtualBoard(join(fw, 'build/firmware.elf'), modelBytes, inputs, (x) => interp.invoke([x])[0]);
    expect(report.mismatches).toEqual([]);
    expect(report.bitExact).toBe(inputs.length);
  }, 180_000);
});
