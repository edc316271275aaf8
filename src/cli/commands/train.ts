/**
 * `tinyforge train`: labelled recordings (or the built-in data, or a lecture example) → a trained
 * float model + settings + evaluation report + calibration/held-out windows in one folder.
 * Flags override the project file (tinyforge.config.json), which overrides the defaults.
 */
import { join, relative } from 'node:path';
import { Command, Option } from 'commander';
import { ExitCode, TinyforgeError, usageError } from '../../core/errors.js';
import { saveTrainArtifacts } from '../../train/artifacts.js';
import { BACKENDS, type BackendPreference } from '../../train/backend.js';
import { findConfig, type TinyforgeConfig } from '../../train/config.js';
import { builtinTrainingData, recordingsTrainingData, type TrainingData } from '../../train/data-source.js';
import { EXAMPLES, trainDigits, trainRegression } from '../../train/examples.js';
import { PRESETS, PRESET_HELP } from '../../train/models.js';
import { trainModel, type EpochRecord, type TrainResult } from '../../train/train.js';
import { addImportOptions, descriptionFromOptions, detectionLines, loadRecordings, type ImportFlags } from '../data-options.js';
import { action, emit, globalOptions, info, progress, type OutputOptions } from '../util.js';

export const TRAIN_DEFAULTS = {
  preset: 'conv1d',
  epochs: 30,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.003,
  seed: 1,
  patience: 5,
  out: 'out/train',
  /** Measured on the built-in data (seed 1, conv1d, 10 epochs): test 90.2 % → 92.8 %, validation 88.6 % → 96.5 %. */
  augment: { rotate: 0.2, gain: 0.05 },
} as const;

type Flags = ImportFlags & {
  builtin?: boolean;
  data?: string[];
  example?: string;
  preset?: string;
  epochs?: string;
  batchSize?: string;
  optimizer?: 'adam' | 'sgd';
  lr?: string;
  seed?: string;
  backend?: BackendPreference;
  patience?: string;
  earlyStopping?: boolean;
  classWeights?: string;
  augment?: boolean;
  window?: string;
  stride?: string;
  out?: string;
  config?: string;
};

