import { describe, expect, it } from 'vitest';
import { DeviceClient } from '../../src/device/client.js';
import { FrameDecoder, decodeMessage, encodeFrame, encodeMessage } from '../../src/device/codec.js';
import { testEngineOutput } from '../support/fake-device.js';
import { MSG } from '../../src/device/protocol.generated.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { FakeTransport, type FakePeer } from '../support/fake-transport.js';
import { BIG_INPUT_BYTES, INPUT_BYTES, OUTPUT_BYTES, engine, fakeTarget } from './targets.js';

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
    expect(err).toMatchObject({ kind: 'device', exitCode: 6, message: /no reply to INFER .* 7 attempts/ });
    expect(err.remedy).toBeTruthy();
    // The link stays usable afterwards.
    t.device.dropNext = 0;
    await expect(t.client.infer(x)).resolves.toBeTruthy();
    await t.stop();
  });

  it('LOG events mid-request reach onLog and logs, never disturb the reply', async () => {
    const t = await fakeTarget();
    const seen: string[] = [];
    t.client.onLog((s) => seen.push(s));
    const pending = t.client.infer(x);
    // As TFLM's MicroPrintf does on the Nano: the text, then a bare line end (dropped), mid-request.
    const peer = t.device as unknown as { send: (b: Uint8Array) => void };
    peer.send(encodeMessage('LOG', 7, { text: 'Arena size is too small ö\r\n' }));
    peer.send(encodeMessage('LOG', 8, { text: '\r\n' }));
    const r = await pending;
    expect(Array.from(r.output)).toEqual(Array.from(engine(x)));
    expect(seen).toEqual(['Arena size is too small ö']);
    expect(t.client.logs).toEqual(['Arena size is too small ö']);
    expect(t.client.stats).toMatchObject({ badFrames: 0, staleReplies: 0, retries: 0 });
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

  it('timeouts scale with payload size over the link rate, double per retry (up to 8×), and add the inference allowance', () => {
    const c = new DeviceClient(new FakeTransport({ receive() {}, attach() {} }), { baseTimeoutMs: 100, bytesPerSecond: 8000, inferenceMs: 2000 });
    // Before any measurement: 4 (safety) × 4100 bytes at 8000 B/s = 2050 ms, plus the 100 ms floor.
    expect(c.timeoutFor(4000, 100)).toBe(2150);
    expect(c.timeoutFor(4000, 100, { attempt: 1 })).toBe(4300);
    expect(c.timeoutFor(4000, 100, { attempt: 3 })).toBe(17200);
    expect(c.timeoutFor(4000, 100, { attempt: 6 })).toBe(17200);
    // The unmeasured inference allowance is added once.
    expect(c.timeoutFor(4000, 100, { inference: true })).toBe(4150);
    expect(c.timeoutFor(10, 10)).toBeLessThan(c.timeoutFor(4000, 100));
  });
});

