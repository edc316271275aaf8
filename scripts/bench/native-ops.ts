/**
 * Per-operator cost of the native DSP engine (`npm run bench -- native-ops`): for each model the
 * generated engine is linked with scripts/bench/native-ops-main.c (a bench-only bare-metal main
 * that reads SysTick before every operator call) and run once in QEMU mps2-an386 under
 * -icount shift=0, where one SysTick tick is 40 instructions. Models: the shared vectors, tinyforge's
 * own vectors, and any public .tflite listed in TINYFORGE_BENCH_MODELS (colon-separated paths,
 * fetched by hand and never committed; their input is LCG bytes, their expected output the
 * host interpreter's). The output is checked against out-000.bin / the interpreter.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync, execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createHash } from 'node:crypto';
import { REPO_ROOT } from '../../src/core/shared.js';
import { sharedDir } from '../../tests/support/shared.js';
import { numElements, type Graph } from '../../src/core/graph.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitNativeEngine, nativeKernelFiles } from '../../src/firmware/native/index.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { int8Interior } from './public-models.js';
import { interpret } from '../../src/interp/index.js';
import { CM4F_FLAGS, getBoard } from '../../src/firmware/boards.js';
import { hasTool } from '../../tests/native/helpers.js';
import type { BenchSection } from './types.js';

/**
 * TFLM 90b983c2 + CMSIS-NN 4ab83cc3 instructions per inference on the same virtual board, measured
 * by hand (not rebuilt here). conv1d / micro_speech / magic_wand: issue 7; KWS, person_detect:
 * re-measured by hand on 2026-12-07 (mean over the folder's vectors, bit-exact); the MLPerf Tiny IC ResNet-8, VWW and AD models and
 * LeNet-300-100: measured by hand on 2026-12-07 (BENCHMARKS.md's by-hand-tflm block).
 */
const TFLM: Record<string, number> = {
  conv1d: 948_505,
  micro_speech_quantized: 1_496_555,
  magic_wand: 1_890_725,
  mlperf_tiny_kws: 7_699_110,
  person_detect: 22_935_604,
  pretrainedResnet_quant: 29_867_800,
  vww_96_int8: 24_118_840,
  ad01_int8: 584_240,
  'ptq_mnist_lenet-300-100': 522_440,
};

/** Multiply-accumulates of one operator (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED), else 0. */
function macsOfOp(g: Graph, i: number): number {
  const op = g.operators[i];
  const out = g.tensors[op.outputs[0]];
  const f = g.tensors[op.inputs[1]];
  if (op.op === 'CONV_2D') return numElements(out.shape) * f.shape[1] * f.shape[2] * f.shape[3];
  if (op.op === 'DEPTHWISE_CONV_2D') return numElements(out.shape) * f.shape[1] * f.shape[2];
  if (op.op === 'FULLY_CONNECTED') return numElements(out.shape) * f.shape[1];
  return 0;
}

interface Profile {
  total: number;
  exact: boolean;
  ops: { i: number; op: string; kernel: string; instr: number; macs: number }[];
}

