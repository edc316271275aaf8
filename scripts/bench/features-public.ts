/**
 * Feature blocks on a public many-person data set (docs/features.md, issue 13 item 6): raw vs
 * spectral vs flatten, float and int8, people held out. The data is read where the measurer put it
 * (fetched by hand, never committed, never fetched by a script); without it this module measures
 * nothing and BENCHMARKS.md keeps its last figures.
 *
 * The set: Matey-Sanz, Casteleyn & Granell, "Dataset of inertial measurements of smartphones and
 * smartwatches for human activity recognition", Data in Brief 51 (2023) 109809, CC BY 4.0,
 * github.com/GeoTecINIT/sp-sw-har-dataset; TINYFORGE_BENCH_PUBLIC_SPSW = its DATA folder. Smartwatch
 * (left wrist) accelerometer only, 23 subjects, ~100 Hz, m/s²; one label per row (SEATED,
 * STANDING_UP, WALKING, TURNING, SITTING_DOWN: a timed-up-and-go sequence), group = the subject's
 * folder. Its millisecond timestamps repeat at 100 Hz, so the time column is renamed away
 * (`columns`) and the rate declared. 1 s windows (most segments last 1–2 s), stride 0.25 s;
 * 5-fold by subject (each person held out once; validation = the next fold's people).
 */
import { join } from 'node:path';
import { fsImportIo } from '../../src/adapters/import-fs.js';
import { importRecordings } from '../../src/data/import/description.js';
import { recordingsTrainingData } from '../../src/train/data-source.js';
import { spawnSync } from 'node:child_process';
import { boardCost, kFoldRows, pct } from './features.js';
import type { BenchSection } from './types.js';

export const SPSW_SOURCE = 'github.com/GeoTecINIT/sp-sw-har-dataset @ 1408d85a512a53861de7bc4729dee283fff2ea9d';

export async function bench(): Promise<BenchSection[]> {
  const dir = process.env.TINYFORGE_BENCH_PUBLIC_SPSW;
  if (!dir) return [];
  const recs = importRecordings({
    files: [join(dir, 's*/*_sw.csv')], columns: ['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ', 'stamp', 'label'], axes: ['aX', 'aY', 'aZ'],
    rateHz: 100, units: { accel: 'm/s2' }, label: { column: 'label' }, group: { folder: true },
  }, fsImportIo()).recordings;
  const people = new Set(recs.map((r) => r.group)).size;
  const k = Number(process.env.TINYFORGE_BENCH_PUBLIC_FOLDS ?? 5);
  const name = `sp-sw-har (${people} people, wrist, 100 Hz, 1 s windows)`;
  // Beyond the defaults: the pass band widened to 20 Hz (12 bins of 1.56 Hz instead of 5), with the dense and the feature-conv preset.
  const wide = { block: 'spectral', params: { includeMean: true, filterCutoff: 20 } };
  // A log-spectrogram (spectrum 'frames': every frame's bins + the statistics, one row per frame) and
  // a conv over the frames: FFT 32 (5 frames of 0.32 s, hop 0.16 s) and FFT 16 (11 frames, hop 0.08 s).
  const frames = (fftLength: number) => ({ block: 'spectral', params: { includeMean: true, filterCutoff: 20, spectrum: 'frames', fftLength } });
  const frameRows: [ReturnType<typeof frames>, string, string][] = [
    [frames(32), 'frame-conv', 'spectrogram (frames), FFT 32, low-pass 20 Hz'],
    [frames(16), 'frame-conv', 'spectrogram (frames), FFT 16, low-pass 20 Hz'],
  ];
  const data = recordingsTrainingData(recs, { windowLength: 100, windowStride: 25 });
  const rows = await kFoldRows(name, data, 'conv1d', {}, k, true, [
    [wide, 'dense', 'spectral + mean, low-pass 20 Hz'],
    [wide, 'feature-conv', 'spectral + mean, low-pass 20 Hz'],
    ...frameRows,
  ]);
  // Instructions per inference on the virtual board: the best spectrogram row (int8) against raw conv1d,
  // each trained briefly on the data's own split (the count depends on the architecture, not the weights).
  const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
  const best = frameRows.reduce((a, b) => (rows.find((r) => r.frontEnd === b[2])!.int8 > rows.find((r) => r.frontEnd === a[2])!.int8 ? b : a));
  const cost = has('qemu-system-arm') && has('arm-none-eabi-gcc')
    ? [['raw', 'conv1d', await boardCost(data, undefined, 'conv1d', 2)], [best[2], best[1], await boardCost(data, best[0], best[1], 2)]] as const
    : null;
  return [{
    title: 'Feature blocks: accuracy on a public many-person set (people held out)',
    markdown: [
      `Data: ${SPSW_SOURCE} (Matey-Sanz, Casteleyn & Granell, Data in Brief 2023, CC BY 4.0), fetched by hand and`,
      'read in place (not in the repository). Smartwatch accelerometer (left wrist, 3 axes, ~100 Hz, m/s² → g), 23 people,',
      `5 classes (seated, standing up, walking, turning, sitting down). 1 s windows, stride 0.25 s. ${k}-fold by subject: every`,
      'person is held out once (test = one fold\'s people, validation = the next fold\'s, train = the rest); float and int8 pooled',
      'over the held-out predictions. Same budget for every front-end: the project defaults (seed 1, adam 0.003, ≤ 30 epochs,',
      'early stopping, augmentation). Spectral: block defaults (FFT 64, low-pass 8 Hz, Welch mean, log) without the per-axis mean, "+ mean" with it; int8 through the integer',
      'path the board runs. "train" is the mean training accuracy over the folds (the gap to held-out = over-fit to people).',
      '',
      '| data | front-end | preset | model inputs | float | int8 | held-out windows | split |',
      '|---|---|---|---|---|---|---|---|',
      ...rows.map((r) => `| ${r.data} | ${r.frontEnd} | ${r.preset} | ${r.inputs} | ${pct(r.float)} | ${pct(r.int8)} | ${r.n} | ${r.verdict} |`),
      '',
      "Spectrogram rows: the spectral block with `spectrum: 'frames'` (every frame's signed DC and log band powers, frame-major, each row with the",
      'window\'s statistics) and `--preset frame-conv` (Conv1D over the frames). Cost per inference on the virtual board (QEMU mps2-an386,',
      'Cortex-M4F, native engine, `-icount` instructions, mean of 10 held-out windows verified over the link), the best spectrogram row',
      'by int8 accuracy against the raw conv1d, same 100 × 3 windows:',
      '',
      ...(cost ? [
        '| front-end | preset | DSP instructions | network instructions | total | DSP RAM (static) | verified |',
        '|---|---|---|---|---|---|---|',
        ...cost.map(([fe, preset, c]) => `| ${fe} | ${preset} | ${Math.round(c.dsp).toLocaleString('en')} | ${Math.round(c.total - c.dsp).toLocaleString('en')} | ${Math.round(c.total).toLocaleString('en')} | ${c.ram} B | ${c.bitExact} |`),
      ] : ['Skipped: qemu-system-arm / arm-none-eabi-gcc not installed.']),
    ].join('\n'),
  }];
}
