/**
 * Native DSP benchmark (`npm run bench -- native-dsp`): the native engine on the virtual Cortex-M4,
 * portable kernels against the DSP kernels (firmware/native/dsp/), per model, next to TFLM +
 * CMSIS-NN. Each model is built twice into the full virtual-board firmware (the generator with
 * and without `dsp`), run in QEMU mps2-an386 (-icount shift=0), and every vector of its folder is
 * inferred; instructions are the board's SysTick counter around the INFER of in-000.bin.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { sharedDir } from '../../tests/support/shared.js';
import { numElements, type Graph } from '../../src/core/graph.js';
import { readTflite } from '../../src/tflite/reader.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { elfFootprint } from '../../src/firmware/footprint.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { settingsFromModel } from '../../tests/support/model-boards.js';
import { startVirtualBoard } from '../../src/adapters/qemu.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { DeviceClient } from '../../src/device/client.js';
import { hasTool } from '../../tests/native/helpers.js';
import { getBoard } from '../../src/firmware/boards.js';
import type { BenchSection } from './types.js';

/**
 * TFLM 90b983c2 + CMSIS-NN 4ab83cc3 on the same virtual board, measured by hand (QEMU -icount,
 * instructions per inference from verify; arena_used_bytes(); firmware flash). conv1d, micro_speech
 * and magic_wand: issue 7 (November 2026); mlperf_tiny_kws and person_detect: re-measured by hand on
 * 2026-12-07 (the mean over the folder's vectors from `verify --vectors`, all bit-exact; flash of that
 * day's firmware app, as the native figures; earlier docs/tflm-engine.md gave 7.70 M and 22.9 M to three
 * significant figures). Nothing of TFLM is in this repository.
 */
const TFLM: Record<string, { instr: number; arena: number; flash: number | null }> = {
  conv1d: { instr: 948_505, arena: 5_172, flash: 126_712 },
  micro_speech_quantized: { instr: 1_496_555, arena: 6_836, flash: 109_348 },
  magic_wand: { instr: 1_890_725, arena: 9_316, flash: 132_208 },
  mlperf_tiny_kws: { instr: 7_699_110, arena: 22_820, flash: 178_840 },
  person_detect: { instr: 22_935_604, arena: 82_308, flash: 408_868 },
};

/** Multiply-accumulates per inference: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED. */
export function macsOf(g: Graph): number {
  let macs = 0;
  for (const op of g.operators) {
    const out = g.tensors[op.outputs[0]];
    const f = g.tensors[op.inputs[1]];
    if (op.op === 'CONV_2D') macs += numElements(out.shape) * f.shape[1] * f.shape[2] * f.shape[3];
    else if (op.op === 'DEPTHWISE_CONV_2D') macs += numElements(out.shape) * f.shape[1] * f.shape[2];
    else if (op.op === 'FULLY_CONNECTED') macs += numElements(out.shape) * f.shape[1];
  }
  return macs;
}

export interface Run {
  instr: number;
  arena: number;
  flash: number;
  exact: number;
  n: number;
  /** Operators (file numbering) whose weights were packed int8, and how many layers had a packing to choose. */
  int8Layers: number[];
  packedLayers: number;
}

/** "all int16", "all int8" or the int8 operators of a run's packing. */
export function packingOf(r: Run): string {
  if (r.packedLayers === 0) return 'none packed';
  if (r.int8Layers.length === 0) return 'all int16';
  if (r.int8Layers.length === r.packedLayers) return 'all int8';
  return `int8: ${r.int8Layers.length} of ${r.packedLayers} (ops ${r.int8Layers.join(', ')})`;
}

/** One build of a model: board, kernel target, weight packing and compiler flags. */
export interface Config {
  board: string;
  dsp: boolean;
  weights?: 'int8' | 'int16';
  /** Extra make variables, e.g. the Arduino core's -Os. */
  make?: string[];
}

/** The Arduino mbed core's compiler behaviour on this GCC: -Os, the GCC < 10 inline-asm intrinsics, no unroll pragma. */
const ARDUINO_MAKE = ['OPT=-Os', 'EXTRA_CFLAGS=-DTF_DSP_ACLE_ASM -DTF_DSP_NO_UNROLL'];

