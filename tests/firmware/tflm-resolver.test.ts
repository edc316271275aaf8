// The TFLM engine accepts every op TFLM has, even when tinyforge's native engine and interpreter do
// not (issue 17): a model with such an op is read for the TFLM engine with the op kept by name, its
// resolver line comes from TFLM's op table, and the native engine refuses it naming --engine tflm.
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/core/graph.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { TFLM_RESOLVER, tflmResolverMethod } from '../../src/firmware/tflm-resolver.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { OP_NAMES, OPS } from '../../src/ops/registry.js';
import { readTflite } from '../../src/tflite/reader.js';
import { BUILTIN_CODE } from '../../src/tflite/ops.js';
import { builtinName } from '../../src/tflite/ops.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readModelForFirmware } from '../../src/service/firmware.js';

const q = (scale: number, zp: number) => ({ scale: [scale], zeroPoint: [zp], quantizedDimension: 0 });

/**
 * A one-op int8 model whose op is L2_NORMALIZATION (builtin 11), which TFLM has and tinyforge does
 * not: written as a RELU (no options either) with the writer's builtin code for RELU swapped for 11.
 */
function l2NormModel(): Uint8Array {
  const g: Graph = {
    tensors: [
      { name: 'in', dtype: 'int8', shape: [1, 8], quant: q(0.05, 0) },
      { name: 'out', dtype: 'int8', shape: [1, 8], quant: q(1 / 128, 0) },
    ],
    operators: [{ op: 'RELU', inputs: [0], outputs: [1], options: {} }],
    inputs: [0],
    outputs: [1],
  };
  const codes = BUILTIN_CODE as Record<string, number>;
  const relu = codes.RELU;
  codes.RELU = 11;
  try {
    return writeTflite(g);
  } finally {
    codes.RELU = relu;
  }
}

describe('TFLM engine: every op TFLM has', () => {
  it('the fixture really holds L2_NORMALIZATION, which tinyforge does not implement', () => {
    expect(builtinName(11)).toBe('L2_NORMALIZATION');
    expect(OP_NAMES as readonly string[]).not.toContain('L2_NORMALIZATION');
    expect(() => readTflite(l2NormModel())).toThrow(/L2_NORMALIZATION \(BUILTIN code 11\), which tinyforge does not support/);
  });

  it('--engine tflm: read with the op kept by name, registered through TFLM\'s resolver', () => {
    const bytes = l2NormModel();
    const model = readModelForFirmware(bytes, 'l2norm.tflite', 'tflm');
    expect(model.graph.operators.map((o) => o.op)).toEqual(['L2_NORMALIZATION']);
    const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'tflm', model, modelBytes: bytes, settings: settingsFromGraph(model.graph), sources: readFirmwareSources() });
    const cfg = project.files.find((f) => f.path === 'src/tf_engine_tflm_config.h')!.contents;
    expect(cfg).toContain('ok = ok && r.AddL2Normalization() == kTfLiteOk;');
    expect(cfg).toContain('{"L2_NORMALIZATION"}');
    // No CMSIS-NN kernel for this op: nothing referenced.
    expect(cfg).toContain('tf_tflm_cmsis_nn_linked() { return false; }');
  });

  it('--engine native: refused when generating, naming the op and the TFLM engine', () => {
    const bytes = l2NormModel();
    const model = readModelForFirmware(bytes, 'l2norm.tflite', 'tflm');
    let err: unknown;
    try {
      emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model, modelBytes: bytes, settings: settingsFromGraph(model.graph), sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinyforgeError);
    expect((err as TinyforgeError).kind).toBe('unsupported');
    expect((err as TinyforgeError).message).toMatch(/L2_NORMALIZATION is not supported by the native engine/);
    expect((err as TinyforgeError).remedy).toMatch(/--engine tflm/);
    // Without the TFLM engine the reader refuses it as before.
    expect(() => readModelForFirmware(bytes, 'l2norm.tflite', 'native')).toThrow(/does not support/);
  });

  it('the table agrees with the registry for every registry op, and names only real builtin ops', () => {
    for (const n of OP_NAMES) expect(TFLM_RESOLVER[n], n).toBe(OPS[n].tflm.resolver);
    const builtin = new Set(Array.from({ length: 256 }, (_, c) => builtinName(c)));
    expect(Object.keys(TFLM_RESOLVER).filter((n) => !builtin.has(n))).toEqual([]);
    expect(() => tflmResolverMethod('LSH_PROJECTION')).toThrow(/not one TFLM's op resolver registers/);
  });
});
