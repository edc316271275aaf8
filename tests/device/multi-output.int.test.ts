// A model with two output tensors (written by tinyforge's own .tflite writer): both engines'
// firmware is generated; on the host-built native firmware (gcc) verify compares every window's
// outputs — each tensor on its own — with the host interpreter; the library's
// tf_model_output_tensor finds each tensor in the engine's concatenated output (ASan/UBSan driver,
// tests/device/multi_output_test.c), with the byte counts and zero points of the graph.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/core/graph.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { readTflite } from '../../src/tflite/reader.js';
import { createInterpreter } from '../../src/interp/index.js';
import { emitNativeEngine, nativeKernelFiles } from '../../src/firmware/native/index.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { graphOutputTensors, settingsFromGraph, settingsHeader } from '../../src/firmware/settings-header.js';
import { checkSettingsForModel } from '../../src/firmware/model-settings.js';
import { sha256Hex } from '../../src/device/verify.js';
import { DeviceClient } from '../../src/device/client.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { verifyStage } from '../../src/service/device.js';
import { startHostModelBoard } from '../support/model-boards.js';
import { RAW_FEATURES_HEADER } from '../support/host-board.js';
import { hasTool } from '../native/helpers.js';

const q = (scale: number, zeroPoint: number) => ({ scale: [scale], zeroPoint: [zeroPoint], quantizedDimension: 0 });

/** One int8 input [1, 12] into two FULLY_CONNECTED heads: "logits" [1, 2] and "values" [1, 3], different quantisations. */
function twoHeads(): Graph {
  const w1 = Int8Array.from({ length: 24 }, (_, i) => ((i * 37) % 255) - 127);
  const w2 = Int8Array.from({ length: 36 }, (_, i) => ((i * 53) % 251) - 125);
  return {
    tensors: [
      { name: 'window', dtype: 'int8', shape: [1, 12], quant: q(0.05, -3) },
      { name: 'w1', dtype: 'int8', shape: [2, 12], data: new Uint8Array(w1.buffer), quant: q(0.01, 0) },
      { name: 'b1', dtype: 'int32', shape: [2], data: new Uint8Array(Int32Array.from([100, -100]).buffer) },
      { name: 'logits', dtype: 'int8', shape: [1, 2], quant: q(0.1, 4) },
      { name: 'w2', dtype: 'int8', shape: [3, 12], data: new Uint8Array(w2.buffer), quant: q(0.02, 0) },
      { name: 'b2', dtype: 'int32', shape: [3], data: new Uint8Array(Int32Array.from([50, 0, -50]).buffer) },
      { name: 'values', dtype: 'int8', shape: [1, 3], quant: q(0.25, -7) },
    ],
    operators: [
      { op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } },
      { op: 'FULLY_CONNECTED', inputs: [0, 4, 5], outputs: [6], options: { fusedActivation: 'RELU', keepNumDims: false } },
    ],
    inputs: [0],
    outputs: [3, 6],
  };
}

const bytes = writeTflite(twoHeads());
const inputs = Array.from({ length: 12 }, (_, w) => Uint8Array.from({ length: 12 }, (__, i) => (i * 29 + w * 71) & 0xff));

describe('a model with two output tensors', () => {
  it('firmware is generated for both engines (task regression, each tensor\'s place and quantisation in the settings header); a classification settings file is refused', () => {
    const model = readTflite(bytes);
    const settings = settingsFromGraph(model.graph);
    expect([settings.task, settings.labels]).toEqual(['regression', []]);
    for (const engine of ['native', 'tflm'] as const) {
      const p = emitFirmware({ board: 'cortex-m4', engine, model, modelBytes: bytes, settings, sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
      const h = p.files.find((f) => f.path.endsWith('tf_model_settings.h'))!.contents as string;
      expect(h).toContain('#define TF_MODEL_OUTPUT_BYTES 5');
      expect(h).toContain('#define TF_MODEL_NUM_OUTPUT_TENSORS 2');
      expect(h).toContain('tf_model_output_tensor_offsets[TF_MODEL_NUM_OUTPUT_TENSORS] = {0, 2}');
      expect(h).toContain('tf_model_output_tensor_zero_points[TF_MODEL_NUM_OUTPUT_TENSORS] = {4, -7}');
    }
    expect(() => checkSettingsForModel({ ...settings, task: 'classification', labels: ['a', 'b', 'c', 'd', 'e'] }, model.graph)).toThrow(/2 output tensors.*"regression"/);
  });

  it.skipIf(!hasTool('gcc'))('verify on the host-built native firmware: every window bit-exact, each tensor reported', async () => {
    const board = await startHostModelBoard(bytes);
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 500 });
    try {
      expect(client.info!.outputBytes).toBe(5);
      const r = await verifyStage(client, bytes, { inputs, source: 'memory' }, { all: true });
      expect([r.ok, r.n, r.bitExact]).toEqual([true, 12, 12]);
      expect(r.outputs).toEqual([{ name: 'logits', bytes: 2, bitExact: 12 }, { name: 'values', bytes: 3, bitExact: 12 }]);
    } finally {
      await client.close();
      await board.stop();
    }
  }, 120_000);

  it.skipIf(!hasTool('gcc'))('tf_model_output_tensor: each tensor at its offset with its size, zero point and name; out-of-range index and NULL refused', () => {
    const model = readTflite(bytes);
    const g = model.graph;
    const dir = mkdtempSync(join(tmpdir(), 'tf-multi-out-'));
    const tensors = graphOutputTensors(g);
    writeFileSync(join(dir, 'tf_model_settings.h'), settingsHeader({ settings: checkSettingsForModel(settingsFromGraph(g), g), inputBytes: 12, outputBytes: 5, outputTensors: tensors }).contents as string);
    writeFileSync(join(dir, 'tf_features_config.h'), RAW_FEATURES_HEADER);
    const engine = emitNativeEngine(model, { modelSha256: sha256Hex(bytes) });
    for (const f of engine.files) writeFileSync(join(dir, f.path), f.contents);
    const kernels = nativeKernelFiles().filter((f) => f.endsWith('.c'));
    const exe = join(dir, 'multi_output_test');
    execFileSync('gcc', ['-std=c99', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-I', dir, '-I', join(REPO_ROOT, 'firmware/core'), '-I', join(REPO_ROOT, 'firmware/native'), '-I', join(REPO_ROOT, 'firmware/features'), '-o', exe,
      join(REPO_ROOT, 'tests/device/multi_output_test.c'), join(REPO_ROOT, 'firmware/core/tf_model.c'), join(REPO_ROOT, 'firmware/features/tf_features.c'), ...engine.files.filter((f) => f.path.endsWith('.c')).map((f) => join(dir, f.path)), ...kernels, '-lm']);
    const run = spawnSync(exe, [], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe('OK');
    // The host interpreter's two outputs for the same input (bytes i·13 mod 256), tensor by tensor.
    const want = createInterpreter(g).invoke([Uint8Array.from({ length: 12 }, (_, i) => (i * 13) & 0xff)]).map((o) => Array.from(new Int8Array(o.buffer, o.byteOffset, o.byteLength)));
    expect(lines.slice(0, -1)).toEqual([`T 0 2 4 logits ${want[0].join(' ')}`, `T 1 3 -7 values ${want[1].join(' ')}`]);
  }, 120_000);
});
