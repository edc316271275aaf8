/**
 * Data stage: simulator / windowing / import speed, and how hard the built-in dataset is
 * (held-out-subject accuracy of baselines and of the conv1d preset).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedDir } from '../../tests/support/shared.js';
import { meanFeatures, motionFeatures, nearestCentroidAccuracy } from '../../src/data/baseline.js';
import { importCsv } from '../../src/data/import/csv.js';
import { importImuCapture } from '../../src/data/import/imu-capture.js';
import { builtinPrepared } from '../../src/data/prepare.js';
import { builtinDataset } from '../../src/data/simulator.js';
import { windowRecordings } from '../../src/data/window.js';
import { trainModel } from '../../src/train/train.js';
import type { BenchSection } from './types.js';

/** Median wall time (ms) of `runs` calls. */
function time(fn: () => unknown, runs = 3): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[runs >> 1];
}

const f1 = (x: number) => x.toFixed(1);
const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

export async function bench(): Promise<BenchSection[]> {
  const speed: string[] = ['| operation | size | median time |', '|---|---|---|'];
  const recs = builtinDataset();
  const frames = recs.reduce((a, r) => a + r.samples.length / 3, 0);
  speed.push(`| builtinDataset() (10 subjects × 5 activities × 60 s, 50 Hz) | ${frames} frames | ${f1(time(() => builtinDataset()))} ms |`);
  const ws = windowRecordings(recs, { length: 100, stride: 50 });
  speed.push(`| windowRecordings (100 / 50) | ${ws.y.length} windows | ${f1(time(() => windowRecordings(recs, { length: 100, stride: 50 })))} ms |`);
  speed.push(`| builtinPrepared() (simulate + split + window + normalise) | ${ws.y.length} windows | ${f1(time(() => builtinPrepared()))} ms |`);
  const rows = ['t_ms,ax,ay,az'];
  for (let i = 0; i < 100_000; i++) rows.push(`${i * 20},${(i % 7) * 0.01},${(i % 11) * -0.01},1.0`);
  const csv = rows.join('\n');
  speed.push(`| importCsv (generic, timestamps) | 100 000 rows, ${(csv.length / 1e6).toFixed(1)} MB | ${f1(time(() => importCsv(csv, { source: 'bench.csv' })))} ms |`);
  // Streaming: a 20-odd MB log fed in 4 MiB chunks (as the fs adapter reads a file), rows parsed
  // line by line into float32 storage. For a 200 MB file measured by hand, see docs/data.md.
  const big: string[] = ['time_ms,aX,aY,aZ,gX,gY,gZ'];
  for (let i = 0; i < 400_000; i++) big.push(`${i * 20},${(Math.sin(i / 7) * 0.8).toFixed(4)},${(Math.cos(i / 11) * 0.5).toFixed(4)},1.0,${(120 * Math.cos(i / 11)).toFixed(3)},0.5,-0.5`);
  const bigText = big.join('\n');
  const chunks: string[] = [];
  for (let i = 0; i < bigText.length; i += 4 << 20) chunks.push(bigText.slice(i, i + (4 << 20)));
  speed.push(`| importCsv, streamed in 4 MiB chunks (7 columns) | 400 000 rows, ${(bigText.length / 1e6).toFixed(1)} MB | ${f1(time(() => importCsv(chunks, { source: 'big.csv' })))} ms |`);
  const shared = sharedDir();
  if (shared) {
    const g = join(shared, 'data', 'nano33ble-gestures');
    const flex = readFileSync(join(g, 'flex.csv'), 'utf8');
    const punch = readFileSync(join(g, 'punch.csv'), 'utf8');
    speed.push(`| importImuCapture (real flex.csv + punch.csv) | 4165 rows | ${f1(time(() => [importImuCapture(flex, { source: 'flex.csv' }), importImuCapture(punch, { source: 'punch.csv' })], 5))} ms |`);
  }

  const hard: string[] = ['| split seed | mean-only, nearest centroid | motion + mean, nearest centroid | conv1d (20 epochs, adam 0.003, early stop 5) |', '|---|---|---|---|'];
  for (const seed of [1, 2, 3]) {
    const p = builtinPrepared({ seed });
    const mTr = meanFeatures(p.train);
    const mTe = meanFeatures(p.test);
    const accMean = nearestCentroidAccuracy(mTr, p.train.y, mTe, p.test.y, p.labels.length);
    const accMotion = nearestCentroidAccuracy(
      motionFeatures(p.train).map((f, i) => [...f, ...mTr[i]]),
      p.train.y,
      motionFeatures(p.test).map((f, i) => [...f, ...mTe[i]]),
      p.test.y,
      p.labels.length,
    );
    let cnn = 'not run';
    if (seed === 1) {
      const r = await trainModel({ train: p.train, val: p.val, test: p.test }, { preset: 'conv1d', optimizer: 'adam', learningRate: 0.003, epochs: 20, batchSize: 32, seed: 1, earlyStopping: { patience: 5 } });
      cnn = `${pct(r.report.accuracy.test ?? NaN)} (train ${pct(r.report.accuracy.train)}, ${r.report.backend})`;
    }
    hard.push(`| ${seed} | ${pct(accMean)} | ${pct(accMotion)} | ${cnn} |`);
  }
  return [
    {
      title: 'Data: simulator, windowing and import speed',
      markdown: `${speed.join('\n')}\n\nWall time on this machine, median of 3 runs (5 for the small import), single thread.`,
    },
    {
      title: 'Data: how hard the built-in dataset is',
      markdown:
        `${hard.join('\n')}\n\nTest accuracy on 2 held-out subjects (split by subject: 6 train / 2 val / 2 test, 570 test windows of 2 s). ` +
        'Orientation alone (per-window mean) fails; motion features do better; a small CNN reaches high but not perfect accuracy. ' +
        'Remaining confusions: golfing between shots vs idle, gentle walking vs golf, smooth biking vs idle.',
    },
  ];
}
