/**
 * `tinyforge run [--config FILE]`: the whole pipeline from the project file (data → train → int8
 * → firmware → build → flash → verify), flags overriding its sections; `--from/--to` or
 * `--stages` run part of it. Thin: the library is src/service/run.ts.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { badInput } from '../../core/errors.js';
import { applyFlags, type ConfigFlags } from '../config-flags.js';
import { CONFIG_FILE, type TinyforgeConfig } from '../../train/config.js';
import { loadConfig } from '../../adapters/files.js';
import { RUN_STAGES, pct, runProject, selectStages, type RunHooks, type RunReport, type RunStage } from '../../service/run.js';
import { describeVerifySample } from '../../device/verify-sample.js';
import { action, emit, globalOptions, info, progress, softInterrupt, type OutputOptions, type Progress } from '../util.js';
import type { StopControl } from '../../adapters/signals.js';
import { flag, listFlag, numberFlag } from '../flags.js';
import { addImportOptions, descriptionFromOptions, type ImportFlags } from '../data-options.js';
import { printDeviceLog } from './device.js';
import { runTrialOnBoard, type TrialRunReport } from '../../tune/tune.js';
import type { Platform } from '../../service/ports.js';

/** `run --trial`: measured vs predicted before training and vs recorded after training, and the verification. */
export function trialRunSummary(r: TrialRunReport): string {
  const p = r.predicted;
  const t = r.trained;
  const m = r.measured;
  const v = r.verify;
  const mark = (ok: boolean) => (ok ? 'as predicted' : 'differs from the prediction');
  return [
    '',
    `tinyforge run --trial ${r.search}#${r.trial.id} — ${r.board}, native engine (requantisation kept uniform, as tune measures: docs/tune.md)`,
    `  arena     ${m.arena} B (predicted before training ${p.arena} B: ${mark(r.matches.arena)})`,
    `  flash     ${m.flash} B (predicted before training ${p.flash} B: ${mark(r.matches.flash)})`,
    `  RAM       ${m.ram} B (predicted before training ${p.ram} B: ${mark(r.matches.ram)}; recorded after training: flash ${t.flash} B, RAM ${t.ram} B, ${r.matches.trainedExact ? 'equal' : 'DIFFERENT'})`,
    `  instr.    ${m.instructions}/inference (predicted ${p.instructions}: ${(100 * r.matches.instructionsDiff).toFixed(3)} %, ${r.matches.instructions ? 'within 1 %' : 'OUTSIDE 1 %'})`,
    `  verify    ${v.bitExact}/${v.n} bit-exact (max diff ${v.maxLsbDiff} LSB), device accuracy ${pct(v.accuracy?.device)}`,
    `            ${describeVerifySample(v.sample)}`,
    `  firmware  ${r.firmware}`,
  ].join('\n');
}

/** Progress per stage on a TTY (status lines on stderr, bars for epochs and verify); nothing with --json. */
export function runHooks(o: OutputOptions, stops: StopControl): RunHooks & { dispose(): void } {
  let bar: Progress | null = null;
  const end = () => {
    bar?.stop();
    bar = null;
  };
  // Ctrl-C while training: finish the epoch and save, then stop with exit 130; at any other stage: stop
  // now (every stage's output is whole or absent: src/service/run.ts).
  let interrupt: ReturnType<typeof softInterrupt> | null = null;
  return {
    begin: (s) => {
      interrupt?.dispose();
      interrupt = s === 'train' ? softInterrupt(o, stops) : null;
      // The steps that take a while without a bar of their own.
      if (s === 'build') info(o, '[build] compiling…');
      if (s === 'flash') info(o, '[flash] putting the firmware on the board…');
    },
    stage: (s, m) => {
      end();
      info(o, `[${s}] ${m}`);
    },
    epoch: (rec, epochs) => {
      if (!bar) bar = progress(o, epochs, 'train');
      bar.update(rec.epoch, { loss: rec.loss.toFixed(3), val_acc: rec.valAccuracy === null ? 'n/a' : rec.valAccuracy.toFixed(3) });
    },
    shouldStop: () => stops.signal.aborted,
    deviceLog: printDeviceLog,
    verifyProgress: (done, total) => {
      if (!bar) bar = progress(o, total, 'verify');
      bar.update(done);
      if (done === total) end();
    },
    dispose: () => {
      end();
      interrupt?.dispose();
    },
  };
}

/** One line per stage that ran. */
export function runSummary(r: RunReport, title: string): string {
  const lines = ['', title];
  if (r.data) lines.push(`  data      ${r.data.labels.length} classes, ${r.data.windows.train}/${r.data.windows.val}/${r.data.windows.test} windows (train/val/test, split by ${r.data.source === 'builtin' ? 'subject' : 'group'})`);
  if (r.train) lines.push(`  train     ${r.train.backend}, ${r.train.epochsRun} epochs, ${r.train.params} params: train ${pct(r.train.accuracy.train)}, val ${pct(r.train.accuracy.val)}, test ${pct(r.train.accuracy.test)} (${r.train.verdict})`);
  if (r.quantize) lines.push(`  int8      ${r.quantize.eval ? `held-out accuracy float ${pct(r.quantize.eval.floatAccuracy)} → int8 ${pct(r.quantize.eval.int8Accuracy)}; ` : ''}.tflite ${r.quantize.tfliteBytes} bytes`);
  if (r.firmware) {
    const f = r.firmware;
    lines.push(`  firmware  ${f.board}, ${f.engine} engine${f.footprint ? `: flash ${f.footprint.flash} B, RAM ${f.footprint.ram} B` : ''}${r.verify ? `, arena ${r.verify.arena.used} B` : ''}`);
  }
  if (r.verify) {
    const v = r.verify;
    lines.push(`  verify    ${v.bitExact}/${v.n} bit-exact (max diff ${v.maxLsbDiff} LSB), device accuracy ${pct(v.accuracy?.device)}, ${v.counter ? `${Math.round(v.counter.mean)} ${v.counterKind}/inference` : `${Math.round(v.micros.mean)} µs/inference`}`);
    lines.push(`            ${describeVerifySample(v.sample)}`);
  }
  const files = [r.files.tflite, r.files.report, r.files.pipeline].filter((x): x is string => typeof x === 'string');
  lines.push(`  files     ${files.join(', ')}`);
  return lines.join('\n');
}

