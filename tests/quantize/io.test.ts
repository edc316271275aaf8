import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArrayData } from '../../src/quantize/array-data.js';
import { loadSettings } from '../../src/adapters/model-sources.js';
import { writeFileAtomic } from '../../src/adapters/files.js';
import { compareOutputs, argmax } from '../../src/quantize/eval.js';
import { TinyforgeError } from '../../src/core/errors.js';

describe('data files', () => {
  it('nested x infers the shape; y and labels are kept', () => {
    const d = parseArrayData({ x: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], y: [1, 0], labels: ['a', 'b'] }, 't.json');
    expect(d.shape).toEqual([2, 2, 2]);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Array.from(d.y!)).toEqual([1, 0]);
    expect(d.labels).toEqual(['a', 'b']);
  });
  it('flat x with an explicit shape', () => {
    const d = parseArrayData({ x: [1, 2, 3, 4, 5, 6], shape: [3, 2] }, 't.json');
    expect(d.shape).toEqual([3, 2]);
  });
  const bad = (j: unknown, re: RegExp) => {
    try {
      parseArrayData(j, 't.json');
    } catch (e) {
      expect(e).toBeInstanceOf(TinyforgeError);
      expect((e as TinyforgeError).kind).toBe('bad-input');
      expect((e as TinyforgeError).message).toMatch(re);
      return;
    }
    throw new Error('expected bad input');
  };
  it('rejects ragged, non-numeric, mis-shaped and mislabelled data', () => {
    bad({ x: [[1, 2], [3]] }, /ragged/);
    bad({ x: [[1, null]] }, /not a finite number/);
    bad({ x: [1, 2, 3], shape: [2, 2] }, /needs 4 values/);
    bad({ x: [1, 2, 3] }, /needs a "shape"/);
    bad({ x: [[1], [2]], y: [0] }, /2 non-negative class indices/);
    bad({ y: [1] }, /no "x"/);
  });
});

describe('float vs int8 comparison', () => {
  it('accuracy, agreement, cost and errors (hand-computed)', () => {
    // 3 examples × 2 classes. float picks [0, 1, 1]; int8 picks [0, 0, 1]; labels [0, 1, 0]
    const f = new Float32Array([0.9, 0.1, 0.2, 0.8, 0.4, 0.6]);
    const q = new Float32Array([0.8, 0.2, 0.6, 0.4, 0.4, 0.6]);
    const r = compareOutputs(f, q, 3, Int32Array.from([0, 1, 0]));
    expect(r.floatAccuracy).toBeCloseTo(2 / 3, 12);
    expect(r.int8Accuracy).toBeCloseTo(1 / 3, 12);
    expect(r.accuracyCost).toBeCloseTo(1 / 3, 12);
    expect(r.agreement).toBeCloseTo(2 / 3, 12);
    expect(r.maxAbsError).toBeCloseTo(0.4, 6); // |0.2 - 0.6| and |0.8 - 0.4|
    expect(r.meanAbsError).toBeCloseTo((0.1 + 0.1 + 0.4 + 0.4 + 0 + 0) / 6, 6);
  });
  it('a single output is a probability thresholded at 0.5; no labels → null accuracy', () => {
    const r = compareOutputs(new Float32Array([0.7, 0.2]), new Float32Array([0.49, 0.2]), 2);
    expect(r.agreement).toBe(0.5);
    expect(r.floatAccuracy).toBeNull();
  });
  it('argmax takes the first of equal maxima', () => {
    expect(argmax([1, 3, 3, 2], 0, 4)).toBe(1);
    expect(argmax([9, 1, 5, 5], 1, 3)).toBe(1);
  });
});

describe('file errors name the file the user gave, and what to do', () => {
  // Reported by QA: a folder or a .tflite passed as settings, and writes into a missing folder,
  // produced EISDIR / binary-garbage / temp-file names instead of a plain message.
  const dir = mkdtempSync(join(tmpdir(), 'tf-io-errors-'));
  it('a folder as settings', () => {
    expect(() => loadSettings(dir)).toThrow(/is a folder, not a file/);
  });
  it('a binary file as settings', () => {
    const f = join(dir, 'model.tflite');
    writeFileSync(f, new Uint8Array([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33, 0, 0]));
    expect(() => loadSettings(f)).toThrow(/is a binary file, not JSON/);
  });
  it('writing into a missing folder names the folder, not a temp file', () => {
    const target = join(dir, 'missing', 'out.bin');
    let err: unknown;
    try {
      writeFileAtomic(target, new Uint8Array([1]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TinyforgeError);
    expect((err as Error).message).toBe(`cannot write ${target}: the folder ${join(dir, 'missing')} does not exist`);
    expect((err as TinyforgeError).remedy).toMatch(/mkdir -p/);
  });
});
