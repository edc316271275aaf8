import { describe, expect, it } from 'vitest';
import { DeviceClient } from '../../src/device/client.js';
import { encodeMessage } from '../../src/device/codec.js';
import { FakeTransport, type FakePeer } from '../../src/device/fake-transport.js';
import { INPUT_BYTES, engine, fakeTarget } from './targets.js';

const x = Uint8Array.from({ length: INPUT_BYTES }, (_, i) => (i * 37) & 0xff);

describe('DeviceClient over FakeTransport: loss, corruption, resync', () => {
  it('retries after a lost reply and gets the answer', async () => {
    const t = await fakeTarget();
    t.device.dropNext = 1;
    const r = await t.client.infer(x);
    expect(Array.from(r.output)).toEqual(Array.from(engine(x)));
    expect(t.client.stats).toMatchObject({ timeouts: 1, retries: 1 });
    expect(t.device.seen.filter((s) => s === 'INFER').length).toBe(2);
    await t.stop();
  });

  it('a corrupted reply is a bad frame, then the retry succeeds', async () => {
    const t = await fakeTarget();
    let corruptOnce = true;
    t.transport.tamper = (b, dir) => {
      if (dir === 'to-host' && corruptOnce && b.length > 20) {
        corruptOnce = false;
        const c = b.slice();
        c[10] ^= 0x40;
        return c;
      }
      return b;
    };
    const r = await t.client.infer(x);
    expect(Array.from(r.output)).toEqual(Array.from(engine(x)));
    expect(t.client.stats.badFrames).toBe(1);
    expect(t.client.stats.retries).toBe(1);
    await t.stop();
  });

  it('gives up after the retries with a device error (exit code 6)', async () => {
    const t = await fakeTarget();
    t.device.dropNext = 10;
    const err = await t.client.infer(x).catch((e) => e);
    expect(err).toMatchObject({ kind: 'device', exitCode: 6, message: /no reply to INFER .* 3 attempts/ });
    expect(err.remedy).toBeTruthy();
    // The link stays usable afterwards.
    t.device.dropNext = 0;
    await expect(t.client.infer(x)).resolves.toBeTruthy();
    await t.stop();
  });

  it('drops a stale reply (wrong seq) and garbage before the real one', async () => {
    const t = await fakeTarget();
    const pending = t.client.infer(x);
    // Inject, toward the host, a RESULT for another seq and noise, before the device's real reply.
    const peer = t.device as unknown as { send: (b: Uint8Array) => void };
    peer.send(encodeMessage('RESULT', 999, { counterDelta: 0, micros: 0, output: new Uint8Array(5) }));
    peer.send(new TextEncoder().encode('noise\x00\x01\x02'));
    const r = await pending;
    expect(Array.from(r.output)).toEqual(Array.from(engine(x)));
    expect(t.client.stats.staleReplies).toBe(1);
    await t.stop();
  });

  it('an unplug during a request rejects at once with a device error', async () => {
    const t = await fakeTarget();
    t.device.dropNext = 1;
    const p = t.client.infer(x);
    setTimeout(() => t.transport.unplug(), 20);
    await expect(p).rejects.toMatchObject({ kind: 'device', message: /closed/ });
  });

  it('hello keeps trying while the peer is silent, then answers (bytes before the peer opens are lost)', async () => {
    const t = await fakeTarget();
    t.device.dropNext = 2;
    const info = await t.client.hello();
    expect(info.board).toBe('fake');
    expect(t.device.seen.filter((s) => s === 'HELLO').length).toBe(4); // connect() + 2 dropped + 1 answered
    await t.stop();
  });

  it('hello to a dead peer fails within the handshake budget with a remedy', async () => {
    const dead: FakePeer = { receive() {}, attach() {} };
    const err = await DeviceClient.connect(new FakeTransport(dead), { handshakeMs: 600 }).catch((e) => e);
    expect(err).toMatchObject({ kind: 'device', message: /no answer to HELLO/ });
    expect(err.remedy).toMatch(/firmware/);
  });

  it('timeouts scale with payload size over the link rate', () => {
    const c = new DeviceClient(new FakeTransport({ receive() {}, attach() {} }), { baseTimeoutMs: 100, bytesPerSecond: 8000 });
    // 2 × (4000 + 100 + 64) bytes at 8000 B/s = 1041 ms, plus the 100 ms base.
    expect(c.timeoutFor(4000, 100)).toBe(1141);
    expect(c.timeoutFor(10, 10)).toBeLessThan(c.timeoutFor(4000, 100));
  });
});
