/**
 * `tinyforge data inspect` (what recordings hold: classes, counts, rates, gaps, groups) and
 * `tinyforge data split` (group split → windows → normalisation, written as a split folder; see
 * src/data/split-files.ts for the format). Both read recording files or `--builtin`.
 */
import { Command, Option } from 'commander';
import { usageError } from '../../core/errors.js';
import type { ImportReport } from '../../data/import/common.js';
import { segmentsLines, type ImportedRecordings } from '../../data/import/description.js';
import { findConfig, writeSplitDir } from '../../adapters/files.js';
import { addImportOptions, addSplitOptions, builtinProgress, dataSectionFromFlags, descriptionFromOptions, flagNumber, detectionLines, loadRecordings, type ImportFlags, type SplitFlags } from '../data-options.js';
import { BUILTIN_DEFAULTS, BUILTIN_MAX_FRAMES, builtinDataset } from '../../data/simulator.js';
import { prepareData } from '../../service/data.js';
import { serializeSplit } from '../../data/split-files.js';
import { secondsOf, summarise, type DatasetSummary } from '../../data/summary.js';
import { action, emit, globalOptions, info, type OutputOptions } from '../util.js';
import type { Platform } from '../../service/ports.js';

type Flags = ImportFlags & SplitFlags & {
  builtin?: boolean;
  config?: string;
  seed?: string;
  subjects?: string;
  seconds?: string;
  out?: string;
  val?: string;
  test?: string;
  window?: string;
  stride?: string;
  fallback?: 'contiguous' | 'error';
  force?: boolean;
};

const num = flagNumber;

function inputOptions(cmd: Command): Command {
  return addImportOptions(cmd.option('--builtin', 'use the built-in simulated activity dataset instead of files'))
    .option('--config <file>', "project file whose data section describes the import (default: ./tinyforge.config.json when present); flags override it")
    .option('--seed <n>', 'seed for the built-in simulator and the split (default 1, or data.split.seed)')
    .option('--subjects <n>', `built-in: simulated subjects (default ${BUILTIN_DEFAULTS.subjects})`)
    .option('--seconds <s>', `built-in: seconds per subject and activity (default ${BUILTIN_DEFAULTS.secondsPerActivity})`)
    .option('--force', `built-in: simulate even above ${BUILTIN_MAX_FRAMES.toLocaleString('en')} samples (the work is estimated first and refused above that)`);
}

/** The built-in simulator's options the flags give. */
function builtinOptions(f: Flags, paths: string[]): { seed?: number; subjects?: number; secondsPerActivity?: number; rateHz?: number; force?: boolean } {
  if (paths.length) throw usageError('give either files or --builtin, not both', { remedy: 'drop the file arguments or --builtin' });
  return {
    ...(f.force ? { force: true } : {}),
    seed: num('seed', f.seed, true, -2147483648, 2147483647),
    subjects: num('subjects', f.subjects, true, 1, 1000),
    secondsPerActivity: num('seconds', f.seconds, false, 4, 3600),
    rateHz: num('rate', f.rate, false, 50, 119),
  };
}

/** The import description the flags and the project file's data section give (files: the paths, else the section's). */
function description(paths: string[], f: Flags) {
  const desc = descriptionFromOptions(f, findConfig(f.config).config.data, paths);
  if (!desc.files?.length) throw usageError('no input: name recording files or folders, or pass --builtin', { remedy: 'e.g. tinyforge data inspect flex.csv punch.csv (or data.import.files in tinyforge.config.json)' });
  return desc;
}

function load(paths: string[], f: Flags, o: OutputOptions): ImportedRecordings {
  if (f.builtin) {
    const onProgress = builtinProgress(o);
    try {
      return { recordings: builtinDataset({ ...builtinOptions(f, paths), onProgress }), reports: [], files: [] };
    } finally {
      onProgress.stop();
    }
  }
  return loadRecordings(description(paths, f));
}

const fmt = (x: number, d = 1) => (Number.isInteger(x) ? String(x) : x.toFixed(d));

function table(rows: string[][]): string {
  const w = rows[0].map((_, c) => rows.reduce((m, r) => Math.max(m, r[c].length), 0));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(w[c]) : cell.padStart(w[c]))).join('  ')).join('\n');
}

function reportText(reports: ImportReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    let line = `${r.source}: ${r.format}, ${r.recordings} recording(s), ${r.frames} frames at ${fmt(r.rateHz, 3)} Hz (${r.rateSource})`;
    if (r.timing) line += `; interval median ${fmt(r.timing.medianIntervalMs, 3)} ms, jitter ${fmt(r.timing.jitterMs, 3)} ms, ${r.timing.gaps.count} gap(s)`;
    if (r.skipped.count) line += `; ${r.skipped.count} skipped`;
    out.push(line);
    for (const l of detectionLines(r)) out.push(`  ${l}`);
    for (const s of r.skipped.examples) out.push(`  skipped${s.line ? ` line ${s.line}` : ''}: ${s.message}`);
    for (const w of r.warnings) out.push(`  warning: ${w}`);
  }
  return out.join('\n');
}

