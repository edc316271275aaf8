/**
 * `tinyforge infer FILE.tflite --input in.bin [--output out.bin]`: run a model on the host with the
 * reference interpreter (bit-identical to TFLM's reference kernels for int8 models). Inputs and
 * outputs are raw tensor bytes (int8: one byte per element, NHWC / row-major), so the same files
 * can be sent to a board and compared byte for byte.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { TinyforgeError, badInput, usageError } from '../../core/errors.js';
import { DTYPE_BYTES, numElements } from '../../core/graph.js';
import type { Graph } from '../../core/graph.js';
import { action, emit, globalOptions, info } from '../util.js';
import { readTflite } from '../../tflite/reader.js';
import { SUPPORTED_OPS, createInterpreter, dequantizeOutput, quantizeInput } from '../../interp/index.js';
import { writeFileAtomic } from '../../adapters/files.js';

function readFile(path: string, what: string): Uint8Array {
  if (!existsSync(path)) throw badInput(`${what} file not found: ${path}`, { remedy: `Check the path of the ${what} file.` });
  if (!statSync(path).isFile()) throw badInput(`${what} ${path} is not a file (a folder?)`, { remedy: `Pass the ${what} file itself.` });
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw badInput(`cannot read ${what} ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, remedy: `Check that the ${what} file is readable.` });
  }
}

/** Refuse an --output path that cannot be written before any work is done (the folder must exist). */
function checkOutputPath(path: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw badInput(`cannot write ${path}: the folder ${dir} does not exist`, { remedy: `Create it first (mkdir -p ${dir}) or choose another --output.` });
  }
  if (existsSync(path) && statSync(path).isDirectory()) {
    throw badInput(`cannot write ${path}: it is a folder`, { remedy: 'Give a file name for --output, e.g. out.bin.' });
  }
}

function parseValues(text: string, what: string): number[] {
  const parts = text.trim().replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
  const vals = parts.map(Number);
  const bad = parts.findIndex((p, i) => !Number.isFinite(vals[i]) || p === '');
  if (bad >= 0) throw badInput(`${what}: "${parts[bad]}" is not a number`, { remedy: 'Give numbers separated by commas or spaces (a JSON array also works).' });
  return vals;
}

/** Typed element values of raw tensor bytes (int8/float32/int32/uint8/int16). */
function elementValues(graph: Graph, tensorIndex: number, raw: Uint8Array): number[] {
  const t = graph.tensors[tensorIndex];
  const b = raw.slice().buffer;
  switch (t.dtype) {
    case 'int8':
      return Array.from(new Int8Array(b));
    case 'uint8':
      return Array.from(new Uint8Array(b));
    case 'int16':
      return Array.from(new Int16Array(b));
    case 'int32':
      return Array.from(new Int32Array(b));
    case 'float32':
      return Array.from(new Float32Array(b));
    default:
      return Array.from(raw);
  }
}

function argMax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The help's op list: the interpreter's ops (the op registry), wrapped at 100 columns. */
export function supportedOpsHelp(): string {
  const lines: string[] = [];
  let line = 'Supported ops (int8 and float32):';
  for (const op of SUPPORTED_OPS) {
    if (line.length + 1 + op.length > 100) {
      lines.push(line);
      line = op;
    } else line += ` ${op}`;
  }
  return [...lines, line].join('\n');
}