export async function runOnBoard(dir: string, c: Config, root: string, sources: ReturnType<typeof readFirmwareSources>): Promise<Run> {
  const modelBytes = new Uint8Array(readFileSync(join(dir, 'model.tflite')));
  const model = readTflite(modelBytes);
  const project = emitFirmware({
    board: c.board, engine: 'native', model, modelBytes, settings: settingsFromModel(modelBytes), sources,
    nativeEngine: (m, o) => emitNativeEngine(m, { ...o, target: c.dsp ? o.target : 'portable', ...(c.weights ? { weights: c.weights } : {}) }),
  });
  const kernels = project.native?.kernels ?? [];
  const int8Layers = kernels.flatMap((k, i) => (k.weights === 'int8' ? [i] : []));
  const packedLayers = kernels.filter((k) => k.weights).length;
  const fw = writeProject(mkdtempSync(join(root, 'fw-')), project.files);
  const plan = buildPlan(fw, c.board, { engine: 'native' });
  plan.steps[0].argv.push(...(c.make ?? []));
  await runPlan(plan);
  const flash = elfFootprint(readFileSync(join(fw, 'build/firmware.elf'))).flash;
  const vb = await startVirtualBoard(join(fw, 'build/firmware.elf'), { machine: getBoard(c.board).qemuMachine });
  let client: DeviceClient | null = null;
  try {
    client = await DeviceClient.connect(new SerialTransport(vb.path, { bytesPerSecond: 8000 }), { inferenceMs: 120_000 });
    const info = await client.hello();
    const names = readdirSync(dir).filter((f) => /^in-\d+\.bin$/.test(f)).sort();
    let instr = 0;
    let exact = 0;
    for (const n of names) {
      const r = await client.infer(new Uint8Array(readFileSync(join(dir, n))));
      if (n === 'in-000.bin') instr = r.counterDelta ?? Number.NaN;
      if (Buffer.from(r.output).equals(readFileSync(join(dir, n.replace('in-', 'out-'))))) exact++;
    }
    return { instr, arena: info.arenaUsed, flash, exact, n: names.length, int8Layers, packedLayers };
  } finally {
    await client?.close();
    await vb.stop();
  }
}

const f = (x: number) => x.toLocaleString('en-US');
const r2 = (x: number) => x.toFixed(2);

const pct = (a: number, b: number) => `${a >= b ? '+' : ''}${((100 * (a - b)) / b).toFixed(1)} %`;

