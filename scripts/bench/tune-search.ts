/**
 * `npm run bench -- tune-search`: what `tinyforge tune` finds within the Nano 33 BLE's budget on the
 * built-in data in at most 30 minutes (24 trials, default space, 2 local workers), against the
 * default preset (`npm start`: conv1d, up to 30 epochs): test int8 accuracy, instructions, RAM.
 * Long: run it on its own.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoConfig } from '../../src/cli/commands/demo.js';
import { pct, runProject } from '../../src/service/run.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { TRAIN_DEFAULTS } from '../../src/service/train.js';
import { describeCandidate } from '../../src/tune/arch.js';
import { latencyMs, makeBudget } from '../../src/tune/budget.js';
import { mergeSpace } from '../../src/tune/space.js';
import { localTrialPool, tuneStage } from '../../src/tune/tune.js';
import type { BenchSection } from './types.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

export async function bench(): Promise<BenchSection[]> {
  const demoOut = tmp('tf-bench-tune-demo-');
  const demo = await runProject(nodePlatform(), { config: demoConfig({ out: demoOut, seed: String(TRAIN_DEFAULTS.seed), epochs: String(TRAIN_DEFAULTS.epochs), preset: TRAIN_DEFAULTS.preset, verify: '200' }), out: demoOut });
  const nano = makeBudget({ board: 'nano33ble-sense-rev2' });
  const dInstr = Math.round(demo.verify!.counter!.mean);
  const search = await tuneStage({ data: { builtin: true }, space: mergeSpace({}), budget: nano, trials: 24, seed: 1, out: tmp('tf-bench-tune-nano-'), timeBudgetSeconds: 1800 }, localTrialPool(2));
  const best = search.best!;
  const bestTest = search.front.find((f) => f.id === best.id)?.accuracy?.test;
  const row = (t: (typeof search.front)[number]) => `| #${t.id} ${describeCandidate(t.candidate)} | ${pct(t.accuracy?.val.int8)} | ${pct(t.accuracy?.test?.int8)} | ${t.figures!.instructions} (${(t.figures!.instructions / dInstr).toFixed(2)}×) | ${t.figures!.latencyMs.toFixed(2)} ms | ${t.figures!.ram} B | ${t.figures!.flash} B |`;
  return [
    {
      title: 'tune: within the Nano 33 BLE budget vs the default preset',
      markdown: [
        `\`tinyforge tune --builtin --board nano33ble-sense-rev2 --trials 24 --workers 2 --time-budget 30m\` (default space, seed 1): ${search.counts.candidates} candidates, ${search.counts.rejected} rejected before training (${(100 * search.rejectedShare).toFixed(0)} %), ${search.counts.trained} trained in ${(search.seconds / 60).toFixed(1)} min on 2 shared cores. Latency at 64 MHz assuming ${nano.cpi} cycles/instruction. Best on validation: #${best.id}${bestTest ? `, test int8 ${pct(bestTest.int8)}` : ''}.`,
        '',
        '| model | val int8 | test int8 | instructions (× default) | latency | RAM (static) | flash |',
        '|---|---|---|---|---|---|---|',
        `| default preset (conv1d, ${demo.train!.epochsRun} epochs) | — | ${pct(demo.quantize!.eval!.int8Accuracy)} | ${dInstr} | ${latencyMs(dInstr, nano).toFixed(2)} ms | ${demo.firmware!.footprint!.ram} B | ${demo.firmware!.footprint!.flash} B |`,
        ...search.front.map(row),
        '',
        'Rows after the first: the Pareto front (int8 accuracy × latency × RAM × flash), chosen on validation; test accuracy reported only. No public multi-person dataset was measured in this run.',
      ].join('\n'),
    },
  ];
}
