/**
 * Public converter-made models on the virtual Cortex-M4 (`TINYFORGE_BENCH_PUBLIC_MODELS=DIR npm run
 * bench -- public-models`; without the variable the module keeps its last figures). DIR holds the
 * files below under their own names, fetched by hand from the repositories and commits named — never
 * committed, never fetched by a script. Float I/O wrappers (a leading QUANTIZE, a DEQUANTIZE and the
 * float ops after it) are cut off as a board deployment does: the int8 interior is what is measured.
 *
 * Per model: the native engine (DSP kernels) built into the full virtual-board firmware with the default packing (weights auto), with all
 * pre-widened int16 weights and with int8 weights, run in QEMU mps2-an386 (-icount shift=0) on four
 * SplitMix64 inputs (seeds 0x5EED0000 + k, as shared/vectors); bit-exact = the board's outputs equal
 * the host interpreter's (tinyforge's TFLM-reference-kernel contract). TFLM + CMSIS-NN figures are
 * by hand (PUBLIC_TFLM below).
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph, TfliteModel } from '../../src/core/graph.js';
import { numElements } from '../../src/core/graph.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { createInterpreter } from '../../src/interp/index.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { splitmix64Bytes } from '../splitmix.js';
import { macsOf, packingOf, runOnBoard, type Run } from './native-dsp.js';
import type { BenchSection } from './types.js';

const MLPERF = 'mlcommons/tiny @ 1afd2c9820f795965a6134facd0b4dfae41ef23f, benchmark/training/';
const TINYENGINE = 'mit-han-lab/tinyengine @ 47bb283ce9d7e33c6fea623b3792726046dc9cfa, ';
const TINYMAIX = 'sipeed/TinyMaix @ 0532eceb92097dc97fb39b1d01a41f6736eb51bb, tools/tflite/';

const MODELS: { name: string; file: string; source: string; note: string }[] = [
  { name: 'MLPerf Tiny AD (FC autoencoder)', file: 'ad01_int8.tflite', source: MLPERF + 'anomaly_detection/trained_models/', note: '10 FC' },
  { name: 'MLPerf Tiny IC (ResNet-8)', file: 'pretrainedResnet_quant.tflite', source: MLPERF + 'image_classification/trained_models/', note: 'conv, 3 ADD, avg pool' },
  { name: 'MLPerf Tiny VWW (MobileNetV1 0.25)', file: 'vww_96_int8.tflite', source: MLPERF + 'visual_wake_words/trained_models/', note: 'conv, depthwise' },
  { name: 'MCUNet VWW (TinyEngine)', file: 'vww.tflite', source: TINYENGINE + 'assets/', note: 'PAD (fused), ADD, TRANSPOSE, MEAN; float I/O cut' },
  { name: 'TinyMaix MobileNet 128 0.25', file: 'mbnet128_0.25_q.tflite', source: TINYMAIX, note: 'SHAPE → STRIDED_SLICE → PACK → RESHAPE (folded)' },
  { name: 'LeNet-300-100 (TinyEngine)', file: 'ptq_mnist_lenet-300-100.tflite', source: TINYENGINE + 'experimental/mnist_demo/assets/', note: 'its LOG_SOFTMAX is float32 after a DEQUANTIZE: cut' },
];

/**
 * TFLM 90b983c2 + CMSIS-NN 4ab83cc3 on the same virtual board, measured by hand on 2026-12-07 (TFLM
 * engine firmware, `-icount` instructions of the first input's inference, arena_used_bytes(), ELF text +
 * data; 4/4 outputs bit-exact with the host interpreter): BENCHMARKS.md's by-hand-tflm block says how.
 * Nothing of TFLM is in this repository.
 */
const PUBLIC_TFLM: Record<string, { instr: number; arena: number; flash: number; how: string }> = {
  'ad01_int8.tflite': { instr: 584_240, arena: 2_580, flash: 340_828, how: 'by hand' },
  'pretrainedResnet_quant.tflite': { instr: 29_867_800, arena: 54_996, flash: 217_684, how: 'by hand' },
  'vww_96_int8.tflite': { instr: 24_118_840, arena: 100_708, flash: 458_000, how: 'by hand' },
  'vww.tflite': { instr: 47_995_960, arena: 219_716, flash: 749_600, how: 'by hand' },
  'mbnet128_0.25_q.tflite': { instr: 45_002_960, arena: 168_836, flash: 721_048, how: 'by hand' },
  'ptq_mnist_lenet-300-100.tflite': { instr: 522_440, arena: 4_100, flash: 336_204, how: 'by hand' },
};

/** The int8 interior: a leading QUANTIZE of a float input and everything from the first DEQUANTIZE on are cut. */
export function int8Interior(m: TfliteModel): TfliteModel {
  const g: Graph = { ...m.graph, operators: [...m.graph.operators], inputs: [...m.graph.inputs], outputs: [...m.graph.outputs] };
  const first = g.operators[0];
  if (g.tensors[g.inputs[0]].dtype === 'float32' && first?.op === 'QUANTIZE') {
    g.operators.shift();
    g.inputs = [first.outputs[0]];
  }
  const dq = g.operators.findIndex((o) => o.op === 'DEQUANTIZE');
  if (dq >= 0) {
    g.outputs = [g.operators[dq].inputs[0]];
    g.operators = g.operators.slice(0, dq);
  }
  return { ...m, graph: g };
}

