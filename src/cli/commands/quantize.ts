/**
 * `tinyforge quantize` (tfjs model → int8 .tflite), `tinyforge convert` (→ .tflite + C array +
 * settings) and `tinyforge eval` (float vs int8 accuracy on a dataset).
 */
import type { Command } from 'commander';
import { readFileSync, existsSync } from 'node:fs';
import { action, emit, globalOptions, info, type OutputOptions } from '../util.js';
import { badInput, usageError } from '../../core/errors.js';
import type { QuantizeResult } from '../../quantize/index.js';
import { findConfig, writeFileAtomic } from '../../adapters/files.js';
import { loadSources, windowsAsArrayData } from '../../adapters/model-sources.js';
import { addImportOptions, descriptionFromOptions, loadRecordings, modelWindowsFromData, namesRecordings, type ImportFlags } from '../data-options.js';
import { formatPerLayer } from '../../quantize/per-layer.js';
import { int8CostText } from '../../quantize/eval.js';
import { formatFeatureSqnr } from '../../features/index.js';
import { readTflite } from '../../tflite/reader.js';
import { QUANTIZE_DEFAULT_MAX_EXAMPLES, checkQuantizeMode, evaluateModel, need, modelFiles, quantizeStage, writeModelFiles, type QuantizeStageResult } from '../../service/quantize.js';
import { deprecatedAlias, flag } from '../flags.js';
import { evalStreamAction, type EvalStreamFlags } from './eval-stream.js';
import type { Platform } from '../../service/ports.js';

interface QuantizeFlags {
  model: string;
  data?: string;
  out?: string;
  outDir?: string;
  settingsOut?: string;
  inputType?: string;
  outputType?: string;
  perChannelDense?: boolean;
  settings?: string;
  maxExamples?: string;
  dynamicRange?: boolean;
  uint8?: boolean;
  name?: string;
}

const DATA_HELP = 'a train directory, or JSON {"x": [...], "shape": [n, ...], "y"?: [...]} of windows already normalised as the model expects';

function addQuantizeFlags(c: Command): Command {
  return c
    .addOption(flag('model', 'a train directory (tinyforge train --out DIR), or a tfjs Layers model folder / model.json').makeOptionMandatory())
    .option('--data <path>', `representative data (default: the train directory's calibration windows): ${DATA_HELP}`)
    .option('--input-type <type>', 'model input dtype: int8 (TFLM default) or float32 (adds QUANTIZE)', 'int8')
    .option('--output-type <type>', 'model output dtype: int8 or float32 (adds DEQUANTIZE)', 'int8')
    .option('--per-channel-dense', 'per-channel weights for Dense (FULLY_CONNECTED) layers too')
    .addOption(flag('settings', 'model settings JSON (default: the train directory\'s, or settings.json beside model.json)'))
    .option('--max-examples <n>', 'use at most this many representative examples', String(QUANTIZE_DEFAULT_MAX_EXAMPLES))
    .option('--dynamic-range', 'dynamic-range (hybrid) quantisation: not supported, rejected')
    .option('--uint8', 'uint8 quantisation: not supported, rejected');
}

