/**
 * `tinyforge demo` (`npm start`): `tinyforge run` on the built-in data and the virtual board —
 * the project file is made from the flags here instead of read from disk.
 */
import type { Command } from 'commander';
import { runProject, type RunReport } from '../../service/run.js';
import { TRAIN_DEFAULTS } from '../../service/train.js';
import type { TinyforgeConfig } from '../../train/config.js';
import { action, emit, globalOptions } from '../util.js';
import { flag, numberFlag } from '../flags.js';
import { runHooks, runSummary } from './run.js';
import type { StopControl } from '../../adapters/signals.js';
import type { Platform } from '../../service/ports.js';

type DemoFlags = { out: string; seed: string; epochs: string; preset: string; verify: string; backend?: 'node' | 'wasm' | 'cpu'; quick?: boolean };

/** The demo's project file: built-in data (smaller with --quick), the virtual board, native engine. */
export function demoConfig(f: DemoFlags): TinyforgeConfig {
  const seed = numberFlag('seed', f.seed, { min: 0 })!;
  const epochs = numberFlag('epochs', f.epochs, { min: 1 })!;
  const verify = numberFlag('verify', f.verify, { min: 1 })!;
  return {
    version: 1,
    data: { builtin: { seed, ...(f.quick ? { subjects: 6, secondsPerActivity: 30 } : {}) } },
    train: { preset: f.preset as never, epochs: f.quick ? Math.min(8, epochs) : epochs, seed, ...(f.backend ? { backend: f.backend } : {}) },
    firmware: { board: 'qemu-mps2-an386', engine: 'native' },
    verify: { windows: verify },
  };
}

export function register(program: Command, stops: StopControl, io: Platform): void {
  program
    .command('demo')
    .description('Run the whole pipeline on the built-in activity data: train → int8 → .tflite + C array → native firmware → virtual board (QEMU) → verified bit for bit')
    .addOption(flag('out', 'where to write the model, reports and firmware', 'out/demo'))
    .addOption(flag('seed', 'seed for data, split and training', String(TRAIN_DEFAULTS.seed)))
    .addOption(flag('epochs', 'training epochs (early stopping may stop sooner)', String(TRAIN_DEFAULTS.epochs)))
    .addOption(flag('preset', 'model preset (see tinyforge train --help)', TRAIN_DEFAULTS.preset))
    .option('--verify <n>', 'at most N held-out windows to run on the board (class-stratified sample)', '100')
    .addOption(flag('backend', 'training backend (default: best available)'))
    .option('--quick', 'a small, fast smoke run (fewer subjects, seconds and epochs); its accuracy is not representative')
    .addHelpText('after', '\nThe same as `tinyforge run` with a project file for the built-in data. Writes <out>/pipeline.json with every figure.\nExit 5 if any board output differs from the host interpreter.')
    .action(
      action(async (f: DemoFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        const config = demoConfig(f);
        const hooks = runHooks(o, stops);
        let report: RunReport;
        try {
          report = await runProject(io, { config, out: f.out }, hooks);
        } finally {
          hooks.dispose();
        }
        emit(o, report, () => runSummary(report, 'tinyforge demo — verified on the virtual board'));
      }),
    );
}
