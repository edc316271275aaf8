/**
 * The studio's per-layer diagnostics, off the server's event loop: a worker thread (started by
 * model-info.ts through bin/ts-worker.mjs) calls the service layer's `evaluateModel` and posts
 * `{ progress }` messages, then `{ result }` or `{ error }`. tfjs would otherwise hold the live
 * stream for seconds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { causeText } from '../core/errors.js';
import { evaluateModel } from '../service/quantize.js';

const { model, tflite } = workerData as { model: string; tflite: string };
try {
  const result = await evaluateModel({ model, tflite, perLayer: true, onProgress: (progress) => parentPort!.postMessage({ progress }) });
  parentPort!.postMessage({ result });
} catch (e) {
  parentPort!.postMessage({ error: causeText(e) });
}
