/**
 * The bit-exactness contract: every vector in shared/vectors (made by TFLM 90b983c2 reference
 * kernels, see shared/vectors/README.md) must come out of our interpreter byte for byte.
 * Expected values are TFLM's own outputs (out-NNN.bin); nothing here is derived from our code.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { createInterpreter } from '../../src/interp/index.js';

const dir = sharedForTests();
const root = dir ? join(dir, 'vectors') : '';
const folders = dir ? readdirSync(root).filter((f) => existsSync(join(root, f, 'model.tflite'))).sort() : [];

describe.skipIf(!dir)('TFLM reference vectors (bit-exact)', () => {
  it('finds all nine model folders', () => {
    expect(folders).toEqual([
      'hello_world_int8',
      'magic_wand',
      'magic_wand-logits',
      'micro_speech_quantized',
      'micro_speech_quantized-logits',
      'mlperf_tiny_kws',
      'mlperf_tiny_kws-logits',
      'person_detect',
      'person_detect-logits',
    ]);
  });

  for (const folder of folders) {
    it(`${folder}: every out-NNN.bin reproduced exactly`, () => {
      const model = readTflite(new Uint8Array(readFileSync(join(root, folder, 'model.tflite'))));
      const interp = createInterpreter(model.graph);
      const meta = JSON.parse(readFileSync(join(root, folder, 'meta.json'), 'utf8')) as { vectors: { input: string; output: string }[] };
      expect(meta.vectors.length).toBeGreaterThanOrEqual(8);
      const mismatches: string[] = [];
      for (const v of meta.vectors) {
        const input = new Uint8Array(readFileSync(join(root, folder, v.input)));
        const expected = new Uint8Array(readFileSync(join(root, folder, v.output)));
        const [out] = interp.invoke([input]);
        if (Buffer.compare(Buffer.from(out), Buffer.from(expected)) !== 0) {
          mismatches.push(`${v.input}: got [${Array.from(new Int8Array(out.buffer)).slice(0, 12)}] want [${Array.from(new Int8Array(expected.buffer)).slice(0, 12)}]`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }

  it('person_detect: person.bmp / no_person.bmp give the documented [-113, 113] and [57, -57]', () => {
    // Values stated in shared/vectors/README.md (TFLM person_detection_test expectations).
    const model = readTflite(new Uint8Array(readFileSync(join(root, 'person_detect', 'model.tflite'))));
    const interp = createInterpreter(model.graph);
    const run = (f: string) => Array.from(new Int8Array(interp.invoke([new Uint8Array(readFileSync(join(root, 'person_detect', f)))])[0].buffer));
    expect(run('in-008.bin')).toEqual([-113, 113]);
    expect(run('in-009.bin')).toEqual([57, -57]);
  });
});
