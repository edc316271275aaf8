/**
 * The targets the same device test suite runs against: (a) FakeDevice over FakeTransport, (b) the
 * host-built C app on a pty (serialport), (c) a real board when TINYFORGE_PORT is set, (d) the
 * virtual board when the firmware part's launcher and an ELF exist.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSettings } from '../../src/core/dataset.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { sharedDir } from '../support/shared.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { DeviceClient } from '../../src/device/client.js';
import { FakeDevice, testEngineOutput } from '../support/fake-device.js';
import { FakeTransport } from '../support/fake-transport.js';
import { buildHostBoard, startHostBoard } from '../support/host-board.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { sha256Hex } from '../../src/device/verify.js';
import { startVirtualModelBoard } from '../support/model-boards.js';

export const SETTINGS: ModelSettings = {
  task: 'classification',
  labels: ['idle', 'walking', 'running', 'biking', 'golfing'],
  axes: ['aX', 'aY', 'aZ'],
  units: ['g', 'g', 'g'],
  sampleRateHz: 100,
  windowLength: 20,
  windowStride: 10,
  normalisation: { mean: [0.1, -0.05, 0.9], std: [0.4, 0.35, 0.2] },
  inputQuant: { scale: 0.05, zeroPoint: -3 },
  outputQuant: { scale: 1 / 256, zeroPoint: -128 },
};
export const INPUT_BYTES = 60;
export const OUTPUT_BYTES = 5;
/** Stands in for a .tflite: the test engine reports this file's SHA-256. */
export const MODEL_BYTES = new TextEncoder().encode('tinyforge device test model\n');
export const IMU_RATE = 200;
export const engine = (input: Uint8Array) => testEngineOutput(input, OUTPUT_BYTES);

export interface Target {
  client: DeviceClient;
  /** Whether the board runs the test engine (outputs predictable) and has the synthetic IMU. */
  testEngine: boolean;
  /** A shared vectors folder whose model the board runs (expected outputs from TFLM). */
  vectorsDir?: string;
  stop(): Promise<void>;
}

/** Tools the virtual board needs; the QEMU target is skipped without them or without shared/. */
export function qemuAvailable(): boolean {
  const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
  return Boolean(sharedDir()) && has('qemu-system-arm') && has('arm-none-eabi-gcc') && has('make');
}

/** The virtual board (QEMU) running the firmware part's native-engine firmware for hello_world_int8. */
export function qemuVectorsDir(): string | undefined {
  const s = sharedDir();
  return s ? join(s, 'vectors', 'hello_world_int8') : undefined;
}
export async function qemuTarget(): Promise<Target> {
  const vdir = qemuVectorsDir()!;
  const board = await startVirtualModelBoard(new Uint8Array(readFileSync(join(vdir, 'model.tflite'))));
  try {
    const client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: 8000 }), { handshakeMs: 20000 });
    return { client, testEngine: false, vectorsDir: vdir, stop: async () => (await client.close(), await board.stop()) };
  } catch (e) {
    await board.stop();
    throw e;
  }
}
export async function fakeTarget(inputBytes = INPUT_BYTES, outputBytes = OUTPUT_BYTES): Promise<Target & { device: FakeDevice; transport: FakeTransport }> {
  const device = new FakeDevice({
    engine: (x) => testEngineOutput(x, outputBytes),
    info: { inputBytes, outputBytes, modelSha256: new Uint8Array(Buffer.from(sha256Hex(MODEL_BYTES), 'hex')), board: 'fake', engine: 'test', labels: SETTINGS.labels, numClasses: 5 },
    windowing: inputBytes === INPUT_BYTES ? { windowLength: 20, windowStride: 10, numAxes: 3, mean: SETTINGS.normalisation.mean, std: SETTINGS.normalisation.std, inputScale: 0.05, inputZeroPoint: -3 } : undefined,
    imuRateHz: IMU_RATE,
  });
  const transport = new FakeTransport(device);
  // A 300 ms floor: far above an in-memory reply on a loaded machine (tests count timeouts exactly), short enough for the loss tests.
  const client = await DeviceClient.connect(transport, { baseTimeoutMs: 300, inferenceMs: 50, helloAttemptMs: 300 });
  return { client, device, transport, testEngine: true, stop: () => client.close() };
}

const built = new Map<string, Promise<string>>();
/**
 * Builds (once per test file and size) the host board with the test engine. Default sizes are the
 * windowed test model's; other sizes (e.g. an input larger than one frame) give a board without
 * windowing, for INPUT_CHUNK staging and output-size limits.
 */
export function hostBoardExe(inputBytes = INPUT_BYTES, outputBytes = OUTPUT_BYTES): Promise<string> {
  const key = `${inputBytes}/${outputBytes}`;
  const sha = Array.from(Buffer.from(sha256Hex(MODEL_BYTES), 'hex')).join(',');
  let exe = built.get(key);
  if (!exe) {
    exe = buildHostBoard({
      outDir: mkdtempSync(join(tmpdir(), 'tf-hostboard-')),
      settingsHeader: settingsHeader({ settings: SETTINGS, inputBytes, outputBytes }).contents,
      engineSources: [join(REPO_ROOT, 'tests/device/test_engine.c')],
      cflags: [`-DTEST_MODEL_SHA=${sha}`],
    });
    built.set(key, exe);
  }
  return exe;
}

/** Input size of the "big input" test model: over two frames' worth, not a multiple of a chunk. */
export const BIG_INPUT_BYTES = 10_000;

export async function hostTarget(inputBytes = INPUT_BYTES, outputBytes = OUTPUT_BYTES): Promise<Target> {
  const board = await startHostBoard(await hostBoardExe(inputBytes, outputBytes), { imuRateHz: IMU_RATE });
  try {
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 500 });
    return { client, testEngine: true, stop: async () => (await client.close(), await board.stop()) };
  } catch (e) {
    await board.stop();
    throw e;
  }
}

export async function portTarget(path: string): Promise<Target> {
  const client = await DeviceClient.connect(new SerialTransport(path));
  // TINYFORGE_VECTORS: a vectors folder (in-NNN.bin/out-NNN.bin + model.tflite) whose model the board runs.
  return { client, testEngine: false, vectorsDir: process.env.TINYFORGE_VECTORS, stop: () => client.close() };
}
