// The whole virtual-board firmware: emitFirmware (native engine, protocol app) for a shared
// converter-made model → make → QEMU → HELLO answers INFO, and INFER outputs equal TFLM's
// reference-kernel outputs from shared/vectors byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedForTests } from '../support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { elfFootprint } from '../../src/firmware/footprint.js';
import { loadNativeEngine } from '../../src/cli/commands/firmware.js';
import { startVirtualBoard, type VirtualBoard } from '../../src/adapters/qemu.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { DeviceClient } from '../../src/device/client.js';
import { loadSettings } from '../../src/adapters/model-sources.js';

const shared = sharedForTests();
const here = new URL('.', import.meta.url).pathname;

describe.skipIf(!shared)('virtual board firmware (hello_world_int8, native engine)', () => {
  const vdir = join(shared ?? '', 'vectors', 'hello_world_int8');
  let board: VirtualBoard | null = null;
  let client: DeviceClient | null = null;
  let dir = '';
  let sha = '';

  beforeAll(async () => {
    const modelBytes = new Uint8Array(readFileSync(join(vdir, 'model.tflite')));
    const project = emitFirmware({
      board: 'qemu-mps2-an386',
      engine: 'native',
      model: readTflite(modelBytes),
      modelBytes,
      settings: loadSettings(join(here, 'fixtures/hello-world-settings.json')),
      sources: readFirmwareSources(),
      nativeEngine: await loadNativeEngine(),
    });
    sha = project.manifest.modelSha256;
    dir = writeProject(join(mkdtempSync(join(tmpdir(), 'tf-vfw-')), 'fw'), project.files);
    await runPlan(buildPlan(dir, 'qemu-mps2-an386', { engine: 'native' }));
    board = await startVirtualBoard(join(dir, 'build/firmware.elf'));
    client = await DeviceClient.connect(new SerialTransport(board.path, { bytesPerSecond: 8000 }));
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    await board?.stop();
  });

  it('answers HELLO with INFO describing the board, the engine and the model', async () => {
    const info = await client!.hello();
    expect(info.board).toBe('qemu-mps2-an386');
    expect(info.engine).toMatch(/^native/);
    expect(info.counterKind).toBe(2); // instructions (QEMU -icount)
    expect(info.engineStatus).toBe(0);
    expect(Buffer.from(info.modelSha256).toString('hex')).toBe(sha);
    // meta.json: input [1,1] int8, output [1,1] int8
    expect([info.inputBytes, info.outputBytes]).toEqual([1, 1]);
    expect(info.ops).toContain('FULLY_CONNECTED');
    // the board's linker-symbol footprint equals the host's ELF measurement
    const fp = elfFootprint(readFileSync(join(dir, 'build/firmware.elf')));
    expect([info.flashUsed, info.ramUsed]).toEqual([fp.flash, fp.ram]);
  });

  it('computes TFLM reference-kernel outputs bit for bit (shared vectors)', async () => {
    const meta = JSON.parse(readFileSync(join(vdir, 'meta.json'), 'utf8')) as { vectors: { input: string; output: string }[] };
    expect(meta.vectors.length).toBeGreaterThan(0);
    for (const v of meta.vectors) {
      const r = await client!.infer(new Uint8Array(readFileSync(join(vdir, v.input))));
      expect(Buffer.from(r.output).toString('hex'), v.input).toBe(readFileSync(join(vdir, v.output)).toString('hex'));
      expect(r.counterDelta).toBeGreaterThan(0);
    }
  });
});
