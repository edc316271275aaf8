// Studio test fixtures: a session on the in-memory fake device (IMU at a known rate), a server
// on it with a stand-in bundle, and a dataset folder.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeDevice } from '../support/fake-device.js';
import { FakeTransport } from '../support/fake-transport.js';
import { DeviceSession } from '../../src/studio/device-session.js';
import { deviceImuSource } from '../../src/studio/sample-source.js';
import { createStudioServer } from '../../src/studio/server.js';

export const tempDir = (p: string) => mkdtempSync(join(tmpdir(), p));

/** A fake board with a 100 Hz IMU and no live detection; `transport()` is the current link. */
export function fakeSession(datasetDir: string) {
  let transport: FakeTransport | null = null;
  const device = new FakeDevice({ engine: () => new Uint8Array(2), info: { inputBytes: 12, outputBytes: 2, board: 'fake', engine: 'test', labels: ['still', 'moving'], numClasses: 2 }, imuRateHz: 100 });
  const session = new DeviceSession(
    { description: 'fake', open: async () => ({ transport: (transport = new FakeTransport(device)) }) },
    deviceImuSource(),
    { datasetDir },
  );
  return { session, device, transport: () => transport };
}

/** A server (not listening) for fastify.inject, as if it listened on 127.0.0.1:5280. */
export function injectServer() {
  const data = tempDir('tf-studio-data-');
  const dist = tempDir('tf-studio-dist-');
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>studio</title>');
  mkdirSync(join(dist, 'assets'));
  const { session } = fakeSession(data);
  const s = createStudioServer({ session, datasetDir: data, modelDir: null, distDir: dist, host: '127.0.0.1', port: 5280 });
  return { ...s, data, dist, session };
}

/** Writes a capture (CSV + sidecar) as `tinyforge capture` does, with `n` samples. */
export function writeRecording(dir: string, file: string, label: string, group: string, n: number, rate = 50): void {
  writeFileSync(join(dir, file), 'aX,aY,aZ\n' + '0.000,0.000,1.000\n'.repeat(n));
  writeFileSync(join(dir, file + '.json'), JSON.stringify({ format: 'tinyforge-capture/1', label, group, sampleRateHz: rate, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], samples: n, seconds: n / rate, gaps: [], missingSamples: 0, file }));
}