/** run's flags: every project-file override (src/cli/config-flags.ts) plus its own. */
type RunFlags = ConfigFlags & {
  config?: string;
  out?: string;
  from?: string;
  to?: string;
  stages?: string;
  trial?: string;
};

/** The project file with run's flags applied: the one merge (src/cli/config-flags.ts), plus --out. */
export function applyRunFlags(cfg: TinyforgeConfig, f: RunFlags): TinyforgeConfig {
  const c = applyFlags(cfg, f);
  if (f.out) c.out = resolve(f.out);
  return c;
}

/** The --config file, else ./tinyforge.config.json; an error with the remedy when there is none. */
export function projectFile(explicit: string | undefined, cwd = process.cwd()): { config: TinyforgeConfig; path: string } {
  const path = resolve(cwd, explicit ?? CONFIG_FILE);
  if (!existsSync(path)) {
    throw badInput(explicit ? `project file not found: ${path}` : `no ${CONFIG_FILE} in ${cwd}`, {
      remedy: `pass --config FILE, or create ${CONFIG_FILE} here (README "The project file" has a full example; schemas/tinyforge.config.schema.json lists every field)`,
    });
  }
  return { config: loadConfig(path), path };
}

export function register(program: Command, stops: StopControl, io: Platform): void {
  addImportOptions(program.command('run'))
    .description(`Run the pipeline from the project file: ${RUN_STAGES.join(' → ')}; each stage reads its section, flags override it`)
    .addOption(flag('config', `project file (default ./${CONFIG_FILE})`))
    .addOption(flag('out', 'output folder (default: the project file\'s "out", else out/run)'))
    .option('--from <stage>', `first stage to run (${RUN_STAGES.join(', ')}); earlier results are read from --out`)
    .option('--to <stage>', 'last stage to run')
    .option('--stages <list>', 'comma-separated stages to run (contiguous), instead of --from/--to')
    .addOption(flag('data', 'recording files or folders (replace data.paths)'))
    .option('--builtin', 'use the built-in simulated activity data (replaces data.paths)')
    .addOption(flag('board', 'firmware.board'))
    .addOption(flag('engine', 'firmware.engine'))
    .addOption(flag('weights', 'firmware.weights: native engine weight packing (default auto: fastest within what TFLM would take and the board\'s flash)'))
    .addOption(flag('flashBudget', 'firmware.flashBudget: with --weights auto, the image budget in bytes'))
    .addOption(flag('port', 'verify.port: the serial port of a real board (the virtual board needs none)'))
    .addOption(flag('epochs', 'train.epochs'))
    .addOption(flag('seed', 'train.seed and data.split.seed'))
    .addOption(flag('preset', 'train.preset'))
    .addOption(flag('backend', 'train.backend'))
    .addOption(flag('max', 'verify.windows: at most N held-out windows, class-stratified (default 200)'))
    .addOption(flag('all', 'verify every held-out window'))
    .option('--trial <DIR#N>', 'take trial N of a tune search (tinyforge tune --out DIR) through firmware → build → flash → verify, checking arena, flash and instructions against the prediction')
    .addHelpText('after', `\nWrites <out>/pipeline.json with every figure. Exit 5 if any board output differs from the host interpreter.\nExamples:\n  tinyforge run\n  tinyforge run --config gestures/tinyforge.config.json --to int8\n  tinyforge run --from firmware --board cortex-m4 --to build`)
    .action(
      action(async (f: RunFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        if (f.trial) {
          const r = await runTrialOnBoard(f.trial, { board: f.board, port: f.port, max: numberFlag('max', f.max, { min: 1 }), all: f.all, onStage: (s, m) => info(o, `[${s}] ${m}`) });
          emit(o, r, () => trialRunSummary(r));
          return;
        }
        const stages = selectStages({ from: f.from, to: f.to, stages: listFlag(f.stages) });
        const { config, path } = projectFile(f.config);
        info(o, `using ${relative(process.cwd(), path) || path}`);
        const cfg = applyRunFlags(config, f);
        const hooks = runHooks(o, stops);
        let report: RunReport;
        try {
          report = await runProject(io, { config: cfg, out: cfg.out ?? join(process.cwd(), 'out/run'), stages }, hooks);
        } finally {
          hooks.dispose();
        }
        emit(o, report, () => runSummary(report, `tinyforge run — ${stages.join(' → ')}`));
      }),
    );
}
