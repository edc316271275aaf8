/**
 * Reference-interpreter throughput: inferences per second on every shared TFLM model, plus the
 * one-off createInterpreter() (validate + precompute) time and a bit-exactness recheck.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../tests/support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { createInterpreter } from '../../src/interp/index.js';
import type { Graph } from '../../src/core/graph.js';
import type { BenchSection } from './types.js';

/** Multiply-accumulates of the conv / depthwise / FC ops (from the tensor shapes). */
function macs(g: Graph): number {
  let n = 0;
  for (const op of g.operators) {
    const t = (i: number) => g.tensors[op.inputs[i]].shape;
    const out = g.tensors[op.outputs[0]].shape;
    const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);
    if (op.op === 'CONV_2D') n += prod(out) * t(1)[1] * t(1)[2] * t(1)[3];
    else if (op.op === 'DEPTHWISE_CONV_2D') n += prod(out) * t(1)[1] * t(1)[2];
    else if (op.op === 'FULLY_CONNECTED') n += prod(out) * t(1)[t(1).length - 1];
  }
  return n;
}

export async function bench(): Promise<BenchSection[]> {
  const shared = sharedDir();
  if (!shared) return [{ title: 'Reference interpreter', markdown: 'Skipped: shared/vectors not found.' }];
  const root = join(shared, 'vectors');
  const rows: string[] = [];
  for (const folder of readdirSync(root).sort()) {
    if (folder.endsWith('-logits') || !existsSync(join(root, folder, 'model.tflite'))) continue;
    const model = readTflite(new Uint8Array(readFileSync(join(root, folder, 'model.tflite'))));
    const t0 = performance.now();
    const interp = createInterpreter(model.graph);
    const prepMs = performance.now() - t0;
    const meta = JSON.parse(readFileSync(join(root, folder, 'meta.json'), 'utf8')) as { vectors: { input: string; output: string }[] };
    const ins = meta.vectors.map((v) => new Uint8Array(readFileSync(join(root, folder, v.input))));
    const outs = meta.vectors.map((v) => new Uint8Array(readFileSync(join(root, folder, v.output))));
    let exact = 0;
    ins.forEach((x, i) => {
      if (Buffer.compare(Buffer.from(interp.invoke([x])[0]), Buffer.from(outs[i])) === 0) exact++;
    });
    // Time for ~2 s per model after the warm-up above.
    let runs = 0;
    const start = performance.now();
    while (performance.now() - start < 2000 || runs < 3) {
      interp.invoke([ins[runs % ins.length]]);
      runs++;
    }
    const ms = (performance.now() - start) / runs;
    const m = macs(model.graph);
    rows.push(
      `| ${folder} | ${model.graph.operators.length} | ${(m / 1e6).toFixed(2)} | ${prepMs.toFixed(1)} | ${ms.toFixed(2)} | ${(1000 / ms).toFixed(1)} | ${((m / ms) * 1e-3).toFixed(0)} | ${exact}/${ins.length} |`,
    );
  }
  return [
    {
      title: 'Reference interpreter (int8, bit-exact with TFLM reference kernels)',
      markdown: [
        'Single-threaded TypeScript on Node; each model is run on its shared input vectors for about 2 s after one warm-up pass.',
        '"exact" re-checks the outputs against TFLM\'s out-NNN.bin during the warm-up.',
        '',
        '| model | ops | MMACs | prepare (ms) | ms / inference | inferences / s | MMAC/s | exact |',
        '|---|---:|---:|---:|---:|---:|---:|---:|',
        ...rows,
      ].join('\n'),
    },
  ];
}
