import type { Command } from 'commander';
import { Option } from 'commander';
import { action, emit, globalOptions, info, progress, type Progress } from '../util.js';
import { runPipeline, pct, type PipelineReport } from '../../pipeline/run.js';
import { startVirtualBoard } from '../../flash/virtual-board.js';
import { usageError } from '../../core/errors.js';
import { TRAIN_DEFAULTS } from './train.js';

const intArg = (name: string, v: string, min = 1): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw usageError(`--${name} must be a whole number ≥ ${min}, got "${v}"`, { remedy: `pass e.g. --${name} ${Math.max(min, 10)}` });
  return n;
};

/** `tinyforge demo` (`npm start`): the whole pipeline on the built-in data and the virtual board. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('Run the whole pipeline on the built-in activity data: train → int8 → .tflite + C array → native firmware → virtual board (QEMU) → verified bit for bit')
    .option('--out <dir>', 'where to write the model, reports and firmware', 'out/demo')
    .option('--seed <n>', 'seed for data, split and training', String(TRAIN_DEFAULTS.seed))
    .option('--epochs <n>', 'training epochs (early stopping may stop sooner)', String(TRAIN_DEFAULTS.epochs))
    .option('--preset <name>', 'model preset (see tinyforge train --help)', TRAIN_DEFAULTS.preset)
    .option('--verify <n>', 'test windows to run on the board', '100')
    .addOption(new Option('--backend <name>', 'training backend (default: best available)').choices(['node', 'wasm', 'cpu']))
    .option('--quick', 'a small, fast smoke run (fewer subjects, seconds and epochs); its accuracy is not representative')
    .addHelpText('after', '\nWrites <out>/pipeline.json with every figure. Exit 5 if any board output differs from the host interpreter.')
    .action(
      action(async (flags: Record<string, string | boolean | undefined>, cmd: Command) => {
        const o = globalOptions(cmd);
        const quick = Boolean(flags.quick);
        let bar: Progress | null = null;
        const report: PipelineReport = await runPipeline(
          {
            outDir: String(flags.out),
            seed: intArg('seed', String(flags.seed), 0),
            epochs: quick ? Math.min(8, intArg('epochs', String(flags.epochs))) : intArg('epochs', String(flags.epochs)),
            preset: String(flags.preset),
            batchSize: TRAIN_DEFAULTS.batchSize,
            learningRate: TRAIN_DEFAULTS.learningRate,
            patience: TRAIN_DEFAULTS.patience,
            augment: TRAIN_DEFAULTS.augment,
            backend: flags.backend as 'node' | 'wasm' | 'cpu' | undefined,
            board: 'qemu-mps2-an386',
            verifyCount: intArg('verify', String(flags.verify)),
            subjects: quick ? 6 : undefined,
            secondsPerActivity: quick ? 30 : undefined,
          },
          {
            stage: (s, m) => {
              bar?.stop();
              bar = null;
              info(o, `[${s}] ${m}`);
            },
            epoch: (rec, epochs) => {
              if (!bar) bar = progress(o, epochs, 'train');
              bar.update(rec.epoch, { loss: rec.loss.toFixed(3), val_acc: rec.valAccuracy === null ? 'n/a' : rec.valAccuracy.toFixed(3) });
            },
            verifyProgress: (done, total) => {
              if (!bar) bar = progress(o, total, 'verify');
              bar.update(done);
              if (done === total) {
                bar.stop();
                bar = null;
              }
            },
            startBoard: async (elf) => {
              const vb = await startVirtualBoard(elf);
              return { path: vb.path, bytesPerSecond: 8000, stop: () => vb.stop() };
            },
          },
        );
        const v = report.verify;
        emit(o, report, () =>
          [
            '',
            'tinyforge demo — verified on the virtual board',
            `  data      ${report.data.labels.length} classes, ${report.data.windows.train}/${report.data.windows.val}/${report.data.windows.test} windows (train/val/test, split by subject)`,
            `  train     ${report.train.backend}, ${report.train.epochsRun} epochs, ${report.train.params} params: train ${pct(report.train.accuracy.train)}, val ${pct(report.train.accuracy.val)}, test ${pct(report.train.accuracy.test)} (${report.train.verdict})`,
            `  int8      held-out accuracy float ${pct(report.quantize.eval.floatAccuracy)} → int8 ${pct(report.quantize.eval.int8Accuracy)}; .tflite ${report.quantize.tfliteBytes} bytes`,
            `  firmware  ${report.firmware.board}, native engine: flash ${report.firmware.footprint.flash} B, RAM ${report.firmware.footprint.ram} B, arena ${v.arena.used} B`,
            `  verify    ${v.bitExact}/${v.n} bit-exact (max diff ${v.maxLsbDiff} LSB), device accuracy ${pct(v.accuracy?.device)}, ${v.counter ? `${Math.round(v.counter.mean)} ${v.counterKind}/inference` : `${Math.round(v.micros.mean)} µs/inference`}`,
            `  files     ${report.files.tflite}, ${report.files.report}, ${report.outDir}/pipeline.json`,
          ].join('\n'),
        );
      }),
    );
}
