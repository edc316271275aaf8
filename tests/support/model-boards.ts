/**
 * Boards running a given .tflite with the native engine, for end-to-end tests and benchmarks:
 * the host board (gcc, a Linux process on a pty) and the virtual board (the firmware part's QEMU
 * project). Adapter module: builds and launches.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ModelSettings } from '../../src/core/dataset.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { graphOutputTensors, settingsFromGraph, settingsHeader } from '../../src/firmware/settings-header.js';
import { featuresHeader } from '../../src/features/cheader.js';
import { withModelQuant } from '../../src/firmware/model-settings.js';
import { emitNativeEngine, nativeKernelFiles } from '../../src/firmware/native/index.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { startVirtualBoard, type ImuSpec, type VirtualImu } from '../../src/adapters/qemu.js';
import { readTflite } from '../../src/tflite/reader.js';
import { numElements, DTYPE_BYTES } from '../../src/core/graph.js';
import { buildHostBoard, startHostBoard } from './host-board.js';
import { sha256Hex, verifyDevice, type VerifyReport } from '../../src/device/verify.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { DeviceClient } from '../../src/device/client.js';

export interface RunningBoard {
  path: string;
  stop(): Promise<void>;
}

/** Settings for a model with no training run behind it (e.g. the shared vectors): the firmware's own derivation from the graph. */
export function settingsFromModel(modelBytes: Uint8Array): ModelSettings {
  return settingsFromGraph(readTflite(modelBytes).graph);
}

/** Host board (Linux process on a pty) running `modelBytes` on the native engine. */
export async function startHostModelBoard(modelBytes: Uint8Array, settings: ModelSettings = settingsFromModel(modelBytes)): Promise<RunningBoard> {
  const g = readTflite(modelBytes).graph;
  const bytes = (i: number) => numElements(g.tensors[i].shape) * (DTYPE_BYTES[g.tensors[i].dtype] || 1);
  const engine = emitNativeEngine(readTflite(modelBytes), { modelSha256: sha256Hex(modelBytes) });
  const kernels = nativeKernelFiles();
  const exe = await buildHostBoard({
    outDir: mkdtempSync(join(tmpdir(), 'tf-hostmodel-')),
    settingsHeader: settingsHeader({ settings, inputBytes: bytes(g.inputs[0]), outputBytes: g.outputs.reduce((n, i) => n + bytes(i), 0), outputTensors: graphOutputTensors(g) }).contents,
    featuresHeader: featuresHeader(withModelQuant(settings, g)).contents,
    engineSources: kernels,
    files: engine.files,
    cflags: ['-I', dirname(kernels[0]), '-I', join(REPO_ROOT, 'firmware/core')],
  });
  return startHostBoard(exe);
}

/** Virtual board (QEMU mps2-an386) running `modelBytes` on the native engine, with the IMU `opts.imu` (default none). */
export async function startVirtualModelBoard(
  modelBytes: Uint8Array,
  settings: ModelSettings = settingsFromModel(modelBytes),
  opts: { imu?: ImuSpec } = {},
): Promise<RunningBoard & { elf: string; imu: VirtualImu | null }> {
  const project = emitFirmware({
    board: 'qemu-mps2-an386', engine: 'native', model: readTflite(modelBytes), modelBytes, settings, sources: readFirmwareSources(), nativeEngine: emitNativeEngine,
  });
  const dir = writeProject(join(mkdtempSync(join(tmpdir(), 'tf-vmodel-')), 'fw'), project.files);
  await runPlan(buildPlan(dir, 'qemu-mps2-an386', { engine: 'native' }));
  const elf = join(dir, 'build/firmware.elf');
  const vb = await startVirtualBoard(elf, { imu: opts.imu });
  return { path: vb.path, stop: () => vb.stop(), elf, imu: vb.imu };
}

/**
 * Start the virtual board on a built firmware ELF, verify `inputs` against `reference` over the link
 * (the device's SHA check included), stop the board, and return the report for the test to assert on.
 */
export async function verifyElfOnVirtualBoard(
  elf: string,
  model: Uint8Array,
  inputs: Uint8Array[],
  reference: (input: Uint8Array) => Uint8Array,
  link: { inferenceMs?: number } = {},
): Promise<VerifyReport> {
  const board = await startVirtualBoard(elf);
  try {
    const client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: 8000 }), { baseTimeoutMs: 5000, ...link });
    try {
      return await verifyDevice(client, { model, inputs, reference });
    } finally {
      await client.close();
    }
  } finally {
    await board.stop();
  }
}
