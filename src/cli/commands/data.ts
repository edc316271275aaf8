/**
 * `tinyforge data inspect` (what recordings hold: classes, counts, rates, gaps, groups; with
 * --spectrum one window's spectrum through the spectral block) and `tinyforge data split` (group
 * split → windows → normalisation, written as a split folder; see src/data/split-files.ts for the
 * format). Both read recording files or `--builtin`. `data crop` / `data split-recording` cut one
 * capture (CSV + sidecar) into new recordings, as the studio's Record page does
 * (src/service/recordings.ts).
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
import { flag, numberFlag } from '../flags.js';
import { loadSettings } from '../../adapters/model-sources.js';
import type { ModelSettings, Recording } from '../../core/dataset.js';
import { cropRecording, editWindow, splitRecording, type EditResult } from '../../service/recordings.js';
import { sampleAt } from '../../data/recording-edit.js';
import { formatSpectrum, spectrumParams, windowSpectrum } from '../../features/spectrum.js';
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
  spectrum?: boolean;
  recording?: string;
  at?: string;
  settings?: string;
  fftLength?: string;
};

type EditFlags = { from?: string; to?: string; at?: string; every?: string; name?: string; settings?: string; window?: string };

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

/** The spectrum of one window of the imported recordings (data inspect --spectrum). */
function spectrumOf(recordings: Recording[], f: Flags) {
  const i = numberFlag('recording', f.recording, { min: 0 }) ?? 0;
  const rec = recordings[i];
  if (!rec) throw usageError(`--recording ${i}: there are ${recordings.length} recording(s) (0–${recordings.length - 1})`, { remedy: 'pick an index from the table above (import order, from 0)' });
  const settings: ModelSettings | null = f.settings ? loadSettings(f.settings) : null;
  const { params, from } = spectrumParams(settings, numberFlag('fft-length', f.fftLength, { min: 1 }));
  const length = numberFlag('window', f.window, { min: 1 }) ?? editWindow(settings, rec.sampleRateHz);
  const start = sampleAt(numberFlag('at', f.at, { integer: false, min: 0 }) ?? 0, rec.sampleRateHz);
  const s = windowSpectrum(rec, start, length, params, from);
  return { recording: { index: i, label: rec.label, group: rec.group, source: rec.source ?? null }, ...s };
}

/** Minimum piece length for crop/split: --window samples, else the settings' window, else 2 s. */
function editOptions(f: EditFlags) {
  return {
    unit: 'seconds' as const,
    settings: f.settings ? loadSettings(f.settings) : null,
    ...(f.window !== undefined ? { minSamples: numberFlag('window', f.window, { min: 1 }) } : {}),
    ...(f.name !== undefined ? { name: f.name } : {}),
  };
}

function editText(r: EditResult): string {
  return [
    `${r.operation === 'crop' ? 'cropped' : 'split'} ${r.original} into ${r.pieces.length} recording(s):`,
    ...r.pieces.map((p) => `  ${p.file}  samples ${p.start}–${p.end} (${p.samples}, ${p.seconds.toFixed(2)} s)`),
    ...r.notes.map((n) => `note: ${n}`),
    `the original is kept in ${r.backup} (beside the new files; folder imports skip it)`,
  ].join('\n');
}

