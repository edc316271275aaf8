import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { sharedForTests } from '../support/shared.js';
import { DeviceClient } from '../../src/device/client.js';
import { startHostModelBoard, type RunningBoard } from '../support/model-boards.js';
import { loadVectors } from '../../src/adapters/files.js';
import { SerialTransport } from '../../src/adapters/serial.js';
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

// `tinyforge verify --windows` takes its expected outputs from the host int8 interpreter (src/interp).
describe.skipIf(!shared)('verify --windows on the host board: device vs the host interpreter', () => {
  let board: RunningBoard;
  const dir = shared ? join(shared, 'vectors', 'magic_wand') : '';
  beforeAll(async () => {
    board = await startHostModelBoard(new Uint8Array(readFileSync(join(dir, 'model.tflite'))));
  });
  afterAll(async () => board?.stop());

  it('exits 0 with every window bit-exact and reports accuracy against labels', async () => {
    const v = loadVectors(dir);
    const inputs = v.inputs.map((b) => Array.from(new Int8Array(b.buffer, b.byteOffset, b.length)));
    // Labels: the argmax of TFLM's outputs (shared vectors), so the device accuracy must be 100%.
    const labels = v.outputs.map((o) => Array.from(new Int8Array(o!.buffer, o!.byteOffset, o!.length)).reduce((bi, x, i, a) => (x > a[bi] ? i : bi), 0));
    const wfile = join(mkdtempSync(join(tmpdir(), 'tf-win-')), 'windows.json');
    writeFileSync(wfile, JSON.stringify({ inputs, labels }));
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/tinyforge.mjs'), '--json', 'verify', '--port', board.path, '--model', join(dir, 'model.tflite'), '--windows', wfile], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, n: v.inputs.length, bitExact: v.inputs.length, accuracy: { device: 1, reference: 1 } });
  });
});
