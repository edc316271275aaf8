/**
 * The main job at full size (the `npm start` defaults): accuracy float vs int8 on held-out
 * subjects of the built-in data, the native build's flash/RAM/arena, instructions per inference on
 * the virtual Cortex-M4 (QEMU -icount: SysTick counts instructions), and verify throughput as a
 * fraction of the virtual UART's byte rate.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProject, pct } from '../../src/service/run.js';
import { VIRTUAL_LINK_BYTES_PER_SECOND as LINK_BYTES_PER_S } from '../../src/adapters/boards.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { demoConfig } from '../../src/cli/commands/demo.js';
import { TRAIN_DEFAULTS } from '../../src/service/train.js';
import type { BenchSection } from './types.js';

export async function bench(): Promise<BenchSection[]> {
  const out = join(mkdtempSync(join(tmpdir(), 'tf-bench-pipeline-')), 'demo');
  const config = demoConfig({ out, seed: String(TRAIN_DEFAULTS.seed), epochs: String(TRAIN_DEFAULTS.epochs), preset: TRAIN_DEFAULTS.preset, verify: '200' });
  const run = await runProject(nodePlatform(), { config, out });
  const r = { ...run, data: run.data!, train: run.train!, quantize: { ...run.quantize!, eval: run.quantize!.eval! }, firmware: { ...run.firmware!, footprint: run.firmware!.footprint! } };
  const v = run.verify!;
  const throughput = v.linkBytes / v.seconds;
  return [
    {
      title: 'Main job (npm start): built-in activity data → int8 → virtual board',
      markdown: [
        `One run of \`runProject\` with the demo defaults (seed 1, conv1d preset, up to 30 epochs with early stopping, ${r.data.windows.train}/${r.data.windows.val}/${r.data.windows.test} windows train/val/test, split by subject).`,
        '',
        '| figure | value |',
        '|---|---|',
        `| training backend, epochs run, seconds | ${r.train.backend}, ${r.train.epochsRun}, ${r.train.seconds.toFixed(0)} s (${(r.train.seconds / r.train.epochsRun).toFixed(1)} s/epoch) |`,
        `| float accuracy train / val / test (held-out subjects) | ${pct(r.train.accuracy.train)} / ${pct(r.train.accuracy.val)} / ${pct(r.train.accuracy.test)} |`,
        `| int8 accuracy on the same held-out windows (host interpreter) | ${pct(r.quantize.eval.int8Accuracy)} (float ${pct(r.quantize.eval.floatAccuracy)}; cost ${r.quantize.eval.accuracyCost === null ? 'n/a' : (r.quantize.eval.accuracyCost * 100).toFixed(1) + ' points'}; float/int8 agreement ${pct(r.quantize.eval.agreement)}) |`,
        `| parameters, .tflite bytes | ${r.train.params}, ${r.quantize.tfliteBytes} |`,
        `| native firmware flash / RAM (ELF) | ${r.firmware.footprint.flash} B / ${r.firmware.footprint.ram} B |`,
        `| tensor arena (native engine, planned offline) | ${v.arena.used} B |`,
        `| instructions per inference on the virtual Cortex-M4 | mean ${Math.round(v.counter?.mean ?? 0)}, min ${v.counter?.min ?? 0}, max ${v.counter?.max ?? 0} |`,
        `| verify: windows, bit-exact, max LSB diff | ${v.n}, ${v.bitExact}, ${v.maxLsbDiff} |`,
        `| device accuracy on those windows (host int8) | ${pct(v.accuracy?.device)} (${pct(v.accuracy?.reference)}) |`,
        `| verify throughput | ${throughput.toFixed(0)} B/s over ${v.seconds.toFixed(1)} s = ${((throughput / LINK_BYTES_PER_S) * 100).toFixed(0)} % of the UART's ~${LINK_BYTES_PER_S} B/s |`,
      ].join('\n'),
    },
  ];
}
