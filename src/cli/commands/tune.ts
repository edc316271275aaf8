/**
 * `tinyforge tune`: the most accurate model that fits a board (src/tune/tune.ts), run by a local
 * pool of trial processes or by BullMQ workers (`--queue`); `tinyforge worker --queue …` is such a
 * worker. Thin: flags and the project file's `tune` section → options; events → progress.
 */
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { StopControl } from '../../adapters/signals.js';
import { usageError } from '../../core/errors.js';
import { RUN_DEFAULT_BOARD } from '../../service/run.js';
import { localTrialPool, runTuneWorker, tuneQueueExecutor, tuneStage, type TrialExecutor, type TuneEvent, type TuneReport } from '../../tune/tune.js';
import type { TinyforgeConfig } from '../../train/config.js';
import { findConfig } from '../../adapters/files.js';
import { describeCandidate } from '../../tune/arch.js';
import { makeBudget } from '../../tune/budget.js';
import type { TrialRecord } from '../../tune/search.js';
import { formatSpace, mergeSpace } from '../../tune/space.js';
import { action, emit, globalOptions, info, progress, type OutputOptions } from '../util.js';
import { flag, numberFlag } from '../flags.js';
import { addImportOptions, type ImportFlags } from '../data-options.js';
import { applyRunFlags } from './run.js';
import { DEFAULT_LOCK_MS } from '../../adapters/tune-queue.js';

type TuneFlags = ImportFlags & {
  config?: string;
  data?: string[];
  builtin?: boolean;
  board?: string;
  maxFlash?: string;
  maxRam?: string;
  maxLatencyMs?: string;
  cpi?: string;
  clockMhz?: string;
  trials?: string;
  timeBudget?: string;
  seed?: string;
  out?: string;
  workers?: string;
  queue?: string;
  printSpace?: boolean;
  measureCache?: string;
};

/** "90", "90s", "30m", "1.5h" → seconds. */
export function parseDuration(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(s|m|h)?\s*$/.exec(v);
  if (!m || Number(m[1]) <= 0) throw usageError(`--time-budget ${v} is not a duration`, { remedy: 'e.g. --time-budget 30m (s, m or h; a bare number is seconds)' });
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 's' | 'm' | 'h'];
}

/** Local trial processes by default: the cores but one (at least one). */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism() - 1);
}

const pct = (v: number | undefined) => (v === undefined ? '–' : `${(100 * v).toFixed(1)} %`);