function summaryText(s: DatasetSummary): string {
  const out: string[] = [];
  out.push(`${s.recordings} recording(s), ${s.frames} frames, ${fmt(s.seconds)} s; ${s.labels.length} class(es), ${s.groups.length} group(s)`);
  out.push(`rates: ${s.rates.map((r) => `${fmt(r.rateHz, 3)} Hz × ${r.recordings}`).join(', ')}${s.rates.length > 1 ? '  (mixed: window each rate separately)' : ''}`);
  out.push(`axes: ${s.axes.map((a) => `${a.axes.map((x, i) => (a.units[i] ? `${x} [${a.units[i]}]` : x)).join(', ')} × ${a.recordings}`).join('; ')}`);
  out.push('', table([['class', 'recordings', 'frames', 'seconds', 'groups'], ...s.classes.map((c) => [c.label, String(c.recordings), String(c.frames), fmt(c.seconds), String(c.groups)])]));
  out.push('', 'seconds per group and class:');
  out.push(table([['group', 'recordings', ...s.labels], ...s.perGroup.map((g) => [g.group, String(g.recordings), ...s.labels.map((l) => (secondsOf(g, l) ? fmt(secondsOf(g, l)) : '-'))])]));
  out.push('', table([['axis', 'min', 'max', 'mean'], ...s.ranges.map((r) => [r.axis, r.min.toFixed(3), r.max.toFixed(3), r.mean.toFixed(3)])]));
  return out.join('\n');
}

export function register(program: Command, io: Platform): void {
  const data = program.command('data').description('Inspect, import and split labelled sensor recordings');

  inputOptions(
    data
      .command('inspect')
      .description('Import recordings and show classes, counts, rates, gaps, skipped rows and the per-group table')
      .argument('[paths...]', 'recording files or folders (IMU_Capture CSV, CSV with timestamps, Edge Impulse JSON, tinyforge capture)'),
  ).action(
    action((paths: string[], f: Flags, cmd: Command) => {
      const o = globalOptions(cmd);
      const { recordings, reports, files, segments } = load(paths, f, o);
      const summary = summarise(recordings);
      emit(o, { files, imports: reports, ...(segments ? { segments } : {}), summary }, () =>
        [reports.length ? reportText(reports) + '\n' : '', segments ? segmentsLines(segments).join('\n') + '\n' : '', summaryText(summary)].filter((x) => x !== '').join('\n'),
      );
    }),
  );

  addSplitOptions(inputOptions(
    data
      .command('split')
      .description('Split recordings by group (stratified, seeded), window them and fit the normalisation on train; write DIR/split.json + train/val/test.json')
      .argument('[paths...]', 'recording files or folders (or --builtin)'),
  ))
    .requiredOption('-o, --out <dir>', 'output folder')
    .option('--val <fraction>', 'validation fraction 0–0.5 (default 0.15)')
    .option('--test <fraction>', 'test fraction 0–0.5 (default 0.15)')
    .option('--window <n>', 'samples per window (default: 2 s at the data rate, or one window per equal-length short recording, as train does)')
    .option('--stride <n>', 'samples between window starts (default: half a window, 1 s for the built-in data)')
    .addOption(new Option('--fallback <mode>', 'with too few groups: split each class\'s recordings contiguously (reported), or stop (default contiguous)').choices(['contiguous', 'error']))
    .action(
      action((paths: string[], f: Flags, cmd: Command) => {
        const o = globalOptions(cmd);
        // The same function `train` and `run` use: same files, options and seed → same split.
        const onProgress = builtinProgress(o);
        // The same function and the same section rule `train` and `run` use: same files, classes
        // (data.labels, --exclude-labels), options and seed → same split.
        const section = dataSectionFromFlags(findConfig(f.config).config.data, f);
        const prepared = prepareData(io, {
          ...section,
          onProgress,
          ...(f.builtin ? { builtin: builtinOptions(f, paths), paths: undefined, import: undefined } : { import: description(paths, f) }),
          ...(f.axes ? { axes: f.axes.split(',').map((a) => a.trim()) } : {}),
        });
        onProgress.stop();
        for (const r of prepared.reports) for (const l of detectionLines(r)) info(o, `${r.source}: ${l}`);
        for (const n of prepared.notes) info(o, n);
        const written = writeSplitDir(f.out!, serializeSplit(prepared, prepared.units));
        const counts = { train: prepared.train.y.length, val: prepared.val.y.length, test: prepared.test.y.length };
        emit(
          o,
          { out: f.out, files: written, labels: prepared.labels, windowLength: prepared.windowLength, windowStride: prepared.windowStride, counts, normalisation: prepared.normalisation, split: prepared.split },
          () =>
            [
              `split (${prepared.split.mode}, seed ${prepared.split.seed}) → ${f.out}`,
              `windows: ${prepared.windowLength} samples, stride ${prepared.windowStride}; train ${counts.train}, val ${counts.val}, test ${counts.test}`,
              `groups: train [${prepared.split.groups.train.join(', ')}], val [${prepared.split.groups.val.join(', ')}], test [${prepared.split.groups.test.join(', ')}]`,
              `normalisation (train): mean [${prepared.normalisation.mean.map((x) => x.toFixed(4)).join(', ')}], std [${prepared.normalisation.std.map((x) => x.toFixed(4)).join(', ')}]`,
            ].join('\n'),
        );
      }),
    );
}
