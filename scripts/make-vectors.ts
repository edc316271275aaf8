/**
 * Makes the committed test vectors for tinyforge's OWN models (vectors/): for each model preset
 * the trainer offers, a seeded (untrained) Keras model is quantised with calibration windows from
 * the built-in data, written as .tflite, and run by the host reference interpreter on inputs made
 * exactly like shared/vectors' (SplitMix64, seed 0x5EED0000 + k). A `-logits` variant exposes the
 * int8 tensor that feeds the final SOFTMAX, because softmax outputs saturate and carry few bits.
 *
 * The same files are then run by the TypeScript interpreter, the native C engine on the host and
 * the virtual board (tests/vectors/*.test.ts, tests/e2e/virtual-board-vectors.test.ts).
 *
 *   node bin/run-ts.mjs scripts/make-vectors.ts        # rewrites vectors/
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../src/core/shared.js';
import { numElements, type TfliteModel } from '../src/core/graph.js';
import { builtinPrepared } from '../src/data/prepare.js';
import { applyNormalisation } from '../src/data/window.js';
import { buildModel } from '../src/train/models.js';
import { quantize } from '../src/quantize/index.js';
import { writeTflite } from '../src/tflite/writer.js';
import { createInterpreter } from '../src/interp/index.js';
import { TINYFORGE_VERSION } from '../src/core/version.js';
import { splitmix64Bytes } from './splitmix.js';

const PRESETS = ['conv1d', 'dense', 'dsconv'] as const;
const VECTORS = 8;

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function logitsVariant(m: TfliteModel): TfliteModel {
  const g = m.graph;
  const softmax = g.operators.find((o) => o.op === 'SOFTMAX' && o.outputs[0] === g.outputs[0]);
  if (!softmax) throw new Error('model does not end in SOFTMAX');
  return { ...m, graph: { ...g, outputs: [softmax.inputs[0]] } };
}

async function main(): Promise<void> {
  await tf.setBackend('cpu'); // float32 in plain JS: the same calibration on every machine
  const data = builtinPrepared({ seed: 1 });
  const calib = applyNormalisation(data.train, data.normalisation);
  const nCal = 200;
  const shape = [data.windowLength, data.axes.length];
  const root = join(REPO_ROOT, 'vectors');
  const tmp = root + '.tmp';
  rmSync(tmp, { recursive: true, force: true });
  for (const preset of PRESETS) {
    const model = buildModel(preset, { windowLength: data.windowLength, axes: data.axes.length, classes: data.labels.length, seed: 7 });
    const q = quantize(model, { x: calib.x.subarray(0, nCal * numElements(shape)), shape: [nCal, ...shape] });
    model.dispose();
    for (const [name, m] of [[`${preset}`, q.model], [`${preset}-logits`, logitsVariant(q.model)]] as const) {
      const dir = join(tmp, name);
      mkdirSync(dir, { recursive: true });
      const bytes = writeTflite(m);
      writeFileSync(join(dir, 'model.tflite'), bytes);
      const interp = createInterpreter(m.graph);
      const inBytes = interp.inputBytes[0];
      const vectors = [];
      for (let k = 0; k < VECTORS; k++) {
        const input = splitmix64Bytes(0x5eed0000n + BigInt(k), inBytes);
        const output = interp.invoke([input])[0];
        const nn = String(k).padStart(3, '0');
        writeFileSync(join(dir, `in-${nn}.bin`), input);
        writeFileSync(join(dir, `out-${nn}.bin`), output);
        vectors.push({ input: `in-${nn}.bin`, output: `out-${nn}.bin`, seed_hex: '0x' + (0x5eed0000 + k).toString(16).toUpperCase(), output_int8: Array.from(new Int8Array(output.buffer, output.byteOffset, output.length)) });
      }
      const t = (i: number) => m.graph.tensors[i];
      writeFileSync(
        join(dir, 'meta.json'),
        JSON.stringify(
          {
            name,
            about: `tinyforge's '${preset}' preset (seeded initial weights, seed 7, untrained) for 100×3 accelerometer windows, 5 classes, full-integer int8 by tinyforge's quantiser${name.endsWith('-logits') ? '; logits variant: the graph output is the int8 input of the final SOFTMAX' : ''}.`,
            model: { file: 'model.tflite', bytes: bytes.length, sha256: sha(bytes), op_sequence: m.graph.operators.map((o) => o.op) },
            input: { shape: t(m.graph.inputs[0]).shape, scale: t(m.graph.inputs[0]).quant?.scale[0], zero_point: t(m.graph.inputs[0]).quant?.zeroPoint[0] },
            output: { shape: t(m.graph.outputs[0]).shape, scale: t(m.graph.outputs[0]).quant?.scale[0], zero_point: t(m.graph.outputs[0]).quant?.zeroPoint[0] },
            calibration: `the first ${nCal} normalised training windows of the built-in data (builtinPrepared({ seed: 1 })), tfjs cpu backend`,
            input_generation: 'SplitMix64 with seed 0x5EED0000 + k for in-00k, as shared/vectors/README.md; bytes read as int8',
            produced_by: `tinyforge ${TINYFORGE_VERSION} host reference interpreter (src/interp), scripts/make-vectors.ts`,
            independent_checks: 'The interpreter is bit-exact with TFLM 90b983c2 reference kernels on every shared/vectors model (tests/interp/vectors.test.ts). These files are re-run by the native C engine compiled for the host and on the virtual board (QEMU Cortex-M4); a tinyforge conv1d model was also checked by hand against TFLM 90b983c2 built from source (reference and CMSIS-NN kernels), see docs/tflm-engine.md.',
            vectors,
          },
          null,
          2,
        ) + '\n',
      );
    }
  }
  rmSync(root, { recursive: true, force: true });
  renameSync(tmp, root);
  process.stderr.write(`wrote ${root}\n`);
}

await main();
