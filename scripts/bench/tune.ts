/**
 * `npm run bench -- tune`: tinyforge tune on this machine.
 *  - trials per hour (trainings of the search's rungs per wall-clock hour) of one small search run
 *    with 1 and 2 local worker processes and with 2 BullMQ queue workers (a private redis-server),
 *    the measurement cache warmed first so the figure is about training;
 *  - the share of candidates rejected before training under a latency budget (half the default
 *    preset's). The accuracy search against the default preset is scripts/bench/tune-search.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pct } from '../../src/service/run.js';
import { buildModel } from '../../src/train/models.js';
import { localTrialPool, measureModel, tuneData, tuneQueueExecutor, tuneStage, type TrialExecutor, type TuneData, type TuneOptions, type TuneReport } from '../../src/tune/tune.js';
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
    trials: 4,
    seed: 1,
    out,
    generationSize: 4,
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

/** The default preset's figures, measured as tune measures candidates (placeholder weights, virtual board). */
export async function measurePreset(data: TuneData) {
  const d = data.forCandidate({ windowSeconds: 2, windowStride: 0.5 });
  const model = buildModel('conv1d', { windowLength: d.windowLength, axes: d.axes.length, classes: d.labels.length, seed: 1 });
  return measureModel(model, d, { seed: 1, workDir: tmp('tf-bench-tune-preset-') });
}

export async function bench(): Promise<BenchSection[]> {
  // Throughput: warm the measurement cache once, then the same search three ways.
  const cache = tmp('tf-bench-tune-measure-');
  await tuneStage(throughputSearch(tmp('tf-bench-tune-warm-'), cache), localTrialPool(2));
  const one = await timed(throughputSearch(tmp('tf-bench-tune-1-'), cache), localTrialPool(1));
  const two = await timed(throughputSearch(tmp('tf-bench-tune-2-'), cache), localTrialPool(2));
  const queued = await queueThroughput(throughputSearch(tmp('tf-bench-tune-q-'), cache));

  // Rejected before training: half the latency of the default preset's architecture (measured the same way).
  const nano = makeBudget({ board: 'nano33ble-sense-rev2' });
  const data = tuneData({ builtin: true });
  const preset = await measurePreset(data);
  const halfMs = latencyMs(preset.instructions, nano) / 2;
  const limited = await tuneStage({ data: { builtin: true }, space: mergeSpace({}), budget: makeBudget({ board: 'nano33ble-sense-rev2', maxLatencyMs: Number(halfMs.toFixed(3)) }), trials: 4, seed: 2, out: tmp('tf-bench-tune-lat-'), generationSize: 4, timeBudgetSeconds: 900 }, localTrialPool(2));

  const ph = (v: number | string) => (typeof v === 'number' ? v.toFixed(0) : v);
  return [
    {
      title: 'tune: trials per hour',
      markdown: [
        `One search of 4 candidates (conv1d/dsconv, 2 s windows, 2 then 4 epochs: ${one.report.counts.trainings} trainings) on the built-in data, each training in its own process; the measurement cache was warmed first, so this is training throughput. 2 shared cores.`,
        '',
        '| executor | trainings per hour |',
        '|---|---|',
        `| 1 local worker | ${ph(one.perHour)} |`,
        `| 2 local workers | ${ph(two.perHour)} |`,
        `| 2 BullMQ queue workers (local redis-server) | ${ph(queued)} |`,
      ].join('\n'),
    },
    {
      title: 'tune: candidates rejected before training',
      markdown: [
        `The default preset (conv1d, 2 s windows) measured the way tune measures candidates: ${preset.instructions} instructions per inference = ${latencyMs(preset.instructions, nano).toFixed(3)} ms on the Nano 33 BLE (64 MHz, ${nano.cpi} cycles/instruction assumed), arena ${preset.arena} B, RAM ${preset.ram} B, flash ${preset.flash} B.`,
        `A search of the default space (seed 2, 4 trials) with a latency budget of half that (${halfMs.toFixed(3)} ms): ${limited.counts.candidates} candidates proposed, **${limited.counts.rejected} rejected before any training (${(100 * limited.rejectedShare).toFixed(0)} %)**, ${limited.counts.trained} trained; best within the budget: ${limited.best ? `#${limited.best.id} ${describeCandidate(limited.best.candidate)}, validation int8 ${pct(limited.best.accuracy?.val.int8)} after ${limited.best.epochs} epochs, ${limited.best.figures!.instructions} instructions` : 'none'}.`,
        '',
        'The machine was shared with other work while this ran: trainings per hour are a floor.',
      ].join('\n'),
    },
  ];
}