function num(name: string, v: string | undefined, integer: boolean, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min) {
    throw usageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}, got "${v}"`, { remedy: `e.g. --${name} ${integer ? Math.max(min, 10) : 0.001}` });
  }
  return n;
}

function onEpochBar(o: OutputOptions, epochs: number): { onEpoch: (r: EpochRecord) => void; stop: () => void } {
  const bar = progress(o, epochs, 'training');
  return {
    onEpoch: (r) =>
      bar.update(r.epoch, {
        loss: r.loss.toFixed(3),
        acc: r.accuracy.toFixed(3),
        ...(r.valAccuracy !== null ? { val_acc: r.valAccuracy.toFixed(3) } : {}),
      }),
    stop: () => bar.stop(),
  };
}

const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);

function summary(r: TrainResult, out: string): string {
  const a = r.report.accuracy;
  const t = r.report.training;
  return [
    `trained ${t.preset} on ${r.backend}: ${t.epochsRun} epochs${t.stoppedEarly ? ` (early stop, best epoch ${t.bestEpoch})` : ''}`,
    `accuracy: train ${pct(a.train)}, validation ${pct(a.val)}, test ${pct(a.test)}`,
    `verdict: ${r.report.verdict.kind} — ${r.report.verdict.text}`,
    `model: ${r.report.size.params} parameters, ${r.report.size.macs} MACs, ≈${(r.report.size.flashBytes / 1024).toFixed(1)} KB int8 flash, ≈${(r.report.size.ramBytes / 1024).toFixed(1)} KB activations`,
    `saved to ${out} (report: ${join(out, 'report.html')})`,
  ].join('\n');
}

async function runExample(name: string, flags: Flags, cfg: TinyforgeConfig, o: OutputOptions): Promise<void> {
  const out = flags.out ?? cfg.train?.out ?? `out/${name}`;
  const seed = num('seed', flags.seed, true, 0) ?? cfg.train?.seed ?? TRAIN_DEFAULTS.seed;
  const backend = flags.backend ?? cfg.train?.backend;
  if (name === 'regression') {
    const epochs = num('epochs', flags.epochs, true, 1) ?? 500;
    info(o, `training one neuron on X = {-1…4}, Y = 2X − 1 with sgd for ${epochs} epochs…`);
    const r = await trainRegression({ epochs, seed, backend, learningRate: num('lr', flags.lr, false, 0) });
    await saveTrainArtifacts(out, r);
    r.model.dispose();
    const result = { example: 'regression', backend: r.backend, epochs, weight: r.weight, bias: r.bias, predictAt10: r.predictAt10, finalLoss: r.losses[r.losses.length - 1], out };
    emit(o, result, `learned y = ${r.weight.toFixed(4)}·x ${r.bias < 0 ? '−' : '+'} ${Math.abs(r.bias).toFixed(4)} (true: y = 2x − 1) on ${r.backend}\nprediction for x = 10: ${r.predictAt10.toFixed(4)} (true: 19)\nfinal loss (MSE): ${r.losses[r.losses.length - 1].toExponential(3)}\nsaved to ${out}`);
    return;
  }
  const epochs = num('epochs', flags.epochs, true, 1) ?? 5;
  info(o, `training Flatten → Dense(20, relu) → Dense(10, softmax) on handwritten digits…`);
  const bar = onEpochBar(o, epochs);
  let r: TrainResult;
  try {
    r = await trainDigits({ epochs, seed, backend, batchSize: num('batch-size', flags.batchSize, true, 1), learningRate: num('lr', flags.lr, false, 0), onEpoch: bar.onEpoch });
  } finally {
    bar.stop();
  }
  await saveTrainArtifacts(out, r);
  r.model.dispose();
  emit(o, { example: 'digits', backend: r.backend, out, report: r.report }, summary(r, out));
}

export function register(program: Command): void {
  addImportOptions(program.command('train'))
    .description('Train a float model on labelled recordings (or the built-in data) with TensorFlow.js; save it with its settings, evaluation report and windows')
    .option('--builtin', 'use the built-in simulated activity data (idle/walking/running/biking/golfing); the default without --data')
    .option('--data <paths...>', 'recording files, folders or globs (IMU_Capture CSV, CSV, headerless numeric text, Edge Impulse JSON, tinyforge capture); import flags below, or data.import in the project file')
    .addOption(new Option('--example <name>', "the lecture's other examples instead of activity data").choices([...EXAMPLES]))
    .addOption(new Option('--preset <name>', `model preset (default ${TRAIN_DEFAULTS.preset})`).choices([...PRESETS]))
    .option('--epochs <n>', `maximum epochs (default ${TRAIN_DEFAULTS.epochs}; regression 500, digits 5)`)
    .option('--batch-size <n>', `windows per gradient step (default ${TRAIN_DEFAULTS.batchSize})`)
    .addOption(new Option('--optimizer <name>', `optimizer (default ${TRAIN_DEFAULTS.optimizer})`).choices(['adam', 'sgd']))
    .option('--lr <x>', `learning rate (default ${TRAIN_DEFAULTS.learningRate})`)
    .option('--seed <n>', `seed for split, initial weights and shuffling (default ${TRAIN_DEFAULTS.seed})`)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend (default: node if installed, else wasm, else cpu)').choices([...BACKENDS]))
    .option('--patience <n>', `early stopping: epochs without validation-loss improvement (default ${TRAIN_DEFAULTS.patience}); best weights are kept`)
    .option('--no-early-stopping', 'train all epochs')
    .option('--class-weights <w>', "'balanced' or comma-separated weights per class")
    .option('--no-augment', 'no random rotation/gain of training windows (default: rotate 0.2 rad, gain 5 %, fresh every epoch)')
    .option('--window <n>', 'samples per window (default: 2 s, or one window per equal-length short recording)')
    .option('--stride <n>', 'hop between windows in samples (default: half a window)')
    .option('--out <dir>', `output folder (default ${TRAIN_DEFAULTS.out}, or out/<example>)`)
    .option('--config <file>', 'project file (default: ./tinyforge.config.json when present)')
    .addHelpText(
      'after',
      `\nPresets:\n${PRESETS.map((p) => `  ${p.padEnd(13)} ${PRESET_HELP[p]}`).join('\n')}\n\n` +
        'Writes model.json + weights.bin (tfjs), settings.json, report.json, report.html, windows.json,\n' +
        'representative.bin (calibration windows) and heldout.bin (test windows) to the output folder;\n' +
        '`tinyforge quantize`, `eval` and `verify` run from that folder alone.\n\n' +
        'Examples:\n  tinyforge train --builtin --epochs 20\n  tinyforge train --data ../recordings --preset conv1d-small --out out/gestures\n' +
        '  tinyforge train --example regression\n  tinyforge train --example digits --epochs 5',
    )
    .action(
      action(async (flags: Flags, cmd: Command) => {
        const o = globalOptions(cmd);
        const { config: cfg, path: cfgPath } = findConfig(flags.config);
        if (cfgPath) info(o, `using ${relative(process.cwd(), cfgPath) || cfgPath}`);
        if (flags.example) return runExample(flags.example, flags, cfg, o);
        if (flags.builtin && flags.data) throw usageError('use either --builtin or --data, not both', { remedy: 'Drop one of them.' });
        const t = cfg.train ?? {};
        const dataCfg = {
          ...(cfg.data ?? {}),
          ...(flags.window ? { windowLength: num('window', flags.window, true, 1) } : {}),
          ...(flags.stride ? { windowStride: num('stride', flags.stride, true, 1) } : {}),
          ...(flags.seed ? { split: { ...(cfg.data?.split ?? {}), seed: num('seed', flags.seed, true, 0) } } : {}),
        };
        const desc = flags.builtin ? undefined : descriptionFromOptions(flags, cfg.data, flags.data);
        let data: TrainingData;
        if (desc?.files?.length) {
          const { recordings, files, reports } = loadRecordings(desc);
          for (const r of reports) for (const l of detectionLines(r)) info(o, `${r.source}: ${l}`);
          data = recordingsTrainingData(recordings, dataCfg);
          info(o, `read ${recordings.length} recordings from ${files.length} file(s)`);
        } else {
          data = builtinTrainingData(dataCfg);
        }
        for (const n of data.notes) info(o, n);
        info(o, `windows: train ${data.train.y.length}, validation ${data.val.y.length}, test ${data.test.y.length} (${data.windowLength} samples × ${data.axes.length} axes, ${data.labels.join('/')})`);

        let classWeights: 'balanced' | number[] | undefined = t.classWeights;
        if (flags.classWeights) {
          classWeights = flags.classWeights === 'balanced' ? 'balanced' : flags.classWeights.split(',').map((w) => num('class-weights', w.trim(), false, 0)!);
        }
        const patience = num('patience', flags.patience, true, 1) ?? (t.earlyStopping ? t.earlyStopping.patience : TRAIN_DEFAULTS.patience);
        const early = flags.earlyStopping === false || t.earlyStopping === false ? undefined : { patience };
        const epochs = num('epochs', flags.epochs, true, 1) ?? t.epochs ?? TRAIN_DEFAULTS.epochs;
        const out = flags.out ?? t.out ?? TRAIN_DEFAULTS.out;
        const bar = onEpochBar(o, epochs);
        // Ctrl-C once: finish the epoch, save what there is, exit 130. Twice: abort at once.
        let stop = false;
        const onSigint = () => {
          if (stop) process.exit(ExitCode.INTERRUPTED);
          stop = true;
          info(o, '\ninterrupted: finishing this epoch, then saving (Ctrl-C again aborts without saving)');
        };
        process.on('SIGINT', onSigint);
        let r: TrainResult;
        try {
          r = await trainModel(
            { train: data.train, val: data.val, test: data.test },
            {
              preset: flags.preset ?? t.preset ?? TRAIN_DEFAULTS.preset,
              optimizer: flags.optimizer ?? t.optimizer ?? TRAIN_DEFAULTS.optimizer,
              learningRate: num('lr', flags.lr, false, 0) ?? t.learningRate ?? TRAIN_DEFAULTS.learningRate,
              epochs,
              batchSize: num('batch-size', flags.batchSize, true, 1) ?? t.batchSize ?? TRAIN_DEFAULTS.batchSize,
              seed: num('seed', flags.seed, true, 0) ?? t.seed ?? TRAIN_DEFAULTS.seed,
              backend: flags.backend ?? t.backend,
              earlyStopping: early,
              classWeights,
              augment: flags.augment === false || t.augment === false ? undefined : (t.augment ?? TRAIN_DEFAULTS.augment),
              windowStride: data.windowStride,
              units: data.units,
              onEpoch: bar.onEpoch,
              shouldStop: () => stop,
            },
          );
        } finally {
          bar.stop();
          process.off('SIGINT', onSigint);
        }
        await saveTrainArtifacts(out, r);
        r.model.dispose();
        if (r.report.training.interrupted) {
          throw new TinyforgeError('interrupted', `training interrupted after ${r.report.training.epochsRun} of ${epochs} epochs; the model so far and its report were saved to ${out}`, {
            remedy: 'Re-run the same command to train fully, or use the saved model as it is.',
          });
        }
        emit(o, { out, backend: r.backend, settings: r.settings, split: data.split, report: r.report }, summary(r, out));
      }),
    );
}
