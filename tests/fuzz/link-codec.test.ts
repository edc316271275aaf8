// Property tests (fast-check, seeded; tests/fuzz/fuzz-config.ts) of the TS link codec
// (src/device/codec.ts): random bytes and mutated frames decode to values (frames or error events,
// never an exception); decoding is incremental (any split of the byte stream gives the same
// events as the whole); an intact frame among garbage is always recovered; every message round-trips.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, decodeMessage, encodeMessage, type DecodeEvent } from '../../src/device/codec.js';
import { MAX_PAYLOAD } from '../../src/device/protocol.generated.js';
import { FUZZ_TIMEOUT, runs } from './fuzz-config.js';

const norm = (evs: DecodeEvent[]) => evs.map((e) => (e.kind === 'frame' ? { ...e, payload: Array.from(e.payload) } : e));

function decodeAll(bytes: Uint8Array, cuts: number[]): ReturnType<typeof norm> {
  const d = new FrameDecoder();
  const out: DecodeEvent[] = [];
  let prev = 0;
  for (const c of [...cuts.map((x) => x % (bytes.length + 1))].sort((a, b) => a - b).concat(bytes.length)) {
    out.push(...d.push(bytes.subarray(prev, c)));
    prev = c;
  }
  return norm(out);
}

/** A few valid frames of assorted messages. */
const frames = fc.array(
  fc.oneof(
    fc.record({ seq: fc.integer({ min: 0, max: 0xffff }) }).map(({ seq }) => encodeMessage('HELLO', seq, {})),
    fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), input: fc.uint8Array({ maxLength: 600 }) }).map(({ seq, input }) => encodeMessage('INFER', seq, { input })),
    fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), offset: fc.nat(), bytes: fc.uint8Array({ maxLength: 300 }) }).map(({ seq, offset, bytes }) => encodeMessage('INPUT_CHUNK', seq, { offset, bytes })),
    fc.record({ seq: fc.integer({ min: 0, max: 0xffff }), output: fc.uint8Array({ maxLength: 64 }), c: fc.nat(), u: fc.nat() }).map(({ seq, output, c, u }) => encodeMessage('RESULT', seq, { output, counterDelta: c, micros: u })),
  ),
  { minLength: 1, maxLength: 5 },
);
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));

describe('fuzz: TS link decoder', () => {
  it('random bytes: events are values, decodeMessage never throws, any split gives the same events', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
        const whole = decodeAll(bytes, []);
        expect(decodeAll(bytes, cuts)).toEqual(whole);
        for (const e of whole) {
          expect(['frame', 'error']).toContain(e.kind);
          if (e.kind === 'frame') decodeMessage({ ...e, payload: Uint8Array.from(e.payload) });
        }
      }),
      runs(400),
    );
  }, FUZZ_TIMEOUT);

  it('mutated frames: decode to error events or frames (CRC-checked), never an exception; same at any split', () => {
    fc.assert(
      fc.property(frames, fc.array(fc.record({ at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 5 }), (fs, edits, cuts) => {
        const b = concat(fs);
        for (const e of edits) b[e.at % b.length] = e.v;
        const whole = decodeAll(b, []);
        expect(decodeAll(b, cuts)).toEqual(whole);
        for (const e of whole) if (e.kind === 'frame') expect(e.payload.length).toBeLessThanOrEqual(MAX_PAYLOAD);
      }),
      runs(400),
    );
  }, FUZZ_TIMEOUT);

  it('an intact frame after garbage is recovered exactly, and messages round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), frames, fc.array(fc.nat(), { maxLength: 5 }), (garbage, fs, cuts) => {
        const evs = decodeAll(concat([garbage, ...fs]), cuts).filter((e) => e.kind === 'frame');
        const got = evs.slice(-fs.length).map((e) => (e.kind === 'frame' ? decodeMessage({ ...e, payload: Uint8Array.from(e.payload) }) : null));
        const want = fs.map((f) => {
          const e = new FrameDecoder().push(f)[0];
          return e.kind === 'frame' ? decodeMessage(e) : null;
        });
        expect(got).toEqual(want);
        expect(want.every((m) => m && m.name !== null)).toBe(true);
      }),
      runs(300),
    );
  }, FUZZ_TIMEOUT);
});