const f = (x: number) => x.toLocaleString('en-US');

export async function bench(): Promise<BenchSection[]> {
  const dir = process.env.TINYFORGE_BENCH_PUBLIC_MODELS;
  if (!dir) return [];
  const root = mkdtempSync(join(tmpdir(), 'tf-bench-public-'));
  const sources = readFirmwareSources();
  const rows: string[] = [];
  try {
    for (const m of MODELS) {
      const path = join(dir, m.file);
      if (!existsSync(path)) {
        rows.push(`| ${m.name} | not in ${dir} | | | | | | | | | |`);
        continue;
      }
      // The model as a board runs it, with four inputs and the host interpreter's outputs, in the
      // folder layout runOnBoard reads (model.tflite, in-NNN.bin, out-NNN.bin).
      const model = int8Interior(readTflite(new Uint8Array(readFileSync(path))));
      const vdir = join(root, m.file.replace(/\W/g, '_'));
      mkdirSync(vdir);
      writeFileSync(join(vdir, 'model.tflite'), writeTflite(model));
      const g = model.graph;
      const interp = createInterpreter(g);
      for (let k = 0; k < 4; k++) {
        const x = splitmix64Bytes(0x5eed0000n + BigInt(k), numElements(g.tensors[g.inputs[0]].shape));
        const name = String(k).padStart(3, '0');
        writeFileSync(join(vdir, `in-${name}.bin`), x);
        writeFileSync(join(vdir, `out-${name}.bin`), interp.invoke([x])[0]);
      }
      let auto: Run, w16: Run, w8: Run;
      try {
        auto = await runOnBoard(vdir, { board: 'qemu-mps2-an386', dsp: true }, root, sources);
        w16 = await runOnBoard(vdir, { board: 'qemu-mps2-an386', dsp: true, weights: 'int16' }, root, sources);
        w8 = await runOnBoard(vdir, { board: 'qemu-mps2-an386', dsp: true, weights: 'int8' }, root, sources);
      } catch (e) {
        rows.push(`| ${m.name} | not run: ${(e instanceof Error ? e.message : String(e)).replace(/\|/g, '/').slice(0, 120)} | | | | | | | | | |`);
        continue;
      }
      const t = PUBLIC_TFLM[m.file];
      const macs = macsOf(g);
      rows.push(
        `| ${m.name} | ${m.note} | ${f(macs)} | ${f(auto.instr)} | ${packingOf(auto)} | ${f(w16.instr)} / ${f(w8.instr)} | ${t ? `${f(t.instr)} (${t.how})` : 'not measured'} | ${t ? `**${(auto.instr / t.instr).toFixed(2)}×** / ${(w16.instr / t.instr).toFixed(2)}×` : '–'} | ${f(auto.arena)} / ${t ? f(t.arena) : '–'} | ${f(auto.flash)} / ${f(w16.flash)} / ${f(w8.flash)} / ${t ? f(t.flash) : '–'}${t && auto.flash > t.flash ? ' (above TFLM)' : ''} | ${auto.exact}/${auto.n}, ${w16.exact}/${w16.n}, ${w8.exact}/${w8.n} |`,
      );
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return [{
    title: 'Public converter-made models on the virtual Cortex-M4 (native engine, by-hand files)',
    markdown: [
      'Converter-made int8 models from public repositories (files fetched by hand, not in this repository; `TINYFORGE_BENCH_PUBLIC_MODELS=DIR`):',
      ...MODELS.map((m) => `- ${m.name}: ${m.source}${m.file}`),
      '',
      'Float I/O wrappers cut (the int8 interior is what a board runs). Native engine, DSP kernels, full virtual-board firmware (`-O2`), QEMU mps2-an386',
      '`-icount shift=0`; instructions = the board counter around the INFER of the first of four SplitMix64 inputs; bit-exact = all four outputs equal the',
      'host interpreter\'s (the TFLM reference-kernel contract), for each packing. Flash = text + data of the ELF; arena = INFO arenaUsed.',
      'Default = `firmware`\'s `--weights auto`: per layer int16 (pre-widened) or int8 (SXTB16 in the loop), the fastest packing whose estimated image stays',
      'within what TFLM would take (.tflite + 60 KiB, the smallest TFLM runtime measured) and the board\'s flash, widening layers with the most MACs per',
      'extra byte first; the packing column names the layers left int8 (operator numbers of the cut model). int16 / int8: every layer forced.',
      '',
      '| model | ops of note | MACs | native instr. (default) | default packing | native instr. all int16 / all int8 | TFLM + CMSIS-NN instr. | native default ÷ TFLM / all int16 ÷ TFLM | arena native / TFLM (B) | flash native default / int16 / int8 / TFLM (B) | bit-exact default, int16, int8 |',
      '|---|---|---:|---:|---|---:|---:|---:|---:|---:|---|',
      ...rows,
    ].join('\n'),
  }];
}
