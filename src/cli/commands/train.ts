/**
 * `tinyforge train`: labelled recordings (or the built-in data, or a lecture example) → a trained
 * float model + settings + evaluation report + calibration/held-out windows in one folder.
 * Flags override the project file (tinyforge.config.json), which overrides the defaults.
 */
import { join, relative } from 'node:path';
import { Command, Option } from 'commander';
import { usageError } from '../../core/errors.js';
import { saveTrainArtifacts } from '../../adapters/train-dir.js';
import type { BackendPreference } from '../../train/backend.js';
import { frontEndFromConfig, type FeaturesConfig, type TinyforgeConfig } from '../../train/config.js';
import { findConfig } from '../../adapters/files.js';
import { BLOCKS, BLOCK_NAMES } from '../../features/index.js';
import { EXAMPLES, trainAutoencoder, trainDigits, trainRegression } from '../../train/examples.js';
import { PRESETS, PRESET_HELP } from '../../train/models.js';
import { ANOMALY_DEFAULTS } from '../../train/anomaly.js';
import type { EpochRecord, TrainResult } from '../../train/train.js';
import { prepareData } from '../../service/data.js';
import { TRAIN_DEFAULTS, crossValidate, trainSettings, trainStage, type CrossValidation } from '../../service/train.js';
import { builtinDataset } from '../../data/simulator.js';
import { action, emit, globalOptions, info, progress, softInterrupt, type OutputOptions } from '../util.js';
import type { StopControl } from '../../adapters/signals.js';
import { flag } from '../flags.js';
import { applyFlags } from '../config-flags.js';
import { addImportOptions, addSplitOptions, builtinProgress, descriptionFromOptions, detectionLines, loadRecordings, type ImportFlags, type SplitFlags } from '../data-options.js';
import type { Platform } from '../../service/ports.js';

export { TRAIN_DEFAULTS };

type Flags = ImportFlags & Pick<SplitFlags, 'excludeLabels' | 'testGroups'> & {
  folds?: string;
  builtin?: boolean;
  force?: boolean;
  data?: string[];
  example?: string;
  calibrationRange?: string;
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
  features?: string;
  anomaly?: string;
  anomalyQuantile?: string;
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
    `front-end: ${r.report.frontEnd.block}${r.report.frontEnd.block === 'raw' ? ' windows' : ` (${r.report.frontEnd.features} integer features per window, docs/features.md)`}`,
    `accuracy: train ${pct(a.train)}, validation ${pct(a.val)}, test ${pct(a.test)}`,
    `verdict: ${r.report.verdict.kind} — ${r.report.verdict.text}`,
    ...(r.report.anomaly ? [`anomaly: K-means, ${r.report.anomaly.clusters} clusters, threshold ${r.report.anomaly.threshold.toFixed(2)} (the ${r.report.anomaly.quantile} quantile of ${r.report.anomaly.thresholdFrom} distances); flagged: train ${pct(r.report.anomaly.flagged.train)}, validation ${pct(r.report.anomaly.flagged.val)}, test ${pct(r.report.anomaly.flagged.test)}`] : []),
    `model: ${r.report.size.params} parameters, ${r.report.size.macs} MACs, ≈${(r.report.size.flashBytes / 1024).toFixed(1)} KB int8 flash, ≈${(r.report.size.ramBytes / 1024).toFixed(1)} KB activations`,
    `saved to ${out} (report: ${join(out, 'report.html')})`,
  ].join('\n');
}

/** "LO:HI" → [LO, HI] (numbers, LO < HI). */
function parseRange(text: string): [number, number] {
  const m = /^\s*(-?[\d.]+(?:e-?\d+)?)\s*:\s*(-?[\d.]+(?:e-?\d+)?)\s*$/i.exec(text);
  const r = m ? ([Number(m[1]), Number(m[2])] as [number, number]) : null;
  if (!r || !r.every(Number.isFinite) || !(r[0] < r[1])) throw usageError(`--calibration-range '${text}' is not LO:HI with LO < HI`, { remedy: 'e.g. --calibration-range -10:20' });
  return r;
}

