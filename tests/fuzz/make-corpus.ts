// Writes the libFuzzer seed corpus (tests/fuzz/corpus/{link,app}/): a few valid request streams
// made with the TS codec, so the fuzzers start from inputs the device app understands. Deterministic;
// re-run with `node bin/run-ts.mjs tests/fuzz/make-corpus.ts` after a protocol change.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFrame, encodeMessage } from '../../src/device/codec.js';

const here = new URL('.', import.meta.url).pathname;
const x60 = Uint8Array.from({ length: 60 }, (_, i) => (i * 37) & 0xff);
const cat = (...p: Uint8Array[]) => Uint8Array.from(p.flatMap((b) => Array.from(b)));
const seeds: Record<string, Uint8Array> = {
  hello: encodeMessage('HELLO', 1, {}),
  infer: encodeMessage('INFER', 2, { input: x60 }),
  staged: cat(encodeMessage('INPUT_CHUNK', 3, { offset: 0, bytes: x60.subarray(0, 30) }), encodeMessage('INPUT_CHUNK', 4, { offset: 30, bytes: x60.subarray(30) }), encodeMessage('INFER', 5, { input: new Uint8Array(0) })),
  samples: encodeMessage('SAMPLES_IN', 6, { samples: Float32Array.from({ length: 75 }, (_, i) => Math.sin(i / 3)) }),
  stream: cat(encodeMessage('STREAM_START', 7, { rateHz: 0 }), encodeMessage('STREAM_STOP', 8, {}), encodeMessage('RESET', 9, {})),
  oddities: cat(encodeFrame(200, 10, new Uint8Array(0)), encodeFrame(1, 11, new Uint8Array(0), 9), Uint8Array.of(0, 1, 2, 3, 0)),
};
for (const kind of ['link', 'app']) {
  mkdirSync(join(here, 'corpus', kind), { recursive: true });
  for (const [name, bytes] of Object.entries(seeds)) writeFileSync(join(here, 'corpus', kind, name), bytes);
}