/** The Pareto front as a table. */
export function frontTable(front: readonly TrialRecord[]): string {
  const head = ['trial', 'candidate', 'val int8', 'test int8', 'instructions', 'latency', 'arena', 'RAM', 'flash'];
  const rows = front.map((t) => [
    `#${t.id}`,
    describeCandidate(t.candidate),
    pct(t.accuracy?.val.int8),
    pct(t.accuracy?.test?.int8),
    String(t.figures?.instructions ?? '–'),
    t.figures ? `${t.figures.latencyMs.toFixed(2)} ms` : '–',
    `${t.figures?.arena ?? '–'} B`,
    `${t.figures?.ram ?? '–'} B`,
    `${t.figures?.flash ?? '–'} B`,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '  ' + r.map((c, i) => (i < 2 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

export function tuneSummary(r: TuneReport): string {
  const c = r.counts;
  const lines = [
    '',
    `tinyforge tune — ${c.trained} trained, ${c.rejected} rejected before training (${(100 * r.rejectedShare).toFixed(0)} % of ${c.candidates} candidates), ${c.failed} failed${c.resumed ? `, ${c.resumed} trainings resumed from ${r.files.trials}` : ''}`,
    `  budget    ${r.budget.description}`,
    `  figures   measured before training: native engine (uniform requantisation: flash does not change with training), Cortex-M4 (virtual board, instructions counted exactly), placeholder weights`,
    '',
    'Pareto front (int8 accuracy × latency × RAM × flash; chosen on validation, test accuracy shown, never used to choose):',
    frontTable(r.front),
    '',
  ];
  if (r.best) lines.push(`best on validation: #${r.best.id} ${describeCandidate(r.best.candidate)} — int8 ${pct(r.best.accuracy?.val.int8)}; to the board: tinyforge run --trial ${r.out}#${r.best.id}`);
  lines.push(`report    ${r.files.report}`, `trials    ${r.files.trials}`);
  return lines.join('\n');
}

/** The options tune runs with: project file's `tune` and `data` sections, flags over them. */
export function tuneOptions(cfg: TinyforgeConfig, f: TuneFlags) {
  const c = applyRunFlags(cfg, f);
  const t = c.tune ?? {};
  const num = (name: string, v: string | undefined, o: Parameters<typeof numberFlag>[2]) => numberFlag(name, v, o);
  const board = f.board ?? t.board ?? c.firmware?.board ?? RUN_DEFAULT_BOARD;
  const budget = makeBudget({
    board,
    maxFlash: num('max-flash', f.maxFlash, { min: 1 }) ?? t.maxFlash,
    maxRam: num('max-ram', f.maxRam, { min: 1 }) ?? t.maxRam,
    maxLatencyMs: num('max-latency-ms', f.maxLatencyMs, { integer: false, min: 0.0001 }) ?? t.maxLatencyMs,
    cpi: num('cpi', f.cpi, { integer: false, min: 0.01 }) ?? t.cpi,
    clockMHz: num('clock-mhz', f.clockMhz, { integer: false, min: 0.001 }) ?? t.clockMHz,
  });
  return {
    data: c.data ?? { builtin: true },
    space: mergeSpace(t.space),
    budget,
    trials: num('trials', f.trials, { min: 1 }) ?? t.trials ?? 24,
    seed: num('seed', f.seed, { min: 0 }) ?? c.train?.seed ?? 1,
    out: f.out ? resolve(f.out) : (t.out ?? join(process.cwd(), 'out/tune')),
    timeBudgetSeconds: parseDuration(f.timeBudget) ?? t.timeBudgetSeconds,
    workers: num('workers', f.workers, { min: 1 }) ?? t.workers ?? defaultWorkers(),
    queue: f.queue ?? t.queue,
    measureCache: f.measureCache ? resolve(f.measureCache) : undefined,
  };
}

/** Progress on a TTY: a bar of trained candidates with the best so far; notable events as lines. */
function tuneProgress(o: OutputOptions, total: number) {
  const bar = progress(o, total, 'tune');
  const done = new Set<number>();
  return {
    onEvent(e: TuneEvent) {
      if (e.type === 'start') {
        info(o, `[tune] ${e.budget}`);
        info(o, `[tune] trials run by ${e.executor}${e.resumed ? `; ${e.resumed} recorded trial events resumed` : ''}`);
      } else if (e.type === 'rejected') {
        if (!process.stderr.isTTY) info(o, `[tune] #${e.record.id} rejected before training: ${e.record.reason}`);
      } else if (e.type === 'trial-end') {
        if (e.record.rung === 0) done.add(e.record.id);
        const b = e.best?.accuracy?.val.int8;
        bar.update(done.size, { best: b === undefined ? 'n/a' : `${(100 * b).toFixed(1)}%`, last: `#${e.record.id}@${e.record.epochs}ep` });
        if (!process.stderr.isTTY) info(o, `[tune] #${e.record.id} ${e.record.status} after ${e.record.epochs} epochs: val int8 ${pct(e.record.accuracy?.val.int8)}${e.record.reason ? ` (${e.record.reason})` : ''}; best so far ${pct(b)}`);
      }
    },
    stop: () => bar.stop(),
  };
}

export function register(program: Command, stops: StopControl): void {
  addImportOptions(program.command('tune'))
    .description('Search for the most accurate model that fits the board: candidates measured (arena, flash, instructions) before training, over-budget ones rejected, the rest trained with successive halving; Pareto front + HTML report')
    .addOption(flag('config', 'project file (default ./tinyforge.config.json when present); its "tune" section holds these settings and the search space'))
    .addOption(flag('data', 'recording files or folders'))
    .option('--builtin', 'the built-in simulated activity data')
    .addOption(flag('board', `board whose budget the search respects (default ${RUN_DEFAULT_BOARD})`))
    .option('--max-flash <bytes>', "flash budget (default: the board's limit)")
    .option('--max-ram <bytes>', "static RAM budget (default: the board's limit)")
    .option('--max-latency-ms <ms>', 'latency budget per inference (instructions × CPI ÷ clock)')
    .option('--cpi <n>', 'cycles per instruction assumed for latency (default 1.25)')
    .option('--clock-mhz <n>', "core clock for latency (default: the board's)")
    .option('--trials <n>', 'candidates to train (default 24)')
    .option('--time-budget <duration>', 'stop starting new trials after this long (e.g. 30m)')
    .addOption(flag('seed', 'seed of the search and of every trial (default 1)'))
    .addOption(flag('out', 'the search folder; re-run with the same folder to resume (default out/tune)'))
    .option('--workers <n>', `local trial processes at once (default cores − 1 = ${defaultWorkers()})`)
    .option('--queue <url>', 'redis://HOST:PORT: publish trials to BullMQ workers (tinyforge worker) instead of running them here')
    .option('--measure-cache <dir>', 'folder of measured figures per architecture, shared by searches (default <out>/measure)')
    .option('--print-space', 'print the search space (default, with the project file\'s overrides) and exit')
    .addHelpText('after', `\nWrites <out>/trials.jsonl (one line per trial event), <out>/report.html and <out>/tune.json.\nExamples:\n  tinyforge tune --builtin --board nano33ble-sense-rev2 --trials 24 --workers 2\n  tinyforge tune --data recordings --max-latency-ms 5 --queue redis://10.0.0.5:6379\n  tinyforge run --trial out/tune#7`)
    .action(
      action(async (f: TuneFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        const { config } = findConfig(f.config);
        const opts = tuneOptions(config, f);
        if (f.printSpace) {
          emit(o, opts.space, () => formatSpace(opts.space));
          return;
        }
        // Ctrl-C: the trials in flight stop, every finished one is kept (src/adapters/signals.ts).
        const release = stops.graceful({ onSignal: (n) => n === 1 && info(o, '\ninterrupted: stopping the trials in flight; every finished trial is kept (re-run the same command to resume)') });
        const executor: TrialExecutor = opts.queue ? await tuneQueueExecutor(opts.queue) : localTrialPool(opts.workers);
        const p = tuneProgress(o, opts.trials);
        let report: TuneReport;
        try {
          report = await tuneStage(opts, executor, { onEvent: p.onEvent, signal: stops.signal });
          emit(o, report, () => tuneSummary(report));
        } finally {
          p.stop();
          await executor.close();
          release();
        }
      }),
    );

  program
    .command('worker')
    .description('Run tune trials published to a BullMQ queue on Redis (tinyforge tune --queue …), each in its own process, until Ctrl-C')
    .requiredOption('--queue <url>', 'redis://HOST:PORT of the coordinator\'s queue')
    .option('--concurrency <n>', 'trials at once on this machine', '1')
    .option('--name <name>', 'name recorded with each trial (default host:pid)')
    .option('--lock-ms <ms>', `lock of a running trial, renewed while this worker lives: a killed worker's trial is retried elsewhere within about 1.5× this (default ${DEFAULT_LOCK_MS})`)
    .addHelpText('after', '\nThe worker needs the same tinyforge version as the coordinator and the same data at the same path (checked by content hash).')
    .action(
      action(async (f: { queue: string; concurrency: string; name?: string; lockMs?: string }, cmd: Command) => {
        const o = globalOptions(cmd);
        const release = stops.graceful();
        try {
          await runTuneWorker(f.queue, {
            concurrency: numberFlag('concurrency', f.concurrency, { min: 1 }),
            name: f.name,
            lockMs: numberFlag('lock-ms', f.lockMs, { min: 1000 }),
            signal: stops.signal,
            onEvent: (e) => {
              if (e.type === 'ready') info(o, `worker: waiting for trials on ${f.queue}`);
              else if (e.job) info(o, `worker: trial #${e.job.id} rung ${e.job.rung} ${e.type}${e.message ? `: ${e.message}` : ''}`);
            },
          });
        } finally {
          release();
        }
      }),
    );
}
