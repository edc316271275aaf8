/**
 * What the studio's Model page shows, read from a `tinyforge demo`/`run` output folder: the
 * training report (curves, confusion matrix, verdict), the int8 cost and the board verification
 * from pipeline.json, and — computed on request by the service layer's `evaluateModel` in a worker
 * thread, with progress, cached in DIR/diagnostics.json for the model's SHA-256 — the per-layer
 * quantisation diagnostics over the held-out windows.
 * Layout (src/pipeline/run.ts): DIR/train/ (train artifacts), DIR/model.tflite, DIR/pipeline.json.
 */
import { exists, readBytes, readText, writeFileAtomic } from '../adapters/files.js';
import { join } from 'node:path';
import { causeText } from '../core/errors.js';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { REPO_ROOT } from '../core/shared.js';
import type { PerLayerReport } from '../quantize/per-layer.js';
import type { EvalProgress, EvaluateModelResult } from '../service/quantize.js';
import { sha256Hex } from '../device/verify.js';

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
    return JSON.parse(readText(p)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The folder's train directory: DIR/train (a demo/run output) or DIR itself (a train directory). */
export function trainDirOf(dir: string): string | null {
  if (exists(join(dir, 'train', 'model.json'))) return join(dir, 'train');
  if (exists(join(dir, 'report.json')) && exists(join(dir, 'model.json'))) return dir;
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
  /** The .tflite these were computed for. */
  modelSha256: string;
}

/** The cache file beside model.tflite. */
export const DIAGNOSTICS_FILE = 'diagnostics.json';

/** The cached diagnostics of DIR, when they were computed for its current model.tflite. */
export function cachedDiagnostics(dir: string): Diagnostics | null {
  const tflite = join(dir, 'model.tflite');
  const c = exists(tflite) ? (readJson(join(dir, DIAGNOSTICS_FILE)) as Diagnostics | null) : null;
  return c && c.perLayer && c.modelSha256 === sha256Hex(readBytes(tflite)) ? c : null;
}

/**
 * Float vs int8, end to end and per layer, over the held-out windows of DIR's training run: the
 * service layer's `evaluateModel` in a worker thread (tfjs would otherwise hold the server's event
 * loop, and the live stream, for seconds). `onProgress` gets the phase and windows done; the result
 * is cached in DIR/diagnostics.json (reused while model.tflite is unchanged).
 */
export function modelDiagnostics(dir: string, onProgress: (p: EvalProgress) => void = () => {}): Promise<Diagnostics> {
  const cached = cachedDiagnostics(dir);
  if (cached) return Promise.resolve(cached);
  const td = trainDirOf(dir);
  const tflite = join(dir, 'model.tflite');
  if (!td || !exists(tflite)) return Promise.reject(new Error(`needs ${join(dir, 'train')} and ${tflite} (a tinyforge demo/run output folder)`));
  const modelSha256 = sha256Hex(readBytes(tflite));
  return new Promise((res, rej) => {
    const worker = new Worker(join(REPO_ROOT, 'bin', 'ts-worker.mjs'), {
      workerData: { module: pathToFileURL(join(REPO_ROOT, 'src', 'studio', 'diagnostics-worker.ts')).href, model: td, tflite },
    });
    let settled = false;
    worker.on('message', (m: { progress?: EvalProgress; result?: EvaluateModelResult; error?: string }) => {
      if (m.progress) onProgress(m.progress);
      else if (m.result) {
        const { perLayer, ...int8 } = m.result;
        if (!perLayer) return;
        const d: Diagnostics = { int8: int8 as unknown as Record<string, unknown>, perLayer, modelSha256 };
        try {
          writeFileAtomic(join(dir, DIAGNOSTICS_FILE), JSON.stringify(d) + '\n');
        } catch {
          /* a read-only folder: computed again next time */
        }
        settled = true;
        res(d);
        void worker.terminate();
      } else if (m.error !== undefined) {
        settled = true;
        rej(new Error(`per-layer diagnostics failed: ${m.error}`));
        void worker.terminate();
      }
    });
    worker.once('error', (e) => {
      if (!settled) rej(new Error(`per-layer diagnostics failed: ${causeText(e)}`));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) rej(new Error(`per-layer diagnostics stopped (exit code ${code})`));
      settled = true;
    });
  });
}
