/**
 * `tinyforge eval --stream`: whole continuous recordings through the board's continuous path (host
 * replay; with --firmware also the virtual board playing each recording, compared window by
 * window). Thin: the service is src/service/eval-stream.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { badInput, mismatch, usageError } from '../../core/errors.js';
import { exists, readBytes, readManifest, writeFileAtomic } from '../../adapters/files.js';
import { loadSettings } from '../../adapters/model-sources.js';
import { buildPlan, manifestPlanOptions } from '../../firmware/build.js';
import type { Platform } from '../../service/ports.js';
import { compareOnBoard, evalStreamHost, type BoardStreamComparison } from '../../service/eval-stream.js';
import { simulatedStreams, type LabelledStream } from '../../stream/sessions.js';
import type { Recording } from '../../core/dataset.js';
import type { StreamScore } from '../../stream/score.js';
import { emit, info, type OutputOptions } from '../util.js';
import { numberFlag } from '../flags.js';

export interface EvalStreamFlags {
  model: string;
  settings?: string;
  streams?: string;
  seed?: string;
  firmware?: string;
  boardSeconds?: string;
  write?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

function scoreLine(s: StreamScore): string {
  return `per-sample accuracy ${pct(s.sampleAccuracy)}, segments ${s.hits}/${s.segments} hit (${s.misses} missed), ${s.falseChangesPerHour.toFixed(1)} false changes/h, ` +
    `latency ${s.latency ? `${s.latency.mean.toFixed(2)} s mean, ${s.latency.max.toFixed(2)} s max` : 'n/a'}, flicker ${s.flickerPerMinute.toFixed(2)}/min (${(s.seconds / 60).toFixed(1)} min)`;
}

/** Labelled recordings (segments of one session, in order) → one stream; accelerometer aX, aY, aZ in g. */
function concatRecordings(recs: readonly Recording[], labels: readonly string[]): LabelledStream {
  const rate = recs[0].sampleRateHz;
  const xyz: number[] = [];
  const truth: number[] = [];
  for (const r of recs) {
    if (r.sampleRateHz !== rate) throw badInput(`the recordings are at ${rate} and ${r.sampleRateHz} Hz: one session has one rate`, { remedy: 'score one session at a time' });
    const idx = ['aX', 'aY', 'aZ'].map((a) => r.axes.indexOf(a));
    if (idx.some((i) => i < 0)) throw badInput(`${r.source ?? 'a recording'} has no aX, aY, aZ columns`, { remedy: 'pass an accelerometer recording (--axes aX,aY,aZ)' });
    const label = labels.indexOf(r.label);
    const frames = r.samples.length / r.axes.length;
    for (let t = 0; t < frames; t++) {
      for (const i of idx) xyz.push(r.samples[t * r.axes.length + i]);
      truth.push(label);
    }
  }
  return { name: recs[0].source ?? 'session', rateHz: rate, xyz: Float32Array.from(xyz), truth, labels: [...labels] };
}

