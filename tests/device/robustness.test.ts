import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { FrameDecoder, decodeMessage, encodeFrame, encodeMessage } from '../../src/device/codec.js';
import { ERR, MSG } from '../../src/device/protocol.generated.js';
import { listPorts } from '../../src/adapters/serial.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { hostBoardExe } from './targets.js';

/** Runs the host board on stdin/stdout, writes `input`, collects decoded replies until `until` holds (or 20 s). */
async function talk(input: Uint8Array[], until: (names: string[]) => boolean) {
  const child = spawn(await hostBoardExe(), [], { stdio: ['pipe', 'pipe', 'ignore'] });
  const dec = new FrameDecoder();
  const msgs: ReturnType<typeof decodeMessage>[] = [];
  let exitCode: number | null = null;
  const exited = new Promise<void>((res) => child.on('exit', (c) => ((exitCode = c), res())));
  await new Promise<void>((resolve) => {
    const guard = setTimeout(resolve, 20_000);
    child.stdout.on('data', (b: Buffer) => {
      for (const ev of dec.push(new Uint8Array(b))) if (ev.kind === 'frame') msgs.push(decodeMessage(ev));
      if (until(msgs.map((m) => m.name ?? 'invalid'))) {
        clearTimeout(guard);
        resolve();
      }
    });
    for (const chunk of input) child.stdin.write(chunk);
  });
  const aliveBeforeClose = exitCode === null;
  child.stdin.end(); // EOF: the host board exits
  await exited;
  return { msgs, aliveBeforeClose, exitCode };
}

describe('the C device app under hostile input (host board on stdin/stdout)', () => {
  it('100 KB of random bytes, then HELLO: still answers INFO and never crashes', async () => {
    let s = 2024;
    const noise = Uint8Array.from({ length: 100_000 }, () => (s = (s * 1103515245 + 12345) >>> 0) >>> 24);
    const r = await talk([noise, encodeMessage('HELLO', 77, {})], (n) => n.includes('INFO'));
    const info = r.msgs.find((m) => m.name === 'INFO');
    expect(info?.seq).toBe(77);
    expect(r.aliveBeforeClose).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('unknown type, other protocol version and oversized frame are answered or dropped, the link keeps working', async () => {
    const oversized = new Uint8Array(9000).fill(0x55);
    oversized[0] = 0;
    const r = await talk(
      [encodeFrame(200, 1, new Uint8Array(0)), encodeFrame(MSG.HELLO, 2, new Uint8Array(0), 9), oversized, Uint8Array.of(0), encodeMessage('HELLO', 3, {})],
      (n) => n.includes('INFO'),
    );
    const errors = r.msgs.filter((m) => m.name === 'ERROR') as { seq: number; msg: { code: number } }[];
    expect(errors.map((e) => [e.seq, e.msg.code])).toEqual([[1, ERR.UNKNOWN_TYPE], [2, ERR.BAD_VERSION]]);
    expect(r.msgs.at(-1)).toMatchObject({ name: 'INFO', seq: 3 });
  });

  it('hostile INPUT_CHUNKs (offsets near 2^32, short payloads, gaps) are ERRORs; an unstaged empty INFER is NOT_STAGED', async () => {
    const c = (seq: number, offset: number, n: number) => encodeMessage('INPUT_CHUNK', seq, { offset, bytes: new Uint8Array(n).fill(9) });
    const r = await talk(
      [c(1, 0xffffffff, 1), c(2, 0xfffffff0, 32), c(3, 0, 61), encodeFrame(MSG.INPUT_CHUNK, 4, Uint8Array.of(0, 0, 0)), c(5, 0, 10), c(6, 11, 1), encodeMessage('INFER', 7, { input: new Uint8Array(0) }), c(8, 0, 60), c(9, 30, 30), encodeMessage('INFER', 10, { input: new Uint8Array(0) }), encodeMessage('HELLO', 11, {})],
      (n) => n.includes('INFO'),
    );
    const got = r.msgs.map((m) => (m.name === 'ERROR' ? [m.seq, m.msg.code] : [m.seq, m.name]));
    expect(got).toEqual([
      [1, ERR.BAD_OFFSET], [2, ERR.BAD_OFFSET], [3, ERR.BAD_OFFSET], [4, ERR.BAD_FRAME], [5, 'ACK'], [6, ERR.BAD_OFFSET], [7, ERR.NOT_STAGED],
      [8, 'ACK'], [9, 'ACK'], [10, 'RESULT'], [11, 'INFO'],
    ]);
    expect(r.exitCode).toBe(0);
  });

  it('STREAM_START on a board without an IMU is ERROR NO_IMU', async () => {
    const r = await talk([encodeMessage('STREAM_START', 5, { rateHz: 0 })], (n) => n.length > 0);
    expect(r.msgs[0]).toMatchObject({ name: 'ERROR', seq: 5, msg: { code: ERR.NO_IMU } });
  });
});

describe('listing serial ports', () => {
  it('returns ports, or a device error with a remedy when udev is missing', async () => {
    try {
      const ports = await listPorts();
      expect(Array.isArray(ports)).toBe(true);
    } catch (e) {
      expect(e).toBeInstanceOf(TinyforgeError);
      expect((e as TinyforgeError).remedy).toMatch(/--port/);
    }
  });
});
