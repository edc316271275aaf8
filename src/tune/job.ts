/**
 * A tune trial as data: the job a coordinator publishes (to a worker thread, a child process or a
 * BullMQ queue) and the result it gets back. JSON only, so it crosses any of them unchanged.
 */
import type { ModelSettings } from '../core/dataset.js';
import type { DataConfig } from '../train/config.js';
import type { Candidate } from './space.js';

/** Everything a trial needs; a queue job's payload (JSON). */
export interface TuneJob {
  kind: 'tinyforge-tune-trial';
  /** The tinyforge version of the coordinator: a worker of another version refuses the job. */
  version: string;
  /** Identifies the search (its settings' hash). */
  search: string;
  id: number;
  rung: number;
  epochs: number;
  seed: number;
  candidate: Candidate;
  /** The data section (absolute paths): the worker prepares the same split, checked by `dataHash`. */
  data: DataConfig;
  dataHash: string;
}

/** A tfjs LayersModel in memory (topology + weights), as JSON. */
export interface SavedFloatModel {
  modelTopology: unknown;
  weightSpecs: unknown;
  /** Base64 of the weight bytes. */
  weightData: string;
}

export interface TuneJobResult {
  id: number;
  rung: number;
  accuracy: { val: { float: number; int8: number } };
  epochsRun: number;
  params: number;
  trainSeconds: number;
  worker: string;
  /** The trained model: .tflite (base64), its settings (int8 I/O included) and the float model. */
  artifacts: { tflite: string; settings: ModelSettings; floatModel: SavedFloatModel };
}