export async function bench(): Promise<BenchSection[]> {
  const shared = sharedDir();
  if (!hasTool('arm-none-eabi-gcc') || !hasTool('qemu-system-arm')) return [{ title: 'Native engine on the virtual Cortex-M boards', markdown: '_Skipped: arm-none-eabi-gcc or qemu-system-arm not installed._' }];
  // The -logits variants run the same layers as their parents (the SOFTMAX still runs): not repeated.
  const dirs: [string, string][] = readdirSync(join(REPO_ROOT, 'vectors')).filter((n) => !n.endsWith('-logits')).sort().map((n) => [n, join(REPO_ROOT, 'vectors', n)]);
  if (shared) for (const n of readdirSync(join(shared, 'vectors'), { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.endsWith('-logits')).map((d) => d.name).sort()) dirs.push([n, join(shared, 'vectors', n)]);
  const sources = readFirmwareSources();
  const root = mkdtempSync(join(tmpdir(), 'tf-bench-dsp-'));
  const rows: string[] = [];
  const vsTflm: string[] = [];
  const arduino: string[] = [];
  const cores: string[] = [];
  const M4 = 'qemu-mps2-an386';
  const ex = (r: Run) => `${r.exact}/${r.n}`;
  try {
    for (const [name, dir] of dirs) {
      const macs = macsOf(readTflite(new Uint8Array(readFileSync(join(dir, 'model.tflite')))).graph);
      try {
        const p = await runOnBoard(dir, { board: M4, dsp: false }, root, sources);
        const d = await runOnBoard(dir, { board: M4, dsp: true }, root, sources);
        const w8 = await runOnBoard(dir, { board: M4, dsp: true, weights: 'int8' }, root, sources);
        // The default packing (weights auto) is all int16 unless the TFLM floor or the board made layers int8: then int16 too.
        const w16 = d.int8Layers.length ? await runOnBoard(dir, { board: M4, dsp: true, weights: 'int16' }, root, sources) : d;
        const a = await runOnBoard(dir, { board: M4, dsp: true, make: ARDUINO_MAKE }, root, sources);
        const m3 = await runOnBoard(dir, { board: 'qemu-mps2-an385', dsp: false }, root, sources);
        const m7 = await runOnBoard(dir, { board: 'qemu-mps2-an500', dsp: true }, root, sources);
        const m33 = await runOnBoard(dir, { board: 'qemu-mps2-an505', dsp: true }, root, sources);
        rows.push(`| ${name} | ${f(macs)} | ${f(p.instr)} | ${f(d.instr)} | ${r2(d.instr / p.instr)} | ${macs ? r2(d.instr / macs) : '–'} | ${packingOf(d)} | ${f(w16.instr)} / ${f(w8.instr)} | ${f(d.arena)} | ${f(d.flash)} / ${f(w16.flash)} / ${f(w8.flash)} | ${ex(p)}, ${ex(d)}, ${ex(w16)}, ${ex(w8)} |`);
        arduino.push(`| ${name} | ${f(d.instr)} | ${f(a.instr)} | ${pct(a.instr, d.instr)} | ${f(a.flash)} | ${ex(a)} |`);
        cores.push(`| ${name} | ${f(m3.instr)} | ${f(p.instr)} | ${f(d.instr)} | ${f(m7.instr)} | ${f(m33.instr)} | ${ex(m3)}, ${ex(d)}, ${ex(m7)}, ${ex(m33)} |`);
        const t = TFLM[name];
        if (t) vsTflm.push(`| ${name === 'conv1d' ? 'demo conv1d architecture (vectors/conv1d)' : name} | ${f(t.instr)} | ${f(d.instr)} | **${r2(d.instr / t.instr)}×** | ${f(t.arena)} / ${f(d.arena)} | ${t.flash === null ? 'not recorded' : f(t.flash)} / ${f(d.flash)} / ${f(w8.flash)} |`);
      } catch (e) {
        rows.push(`| ${name} | ${f(macs)} | not run: ${(e instanceof Error ? e.message : String(e)).replace(/\|/g, '/').slice(0, 100)} | | | | | | | | |`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return [{
    title: 'Native engine on the virtual Cortex-M boards: portable vs DSP kernels, weight packing, Arduino flags, cores, and TFLM + CMSIS-NN',
    markdown: [
      'Full virtual-board firmware (protocol app + native engine, `arm-none-eabi-gcc -O2`) per model and configuration, run in `qemu-system-arm -icount shift=0`;',
      'instructions = the board counter around the INFER of `in-000.bin` (resolution 40). MACs = CONV_2D + DEPTHWISE_CONV_2D + FULLY_CONNECTED',
      'multiply-accumulates. Arena = INFO arenaUsed (kernel scratch included); flash = text + data of the ELF. Bit-exact = outputs equal to',
      'out-NNN.bin (TFLM reference kernels / the host interpreter) for every vector of the folder. The -logits variants cost the same as their parents.',
      '',
      '### Cortex-M4 (mps2-an386): portable and DSP kernels, int16 vs int8 weights',
      '',
      'DSP weights per layer: pre-widened int16 or int8 unpacked in the loop (SXTB16). The DSP column is `firmware`\'s default (`--weights auto`): the fastest',
      'packing whose estimated image stays within what TFLM would take for the model (.tflite + 60 KiB, the smallest TFLM runtime measured) and the board\'s',
      'flash — the packing column says which layers went int8. The int16 / int8 columns force every layer.',
      '',
      '| model | MACs | portable instr. | DSP instr. (default) | DSP / portable | DSP instr. / MAC | default packing | DSP instr. all int16 / all int8 | arena (B) | flash default / int16 / int8 (B) | bit-exact portable, DSP, int16, int8 |',
      '|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---|',
      ...rows,
      '',
      '### Make build vs the Arduino core\'s flags',
      '',
      'The Arduino mbed core compiles at `-Os` with GCC 7-2017q4: the DSP intrinsics come from `tf_acle_asm.h` (inline assembly) and `#pragma GCC unroll` does not',
      'exist. Emulated with this GCC: `make OPT=-Os EXTRA_CFLAGS="-DTF_DSP_ACLE_ASM -DTF_DSP_NO_UNROLL"` (the whole firmware at -Os, the inline-asm intrinsics, no',
      'unroll pragma). `tf_dsp.h` compiles the kernels and the generated per-layer functions at O2 in size builds and peels the layer-constant loops whole where',
      'the pragma is missing. GCC 7 itself was not available on this machine.',
      '',
      '| model | make build instr. | Arduino-flag build instr. | difference | Arduino-flag flash (B) | bit-exact |',
      '|---|---:|---:|---:|---:|---|',
      ...arduino,
      '',
      '### Per core (instructions per inference, native engine)',
      '',
      'Cortex-M3: `qemu-mps2-an385`, no DSP extension and no FPU: the portable kernels (`-mcpu=cortex-m3 -mfloat-abi=soft`). Cortex-M4: `qemu-mps2-an386`',
      '(portable and DSP kernels). Cortex-M7: `qemu-mps2-an500`, DSP kernels (`-mcpu=cortex-m7 -mfpu=fpv5-d16`). Cortex-M33: `qemu-mps2-an505` (Armv8-M',
      'Mainline with DSP, secure state, its own memory map), DSP kernels (`-mcpu=cortex-m33 -mfpu=fpv5-sp-d16`; counter resolution 50 at its 20 MHz clock).',
      'QEMU counts instructions, not cycles: the cores\' pipelines differ and are not modelled.',
      '',
      '| model | M3 portable | M4 portable | M4 DSP | M7 DSP | M33 DSP | bit-exact M3, M4 DSP, M7, M33 |',
      '|---|---:|---:|---:|---:|---:|---|',
      ...cores,
      '',
      'Against TFLM 90b983c2 + CMSIS-NN 4ab83cc3 on the same virtual board, measured by hand (issue 7, November 2026; KWS and person_detect re-measured 2026-12-07:',
      'mean over the folder\'s vectors, all bit-exact, flash of that day\'s firmware app; not rebuilt for this run). The demo row uses vectors/conv1d, the demo\'s architecture (same shapes, untrained weights).',
      '',
      '| model | TFLM + CMSIS-NN instr. | native DSP instr. (default packing) | ratio | arena TFLM / native DSP (B) | flash TFLM / native default / native int8 (B) |',
      '|---|---:|---:|---:|---:|---:|',
      ...vsTflm,
    ].join('\n'),
  }];
}
