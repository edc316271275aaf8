// LOG frames from the device app (tf_app_log, what TFLM's DebugLog becomes on the Nano), end to end
// on the host board: sent from inside tf_engine_invoke while a RESULT is being prepared, they reach
// DeviceClient.onLog / logs and never disturb the reply. Expected outputs: the test engine's TS
// formula (testEngineOutput); the log texts are fixed in tests/device/log_engine.c.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { settingsHeader } from '../../src/firmware/settings-header.js';
import { DeviceClient } from '../../src/device/client.js';
import { testEngineOutput } from '../support/fake-device.js';
import { buildHostBoard, startHostBoard } from '../support/host-board.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { INPUT_BYTES, OUTPUT_BYTES, SETTINGS } from './targets.js';

describe('device LOG frames (tf_app_log)', () => {
  it('logged during an inference: text in onLog/logs, the RESULT unchanged, no bad frames', async () => {
    const exe = await buildHostBoard({
      outDir: mkdtempSync(join(tmpdir(), 'tf-logboard-')),
      settingsHeader: settingsHeader({ settings: SETTINGS, inputBytes: INPUT_BYTES, outputBytes: OUTPUT_BYTES }).contents,
      engineSources: [join(REPO_ROOT, 'tests/device/log_engine.c')],
      cflags: ['-I', join(REPO_ROOT, 'tests/device')],
    });
    const board = await startHostBoard(exe, {});
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 2000 });
    try {
      const seen: string[] = [];
      client.onLog((t) => seen.push(t));
      const x = Uint8Array.from({ length: INPUT_BYTES }, (_, i) => (i * 29 + 7) & 0xff);
      const r = await client.infer(x);
      expect(Array.from(r.output)).toEqual(Array.from(testEngineOutput(x, OUTPUT_BYTES)));
      // The bare line end is dropped; the long line is cut before the split UTF-8 sequence.
      expect(seen).toEqual(['log_engine: invoke', 'a'.repeat(254)]);
      expect(client.logs).toEqual(seen);
      expect(client.stats.badFrames).toBe(0);
    } finally {
      await client.close();
      await board.stop();
    }
  }, 60_000);
});
