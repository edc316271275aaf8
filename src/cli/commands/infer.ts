/**
 * `tinyforge infer FILE.tflite --input in.bin [--output out.bin]`: run a model on the host with the
 * reference interpreter (bit-identical to TFLM's reference kernels for int8 models). Inputs and
 * outputs are raw tensor bytes (int8: one byte per element, NHWC / row-major), so the same files
 * can be sent to a board and compared byte for byte.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { badInput, usageError } from '../../core/errors.js';
import { action, emit, globalOptions, info } from '../util.js';
import { SUPPORTED_OPS } from '../../interp/index.js';
import { inferStage } from '../../service/infer.js';
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
        if (!flags.input?.length && flags.values === undefined) throw usageError('no input given', { remedy: 'Pass --input FILE (raw tensor bytes) or --values "1,2,3".' });
        if (flags.input?.length && flags.values !== undefined) throw usageError('give either --input or --values, not both');
        (flags.output ?? []).forEach(checkOutputPath);
        const model = readFile(file, 'model');
        const r = inferStage({
          model,
          source: file,
          ...(flags.input?.length ? { inputs: flags.input.map((p) => ({ bytes: readFile(p, 'input'), source: p })) } : {}),
          ...(flags.values !== undefined ? { values: parseValues(flags.values, '--values') } : {}),
        });
        if ((flags.output?.length ?? 0) > r.outputs.length) {
          throw usageError(`${flags.output?.length} --output files given but the model has ${r.outputs.length} output(s)`);
        }
        (flags.output ?? []).forEach((p, k) => {
          writeFileAtomic(p, r.raw[k]);
          info(out, `wrote ${p} (${r.raw[k].byteLength} bytes, output ${k})`);
        });
        // On stderr even with --json: the numbers above are wrong, not approximate.
        if (r.warning) process.stderr.write(r.warning + '\n');
        const report = r.outputs;
        emit(out, { model: file, outputs: report, saturation: r.saturation }, () =>
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
