/**
 * `npm run bench -- tune`: tinyforge tune on this machine.
 *  - trials per hour (trainings of the search's rungs per wall-clock hour) of one small search run
 *    with 1 and 2 local worker processes and with 2 BullMQ queue workers (a private redis-server),
 *    the measurement cache warmed first so the figure is about training;
 *  - the share of candidates rejected before training under a latency budget;
 *  - the best int8 accuracy found within the Nano 33 BLE's budget (24 trials, default space) against
 *    the default preset (conv1d, `npm start`), with instructions and RAM, on the built-in data.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoConfig } from '../../src/cli/commands/demo.js';
import { pct, runProject } from '../../src/service/run.js';
import { TRAIN_DEFAULTS } from '../../src/service/train.js';
import { localTrialPool, tuneQueueExecutor, tuneStage, type TrialExecutor, type TuneOptions, type TuneReport } from '../../src/tune/tune.js';
import { describeCandidate } from '../../src/tune/arch.js';
import { latencyMs, makeBudget } from '../../src/tune/budget.js';
import { mergeSpace } from '../../src/tune/space.js';
import type { BenchSection } from './types.js';

const BIN = fileURLToPath(new URL('../../bin/tinyforge.mjs', import.meta.url));
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

function throughputSearch(out: string, measureCache: string): TuneOptions {
  return {
    data: { builtin: true },
    space: mergeSpace({ windowSeconds: [2], family: ['conv1d', 'dsconv'], depth: [2], width: [8, 16], kernelSize: [3, 5], pooling: ['max'], learningRate: [0.003], epochs: { min: 2, max: 4, eta: 2 } }),
    budget: makeBudget({ board: 'nano33ble-sense-rev2' }),
    trials: 8,
    seed: 1,
    out,
    generationSize: 8,
    measureCache,
  };
}

async function timed(o: TuneOptions, ex: TrialExecutor): Promise<{ report: TuneReport; perHour: number }> {
  const t0 = Date.now();
  const report = await tuneStage(o, ex);
  const hours = (Date.now() - t0) / 3.6e6;
  return { report, perHour: report.counts.trainings / hours };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function queueThroughput(o: TuneOptions): Promise<number | string> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) return 'not measured (redis-server missing)';
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise<void>((resolve) => redis.stdout!.on('data', (b: Buffer) => /Ready to accept/.test(b.toString()) && resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const workers: ChildProcess[] = [0, 1].map((i) => spawn(process.execPath, [BIN, 'worker', '--queue', url, '--name', `bench-${i}`], { stdio: 'ignore', detached: true }));
  try {
    const ex = await tuneQueueExecutor(url);
    try {
      return (await timed(o, ex)).perHour;
    } finally {
      await ex.close();
    }
  } finally {
    for (const w of workers) {
      try {
        process.kill(-w.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    redis.kill('SIGTERM');
  }
}

export async function bench(): Promise<BenchSection[]> {
  // Throughput: warm the measurement cache once, then the same search three ways.
  const cache = tmp('tf-bench-tune-measure-');
  await tuneStage({ ...throughputSearch(tmp('tf-bench-tune-warm-'), cache), trials: 8 }, localTrialPool(2));
  const one = await timed(throughputSearch(tmp('tf-bench-tune-1-'), cache), localTrialPool(1));
  const two = await timed(throughputSearch(tmp('tf-bench-tune-2-'), cache), localTrialPool(2));
  const queued = await queueThroughput(throughputSearch(tmp('tf-bench-tune-q-'), cache));

  // The default preset (npm start) to beat: test int8 accuracy, instructions, RAM.
  const demoOut = tmp('tf-bench-tune-demo-');
  const demo = await runProject({ config: demoConfig({ out: demoOut, seed: String(TRAIN_DEFAULTS.seed), epochs: String(TRAIN_DEFAULTS.epochs), preset: TRAIN_DEFAULTS.preset, verify: '200' }), out: demoOut });
  const nano = makeBudget({ board: 'nano33ble-sense-rev2' });
  const dInstr = Math.round(demo.verify!.counter!.mean);
  const dRam = demo.firmware!.footprint!.ram;

  // The search within the Nano's budget (the done-when command), default space.
  const search = await tuneStage({ data: { builtin: true }, space: mergeSpace({}), budget: nano, trials: 24, seed: 1, out: tmp('tf-bench-tune-nano-') }, localTrialPool(2));
  const best = search.best!;
  const bestFront = search.front.find((f) => f.id === best.id) ?? best;
  // Latency-limited: half the default preset's latency on the Nano.
  const halfMs = latencyMs(dInstr, nano) / 2;
  const limited = await tuneStage({ data: { builtin: true }, space: mergeSpace({}), budget: makeBudget({ board: 'nano33ble-sense-rev2', maxLatencyMs: Number(halfMs.toFixed(3)) }), trials: 8, seed: 2, out: tmp('tf-bench-tune-lat-') }, localTrialPool(2));
  const cheapest = limited.best;

  const ph = (v: number | string) => (typeof v === 'number' ? v.toFixed(0) : v);
  return [
    {
      title: 'tune: trials per hour',
      markdown: [
        `One search of 8 candidates (conv1d/dsconv, 2 s windows, 2 then 4 epochs: ${one.report.counts.trainings} trainings) on the built-in data, each training in its own process; the measurement cache was warmed first, so this is training throughput. 2 shared cores.`,
        '',
        '| executor | trainings per hour |',
        '|---|---|',
        `| 1 local worker | ${ph(one.perHour)} |`,
        `| 2 local workers | ${ph(two.perHour)} |`,
        `| 2 BullMQ queue workers (local redis-server) | ${ph(queued)} |`,
      ].join('\n'),
    },
    {
      title: 'tune: within the Nano 33 BLE budget vs the default preset',
      markdown: [
        `\`tinyforge tune --builtin --board nano33ble-sense-rev2 --trials 24 --workers 2\` (default space, seed 1): ${search.counts.candidates} candidates, ${search.counts.rejected} rejected before training (${(100 * search.rejectedShare).toFixed(0)} %), ${search.counts.trained} trained in ${(search.seconds / 60).toFixed(1)} min. Latency at 64 MHz assuming ${nano.cpi} cycles/instruction.`,
        `With a latency budget of half the default preset's (${halfMs.toFixed(3)} ms), 8 trials, seed 2: ${limited.counts.candidates} candidates, ${limited.counts.rejected} rejected before training (**${(100 * limited.rejectedShare).toFixed(0)} %**).`,
        '',
        '| model | val int8 | test int8 | instructions | latency | RAM (static) | flash |',
        '|---|---|---|---|---|---|---|',
        `| default preset (conv1d, 30 epochs, early stopping) | — | ${pct(demo.quantize!.eval!.int8Accuracy)} (held-out test) | ${dInstr} | ${latencyMs(dInstr, nano).toFixed(2)} ms | ${dRam} B | ${demo.firmware!.footprint!.flash} B |`,
        `| tune best on validation: #${best.id} ${describeCandidate(best.candidate)} | ${pct(best.accuracy?.val.int8)} | ${pct(bestFront.accuracy?.test?.int8)} | ${best.figures!.instructions} | ${best.figures!.latencyMs.toFixed(2)} ms | ${best.figures!.ram} B | ${best.figures!.flash} B |`,
        ...(cheapest ? [`| tune best within half the latency: #${cheapest.id} ${describeCandidate(cheapest.candidate)} | ${pct(cheapest.accuracy?.val.int8)} | ${pct(limited.front.find((f) => f.id === cheapest.id)?.accuracy?.test?.int8)} | ${cheapest.figures!.instructions} | ${cheapest.figures!.latencyMs.toFixed(2)} ms | ${cheapest.figures!.ram} B | ${cheapest.figures!.flash} B |`] : []),
        '',
        'Test accuracy of tune trials is reported for Pareto-front trials only and was never used to choose. No public multi-person dataset was measured in this run.',
      ].join('\n'),
    },
  ];
}
