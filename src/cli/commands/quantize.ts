/**
 * `tinyforge quantize` (tfjs model → int8 .tflite), `tinyforge convert` (→ .tflite + C array +
 * settings) and `tinyforge eval` (float vs int8 accuracy on a dataset).
 */
import type { Command } from 'commander';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { action, emit, globalOptions, info, type OutputOptions } from '../util.js';
import { badInput, unsupported, usageError } from '../../core/errors.js';
import { numElements } from '../../core/graph.js';
import type { ModelSettings } from '../../core/dataset.js';
import { quantize, validateOptions, type QuantizeResult } from '../../quantize/index.js';
import { writeFileAtomic, type ArrayData } from '../../quantize/io.js';
import { loadSources, need } from '../../quantize/sources.js';
import { evaluateInt8 } from '../../quantize/evaluate.js';
import { formatPerLayer, perLayerDiagnostics } from '../../quantize/per-layer.js';
import { writeTflite } from '../../tflite/writer.js';
import { readTflite } from '../../tflite/reader.js';
import { modelCArray } from '../../tflite/carray.js';

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
    .requiredOption('--model <path>', 'a train directory (tinyforge train --out DIR), or a tfjs Layers model folder / model.json')
    .option('--data <path>', `representative data (default: the train directory's calibration windows): ${DATA_HELP}`)
    .option('--input-type <type>', 'model input dtype: int8 (TFLM default) or float32 (adds QUANTIZE)', 'int8')
    .option('--output-type <type>', 'model output dtype: int8 or float32 (adds DEQUANTIZE)', 'int8')
    .option('--per-channel-dense', 'per-channel weights for Dense (FULLY_CONNECTED) layers too')
    .option('--settings <file>', 'model settings JSON (default: the train directory\'s, or settings.json beside model.json)')
    .option('--max-examples <n>', 'use at most this many representative examples', '1000')
    .option('--dynamic-range', 'dynamic-range (hybrid) quantisation: not supported, rejected')
    .option('--uint8', 'uint8 quantisation: not supported, rejected');
}

function parseMax(v: string | undefined): number {
  const n = Number(v ?? '1000');
  if (!Number.isInteger(n) || n < 1) throw usageError(`--max-examples must be a positive integer, got '${v}'`);
  return n;
}

function firstExamples(d: ArrayData, max: number): { x: Float32Array; shape: number[] } {
  const n = Math.min(d.shape[0], max);
  const per = numElements(d.shape.slice(1));
  return { x: d.x.subarray(0, n * per), shape: [n, ...d.shape.slice(1)] };
}

