import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT, sharedForTests } from '../../src/core/shared.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { emitNativeEngine, nativeKernelFiles } from '../../src/firmware/native/index.js';
import { readTflite } from '../../src/tflite/reader.js';
import { DeviceClient } from '../../src/device/client.js';
import { buildHostBoard, startHostBoard, type PtyProcess } from '../../src/device/host-board.js';
import { loadVectors } from '../../src/device/reference.js';
import { SerialTransport } from '../../src/device/serial-transport.js';
import { sha256Hex, verifyDevice } from '../../src/device/verify.js';
import { vectorSettings } from './targets.js';

const shared = sharedForTests();

// The real chain on the host: a converter-made .tflite → native engine C (the firmware part's
// generator) + tf_app + host board → verify over a pty against TFLM's reference-kernel outputs.
for (const name of ['hello_world_int8', 'magic_wand']) {
  describe.skipIf(!shared)(`end to end on the host board: ${name} (native engine) vs TFLM outputs`, () => {
    let board: PtyProcess;
    let client: DeviceClient;
    const dir = shared ? join(shared, 'vectors', name) : '';
    beforeAll(async () => {
      const bytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
      const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8'));
      const engine = emitNativeEngine(readTflite(bytes), { modelSha256: sha256Hex(bytes) });
      const kernels = nativeKernelFiles();
      const exe = await buildHostBoard({
        outDir: mkdtempSync(join(tmpdir(), `tf-e2e-${name}-`)),
        settingsHeader: settingsHeader({ settings: vectorSettings(meta), inputBytes: meta.input.bytes, outputBytes: meta.output.bytes }).contents,
        engineSources: kernels,
        files: engine.files,
        cflags: ['-I', dirname(kernels[0]), '-I', join(REPO_ROOT, 'firmware/core')],
      });
      board = await startHostBoard(exe);
      client = await DeviceClient.connect(new SerialTransport(board.path));
    });
    afterAll(async () => {
      await client?.close();
      await board?.stop();
    });

    it('every output bit-exact, model hash matches, INFO reports the native engine', async () => {
      const v = loadVectors(dir);
      const rep = await verifyDevice(client, { model: new Uint8Array(readFileSync(join(dir, 'model.tflite'))), inputs: v.inputs, reference: (_x, i) => v.outputs[i]! });
      expect(rep.mismatches).toEqual([]);
      expect(rep).toMatchObject({ ok: true, bitExact: v.inputs.length, modelSha256: { match: true }, board: 'host' });
      expect(rep.engine).toMatch(/native/);
      expect(rep.arena.used).toBeGreaterThan(0);
    });
  });
}
