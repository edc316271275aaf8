import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedForTests } from '../../src/core/shared.js';
import { DeviceClient } from '../../src/device/client.js';
import { startHostModelBoard, type RunningBoard } from '../../src/device/model-boards.js';
import { loadVectors } from '../../src/device/reference.js';
import { SerialTransport } from '../../src/device/serial-transport.js';
import { verifyDevice } from '../../src/device/verify.js';

const shared = sharedForTests();

// The real chain on the host: a converter-made .tflite → native engine C (the firmware part's
// generator) + tf_app + host board → verify over a pty against TFLM's reference-kernel outputs.
for (const name of ['hello_world_int8', 'magic_wand']) {
  describe.skipIf(!shared)(`end to end on the host board: ${name} (native engine) vs TFLM outputs`, () => {
    let board: RunningBoard;
    let client: DeviceClient;
    const dir = shared ? join(shared, 'vectors', name) : '';
    beforeAll(async () => {
      board = await startHostModelBoard(new Uint8Array(readFileSync(join(dir, 'model.tflite'))));
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
