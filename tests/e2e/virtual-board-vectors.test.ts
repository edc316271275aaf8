// The bit-exactness contract on the virtual board: for EVERY converter-made model in
// shared/vectors (9 folders, -logits variants included), tinyforge builds native-engine firmware for
// QEMU mps2-an386, starts it, and every out-NNN.bin — TFLM's reference-kernel output, made
// outside tinyforge (see vectors/README.md) — must come back from the board byte for byte. The host
// interpreter is checked against the same bytes, so host, device and TFLM agree three ways.
// tinyforge's own models (vectors/, scripts/make-vectors.ts) run the same way: device == host.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedForTests } from '../support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { settingsFromGraph } from '../../src/firmware/settings-header.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { getBoard } from '../../src/firmware/boards.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { DeviceClient } from '../../src/device/client.js';
import { verifyDevice } from '../../src/device/verify.js';
import { createInterpreter } from '../../src/interp/index.js';
import { REPO_ROOT } from '../../src/core/shared.js';

const shared = sharedForTests();
const folders = shared ? readdirSync(join(shared, 'vectors'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
const sources = readFirmwareSources();
const ownRoot = join(REPO_ROOT, 'vectors');
const own = readdirSync(ownRoot, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

async function verifyOnVirtualBoard(name: string, dir: string, weights: 'auto' | 'int8' = 'auto', boardId = 'qemu-mps2-an386'): Promise<void> {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { vectors: { input: string; output: string }[] };
  const modelBytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
  const model = readTflite(modelBytes);
  const project = emitFirmware({
    board: boardId,
    engine: 'native',
    model,
    modelBytes,
    settings: settingsFromGraph(model.graph),
    sources,
    nativeEngine: (m, o) => emitNativeEngine(m, { ...o, weights }),
  });
  if (weights === 'int8') expect(project.native?.kernels.some((k) => k.weights === 'int8')).toBe(true);
  const fw = writeProject(join(mkdtempSync(join(tmpdir(), `tf-e2e-${name}-`)), 'fw'), project.files);
  await runPlan(buildPlan(fw, boardId, { engine: 'native' }));

  const inputs = meta.vectors.map((v) => new Uint8Array(readFileSync(join(dir, v.input))));
  const expected = meta.vectors.map((v) => new Uint8Array(readFileSync(join(dir, v.output))));
  // The host interpreter must match TFLM first: then "device == host" means "device == TFLM".
  const interp = createInterpreter(model.graph);
  inputs.forEach((x, i) => expect(Buffer.from(interp.invoke([x])[0]).toString('hex'), `host ${meta.vectors[i].input}`).toBe(Buffer.from(expected[i]).toString('hex')));

  const board = await startVirtualBoard(join(fw, 'build/firmware.elf'), { machine: getBoard(boardId).qemuMachine });
  try {
    // Generous liveness timeouts (not timing assertions): person_detect is ~86 M emulated instructions
    // per inference, and CI may run two emulators on two loaded cores.
    const client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: 8000 }), { baseTimeoutMs: 5000, inferenceMs: 30_000 });
    try {
      const report = await verifyDevice(client, { model: modelBytes, inputs, reference: (_x, i) => expected[i] });
      expect(report.modelSha256.match).toBe(true);
      expect(report.mismatches).toEqual([]);
      expect(report.bitExact).toBe(inputs.length);
      expect(report.ok).toBe(true);
      expect(report.counterKind).toBe('instructions');
    } finally {
      await client.close();
    }
  } finally {
    await board.stop();
  }
}

describe.skipIf(!shared)('virtual board: every shared vector bit-exact (native engine)', () => {
  it('finds all nine model folders', () => {
    expect(folders.length).toBe(9);
  });

  it.each(folders)('%s', (name) => verifyOnVirtualBoard(name, join(shared!, 'vectors', name)));
});

describe("virtual board: tinyforge's own vectors bit-exact (native engine)", () => {
  it.each(own)('%s', (name) => verifyOnVirtualBoard(name, join(ownRoot, name)));
});

// The int8 weight packing (chosen per layer when the board's flash is short) on the real
// instructions: conv (SXTB16 in the 2×2 assembly loop) and FC layers of these models all take it.
describe('virtual board: int8-packed DSP weights bit-exact (native engine)', () => {
  it.each(['conv1d', 'dense'])('own %s', (name) => verifyOnVirtualBoard(name, join(ownRoot, name), 'int8'));
  it.skipIf(!shared).each(['mlperf_tiny_kws', 'micro_speech_quantized', 'magic_wand', 'person_detect'])('shared %s', (name) => verifyOnVirtualBoard(name, join(shared!, 'vectors', name), 'int8'));
});

// More cores as virtual boards (issue 17): Cortex-M3 (no DSP extension: the portable kernels),
// Cortex-M7 and Cortex-M33 (Armv8-M Mainline, its own memory map: the DSP kernels), every shared
// vector bit-exact on each.
describe.skipIf(!shared).each([
  ['qemu-mps2-an385', 'portable'],
  ['qemu-mps2-an500', 'dsp'],
  ['qemu-mps2-an505', 'dsp'],
])('virtual board %s (%s kernels): every shared vector bit-exact', (boardId) => {
  it.each(folders)('%s', (name) => verifyOnVirtualBoard(name, join(shared!, 'vectors', name), 'auto', boardId));
});