export async function evalStreamAction(io: Platform, f: EvalStreamFlags, o: OutputOptions, realSession?: () => Recording[]): Promise<void> {
  if (!f.settings) throw usageError('eval --stream needs --settings (the settings.json of the .tflite given with --model)', { remedy: 'pass --settings settings.json' });
  if (!exists(f.model)) throw badInput(`.tflite not found: ${f.model}`, { remedy: 'with --stream, --model is the int8 .tflite (tinyforge quantize writes it)' });
  const model = readBytes(f.model);
  const settings = loadSettings(f.settings);
  const n = numberFlag('streams', f.streams, { min: 1, max: 100 }) ?? 4;
  const seed = numberFlag('seed', f.seed, { min: 0 }) ?? 1;
  const rate = settings.sampleRateHz >= 50 && settings.sampleRateHz <= 119 ? settings.sampleRateHz : 50;
  // Validation and test streams: other people, other orders (neither in the default training set).
  const validation = simulatedStreams({ count: n, seed: seed * 2 + 1, rateHz: rate, firstSubject: 40 });
  let test: LabelledStream[] = simulatedStreams({ count: n, seed: seed * 2 + 2, rateHz: rate, firstSubject: 20 });
  if (realSession) {
    // A real session cut by a segments table (import --segments): its labelled pieces, in order, are one stream.
    const recs = realSession();
    if (!recs.length) throw badInput('--data holds no recordings', { remedy: 'check it with tinyforge data inspect' });
    test = [concatRecordings(recs, settings.labels)];
  }
  info(o, `replaying ${validation.length} validation and ${test.length} test stream(s) through the continuous path…`);
  const report = evalStreamHost(model, settings, validation, test);
  let board: BoardStreamComparison[] | undefined;
  if (f.firmware) {
    const m = readManifest(f.firmware);
    const target = io.boards.board(m.board);
    if (!target.hostsImu) throw usageError(`--firmware ${f.firmware} is for ${m.board}, which reads its own IMU; eval --stream plays recordings as a board's IMU`, { remedy: 'build the firmware for --board qemu-mps2-an386 (the virtual board)' });
    if (m.library && m.library.example !== 'TinyforgeLink') throw usageError(`${f.firmware} is a library built with its ${m.library.example} example`, { remedy: 'eval --stream needs the link app: tinyforge firmware … (without --library), or build the library with EXAMPLE=TinyforgeLink' });
    const elf = join(f.firmware, buildPlan(f.firmware, m.board, manifestPlanOptions(m)).elf);
    if (!exists(elf)) throw badInput(`no firmware image in ${f.firmware}`, { remedy: `build it first: tinyforge build ${f.firmware}` });
    const work = mkdtempSync(join(tmpdir(), 'tf-stream-'));
    board = [];
    // The board's IMU plays in real time: the first --board-seconds of the first test stream.
    const secs = numberFlag('board-seconds', f.boardSeconds, { integer: false, min: 2 }) ?? 60;
    const frames = Math.min(test[0].truth.length, Math.round(secs * test[0].rateHz));
    const s = { ...test[0], xyz: test[0].xyz.slice(0, frames * 3), truth: test[0].truth.slice(0, frames) };
    info(o, `playing the first ${(frames / s.rateHz).toFixed(0)} s of ${s.name} on the virtual board…`);
    board.push(await compareOnBoard(io, target, elf, model, settings, s, work));
  }
  if (f.write !== false) writeFileAtomic(f.settings, JSON.stringify({ ...settings, smoothing: report.smoothing }, null, 2) + '\n');
  const out = { ...report, settingsWritten: f.write !== false ? f.settings : null, ...(board ? { board } : {}) };
  emit(o, out, () =>
    [
      `smoothing chosen on ${report.validation.streams} validation streams (${report.validation.tried} settings tried): average ${report.smoothing.average}, min score ${report.smoothing.minScore}, min windows ${report.smoothing.minWindows}` +
        (f.write !== false ? ` — written to ${f.settings}` : ''),
      `test streams (${report.test.streams.length}), raw windows: ${scoreLine(report.test.raw)}`,
      `test streams, smoothed:      ${scoreLine(report.test.smoothed)}`,
      ...(board ?? []).map((b) => `virtual board, ${b.name}: ${b.bitExact}/${b.windows} windows bit-exact with the host replay (${b.received} of ${b.recordingSamples} samples received from sample ${b.firstIndex}, ${b.skipped} skipped)${b.ok ? '' : ' — MISMATCH'}`),
    ].join('\n'),
  );
  const bad = (board ?? []).find((b) => !b.ok);
  if (bad) throw mismatch(`the virtual board's windows differ from the host replay on ${bad.name} (windows ${bad.mismatches.join(', ')})`, { remedy: 'rebuild the firmware from this .tflite and settings (tinyforge firmware, build) and run again' });
}