/** Build the engine with per-op marks, run it once on the virtual Cortex-M4, read the marks. */
export function profile(modelBytes: Uint8Array, input: Uint8Array, want: Uint8Array, work: string, weights: 'auto' | 'int8' = 'auto', opt: readonly string[] = ['-O2']): Profile {
  const model = readTflite(modelBytes);
  const res = emitNativeEngine(model, { modelSha256: createHash('sha256').update(modelBytes).digest('hex'), target: 'dsp', weights });
  const order: number[] = [];
  const lines: string[] = [];
  for (const l of res.files[0].contents.split('\n')) {
    const m = /^ {2}\/\* (\d+): [A-Z_0-9]+ \*\/$/.exec(l);
    if (m) lines.push(`  tf_prof[${order.push(Number(m[1])) - 1}] = tf_prof_now();`);
    if (l.startsWith('  memcpy(output, tf_arena + TF_NATIVE_OUTPUT_OFFSET')) lines.push(`  tf_prof[${order.length}] = tf_prof_now();`);
    lines.push(l);
  }
  const src = lines.join('\n').replace('#include "tf_engine.h"', '#include "tf_engine.h"\nextern volatile uint32_t tf_prof[];\nuint32_t tf_prof_now(void);');
  writeFileSync(join(work, 'tf_model_native.c'), src);
  const bytes = (a: Uint8Array) => Array.from(a).join(',');
  writeFileSync(join(work, 'prof_data.h'), `#define PROF_N ${order.length}\n#define PROF_OUT_BYTES ${want.length}\nstatic const uint8_t prof_in[${input.length}] = {${bytes(input)}};\nstatic const uint8_t prof_want[${want.length}] = {${bytes(want)}};\n`);
  const fw = join(REPO_ROOT, 'firmware');
  const cpu = (getBoard('qemu-mps2-an386').cpuFlags ?? CM4F_FLAGS).split(' ').filter(Boolean);
  const inc = ['core', 'native', 'native/dsp', 'boards/cortex-m4/common'].flatMap((d) => ['-I', join(fw, d)]);
  const srcs = [join(work, 'tf_model_native.c'), join(REPO_ROOT, 'scripts', 'bench', 'native-ops-main.c'), join(fw, 'boards/cortex-m4/common/tf_startup_cm4.c'), ...nativeKernelFiles({ target: 'dsp' }).filter((f) => f.endsWith('.c'))];
  const elf = join(work, 'prof.elf');
  execFileSync('arm-none-eabi-gcc', [...cpu, ...opt, '-std=c99', '-ffunction-sections', '-fdata-sections', '-I', work, ...inc, ...srcs, '-L', join(fw, 'boards/cortex-m4/common'), '-T', join(fw, 'boards/qemu-mps2-an386/tf_mps2.ld'), '-Wl,--gc-sections', '--specs=nano.specs', '--specs=nosys.specs', '-o', elf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = spawnSync('qemu-system-arm', ['-M', 'mps2-an386', '-icount', 'shift=0', '-nographic', '-monitor', 'none', '-serial', 'none', '-semihosting-config', 'enable=on,target=native', '-kernel', elf], { encoding: 'utf8', timeout: 600_000 });
  const text = `${run.stdout}${run.stderr}`;
  const total = /TOTAL (\d+)/.exec(text);
  const marks = /MARKS ([\d ]+)/.exec(text);
  if (!total || !marks) throw new Error(`no profile from QEMU: ${text.slice(0, 200)}`);
  const t = marks[1].trim().split(' ').map(Number);
  const g = model.graph;
  return {
    total: 40 * Number(total[1]),
    exact: /EXACT 1/.test(text),
    ops: order.map((i, k) => ({ i, op: g.operators[i].op, kernel: res.schedule[i].kernel, instr: 40 * (t[k + 1] - t[k]), macs: macsOfOp(g, i) })),
  };
}

const f = (x: number) => x.toLocaleString('en-US');
/** The Arduino core's build, emulated: size optimisation, the inline-asm intrinsics, no unroll pragma. */
const ARDUINO_OPT = ['-Os', '-DTF_DSP_ACLE_ASM', '-DTF_DSP_NO_UNROLL'];

export async function bench(): Promise<BenchSection[]> {
  if (!hasTool('arm-none-eabi-gcc') || !hasTool('qemu-system-arm')) return [{ title: 'Native DSP engine per operator', markdown: '_Skipped: arm-none-eabi-gcc or qemu-system-arm not installed._' }];
  const models: { name: string; bytes: Uint8Array; input: Uint8Array; want: Uint8Array; source: string; arduino?: boolean }[] = [];
  const folder = (dir: string, source: string) => {
    for (const n of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.endsWith('-logits')).map((d) => d.name).sort()) {
      const d = join(dir, n);
      models.push({ name: n, bytes: new Uint8Array(readFileSync(join(d, 'model.tflite'))), input: new Uint8Array(readFileSync(join(d, 'in-000.bin'))), want: new Uint8Array(readFileSync(join(d, 'out-000.bin'))), source });
    }
  };
  folder(join(REPO_ROOT, 'vectors'), 'vectors/ (host interpreter)');
  const shared = sharedDir();
  if (shared) folder(join(shared, 'vectors'), 'shared/vectors (TFLM reference)');
  for (const p of (process.env.TINYFORGE_BENCH_MODELS ?? '').split(':').filter((x) => x && existsSync(x))) {
    // The int8 interior, as the public-models block measures it (LeNet's float LOG_SOFTMAX tail cut).
    const model = int8Interior(readTflite(new Uint8Array(readFileSync(p))));
    const bytes = writeTflite(model);
    const g = model.graph;
    let st = 12345; // LCG bytes (the C library's constants), the same on every run
    const input = Uint8Array.from({ length: numElements(g.tensors[g.inputs[0]].shape) }, () => ((st = (Math.imul(st, 1103515245) + 12345) | 0), (st >>> 16) & 0xff));
    models.push({ name: basename(p, '.tflite'), bytes, input, want: interpret(g, [input])[0], source: 'TINYFORGE_BENCH_MODELS (host interpreter)', arduino: true });
  }
  const work = mkdtempSync(join(tmpdir(), 'tf-bench-ops-'));
  const totals: string[] = [];
  const perOp: string[] = [];
  const arduino: string[] = [];
  try {
    for (const m of models) {
      const p = profile(m.bytes, m.input, m.want, work);
      // Every weighted layer on int8 weights (the board's flash budget decides per layer; these are the two ends).
      const p8 = profile(m.bytes, m.input, m.want, work, 'int8');
      const macs = p.ops.reduce((a, o) => a + o.macs, 0);
      if (m.arduino) {
        // The public models (the shared vectors' Arduino-flag figures are the native-dsp block's): the engine compiled as the Arduino core does.
        const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${((100 * (a - b)) / b).toFixed(1)} %`;
        const a16 = profile(m.bytes, m.input, m.want, work, 'auto', ARDUINO_OPT);
        const a8 = profile(m.bytes, m.input, m.want, work, 'int8', ARDUINO_OPT);
        arduino.push(`| ${m.name} | ${f(p.total)} / ${f(p8.total)} | ${f(a16.total)} / ${f(a8.total)} | ${pct(a16.total, p.total)} / ${pct(a8.total, p8.total)} | ${a16.exact && a8.exact ? 'yes' : '**NO**'} |`);
      }
      const tflm = TFLM[m.name];
      const ratio = (n: number) => (tflm ? `**${(n / tflm).toFixed(3)}×**` : '–');
      const perMac = (n: number) => (macs ? (n / macs).toFixed(2) : '–');
      totals.push(`| ${m.name} | ${f(macs)} | ${f(p.total)} / ${f(p8.total)} | ${perMac(p.total)} / ${perMac(p8.total)} | ${tflm ? f(tflm) : '–'} | ${ratio(p.total)} / ${ratio(p8.total)} | ${p.exact && p8.exact ? 'yes' : '**NO**'} (${m.source}) |`);
      const groups = new Map<string, { n: number; instr: number; macs: number }>();
      for (const o of p.ops) {
        const key = `${o.op} | \`${o.kernel}\``;
        const g = groups.get(key) ?? { n: 0, instr: 0, macs: 0 };
        groups.set(key, { n: g.n + 1, instr: g.instr + o.instr, macs: g.macs + o.macs });
      }
      for (const [key, g] of [...groups].sort((a, b) => b[1].instr - a[1].instr)) {
        if (g.instr === 0) continue;
        perOp.push(`| ${m.name} | ${key} | ${g.n} | ${g.macs ? f(g.macs) : '–'} | ${f(g.instr)} | ${g.macs ? (g.instr / g.macs).toFixed(2) : '–'} | ${((100 * g.instr) / p.total).toFixed(1)} % |`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return [{
    title: 'Native DSP engine per operator (virtual Cortex-M4), and against TFLM + CMSIS-NN',
    markdown: [
      'The generated engine (DSP kernels, `arm-none-eabi-gcc -O2`; totals with int16 / int8 weights in every weighted layer (int8 FC layers in the offset-binary layout where it applies, docs/native-dsp.md), per-op rows int16) linked with `scripts/bench/native-ops-main.c`, a bench-only bare-metal main that',
      'reads SysTick before every operator call, run once in `qemu-system-arm -M mps2-an386 -icount shift=0` (40 instructions per tick; the marks',
      'cost a few instructions each). Input: in-000.bin of the vector folder, or LCG bytes (seed 12345) for public models listed in',
      '`TINYFORGE_BENCH_MODELS` (fetched by hand from mlcommons/tiny, never committed); bit-exact = the output equals out-000.bin or the host interpreter\'s.',
      'TFLM + CMSIS-NN: TFLM 90b983c2 + CMSIS-NN 4ab83cc3 on the same virtual board, measured by hand (issue 7; KWS and person_detect re-measured 2026-12-07; the by-hand-tflm block for',
      'IC, VWW, AD and LeNet; not rebuilt here). Public models: their int8 interior (as public-models). Totals here omit the protocol app around the INFER',
      '(the native-dsp section\'s board counter includes it: a few hundred instructions).',
      '',
      '| model | MACs | native DSP instr. (int16 / int8 weights) | instr. / MAC | TFLM + CMSIS-NN instr. | ratio | bit-exact |',
      '|---|---:|---:|---:|---:|---:|---|',
      ...totals,
      '',
      ...(arduino.length
        ? [
            'Arduino-flag build of the public models: the same engine compiled `-Os -DTF_DSP_ACLE_ASM -DTF_DSP_NO_UNROLL` (the whole engine at -Os, the',
            'inline-asm intrinsics, no unroll pragma; what `make OPT=-Os EXTRA_CFLAGS=...` does to the firmware, the native-dsp block) against `-O2`.',
            '',
            '| model | `-O2` instr. (int16 / int8 weights) | Arduino-flag instr. | difference | bit-exact |',
            '|---|---:|---:|---:|---|',
            ...arduino,
            '',
          ]
        : []),
      '| model | op | kernel | layers | MACs | instructions | instr. / MAC | share |',
      '|---|---|---|---:|---:|---:|---:|---:|',
      ...perOp,
    ].join('\n'),
  }];
}
