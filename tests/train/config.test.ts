import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/train/config.js';
import { findConfig, loadConfig } from '../../src/adapters/files.js';

const dir = mkdtempSync(join(tmpdir(), 'tf-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const full = {
  $schema: './schemas/tinyforge.config.schema.json',
  version: 1,
  data: { builtin: { seed: 2, subjects: 8 }, windowLength: 100, windowStride: 50, split: { val: 0.2, test: 0.2, seed: 3 } },
  train: { preset: 'conv1d', epochs: 30, batchSize: 32, optimizer: 'adam', learningRate: 0.001, seed: 1, backend: 'wasm', earlyStopping: { patience: 5 }, classWeights: 'balanced', out: 'runs/a' },
  quantize: { inputType: 'int8', outputType: 'int8', perChannelDense: false, representativeWindows: 200, out: 'runs/a/model.tflite' },
  firmware: { board: 'qemu-mps2-an386', engine: 'native', arenaBytes: 16384, out: 'runs/a/fw' },
  verify: { port: 'virtual', baudRate: 115200, windows: 50, timeoutMs: 5000 },
};

describe('project file', () => {
  it('accepts a file using every section', () => {
    expect(validateConfig(full)).toEqual(full);
    expect(validateConfig({})).toEqual({});
  });

  it('rejects bad files naming each field and rule', () => {
    const bad = { train: { epochs: 0, optimizer: 'rmsprop', lr: 0.1 }, firmware: { engine: 'cmsis' }, data: { split: { val: 0.9 } } };
    let err: unknown;
    try {
      validateConfig(bad, 'my.json');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'bad-input', exitCode: 3 });
    const msg = (err as Error).message;
    expect(msg).toMatch(/^my\.json is not a valid tinyforge project file/);
    expect(msg).toContain('train.epochs: must be >= 1');
    expect(msg).toContain('train.optimizer: must be one of "adam", "sgd"');
    expect(msg).toContain('train: unknown field "lr"');
    expect(msg).toContain('firmware.engine: must be one of "native", "tflm"');
    expect(msg).toContain('data.split.val: must be <= 0.5');
    expect((err as { remedy: string }).remedy).toMatch(/schema/);
  });

  it('rejects wrong types and unknown sections', () => {
    expect(() => validateConfig({ train: { earlyStopping: true } })).toThrow(/earlyStopping/);
    expect(() => validateConfig({ deploy: {} })).toThrow(/unknown field "deploy"/);
    expect(() => validateConfig([])).toThrow(/must be object/);
  });

  it('loads from disk, resolving relative paths against the file, and reports bad JSON', () => {
    writeFileSync(join(dir, 'tinyforge.config.json'), JSON.stringify(full));
    const c = loadConfig(join(dir, 'tinyforge.config.json'));
    expect(c.train?.out).toBe(join(dir, 'runs/a'));
    expect(c.firmware?.out).toBe(join(dir, 'runs/a/fw'));
    expect(findConfig(undefined, dir).path).toBe(join(dir, 'tinyforge.config.json'));
    expect(findConfig(undefined, tmpdir() + '/nonexistent-tf').config).toEqual({});
    writeFileSync(join(dir, 'broken.json'), '{"train": {"epochs": 3,}}');
    expect(() => loadConfig(join(dir, 'broken.json'))).toThrow(/not valid JSON/);
    expect(() => loadConfig(join(dir, 'missing.json'))).toThrow(/cannot read/);
  });
});
