/**
 * Training benchmarks: seconds per epoch per tfjs backend on the default (conv1d) model, float
 * test accuracy on held-out subjects of the built-in data, and leave-one-gesture-out accuracy on
 * the real Nano 33 BLE recordings (shared/, when present).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { sharedDir } from '../../tests/support/shared.js';
import { importText } from '../../src/data/import/index.js';
import { subsetWindows, windowRecordings, applyNormalisation } from '../../src/data/window.js';
import { selectBackend, type BackendPreference } from '../../src/train/backend.js';
import { builtinTrainingData } from '../../src/train/data-source.js';
import { trainModel } from '../../src/train/train.js';
import { quantize } from '../../src/quantize/index.js';
import { runInt8, argmax } from '../../src/quantize/eval.js';
import { TRAIN_DEFAULTS } from '../../src/cli/commands/train.js';
import type { BenchSection } from './types.js';

const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);

async function epochSeconds(backend: BackendPreference, windows: number): Promise<{ backend: string; reason: string; seconds: number | null; windows: number }> {
  const choice = await selectBackend(backend);
  if ((backend === 'node' && choice.backend !== 'tensorflow') || (backend === 'wasm' && choice.backend !== 'wasm')) {
    return { backend, reason: choice.reason, seconds: null, windows };
  }
  const d = builtinTrainingData({ builtin: { seed: 1 } });
  const idx = Array.from({ length: Math.min(windows, d.train.y.length) }, (_, i) => Math.floor((i * d.train.y.length) / Math.min(windows, d.train.y.length)));
  const train = subsetWindows(d.train, idx);
  // Epoch 1 includes kernel warm-up; epoch 2 is the figure.
  const r = await trainModel({ train, val: subsetWindows(d.val, [0]) }, { preset: 'conv1d', optimizer: 'adam', learningRate: 0.003, epochs: 2, batchSize: 32, seed: 1, backend });
  r.model.dispose();
  return { backend: r.backend, reason: choice.reason, seconds: r.history[1].seconds, windows: train.y.length };
}

export async function bench(): Promise<BenchSection[]> {
  const sections: BenchSection[] = [];

  // 1. Speed per backend. The cpu backend is far slower on convolutions: time it on a subset and scale.
  const full = builtinTrainingData({ builtin: { seed: 1 } }).train.y.length;
  const rows: string[] = [];
  for (const [b, n] of [['node', full], ['wasm', full], ['cpu', 32]] as [BackendPreference, number][]) {
    const s = await epochSeconds(b, n);
    rows.push(s.seconds === null
      ? `| ${b} | not available | – | ${s.reason} |`
      : `| ${s.backend} | ${s.seconds.toFixed(2)} s for ${s.windows} windows | ${((s.seconds / s.windows) * full).toFixed(1)} s | ${s.reason} |`);
  }
  sections.push({
    title: 'Training speed per tfjs backend (conv1d preset)',
    markdown: [
      `Built-in data (seed 1, 10 subjects × 60 s × 5 activities at 50 Hz; windows 100 × 3, train split ${full} windows), conv1d preset, adam, batch 32.`,
      'Wall-clock seconds of the second epoch (the first includes warm-up), validation on one window. The cpu backend is timed on a subset and scaled linearly to the full split.',
      'The wasm backend trains convolutions with tinyforge\'s gradient kernels (src/train/wasm-grads.ts); without them Conv1D models cannot train on wasm at all.',
      '',
      '| backend | measured | per epoch, full train split | why this backend |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n'),
  });

  // 2. Float accuracy on held-out subjects of the built-in data.
  const d = builtinTrainingData({ builtin: { seed: 1 } });
  const t0 = Date.now();
  const r = await trainModel({ train: d.train, val: d.val, test: d.test }, { preset: 'conv1d', optimizer: 'adam', learningRate: 0.003, epochs: 10, batchSize: 32, seed: 1, earlyStopping: { patience: 3 }, augment: TRAIN_DEFAULTS.augment });
  const secs = (Date.now() - t0) / 1000;
  const perClass = r.report.metrics.perClass.map((c) => `| ${c.label} | ${pct(c.precision)} | ${pct(c.recall)} | ${pct(c.f1)} | ${c.support} |`);
  sections.push({
    title: 'Float accuracy on held-out subjects (built-in data)',
    markdown: [
      `conv1d preset (${r.report.size.params} parameters, ${r.report.size.macs} MACs, ≈${(r.report.size.flashBytes / 1024).toFixed(1)} KB int8 flash, ≈${(r.report.size.ramBytes / 1024).toFixed(1)} KB activations), adam 0.003, batch 32, augmentation as \`tinyforge train\` does by default (rotate 0.2 rad, gain 5 %), ≤ 10 epochs with early stopping (patience 3) on ${r.backend}: ${r.report.training.epochsRun} epochs, best ${r.report.training.bestEpoch}, ${secs.toFixed(0)} s.`,
      `Split by subject (seed 1): train ${d.train.y.length} windows (subjects ${d.split.groups.train.join(', ')}), validation ${d.val.y.length} (${d.split.groups.val.join(', ')}), test ${d.test.y.length} (${d.split.groups.test.join(', ')}).`,
      '',
      `| split | accuracy |\n|---|---|\n| train | ${pct(r.report.accuracy.train)} |\n| validation | ${pct(r.report.accuracy.val)} |\n| test | ${pct(r.report.accuracy.test)} |`,
      '',
      `Verdict: **${r.report.verdict.kind}** — ${r.report.verdict.text}`,
      '',
      '| class (test) | precision | recall | F1 | windows |',
      '|---|---|---|---|---|',
      ...perClass,
    ].join('\n'),
  });
  r.model.dispose();

  // 3. Leave-one-gesture-out on the real recordings.
  const shared = sharedDir();
  if (!shared) {
    sections.push({ title: 'Leave-one-gesture-out on real recordings', markdown: 'Skipped: shared/data/nano33ble-gestures not found (set TINYFORGE_SHARED).' });
    return sections;
  }
  const recs = ['flex', 'punch'].flatMap((label) =>
    importText(readFileSync(join(shared, 'data', 'nano33ble-gestures', `${label}.csv`), 'utf8'), { source: `${label}.csv` }).recordings);
  const all = windowRecordings(recs, { length: 119, stride: 119, labels: ['flex', 'punch'] });
  const n = all.y.length;
  let correct = 0;
  let correctInt8 = 0;
  const t1 = Date.now();
  for (let k = 0; k < n; k++) {
    const rest = Array.from({ length: n }, (_, i) => i).filter((i) => i !== k);
    // Validation: the gesture after k (cyclically), so early stopping never sees the held-out one.
    const v = (k + 1) % n;
    const res = await trainModel(
      { train: subsetWindows(all, rest.filter((i) => i !== v)), val: subsetWindows(all, [v]), test: subsetWindows(all, [k]) },
      { preset: 'conv1d-small', optimizer: 'adam', learningRate: 0.01, epochs: 12, batchSize: 8, seed: 1 },
    );
    correct += res.report.accuracy.test === 1 ? 1 : 0;
    // The same fold in int8: calibrate on this fold's training windows, classify the held-out gesture
    // with the host interpreter (bit-exact with TFLM's reference kernels).
    const norm = res.settings.normalisation;
    const rep = applyNormalisation(res.windows.representative, norm);
    const q = quantize(res.model, { x: rep.x, shape: [rep.y.length, all.windowLength, all.axes.length] });
    const held = applyNormalisation(subsetWindows(all, [k]), norm);
    const out = runInt8(q.model.graph, held.x, 1);
    correctInt8 += argmax(out, 0, out.length) === all.y[k] ? 1 : 0;
    res.model.dispose();
  }
  tf.disposeVariables();
  sections.push({
    title: 'Leave-one-gesture-out on real recordings (Nano 33 BLE Sense, flex / punch)',
    markdown: [
      `${n} real gestures (15 flex, 20 punch; one person; 119 samples × 6 axes at 119 Hz). For each gesture, a conv1d-small model (adam 0.01, batch 8, 12 epochs, seed 1) is trained on ${n - 2} others (one more for validation) and predicts the held-out one; the same model quantised to int8 (calibrated on that fold's training windows, run on the host interpreter) predicts it too.`,
      '',
      `Held-out accuracy in int8: **${correctInt8}/${n} = ${((100 * correctInt8) / n).toFixed(1)} %** (float: ${correct}/${n}).`,
      '',
      `Held-out accuracy: **${correct}/${n} = ${pct(correct / n)}** (majority class: ${pct(20 / 35)}). ${((Date.now() - t1) / 1000).toFixed(0)} s for ${n} trainings.`,
      'One person only: this measures gesture-to-gesture generalisation, not person-to-person.',
    ].join('\n'),
  });
  return sections;
}