describe('DeviceClient: inputs larger than one frame over FakeTransport (INPUT_CHUNK + empty INFER)', () => {
  const big = Uint8Array.from({ length: BIG_INPUT_BYTES }, (_, i) => (i * 101 + 7) & 0xff);
  const want = Array.from(testEngineOutput(big, OUTPUT_BYTES));
  /** Decoded requests the host wrote: name, INPUT_CHUNK offset / INFER payload length. */
  const sent = (t: Awaited<ReturnType<typeof fakeTarget>>) => {
    const d = new FrameDecoder();
    const out: string[] = [];
    for (const w of t.transport.written)
      for (const ev of d.push(w)) {
        if (ev.kind !== 'frame') continue;
        const m = decodeMessage(ev);
        if (m.name === 'INPUT_CHUNK') out.push(`CHUNK@${m.msg.offset}+${m.msg.bytes.length}`);
        else if (m.name === 'INFER') out.push(`INFER(${m.msg.input.length})`);
        else if (m.name) out.push(m.name);
      }
    return out;
  };

  it('chunked infer equals the engine on the whole input and the single-frame path on a small one', async () => {
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    expect(Array.from((await t.client.infer(big)).output)).toEqual(want);
    expect(sent(t)).toEqual(['HELLO', 'CHUNK@0+4092', 'CHUNK@4092+4092', 'CHUNK@8184+1816', 'INFER(0)']);
    expect(t.client.stats).toMatchObject({ timeouts: 0, retries: 0 });
    await t.stop();
    const s = await fakeTarget();
    const x = Uint8Array.from({ length: INPUT_BYTES }, (_, i) => i);
    expect(Array.from((await s.client.infer(x)).output)).toEqual(Array.from(engine(x)));
    expect(sent(s)).toEqual(['HELLO', `INFER(${INPUT_BYTES})`]);
    await s.stop();
  });

  it('a lost chunk is re-sent (idempotent) and the result is unchanged', async () => {
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    let frames = 0;
    t.transport.tamper = (b, dir) => (dir === 'to-device' && ++frames === 2 ? null : b); // the second chunk never arrives
    expect(Array.from((await t.client.infer(big)).output)).toEqual(want);
    expect(t.client.stats).toMatchObject({ timeouts: 1, retries: 1 });
    expect(sent(t)).toEqual(['HELLO', 'CHUNK@0+4092', 'CHUNK@4092+4092', 'CHUNK@4092+4092', 'CHUNK@8184+1816', 'INFER(0)']);
    await t.stop();
  });

  it('a lost ACK: the device got the chunk twice, still one correct result', async () => {
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    let acks = 0;
    t.transport.tamper = (b, dir) => {
      if (dir !== 'to-host') return b;
      const ev = new FrameDecoder().push(b)[0];
      return ev?.kind === 'frame' && ev.type === MSG.ACK && ++acks === 1 ? null : b;
    };
    expect(Array.from((await t.client.infer(big)).output)).toEqual(want);
    // The first chunk twice, then the remaining 5908 bytes in chunks of at most 4092 / 2 = 2046
    // (the client halves its chunk size after a loss): 2046 + 2046 + 1816.
    expect(t.device.seen.filter((n) => n === 'INPUT_CHUNK').length).toBe(5);
    expect(t.client.inputChunkBytes).toBe(2046);
    await t.stop();
  });

  it('a corrupted chunk is dropped by the device (bad CRC) and retried', async () => {
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    let frames = 0;
    t.transport.tamper = (b, dir) => {
      if (dir !== 'to-device' || ++frames !== 2) return b; // the second chunk, corrupted in its payload
      const c = b.slice();
      c[2000] ^= 0x01;
      return c;
    };
    expect(Array.from((await t.client.infer(big)).output)).toEqual(want);
    expect(t.device.badFrames).toBeGreaterThanOrEqual(1);
    expect(t.client.stats).toMatchObject({ timeouts: 1, retries: 1 });
    await t.stop();
  });

  it('a lost RESULT: the staging was consumed, so the client stages again, then succeeds', async () => {
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    let dropped = false;
    t.transport.tamper = (b, dir) => {
      if (dir !== 'to-host' || dropped) return b;
      const ev = new FrameDecoder().push(b)[0];
      if (ev?.kind === 'frame' && ev.type === MSG.RESULT) {
        dropped = true;
        return null;
      }
      return b;
    };
    expect(Array.from((await t.client.infer(big)).output)).toEqual(want);
    expect(sent(t).filter((s) => s !== 'HELLO')).toEqual(['CHUNK@0+4092', 'CHUNK@4092+4092', 'CHUNK@8184+1816', 'INFER(0)', 'CHUNK@0+4092', 'CHUNK@4092+4092', 'CHUNK@8184+1816', 'INFER(0)']);
    expect(t.client.stats).toMatchObject({ timeouts: 1, retries: 1 });
    await t.stop();
  });

  it('a silent device: chunked infer gives up with the same typed error as a single INFER', async () => {
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    t.device.dropNext = 100;
    const err = await t.client.infer(big).catch((e) => e);
    expect(err).toBeInstanceOf(TinyforgeError);
    expect(err).toMatchObject({ kind: 'device', exitCode: 6, message: /no reply to INPUT_CHUNK .* 7 attempts/ });
    t.device.dropNext = 0;
    expect(Array.from((await t.client.infer(big)).output)).toEqual(want);
    await t.stop();
  });

  it('incomplete staging → ERROR NOT_STAGED, an answer (not retried)', async () => {
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    await t.client.request('INPUT_CHUNK', { offset: 0, bytes: big.subarray(0, 4092) }, ['ACK']);
    const err = await t.client.request('INFER', { input: new Uint8Array(0) }, ['RESULT']).catch((e) => e);
    expect(err).toMatchObject({ kind: 'device', message: /NOT_STAGED/, details: { code: 9 } });
    expect(t.device.seen.filter((n) => n === 'INFER').length).toBe(1);
    await t.stop();
  });

  it('an oversized frame is a typed error with a remedy, never a raw RangeError', async () => {
    const e1 = (() => {
      try {
        encodeFrame(MSG.INFER, 1, new Uint8Array(9216));
      } catch (e) {
        return e;
      }
    })();
    expect(e1).toBeInstanceOf(TinyforgeError);
    expect(e1).toMatchObject({ kind: 'bad-input', message: /INFER frame payload of 9216 bytes exceeds .*4096/ });
    const t = await fakeTarget(BIG_INPUT_BYTES, OUTPUT_BYTES);
    const e2 = await t.client.request('INFER', { input: big }, ['RESULT']).catch((e) => e);
    expect(e2).toBeInstanceOf(TinyforgeError);
    expect((e2 as TinyforgeError).remedy).toMatch(/INPUT_CHUNK/);
    await t.stop();
  });
});