async function runQuantize(f: QuantizeFlags, o: OutputOptions): Promise<{ result: QuantizeResult; bytes: Uint8Array; settings?: ModelSettings; floatParams: number }> {
  if (f.dynamicRange) {
    throw unsupported('dynamic-range (hybrid) quantisation is not supported', { remedy: 'TFLM needs full-integer models: drop --dynamic-range and give representative data with --data.' });
  }
  if (f.uint8) throw unsupported('uint8 quantisation is not supported', { remedy: "Use the default int8 (TFLM's int8 kernels); uint8 is deprecated in TFLite." });
  validateOptions({ inputType: f.inputType, outputType: f.outputType });
  const max = parseMax(f.maxExamples);
  const src = await loadSources({ model: f.model, data: f.data, settings: f.settings });
  const rep = firstExamples(need(src.calibration, 'representative'), max);
  info(o, `calibrating on ${rep.shape[0]} examples of [${rep.shape.slice(1)}]…`);
  const result = quantize(src.model, rep, {
    inputType: f.inputType as 'int8' | 'float32',
    outputType: f.outputType as 'int8' | 'float32',
    perChannelDense: Boolean(f.perChannelDense),
    settings: src.settings,
  });
  const bytes = writeTflite(result.model);
  return { result, bytes, settings: result.settings, floatParams: src.model.countParams() };
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

export function register(program: Command): void {
  addQuantizeFlags(
    program
      .command('quantize')
      .description('Quantise a trained tfjs model to a full-integer int8 .tflite (TFLite post-training quantisation).')
      .requiredOption('--out <file>', 'output .tflite path')
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
      .requiredOption('--out-dir <dir>', 'output folder (created if missing)'),
  )
    .option('--name <id>', 'C identifier of the model array', 'g_model')
    .addHelpText('after', '\nExample:\n  tinyforge convert --model runs/m --data runs/m/representative.json --out-dir build/model')
    .action(
      action(async (f: QuantizeFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        const { result, bytes, settings, floatParams } = await runQuantize(f, o);
        const dir = f.outDir as string;
        try {
          mkdirSync(dir, { recursive: true });
        } catch (e) {
          throw badInput(`cannot create ${dir}`, { cause: e, remedy: 'Choose a writable output folder.' });
        }
        const files: string[] = [];
        const carray = modelCArray(bytes, { graph: result.model.graph, ...(settings ? { settings } : {}), ...(f.name ? { name: f.name } : {}) });
        // Everything is generated before anything is written, so a failure leaves no partial set.
        writeFileAtomic(join(dir, 'model.tflite'), bytes);
        files.push(join(dir, 'model.tflite'));
        for (const g of carray) {
          writeFileAtomic(join(dir, g.path), g.contents);
          files.push(join(dir, g.path));
        }
        if (settings) {
          writeFileAtomic(join(dir, 'settings.json'), JSON.stringify(settings, null, 2) + '\n');
          files.push(join(dir, 'settings.json'));
        }
        emit(o, { files, ...summary(result, bytes, floatParams) }, () =>
          [`wrote ${files.join(', ')}`, `model ${bytes.length} bytes (float weights ${floatParams * 4} bytes)`, layerTable(result)].join('\n'),
        );
      }),
    );

  program
    .command('eval')
    .description('Compare the float model with its int8 quantisation on a dataset: accuracy of each, agreement, and the accuracy int8 costs.')
    .requiredOption('--model <path>', 'a train directory, or a tfjs Layers model folder / model.json (the float reference)')
    .option('--data <path>', `labelled evaluation data (default: the train directory's held-out windows): ${DATA_HELP}`)
    .option('--tflite <file>', 'the int8 .tflite to evaluate (default: quantise the model now, calibrated on --rep)')
    .option('--rep <path>', "representative data when --tflite is not given (default: the train directory's calibration windows, else --data)")
    .option('--max-examples <n>', 'representative examples to calibrate with', '1000')
    .option('--per-layer', 'also compare every layer\'s float activation with its dequantised int8 tensor (SQNR, max/mean error, saturation)')
    .addHelpText('after', '\nExamples:\n  tinyforge eval --model runs/m\n  tinyforge eval --model runs/m --tflite model.tflite --data test.json\n  tinyforge eval --model out/demo/train --tflite out/demo/model.tflite --per-layer')
    .action(
      action(async (f: { model: string; data?: string; tflite?: string; rep?: string; maxExamples?: string; perLayer?: boolean }, cmd: Command) => {
        const o = globalOptions(cmd);
        const max = parseMax(f.maxExamples);
        const src = await loadSources({ model: f.model, data: f.data });
        const data = need(src.evaluation, 'evaluation');
        let graph;
        let modelBytes: number;
        if (f.tflite) {
          if (!existsSync(f.tflite)) throw badInput(`.tflite not found: ${f.tflite}`, { remedy: 'Check the path, or omit --tflite to quantise now.' });
          const bytes = new Uint8Array(readFileSync(f.tflite));
          modelBytes = bytes.length;
          graph = readTflite(bytes).graph;
        } else {
          const repSrc = f.rep ? await loadSources({ model: f.model, data: f.rep }) : src;
          const r = quantize(src.model, firstExamples(need(repSrc.calibration, 'representative'), max));
          modelBytes = writeTflite(r.model).length;
          graph = r.model.graph;
        }
        info(o, `evaluating on ${data.shape[0]} examples…`);
        const perLayer = f.perLayer ? perLayerDiagnostics(src.model, graph, data.x, data.shape[0]) : undefined;
        const report = { ...evaluateInt8(src.model, graph, data), modelBytes, tflite: f.tflite ?? null, ...(perLayer ? { perLayer } : {}) };
        const pct = (x: number | null) => (x === null ? 'n/a (no labels)' : `${(100 * x).toFixed(2)} %`);
        emit(o, report, () =>
          [
            `examples ${report.examples}, classes ${report.classes}, int8 model ${modelBytes} bytes`,
            `float accuracy ${pct(report.floatAccuracy)}`,
            `int8 accuracy  ${pct(report.int8Accuracy)}`,
            `int8 costs     ${report.accuracyCost === null ? 'n/a' : `${(100 * report.accuracyCost).toFixed(2)} points`}`,
            `agreement      ${pct(report.agreement)}`,
            `output error   max ${report.maxAbsError.toPrecision(3)}, mean ${report.meanAbsError.toPrecision(3)}`,
            ...(perLayer ? ['', formatPerLayer(perLayer)] : []),
          ].join('\n'),
        );
      }),
    );
}