async function runExample(name: string, flags: Flags, cfg: TinyforgeConfig, o: OutputOptions): Promise<void> {
  const out = flags.out ?? cfg.train?.out ?? `out/${name}`;
  const seed = num('seed', flags.seed, true, 0) ?? cfg.train?.seed ?? TRAIN_DEFAULTS.seed;
  const backend = flags.backend ?? cfg.train?.backend;
  if (name === 'regression') {
    const epochs = num('epochs', flags.epochs, true, 1) ?? 500;
    info(o, `training one neuron on X = {-1…4}, Y = 2X − 1 with sgd for ${epochs} epochs…`);
    const r = await trainRegression({ epochs, seed, backend, learningRate: num('lr', flags.lr, false, 0), ...(flags.calibrationRange !== undefined ? { calibrationRange: parseRange(flags.calibrationRange) } : {}) });
    await saveTrainArtifacts(out, r);
    r.model.dispose();
    const result = { example: 'regression', backend: r.backend, epochs, weight: r.weight, bias: r.bias, predictAt10: r.predictAt10, finalLoss: r.losses[r.losses.length - 1], calibrationRange: r.calibrationRange, out };
    emit(o, result, `learned y = ${r.weight.toFixed(4)}·x ${r.bias < 0 ? '−' : '+'} ${Math.abs(r.bias).toFixed(4)} (true: y = 2x − 1) on ${r.backend}\nprediction for x = 10: ${r.predictAt10.toFixed(4)} (true: 19)\nfinal loss (MSE): ${r.losses[r.losses.length - 1].toExponential(3)}\nint8 calibration range: x = ${r.calibrationRange[0]} … ${r.calibrationRange[1]}${flags.calibrationRange === undefined ? ' (the training X widened by twice its span; --calibration-range LO:HI to change)' : ''}; int8 clamps outside it\nsaved to ${out}`);
    return;
  }
  if (name === 'autoencoder') {
    const epochs = num('epochs', flags.epochs, true, 1) ?? 8;
    info(o, `training a 640 → 64 → 8 → 64 → 640 autoencoder on synthetic spectra for ${epochs} epochs…`);
    const r = await trainAutoencoder({ epochs, seed, backend, learningRate: num('lr', flags.lr, false, 0) });
    await saveTrainArtifacts(out, r);
    r.model.dispose();
    const finalLoss = r.losses[r.losses.length - 1];
    emit(o, { example: 'autoencoder', backend: r.backend, epochs, finalLoss, out }, `trained a 640-input, 640-output autoencoder (task "anomaly": the score is the reconstruction error) on ${r.backend}\nfinal loss (MSE): ${finalLoss.toExponential(3)}\nsaved to ${out}\nnext: tinyforge convert --model ${out} --out ${out}-int8`);
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

/** Train flags over the project file's train section → trainer settings. */
/** Training settings from the train section with the flags already applied (applyFlags). */
function trainSettingsFrom(flags: Flags, t: TinyforgeConfig['train'] & object, cfg: TinyforgeConfig) {
  return trainSettings({
    ...t,
    earlyStopping: t.earlyStopping === false ? false : { patience: t.earlyStopping ? t.earlyStopping.patience : TRAIN_DEFAULTS.patience },
  }, frontEndFromConfig(flags.features && !(typeof cfg.features === 'object' && cfg.features.block === flags.features) ? (flags.features as FeaturesConfig) : cfg.features));
}

export function register(program: Command, stops: StopControl, io: Platform): void {
  addSplitOptions(addImportOptions(program.command('train')))
    .description('Train a float model on labelled recordings (or the built-in data) with TensorFlow.js; save it with its settings, evaluation report and windows')
    .option('--force', 'built-in data: simulate even above 10 million samples (estimated first, refused above that otherwise)')
    .option('--builtin', 'use the built-in simulated activity data (idle/walking/running/biking/golfing); the default without --data')
    .addOption(flag('data', 'recording files or folders (IMU_Capture CSV, CSV with time column, Edge Impulse JSON, tinyforge capture)'))
    .addOption(new Option('--example <name>', "the lecture's other examples instead of activity data").choices([...EXAMPLES]))
    .addOption(flag('preset', `model preset (default ${TRAIN_DEFAULTS.preset})`))
    .addOption(flag('epochs', `maximum epochs (default ${TRAIN_DEFAULTS.epochs}; regression 500, digits 5)`))
    .option('--batch-size <n>', `windows per gradient step (default ${TRAIN_DEFAULTS.batchSize})`)
    .addOption(new Option('--optimizer <name>', `optimizer (default ${TRAIN_DEFAULTS.optimizer})`).choices(['adam', 'sgd']))
    .option('--lr <x>', `learning rate (default ${TRAIN_DEFAULTS.learningRate})`)
    .addOption(flag('seed', `seed for split, initial weights and shuffling (default ${TRAIN_DEFAULTS.seed})`))
    .addOption(flag('backend', 'TensorFlow.js backend (default: node if installed, else wasm, else cpu)'))
    .option('--patience <n>', `early stopping: epochs without validation-loss improvement (default ${TRAIN_DEFAULTS.patience}); best weights are kept`)
    .option('--no-early-stopping', 'train all epochs')
    .option('--class-weights <w>', "'balanced' or comma-separated weights per class")
    .option('--no-augment', 'no random rotation/gain of training windows (default: rotate 0.2 rad, gain 5 %, fresh every epoch)')
    .option('--folds <k>', 'grouped k-fold: train k times, each holding one k-th of the groups out as the test split (out/fold-N); prints the mean ± spread of test accuracy')
    .option('--window <n>', 'samples per window (default: 2 s, or one window per equal-length short recording)')
    .option('--stride <n>', 'hop between windows in samples (default: half a window)')
    .option('--calibration-range <lo:hi>', 'regression example: the x range int8 is calibrated for (default: the training X widened by twice its span, -11:14)')
    .addOption(flag('out', `output folder (default ${TRAIN_DEFAULTS.out}, or out/<example>)`))
    .addOption(flag('config', 'project file (default: ./tinyforge.config.json when present)'))
    .option('--anomaly <k>', `add an anomaly score for motions unlike any trained class: K-means with K clusters on the model input, threshold at the --anomaly-quantile (default ${ANOMALY_DEFAULTS.quantile}) of the validation windows' distances (docs/anomaly.md)`)
    .option('--anomaly-quantile <q>', 'share of known (validation) windows under the anomaly threshold, in (0, 1]')
    .addOption(new Option('--features <block>', `front-end between windows and the model (default raw; parameters in the project file's "features" section): ${BLOCK_NAMES.map((b) => `${b} — ${BLOCKS[b].summary}`).join('; ')}`).choices([...BLOCK_NAMES]))
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
        if (flags.example && (flags.anomaly !== undefined || flags.anomalyQuantile !== undefined)) {
          throw usageError(`--anomaly scores activity windows for a classifier; the ${flags.example} example ${flags.example === 'regression' ? 'is a regression (task "regression")' : 'classifies images, not sensor windows'}`, {
            remedy: 'drop --anomaly, or train on activity data: tinyforge train --builtin --anomaly 16',
          });
        }
        if (flags.example) return runExample(flags.example, flags, cfg, o);
        if (flags.builtin && flags.data) throw usageError('use either --builtin or --data, not both', { remedy: 'Drop one of them.' });
        // The one flags-over-config merge (src/cli/config-flags.ts), as run, demo and tune use it;
        // its data section follows the same rule as `data split` (dataSectionFromFlags).
        const merged = applyFlags(cfg, { ...flags, data: undefined, builtin: undefined });
        const t = merged.train ?? {};
        const dataCfg = merged.data ?? {};
        const desc = flags.builtin ? undefined : descriptionFromOptions(flags, cfg.data, flags.data);
        // The same function `data split` and `run` use: same files, options and seed → same split.
        const builtin = flags.force ? { ...(typeof dataCfg.builtin === 'object' ? dataCfg.builtin : {}), force: true } : dataCfg.builtin;
        const onProgress = builtinProgress(o);
        if (flags.folds !== undefined) {
          if (flags.testGroups) throw usageError('use either --folds or --test-groups, not both', { remedy: 'drop one' });
          const k = num('folds', flags.folds, true, 2)!;
          const recs = desc?.files?.length ? loadRecordings(desc).recordings : builtinDataset({ ...(typeof builtin === 'object' ? builtin : {}), onProgress });
          onProgress.stop();
          const settings = trainSettingsFrom(flags, t, cfg);
          const out = flags.out ?? t.out ?? TRAIN_DEFAULTS.out;
          const interrupt = softInterrupt(o, stops);
          let cv: CrossValidation;
          try {
            cv = await crossValidate(io, recs, dataCfg, settings, out, k, { shouldStop: interrupt.stopped, onFold: (i, g) => info(o, `fold ${i}/${k}: test groups ${g.join(', ')}`) });
          } finally {
            interrupt.dispose();
          }
          const p = (x: number) => `${(100 * x).toFixed(1)} %`;
          emit(o, { out, folds: cv.folds, test: cv.test }, [
            ...cv.folds.map((f) => `fold ${f.fold}: test ${pct(f.accuracy.test)} (train ${pct(f.accuracy.train)}, validation ${pct(f.accuracy.val)}; ${f.verdict}) — held out ${f.testGroups.join(', ')} → ${f.out}`),
            `grouped ${k}-fold test accuracy: ${p(cv.test.mean)} ± ${p(cv.test.std)} (min ${p(cv.test.min)}, max ${p(cv.test.max)})`,
          ].join('\n'));
          return;
        }
        const data = prepareData(io, { ...dataCfg, paths: desc?.files, import: desc, builtin: desc?.files?.length ? undefined : builtin, onProgress });
        onProgress.stop();
        for (const r of data.reports) for (const l of detectionLines(r)) info(o, `${r.source}: ${l}`);
        if (data.source === 'files') info(o, `read ${data.recordings} recordings from ${data.files.length} file(s)`);
        for (const n of data.notes) info(o, n);
        info(o, `windows: train ${data.train.y.length}, validation ${data.val.y.length}, test ${data.test.y.length} (${data.windowLength} samples × ${data.axes.length} axes, ${data.labels.join('/')})`);

        const settings = trainSettingsFrom(flags, t, cfg);
        const out = flags.out ?? t.out ?? TRAIN_DEFAULTS.out;
        const bar = onEpochBar(o, settings.epochs);
        // Ctrl-C once: finish the epoch, save what there is, exit 130. Twice: abort at once.
        const interrupt = softInterrupt(o, stops);
        let r: TrainResult;
        try {
          r = (await trainStage(io, data, settings, out, { onEpoch: bar.onEpoch, shouldStop: interrupt.stopped })).result;
        } finally {
          bar.stop();
          interrupt.dispose();
        }
        r.model.dispose();
        emit(o, { out, backend: r.backend, settings: r.settings, split: data.split, report: r.report }, summary(r, out));
      }),
    );
}
