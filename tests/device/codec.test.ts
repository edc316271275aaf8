import { describe, expect, it } from 'vitest';
import { FRAME_CASES } from './frame-cases.js';
import { FrameDecoder, cobsDecode, cobsEncode, crc32, decodeMessage, encodeFrame, encodeMessage, encodePayload, type DecodeEvent } from '../../src/device/codec.js';
import { MSG, PROTOCOL_VERSION as V } from '../../src/device/protocol.generated.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const simplify = (e: DecodeEvent) =>
  e.kind === 'frame' ? { frame: { version: e.version, type: e.type, seq: e.seq, payload: hex(e.payload) } } : { error: e.error };

describe('frame codec (TS) against tests/fixtures/frames.json', () => {
  it('has the table', () => expect(FRAME_CASES.length).toBeGreaterThan(10));
  for (const c of FRAME_CASES) {
    it(`${c.name}: whole and byte by byte`, () => {
      const whole = new FrameDecoder().push(unhex(c.wire)).map(simplify);
      expect(whole).toEqual(c.events);
      const d = new FrameDecoder();
      const bytewise: ReturnType<typeof simplify>[] = [];
      for (const b of unhex(c.wire)) bytewise.push(...d.push(Uint8Array.of(b)).map(simplify));
      expect(bytewise).toEqual(c.events);
      if (c.encode) expect(hex(encodeFrame(c.encode.type, c.encode.seq, unhex(c.encode.payload)))).toBe(c.wire);
    });
  }
});

describe('codec primitives', () => {
  it('CRC-32 check value (CRC catalogue: "123456789" → 0xCBF43926)', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
  it('COBS Wikipedia examples, and round trip of random buffers', () => {
    expect(hex(cobsEncode(unhex('11220033')))).toBe('0311220233');
    expect(hex(cobsEncode(unhex('00')))).toBe('0101');
    let s = 12345;
    for (let n = 0; n < 50; n++) {
      const a = new Uint8Array(n * 23);
      for (let i = 0; i < a.length; i++) a[i] = (s = (s * 1103515245 + 12345) >>> 0) % 3 === 0 ? 0 : s >>> 24;
      expect(cobsDecode(cobsEncode(a))).toEqual(a);
    }
  });
  it('random garbage never throws and the decoder recovers at the next frame', () => {
    const d = new FrameDecoder();
    let s = 7;
    for (let n = 0; n < 200; n++) {
      const g = new Uint8Array(97);
      for (let i = 0; i < g.length; i++) g[i] = (s = (s * 1664525 + 1013904223) >>> 0) >>> 24;
      d.push(g);
    }
    const ev = d.push(encodeFrame(MSG.HELLO, 42, new Uint8Array()));
    expect(ev.at(-1)).toMatchObject({ kind: 'frame', type: MSG.HELLO, seq: 42 });
  });
});

describe('payload layouts', () => {
  it('INFO round-trips and its fixed prefix is where tf_protocol.h says (hand-computed offsets)', () => {
    const info = {
      protocolVersion: V, counterKind: 2, numAxes: 3, numClasses: 5, arenaUsed: 1184, arenaCapacity: 4096, flashUsed: 70000, ramUsed: 9000,
      inputBytes: 300, outputBytes: 5, windowLength: 100, windowStride: 50, imuRateHz: 119, outputScale: 1 / 256, outputZeroPoint: -128,
      engineStatus: 0, modelSha256: new Uint8Array(32).fill(0xab), board: 'host', engine: 'test', ops: ['FULLY_CONNECTED', 'SOFTMAX'], liveDetection: 1, labels: ['idle', 'walking'],
    };
    const p = encodePayload('INFO', info);
    expect(p[p.length - 1]).toBe(1); // v3: liveDetection, the last byte, after the strlists
    // u8×4 + u32×6 + u16×2 + f32×2 + i8×2 + 32 = 4+24+4+8+2+32 = 74 bytes before the strings.
    expect(p[74]).toBe(4); // "host".length
    expect(new DataView(p.buffer).getUint32(20, true)).toBe(300); // inputBytes at 4 + 4*4
    const back = decodeMessage({ version: V, type: MSG.INFO, seq: 3, payload: p });
    expect(back).toMatchObject({ name: 'INFO', seq: 3, msg: { ...info, imuRateHz: 119, outputScale: 1 / 256 } });
  });
  it('rejects payloads that do not fit, unknown types and other versions as values', () => {
    expect(decodeMessage({ version: V, type: MSG.RESULT, seq: 1, payload: new Uint8Array(3) })).toMatchObject({ name: null });
    expect(decodeMessage({ version: V, type: 200, seq: 1, payload: new Uint8Array(0) })).toMatchObject({ name: null, reason: /unknown/ });
    expect(decodeMessage({ version: V - 1, type: MSG.HELLO, seq: 1, payload: new Uint8Array(0) })).toMatchObject({ name: null, reason: /version/ });
    expect(decodeMessage({ version: V, type: MSG.IMU_SAMPLES, seq: 1, payload: new Uint8Array(9) })).toMatchObject({ name: null });
  });
  it('INPUT_CHUNK is offset:u32le then the bytes; the frame table\'s chunk frames decode to it (since v2)', () => {
    const f = encodeMessage('INPUT_CHUNK', 5, { offset: 0x01020304, bytes: Uint8Array.of(0, 0xff, 7) });
    const ev = new FrameDecoder().push(f)[0];
    if (ev.kind !== 'frame') throw new Error('no frame');
    expect(ev.version).toBe(V);
    expect(hex(ev.payload)).toBe('04030201' + '00ff07');
    const c = FRAME_CASES.find((x) => x.name === 'input-chunk-max')!;
    const fr = new FrameDecoder().push(unhex(c.wire))[0];
    if (fr.kind !== 'frame') throw new Error('no frame');
    expect(decodeMessage(fr)).toMatchObject({ name: 'INPUT_CHUNK', seq: 0x0102, msg: { offset: 4092 } });
    expect((decodeMessage(fr) as { msg: { bytes: Uint8Array } }).msg.bytes.length).toBe(4092);
    // An INFER with an empty payload is a valid message (run on the staged input).
    expect(decodeMessage({ version: V, type: MSG.INFER, seq: 1, payload: new Uint8Array(0) })).toMatchObject({ name: 'INFER', msg: { input: new Uint8Array(0) } });
    expect(decodeMessage({ version: V, type: MSG.INPUT_CHUNK, seq: 1, payload: new Uint8Array(3) })).toMatchObject({ name: null });
  });
  it('IMU_SAMPLES int16 samples are little-endian (hand-encoded bytes)', () => {
    const f = encodeMessage('IMU_SAMPLES', 9, { firstSample: 258, rateMilliHz: 100000, samplesMg: Int16Array.of(-1, 1000, 2) });
    const ev = new FrameDecoder().push(f)[0];
    if (ev.kind !== 'frame') throw new Error('no frame');
    expect(hex(ev.payload)).toBe('02010000' + 'a0860100' + 'ffff' + 'e803' + '0200');
  });
});
