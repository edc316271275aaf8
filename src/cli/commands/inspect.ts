/**
 * `tinyforge inspect FILE`: what is inside a .tflite model — operators with options, tensors with
 * shape, dtype, quantisation and size, weight/activation bytes, and the exact TFLM op-resolver
 * lines. Bad files end with a clear error (exit 3); unsupported operators with exit 4.
 */
import type { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { TinyforgeError, badInput } from '../../core/errors.js';
import { action, emit, globalOptions } from '../util.js';
import { readTflite, modelFacts } from '../../tflite/reader.js';
import { describeTflite, formatDescription } from '../../tflite/describe.js';

function readModelFile(path: string): Uint8Array {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw badInput(`${path} is not a file`, { remedy: 'Pass the path of a .tflite model file.' });
    size = st.size;
  } catch (e) {
    if (e instanceof TinyforgeError) throw e;
    throw badInput(`cannot open ${path}`, { cause: e, remedy: 'Check the path: pass an existing .tflite file.' });
  }
  if (size > 2 ** 31) throw badInput(`${path} is ${size} bytes; a .tflite flatbuffer is at most 2 GiB`, { remedy: 'Pass a .tflite model file.' });
  return new Uint8Array(readFileSync(path));
}

export function register(program: Command): void {
  program
    .command('inspect')
    .description('show the operators, tensors, quantisation, sizes and TFLM op resolver of a .tflite model')
    .argument('<file>', 'the .tflite model')
    .option('--resolver', 'print only the MicroMutableOpResolver lines')
    .addHelpText('after', '\nExamples:\n  tinyforge inspect model.tflite\n  tinyforge inspect model.tflite --json\n  tinyforge inspect model.tflite --resolver')
    .action(
      action((file: string, flags: { resolver?: boolean }, cmd: Command) => {
        const out = globalOptions(cmd);
        const bytes = readModelFile(file);
        let model;
        try {
          model = readTflite(bytes);
        } catch (e) {
          // An unsupported op still leaves a readable file: report what it contains.
          if (e instanceof TinyforgeError && e.kind === 'unsupported') {
            const f = modelFacts(bytes);
            throw new TinyforgeError('unsupported', `${file}: ${e.message}`, { remedy: e.remedy, details: { ...e.details, opSequence: f.opSequence, description: f.description } });
          }
          if (e instanceof TinyforgeError) throw new TinyforgeError(e.kind, `${file}: ${e.message}`, { remedy: e.remedy, details: e.details });
          throw e;
        }
        const d = describeTflite(model, bytes);
        if (flags.resolver) emit(out, d.resolver, d.resolver.lines.join('\n'));
        else emit(out, { file, ...d }, () => `${file}\n${formatDescription(d)}`);
      }),
    );
}
