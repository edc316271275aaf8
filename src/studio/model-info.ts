/**
 * What the studio's Model page shows, read from a `tinyforge demo`/`run` output folder (adapter:
 * file reads): the training report (curves, confusion matrix, verdict), the int8 cost and the
 * board verification from pipeline.json, and — computed on request by `tinyforge eval --per-layer`
 * in a child process — the per-layer quantisation diagnostics over the held-out windows.
 * Layout (src/pipeline/run.ts): DIR/train/ (train artifacts), DIR/model.tflite, DIR/pipeline.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { causeText } from '../core/errors.js';
import { execFile } from 'node:child_process';
import { REPO_ROOT } from '../core/shared.js';
import type { PerLayerReport } from '../quantize/per-layer.js';

export interface ModelPage {
  dir: string | null;
  /** train/report.json (EvalReport of src/train/train.ts), or null. */
  training: Record<string, unknown> | null;
  /** pipeline.json's quantize.eval (float vs int8 on the held-out windows), or null. */
  int8: Record<string, unknown> | null;
  tfliteBytes: number | null;
  /** pipeline.json's verify report (bit-exact count, latency, arena, flash) and footprint. */
  verify: Record<string, unknown> | null;
  footprint: Record<string, unknown> | null;
  missing: string[];
}

function readJson(p: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The folder's train directory: DIR/train (a demo/run output) or DIR itself (a train directory). */
export function trainDirOf(dir: string): string | null {
  if (existsSync(join(dir, 'train', 'report.json'))) return join(dir, 'train');
  if (existsSync(join(dir, 'report.json')) && existsSync(join(dir, 'model.json'))) return dir;
  return null;
}

export function modelPage(dir: string | null): ModelPage {
  const missing: string[] = [];
  if (!dir) return { dir, training: null, int8: null, tfliteBytes: null, verify: null, footprint: null, missing: ['no model folder given (tinyforge studio --virtual DIR or --model DIR)'] };
  const td = trainDirOf(dir);
  const training = td ? readJson(join(td, 'report.json')) : null;
  if (!training) missing.push(`${join(dir, 'train', 'report.json')} (training report)`);
  const pipeline = readJson(join(dir, 'pipeline.json'));
  if (!pipeline) missing.push(`${join(dir, 'pipeline.json')} (int8 cost and verify results)`);
  const q = (pipeline?.quantize ?? null) as Record<string, unknown> | null;
  const fw = (pipeline?.firmware ?? null) as Record<string, unknown> | null;
  return {
    dir,
    training,
    int8: (q?.eval as Record<string, unknown>) ?? null,
    tfliteBytes: typeof q?.tfliteBytes === 'number' ? q.tfliteBytes : null,
    verify: (pipeline?.verify as Record<string, unknown>) ?? null,
    footprint: (fw?.footprint as Record<string, unknown>) ?? null,
    missing,
  };
}

export interface Diagnostics {
  int8: Record<string, unknown>;
  perLayer: PerLayerReport;
}

/**
 * Float vs int8, end to end and per layer, over the held-out windows of DIR's training run. Runs
 * `tinyforge eval --per-layer` as a child process: tfjs would otherwise hold the server's event
 * loop (and the live stream) for seconds.
 */
export function modelDiagnostics(dir: string): Promise<Diagnostics> {
  const td = trainDirOf(dir);
  const tflite = join(dir, 'model.tflite');
  if (!td || !existsSync(tflite)) return Promise.reject(new Error(`needs ${join(dir, 'train')} and ${tflite} (a tinyforge demo/run output folder)`));
  return new Promise((res, rej) => {
    execFile(process.execPath, [join(REPO_ROOT, 'bin', 'tinyforge.mjs'), '--json', 'eval', '--model', td, '--tflite', tflite, '--per-layer'], { maxBuffer: 16 << 20 }, (err, stdout) => {
      let j: Record<string, unknown> | null = null;
      try {
        j = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        /* reported below */
      }
      if (err || !j || !j.perLayer) return rej(new Error(`tinyforge eval --per-layer failed: ${(j?.message as string) ?? causeText(err ?? 'no output')}`));
      const { perLayer, ...int8 } = j;
      res({ int8, perLayer: perLayer as PerLayerReport });
    });
  });
}
