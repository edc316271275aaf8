// verify over a link that corrupts, drops and delays bytes (tests/device/noisy-link.ts, seeded):
// at 0.1 % byte errors every run passes bit-exact; at 100 % corruption it fails with the device
// exit code and never passes; a wrong device is caught through any amount of noise. Expected
// outputs are the test engine's formula computed in TS (testEngineOutput), independent of the link.
import { describe, expect, it } from 'vitest';
import { DeviceClient } from '../../src/device/client.js';
import { FakeDevice, testEngineOutput } from '../support/fake-device.js';
import { FakeTransport } from '../support/fake-transport.js';
import { sha256Hex, verifyDevice } from '../../src/device/verify.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { MODEL_BYTES } from './targets.js';
import { NoisyRelay, prng } from './noisy-link.js';

const INPUT = 300; // the case: a 300-byte input fits one frame
const OUTPUT = 6;

async function noisyTarget(seed: number, byteErrorRate: number, engine = (x: Uint8Array) => testEngineOutput(x, OUTPUT)) {
  const device = new FakeDevice({ engine, info: { inputBytes: INPUT, outputBytes: OUTPUT, modelSha256: new Uint8Array(Buffer.from(sha256Hex(MODEL_BYTES), 'hex')), board: 'noisy', engine: 'test' } });
  const relay = new NoisyRelay(device, { seed, byteErrorRate, maxDelayMs: 3 });
  const client = await DeviceClient.connect(new FakeTransport(relay), { baseTimeoutMs: 40, inferenceMs: 20, helloAttemptMs: 200, handshakeMs: 20_000 });
  return { client, relay, device };
}

function windows(seed: number, n: number): Uint8Array[] {
  const r = prng(seed ^ 0x5eed);
  return Array.from({ length: n }, () => Uint8Array.from({ length: INPUT }, () => Math.floor(r() * 256)));
}

describe('verify on a noisy link (corrupt / drop / delay, seeded)', () => {
  it('0.1 % byte errors: 24 seeded runs of 12 windows all pass, every output bit-exact', async () => {
    const seeds = Array.from({ length: 24 }, (_, i) => 1000 + i);
    const runs = await Promise.all(
      seeds.map(async (seed) => {
        const t = await noisyTarget(seed, 0.001);
        try {
          const xs = windows(seed, 12);
          const rep = await verifyDevice(t.client, { model: MODEL_BYTES, inputs: xs, reference: (x) => testEngineOutput(x, OUTPUT) });
          return { seed, ok: rep.ok, bitExact: rep.bitExact, errors: t.relay.counts.corrupted + t.relay.counts.dropped, retries: t.client.stats.retries };
        } finally {
          await t.client.close();
        }
      }),
    );
    expect(runs.filter((r) => !r.ok)).toEqual([]);
    expect(runs.every((r) => r.bitExact === 12)).toBe(true);
    // The link really was noisy: errors happened and were recovered from by retries.
    expect(runs.reduce((a, r) => a + r.errors, 0)).toBeGreaterThan(20);
    expect(runs.reduce((a, r) => a + r.retries, 0)).toBeGreaterThan(5);
  });

  it('after losses the client sends the input in smaller INPUT_CHUNKs (and still gets the same outputs)', async () => {
    const t = await noisyTarget(7, 0);
    try {
      const xs = windows(7, 6);
      t.relay.noise.byteErrorRate = 0.004;
      const rep = await verifyDevice(t.client, { model: MODEL_BYTES, inputs: xs, reference: (x) => testEngineOutput(x, OUTPUT) });
      expect(rep).toMatchObject({ ok: true, bitExact: 6 });
      // At 0.4 % a 300-byte INFER and its reply are hit 1 − 0.996^330 ≈ 73 % of the time: losses are
      // near-certain over 6 windows, so the chunk size shrank below the input and chunks were sent.
      expect(t.client.inputChunkBytes).toBeLessThan(INPUT);
      expect(t.device.seen).toContain('INPUT_CHUNK');
    } finally {
      await t.client.close();
    }
  });

  it('100 % corruption after the handshake: verify fails with a device error (exit 6), never a pass', async () => {
    const t = await noisyTarget(42, 0);
    try {
      t.relay.noise.byteErrorRate = 1;
      const r = await verifyDevice(t.client, { model: MODEL_BYTES, inputs: windows(42, 3), reference: (x) => testEngineOutput(x, OUTPUT) }).then(
        (rep) => rep,
        (e) => e,
      );
      expect(r).toBeInstanceOf(TinyforgeError);
      expect(r).toMatchObject({ kind: 'device', exitCode: 6, message: /no reply to (INFER|INPUT_CHUNK)/ });
      expect(t.client.stats.timeouts).toBeGreaterThanOrEqual(7);
    } finally {
      await t.client.close();
    }
  });

  it('never a false pass: a device wrong on one window is caught at 0.5 % noise, on every seed (or the run fails typed)', async () => {
    const wrongOn = (x: Uint8Array) => x[0] === 0x42;
    const engine = (x: Uint8Array) => {
      const y = testEngineOutput(x, OUTPUT);
      if (wrongOn(x)) y[1] ^= 1;
      return y;
    };
    const outcomes = await Promise.all(
      [11, 12, 13, 14, 15, 16].map(async (seed) => {
        const t = await noisyTarget(seed, 0.005, engine);
        try {
          const xs = windows(seed, 8);
          xs[5][0] = 0x42;
          for (const [i, x] of xs.entries()) if (i !== 5 && x[0] === 0x42) x[0] = 0;
          const rep = await verifyDevice(t.client, { model: MODEL_BYTES, inputs: xs, reference: (x) => testEngineOutput(x, OUTPUT) });
          return { ok: rep.ok, mismatches: rep.mismatches.map((m) => m.index) };
        } catch (e) {
          return { error: (e as TinyforgeError).exitCode };
        } finally {
          await t.client.close();
        }
      }),
    );
    for (const o of outcomes) {
      if ('error' in o) expect(o.error).toBe(6);
      else expect(o).toEqual({ ok: false, mismatches: [5] });
    }
  });
});
