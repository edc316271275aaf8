import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/train/backend.js';
import { resolveClassWeights, trainModel } from '../../src/train/train.js';
import { synthWindows } from './synthetic.js';

describe('selectBackend', () => {
  it('falls back from node (not installed here) to wasm, saying why', async () => {
    const c = await selectBackend();
    let nodeInstalled = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      nodeInstalled = false;
    }
    if (nodeInstalled) {
      expect(c.backend).toBe('tensorflow');
    } else {
      expect(c.backend).toBe('wasm');
      expect(c.reason).toMatch(/tfjs-node is not installed/);
    }
    expect(tf.getBackend()).toBe(c.backend);
  });
  it('honours cpu and wasm, and rejects unknown names', async () => {
    expect((await selectBackend('cpu')).backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await selectBackend('wasm')).backend).toBe('wasm');
    await expect(selectBackend('gpu' as never)).rejects.toMatchObject({ kind: 'bad-input' });
  });
});

describe('class weights and interruption', () => {
  it("'balanced' gives n / (classes · n_c)", () => {
    // 6 windows: 3 of class 0, 2 of class 1, 1 of class 2 → 6/9, 6/6, 6/3.
    const w = resolveClassWeights('balanced', Int32Array.from([0, 0, 0, 1, 1, 2]), 3)!;
    expect(w[0]).toBeCloseTo(2 / 3, 12);
    expect(w[1]).toBe(1);
    expect(w[2]).toBe(2);
    expect(resolveClassWeights(undefined, Int32Array.from([0]), 2)).toBeNull();
  });
  it('shouldStop ends training after the current epoch and marks the report', async () => {
    const train = synthWindows({ perClassPerGroup: 5, groups: ['a', 'b'], seed: 1 });
    const val = synthWindows({ perClassPerGroup: 5, groups: ['c'], seed: 2 });
    let calls = 0;
    const r = await trainModel({ train, val }, { preset: 'dense', optimizer: 'adam', learningRate: 0.01, epochs: 20, batchSize: 8, seed: 1, backend: 'wasm', classWeights: 'balanced', shouldStop: () => ++calls >= 2 });
    expect(r.history).toHaveLength(2);
    expect(r.report.training.interrupted).toBe(true);
    expect(r.report.training.classWeights).toEqual([1, 1, 1]);
    r.model.dispose();
  });
});
