/**
 * The studio's per-layer diagnostics, off the server's event loop: a worker thread (started by
 * model-info.ts through bin/ts-worker.mjs) calls the service layer's `evaluateModel` and posts
 * `{ progress }` messages, then `{ result }` or `{ error }`. tfjs would otherwise hold the live
 * stream for seconds. The thread is an entry of its own, so it builds its own Platform.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { causeText } from '../core/errors.js';
import { evaluateModel } from '../service/quantize.js';
import { nodePlatform } from '../adapters/platform.js';

tf.env().set('PROD', true); // no tfjs banner on the studio's stderr (as runCli does for the CLI)
const { model, tflite } = workerData as { model: string; tflite: string };
try {
  // A worker thread is an entry of its own: it wires its platform once.
  const result = await evaluateModel(nodePlatform(), { model, tflite, perLayer: true, onProgress: (progress) => parentPort!.postMessage({ progress }) });
  parentPort!.postMessage({ result });
} catch (e) {
  parentPort!.postMessage({ error: causeText(e) });
}