export function register(program: Command): void {
  program
    .command('infer')
    .description('run a .tflite model on the host with the int8 reference interpreter (bit-exact with TFLM reference kernels)')
    .argument('<file>', 'the .tflite model')
    .option('-i, --input <file>', 'raw bytes of a model input, in its dtype (repeat once per input, in order)', collect)
    .option('--values <numbers>', 'real-valued input 0 as numbers ("0.1,2,-3" or a JSON array), quantised with the input\'s scale / zero point')
    .option('-o, --output <file>', 'write the raw bytes of a model output (repeat once per output, in order); written atomically', collect)
    .addHelpText(
      'after',
      `
Input files hold exactly the tensor's bytes (int8: one byte per element, row-major / NHWC);
a wrong size is an error that states the expected byte count. With --json the output values,
dequantised values and arg-max are printed as JSON.

${supportedOpsHelp()}

Examples:
  tinyforge infer model.tflite --input in.bin --output out.bin
  tinyforge infer model.tflite --values "0.1, 0.5, -0.2" --json`,
    )
    .action(
      action((file: string, flags: { input?: string[]; values?: string; output?: string[] }, cmd: Command) => {
        const out = globalOptions(cmd);
        const inputs = flags.input ?? [];
        if (inputs.length === 0 && flags.values === undefined) {
          throw usageError('no input given', { remedy: 'Pass --input FILE (raw tensor bytes) or --values "1,2,3".' });
        }
        if (inputs.length > 0 && flags.values !== undefined) throw usageError('give either --input or --values, not both');
        (flags.output ?? []).forEach(checkOutputPath);
        const modelBytes = readFile(file, 'model');
        let model;
        try {
          model = readTflite(modelBytes);
        } catch (e) {
          if (e instanceof TinyforgeError) throw new TinyforgeError(e.kind, `${file}: ${e.message}`, { remedy: e.remedy, details: e.details, cause: e.cause });
          throw e;
        }
        const graph = model.graph;
        const interp = createInterpreter(graph);
        let raws: Uint8Array[];
        if (flags.values !== undefined) {
          if (graph.inputs.length !== 1) throw usageError(`--values fills one input but the model has ${graph.inputs.length}`, { remedy: 'Use one --input FILE per model input.' });
          raws = [quantizeInput(graph, parseValues(flags.values, '--values'))];
        } else {
          if (inputs.length !== graph.inputs.length) {
            throw badInput(`the model has ${graph.inputs.length} input(s) but ${inputs.length} --input file(s) were given`, { remedy: 'Pass one --input FILE per model input, in order.' });
          }
          raws = inputs.map((p, k) => {
            const b = readFile(p, 'input');
            if (b.byteLength !== interp.inputBytes[k]) {
              const t = graph.tensors[graph.inputs[k]];
              throw badInput(`${p} is ${b.byteLength} bytes but input ${k} ("${t.name}", ${t.dtype} [${t.shape}]) needs exactly ${interp.inputBytes[k]} bytes`, {
                remedy: `Write the raw tensor: ${numElements(t.shape)} elements × ${DTYPE_BYTES[t.dtype]} byte(s), row-major.`,
                details: { expectedBytes: interp.inputBytes[k], actualBytes: b.byteLength },
              });
            }
            return b;
          });
        }
        if ((flags.output?.length ?? 0) > graph.outputs.length) {
          throw usageError(`${flags.output?.length} --output files given but the model has ${graph.outputs.length} output(s)`);
        }
        const results = interp.invoke(raws);
        (flags.output ?? []).forEach((p, k) => {
          writeFileAtomic(p, results[k]);
          info(out, `wrote ${p} (${results[k].byteLength} bytes, output ${k})`);
        });
        const report = results.map((raw, k) => {
          const ti = graph.outputs[k];
          const t = graph.tensors[ti];
          const values = elementValues(graph, ti, raw);
          const dequantizable = (t.dtype === 'int8' && !!t.quant?.scale.length) || t.dtype === 'float32';
          const dequantized = dequantizable ? Array.from(dequantizeOutput(graph, raw, k)) : undefined;
          return {
            index: k,
            tensor: ti,
            name: t.name,
            dtype: t.dtype,
            shape: t.shape,
            bytes: raw.byteLength,
            values,
            ...(dequantized ? { dequantized } : {}),
            argmax: argMax(dequantized ?? values),
          };
        });
        emit(out, { model: file, outputs: report }, () =>
          report
            .map(
              (r) =>
                `output ${r.index} "${r.name}" ${r.dtype} [${r.shape}]: ${r.values.join(' ')}` +
                (r.dequantized && r.dtype !== 'float32' ? `\n  dequantised: ${r.dequantized.map((v) => +v.toPrecision(6)).join(' ')}` : '') +
                `\n  arg-max: ${r.argmax}`,
            )
            .join('\n'),
        );
      }),
    );
}