export function register(program: Command, io: Platform): void {
  const data = program.command('data').description('Inspect, import and split labelled sensor recordings');

  inputOptions(
    data
      .command('inspect')
      .description('Import recordings and show classes, counts, rates, gaps, skipped rows and the per-group table; --spectrum: one window\'s spectrum as the spectral front-end computes it')
      .argument('[paths...]', 'recording files or folders (IMU_Capture CSV, CSV with timestamps, Edge Impulse JSON, tinyforge capture)'),
  )
    .option('--spectrum', "also show one window's spectrum: the spectral block's integer log band powers per axis (the model's parameters with --settings, else the block's defaults)")
    .option('--recording <i>', '--spectrum: which recording, by import order from 0 (default 0)')
    .option('--at <seconds>', '--spectrum: where the window starts, in seconds (default 0)')
    .option('--window <n>', "--spectrum: window length in samples (default: the settings' window, else 2 s)")
    .addOption(flag('settings', "--spectrum: a model's settings.json: its spectral parameters and window length"))
    .option('--fft-length <n>', '--spectrum: FFT length, a power of two 16–256 (overrides the settings)')
    .addHelpText('after', '\nExamples:\n  tinyforge data inspect recordings/\n  tinyforge data inspect recordings/walking.me.csv --spectrum --at 1.5\n  tinyforge data inspect --builtin --spectrum --recording 3 --fft-length 32 --json')
    .action(
      action((paths: string[], f: Flags, cmd: Command) => {
        const o = globalOptions(cmd);
        if (!f.spectrum && (f.recording ?? f.at ?? f.window ?? f.settings ?? f.fftLength) !== undefined) {
          throw usageError('--recording, --at, --window, --settings and --fft-length apply only with --spectrum', { remedy: 'add --spectrum, or drop them' });
        }
        const { recordings, reports, files, segments } = load(paths, f, o);
        const summary = summarise(recordings);
        const spectrum = f.spectrum ? spectrumOf(recordings, f) : null;
        emit(o, { files, imports: reports, ...(segments ? { segments } : {}), summary, ...(spectrum ? { spectrum } : {}) }, () =>
          [
            reports.length ? reportText(reports) + '\n' : '',
            segments ? segmentsLines(segments).join('\n') + '\n' : '',
            summaryText(summary),
            spectrum ? '\n' + formatSpectrum(spectrum, `spectrum of recording ${spectrum.recording.index} (${spectrum.recording.label} / ${spectrum.recording.group}${spectrum.recording.source ? `, ${spectrum.recording.source}` : ''})`) : '',
          ].filter((x) => x !== '').join('\n'),
        );
      }),
    );

  /** What crop and split-recording share: the recording argument and the shortest piece. */
  const editCommand = (name: string, description: string) =>
    data
      .command(name)
      .description(description)
      .argument('<file>', 'the recording (.csv with its .json sidecar)')
      .option('--window <n>', "the shortest new recording allowed, in samples (default: the settings' window, else 2 s)")
      .addOption(flag('settings', "a model's settings.json: its window is the shortest new recording allowed"));

  editCommand('crop', 'Keep part of one recording (a tinyforge capture: CSV + .json sidecar) as a new recording with the same label and subject; the original moves to .originals/ beside it')
    .option('--from <seconds>', 'start of the part to keep (default 0)')
    .option('--to <seconds>', 'end of the part to keep (default: the end)')
    .option('--name <name>', 'base name of the new file (default FILE-crop)')
    .addHelpText('after', '\nExamples:\n  tinyforge data crop recordings/walking.me.20261207T120000.csv --from 1.5 --to 8')
    .action(
      action((file: string, f: EditFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        if (f.from === undefined && f.to === undefined) throw usageError('data crop needs --from and/or --to', { remedy: 'e.g. tinyforge data crop FILE --from 1.5 --to 8' });
        const r = cropRecording(io.files, file, { start: numberFlag('from', f.from, { integer: false, min: 0 }), end: numberFlag('to', f.to, { integer: false, min: 0 }) }, editOptions(f));
        emit(o, r, () => editText(r));
      }),
    );

  editCommand('split-recording', 'Cut one recording (a tinyforge capture) into new recordings at points or into pieces of a set length, each with the same label and subject; the original moves to .originals/ beside it')
    .option('--at <seconds,...>', 'cut at these times, comma-separated (e.g. 2.5,6)')
    .option('--every <seconds>', 'cut into pieces of this length (a tail shorter than one window joins the last piece)')
    .option('--name <name>', 'base name of the new files (default FILE → FILE-p1, FILE-p2, …)')
    .addHelpText('after', '\nExamples:\n  tinyforge data split-recording recordings/walking.me.20261207T120000.csv --every 2\n  tinyforge data split-recording recordings/walking.me.20261207T120000.csv --at 2.5,6')
    .action(
      action((file: string, f: EditFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        if ((f.at === undefined) === (f.every === undefined)) throw usageError('data split-recording needs --at or --every (one of them)', { remedy: 'e.g. --at 2.5,6 or --every 2' });
        const spec = f.every !== undefined
          ? { every: numberFlag('every', f.every, { integer: false, min: 0 })! }
          : { at: f.at!.split(',').map((x) => numberFlag('at', x.trim(), { integer: false, min: 0 })!) };
        const r = splitRecording(io.files, file, spec, editOptions(f));
        emit(o, r, () => editText(r));
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