function parseMax(v: string | undefined): number {
  const n = Number(v ?? QUANTIZE_DEFAULT_MAX_EXAMPLES);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--max-examples must be a positive integer, got '${v}'`);
  return n;
}

async function runQuantize(f: QuantizeFlags, o: OutputOptions): Promise<QuantizeStageResult> {
  // Refuse unsupported modes before loading anything.
  const max = parseMax(f.maxExamples);
  checkQuantizeMode(f);
  const src = await loadSources({ model: f.model, data: f.data, settings: f.settings });
  const calibration = need(src.calibration, 'representative');
  info(o, `calibrating on ${Math.min(max, calibration.shape[0])} examples of [${calibration.shape.slice(1)}]…`);
  return quantizeStage({ model: src.model, settings: src.settings, calibration, maxExamples: max, inputType: f.inputType, outputType: f.outputType, perChannelDense: f.perChannelDense });
}

function layerTable(r: QuantizeResult): string {
  const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : '-');
  const rows = r.layers.map((l) => {
    const ws = l.weightScales ? `${fmt(Math.min(...l.weightScales))}..${fmt(Math.max(...l.weightScales))}` : '-';
    return `  ${l.name.padEnd(18)} ${l.op.padEnd(28)} out scale ${fmt(l.outputScale).padEnd(10)} zp ${String(l.outputZeroPoint).padStart(4)}  range [${fmt(l.min)}, ${fmt(l.max)}]  w ${ws}`;
  });
  return rows.join('\n');
}

function summary(r: QuantizeResult, bytes: Uint8Array, floatParams: number): Record<string, unknown> {
  return {
    bytes: bytes.length,
    floatParams,
    floatWeightBytes: floatParams * 4,
    ops: r.model.graph.operators.map((op) => op.op),
    inputQuant: r.inputQuant,
    outputQuant: r.outputQuant,
    layers: r.layers,
  };
}

export function register(program: Command, io: Platform): void {
  addQuantizeFlags(
    program
      .command('quantize')
      .description('Quantise a trained tfjs model to a full-integer int8 .tflite (TFLite post-training quantisation).')
      .addOption(flag('out', 'output .tflite path'))
      .option('--settings-out <file>', 'also write the model settings with inputQuant/outputQuant filled in (for `tinyforge firmware`)'),
  )
    .addHelpText(
      'after',
      `\nSupported layers: Dense, Conv1D, Conv2D, DepthwiseConv2D, SeparableConv1D/2D, Max/AveragePooling1D/2D,\nGlobalAverage/MaxPooling1D/2D, Flatten, Reshape, Dropout, BatchNormalization (folded), Activation/ReLU/Softmax\n(relu, relu6, sigmoid, tanh, softmax), Add, Concatenate. Example:\n  tinyforge quantize --model runs/m/model.json --data runs/m/representative.json --out model.tflite`,
    )
    .action(
      action(async (f: QuantizeFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        const { result, bytes, floatParams, settings } = await runQuantize(f, o);
        if (!f.out) throw usageError('--out is required', { remedy: 'pass the output .tflite path, e.g. --out model.tflite' });
        if (f.settingsOut && !settings) {
          throw badInput('--settings-out needs model settings', { remedy: 'Quantise a train directory, or pass --settings settings.json.' });
        }
        writeFileAtomic(f.out as string, bytes);
        if (f.settingsOut) writeFileAtomic(f.settingsOut, JSON.stringify(settings, null, 2) + '\n');
        emit(o, { out: f.out, ...summary(result, bytes, floatParams) }, () =>
          [
            `wrote ${f.out} (${bytes.length} bytes, ${result.model.graph.operators.length} ops; float weights ${floatParams * 4} bytes for ${floatParams} parameters)`,
            `input  scale ${result.inputQuant.scale} zero point ${result.inputQuant.zeroPoint}`,
            `output scale ${result.outputQuant.scale} zero point ${result.outputQuant.zeroPoint}`,
            layerTable(result),
          ].join('\n'),
        );
      }),
    );

  addQuantizeFlags(
    program
      .command('convert')
      .description('tfjs model → int8 model.tflite + C array (model_data.h/.cc) + settings.json (with input/output quantisation) in one folder.')
      .addOption(flag('out', 'output folder (created if missing)'))
      .addOption(deprecatedAlias('--out-dir <dir>', '--out')),
  )
    .option('--name <id>', 'C identifier of the model array', 'g_model')
    .addHelpText('after', '\nExample:\n  tinyforge convert --model runs/m --data runs/m/representative.json --out build/model')
    .action(
      action(async (f: QuantizeFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        if (f.out && f.outDir && f.out !== f.outDir) throw usageError('--out and --out-dir name different folders', { remedy: 'pass only --out (--out-dir is its old name)' });
        const dir = f.out ?? f.outDir;
        if (!dir) throw usageError('--out is required', { remedy: 'pass the output folder, e.g. --out build/model' });
        const q = await runQuantize(f, o);
        // Everything is generated before anything is written, so a failure leaves no partial set.
        const files = writeModelFiles(io, dir, modelFiles(q, { name: f.name }));
        emit(o, { files, ...summary(q.result, q.bytes, q.floatParams) }, () =>
          [`wrote ${files.join(', ')}`, `model ${q.bytes.length} bytes (float weights ${q.floatParams * 4} bytes)`, layerTable(q.result)].join('\n'),
        );
      }),
    );

  addImportOptions(program.command('eval'))
    .description('Compare the float model with its int8 quantisation on a dataset: accuracy of each, agreement, and the accuracy int8 costs.')
    .addOption(flag('model', 'a train directory, or a tfjs Layers model folder / model.json (the float reference)').makeOptionMandatory())
    .option('--data <path>', `labelled evaluation data (default: the train directory's held-out windows): ${DATA_HELP}; or recordings (files, folder, glob) read with the import flags`)
    .option('--tflite <file>', 'the int8 .tflite to evaluate (default: quantise the model now, calibrated on --rep)')
    .option('--rep <path>', "representative data when --tflite is not given (default: the train directory's calibration windows, else --data)")
    .option('--max-examples <n>', 'representative examples to calibrate with', '1000')
    .option('--per-layer', 'also compare every layer\'s float activation with its dequantised int8 tensor (SQNR, max/mean error, saturation)')
    .option('--stream', 'score whole continuous recordings instead (--model is then the int8 .tflite, with --settings): simulated sessions with activity changes, or with --data a real session cut into labelled segments by --segments (in order, one stream), through the board\'s continuous path; per-sample accuracy, segments hit/missed, false changes per hour, latency, flicker; the smoothing chosen on validation streams is written to the settings')
    .addOption(flag('settings', '--stream: the settings.json of the .tflite (the chosen smoothing is written into it unless --no-write)'))
    .option('--streams <n>', '--stream: validation and test streams to simulate (each, default 4)')
    .option('--seed <n>', '--stream: seed of the simulated sessions (default 1)')
    .option('--firmware <dir>', '--stream: a built virtual-board project running the link app: the first test stream is also played on it (its IMU plays the recording) and compared with the host replay window by window')
    .option('--board-seconds <s>', '--stream --firmware: seconds of the first test stream the board plays (real time; default 60)')
    .option('--no-write', '--stream: do not write the chosen smoothing into --settings')
    .addHelpText('after', '\nExamples:\n  tinyforge eval --model runs/m\n  tinyforge eval --model runs/m --tflite model.tflite --data test.json\n  tinyforge eval --model out/demo/train --tflite out/demo/model.tflite --per-layer')
    .action(
      action(async (f: ImportFlags & EvalStreamFlags & { model: string; data?: string; tflite?: string; rep?: string; maxExamples?: string; perLayer?: boolean; stream?: boolean }, cmd: Command) => {
        const o = globalOptions(cmd);
        if (f.stream) return evalStreamAction(io, f, o, f.data ? () => loadRecordings(descriptionFromOptions(f, findConfig(undefined).config.data, [f.data!])).recordings : undefined);
        const max = parseMax(f.maxExamples);
        const recordings = f.data !== undefined && namesRecordings(f.data);
        const report = await evaluateModel(io, {
          model: f.model,
          data: f.data,
          ...(recordings ? { evaluation: (settings, model) => windowsAsArrayData(modelWindowsFromData(f.data!, f, settings), model, settings!) } : {}),
          tflite: f.tflite,
          rep: f.rep,
          maxExamples: max,
          perLayer: f.perLayer,
          onProgress: (p) => p.phase === 'evaluating' && info(o, `evaluating on ${p.total} examples…`),
        });
        const { perLayer, perFeature, frontEnd, modelBytes } = report;
        // On stderr even with --json: saturated values are wrong answers, not approximations.
        if (report.warning) process.stderr.write(report.warning + '\n');
        const pct = (x: number | null) => (x === null ? 'n/a (no labels)' : `${(100 * x).toFixed(2)} %`);
        emit(o, report, () =>
          [
            `examples ${report.examples}, classes ${report.classes}, int8 model ${modelBytes} bytes`,
            `front-end      ${frontEnd.block}${frontEnd.features !== null ? ` (${frontEnd.features} integer features, docs/features.md)` : ' windows'}`,
            `float accuracy ${pct(report.floatAccuracy)}`,
            `int8 accuracy  ${pct(report.int8Accuracy)}`,
            `int8 costs     ${int8CostText(report.accuracyCost)}`,
            `agreement      ${pct(report.agreement)}`,
            `output error   max ${report.maxAbsError.toPrecision(3)}, mean ${report.meanAbsError.toPrecision(3)}`,
            ...(perFeature ? ['', formatFeatureSqnr(frontEnd.block, perFeature, report.perFeatureWindows ?? 0)] : []),
            ...(perLayer ? ['', formatPerLayer(perLayer)] : []),
          ].join('\n'),
        );
      }),
    );
}
