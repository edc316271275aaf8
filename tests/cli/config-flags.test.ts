// One flags-over-config merge for every command (src/cli/config-flags.ts): train and run apply a
// flag to the same field by the same rule (before, train and run merged separately, differently).
import { describe, expect, it } from 'vitest';
import { applyFlags } from '../../src/cli/config-flags.js';
import { applyRunFlags } from '../../src/cli/commands/run.js';
import { validateConfig, type TinyforgeConfig } from '../../src/train/config.js';

const cfg: TinyforgeConfig = {
  data: { windowLength: 100, windowStride: 50, split: { val: 0.2, seed: 1 } },
  train: { epochs: 30, seed: 1, earlyStopping: { patience: 5 }, learningRate: 0.003 },
  firmware: { board: 'cortex-m4' },
};

describe('applyFlags', () => {
  it('a flag given wins over its field, a flag not given leaves it; the file is not changed', () => {
    const c = applyFlags(cfg, { epochs: '3', seed: '9', window: '64', lr: '0.01', patience: '2', board: 'qemu-mps2-an386', classWeights: 'balanced' });
    expect(c.train).toEqual({ epochs: 3, seed: 9, earlyStopping: { patience: 2 }, learningRate: 0.01, classWeights: 'balanced' });
    expect(c.data).toEqual({ windowLength: 64, windowStride: 50, split: { val: 0.2, seed: 9 } });
    expect(c.firmware).toEqual({ board: 'qemu-mps2-an386' });
    expect(cfg.train!.epochs).toBe(30);
    expect(applyFlags(cfg, {})).toEqual({ ...cfg, train: cfg.train });
  });

  it('--no-early-stopping and --no-augment switch them off; numbers are checked alike', () => {
    const c = applyFlags(cfg, { earlyStopping: false, augment: false });
    expect(c.train!.earlyStopping).toBe(false);
    expect(c.train!.augment).toBe(false);
    expect(() => applyFlags(cfg, { window: '0' })).toThrow(/--window must be/);
    expect(() => applyFlags(cfg, { lr: 'fast' })).toThrow(/--lr must be/);
  });

  it('--weights and --flash-budget set firmware.weights / firmware.flashBudget (run, as firmware takes them); the schema accepts them', () => {
    expect(applyFlags(cfg, { weights: 'fastest', flashBudget: '300000' }).firmware).toEqual({ board: 'cortex-m4', weights: 'fastest', flashBudget: 300_000 });
    expect(() => applyFlags(cfg, { flashBudget: '0' })).toThrow(/--flash-budget must be/);
    expect(validateConfig({ firmware: { weights: 'int16', flashBudget: 1000 } }).firmware).toEqual({ weights: 'int16', flashBudget: 1000 });
    expect(() => validateConfig({ firmware: { weights: 'int4' } })).toThrow(/firmware.weights: must be one of "auto", "fastest", "int8", "int16"/);
  });

  it('run is the same merge plus its --out', () => {
    const f = { epochs: '4', seed: '2', preset: 'dense' };
    const { out, ...rest } = applyRunFlags(cfg, { ...f, out: 'x' });
    expect(rest).toEqual(applyFlags(cfg, f));
    expect(out).toMatch(/\/x$/);
  });
});
