/**
 * Flags over the project file (tinyforge.config.json), once for every command.
 */
import { resolve } from 'node:path';
import type { TinyforgeConfig } from '../train/config.js';
import { dataSectionFromFlags, descriptionFromOptions, type ImportFlags, type SplitFlags } from './data-options.js';
import { numberFlag } from './flags.js';
import { usageError } from '../core/errors.js';
import type { WeightPolicy } from '../firmware/flash-budget.js';

/** Every flag that overrides a project-file field (each command defines the ones it takes). */
export type ConfigFlags = ImportFlags & Omit<SplitFlags, 'seed' | 'window' | 'stride'> & {
  data?: string[];
  builtin?: boolean;
  board?: string;
  engine?: 'native' | 'tflm';
  weights?: WeightPolicy;
  flashBudget?: string;
  port?: string;
  epochs?: string;
  seed?: string;
  preset?: string;
  backend?: 'node' | 'wasm' | 'cpu';
  max?: string;
  all?: boolean;
  window?: string;
  stride?: string;
  optimizer?: 'adam' | 'sgd';
  lr?: string;
  batchSize?: string;
  patience?: string;
  earlyStopping?: boolean;
  classWeights?: string;
  augment?: boolean;
  anomaly?: string;
  anomalyQuantile?: string;
};

/**
 * The project file with the command's flags applied — the one flags-over-config merge of every
 * command (train, run, demo, tune): a flag given wins over its field, a flag not given leaves the
 * field alone, numbers are checked the same way everywhere, paths from flags are relative to the
 * cwd. `--out` means different things per command (a train folder, a run folder) and is theirs.
 */
export function applyFlags(cfg: TinyforgeConfig, f: ConfigFlags): TinyforgeConfig {
  const c: TinyforgeConfig = structuredClone(cfg);
  const seed = numberFlag('seed', f.seed, { min: 0 });
  const epochs = numberFlag('epochs', f.epochs, { min: 1 });
  const max = numberFlag('max', f.max, { min: 1 });
  if (f.data || f.builtin) {
    c.data = { ...c.data };
    if (f.data) {
      c.data.paths = f.data.map((p) => resolve(p));
      delete c.data.builtin;
    } else {
      c.data.builtin = c.data.builtin || true;
      delete c.data.paths;
      if (c.data.import) c.data.import = { ...c.data.import, files: undefined };
    }
  }
  // The shared import flags lie over the project file's data.import, as on data/train/eval/verify.
  if (!f.builtin) {
    const desc = descriptionFromOptions(f, c.data, f.data?.map((p) => resolve(p)));
    if (Object.keys(desc).length) c.data = { ...c.data, import: desc };
  }
  // The data section: one rule for every command (the one `data split` uses).
  const section = dataSectionFromFlags(c.data, { ...f, seed: f.seed, window: f.window, stride: f.stride });
  if (c.data || Object.keys(section).length) c.data = section;
  if (seed !== undefined) c.train = { ...c.train, seed };
  if (epochs !== undefined || f.preset || f.backend) c.train = { ...c.train, ...(epochs !== undefined ? { epochs } : {}), ...(f.preset ? { preset: f.preset as never } : {}), ...(f.backend ? { backend: f.backend } : {}) };
  // train's own flags.
  const lr = numberFlag('lr', f.lr, { integer: false, min: 0 });
  const batchSize = numberFlag('batch-size', f.batchSize, { min: 1 });
  const patience = numberFlag('patience', f.patience, { min: 1 });
  const t = { ...c.train };
  if (f.optimizer) t.optimizer = f.optimizer;
  if (lr !== undefined) t.learningRate = lr;
  if (batchSize !== undefined) t.batchSize = batchSize;
  if (f.earlyStopping === false) t.earlyStopping = false;
  else if (patience !== undefined) t.earlyStopping = { patience };
  if (f.classWeights) t.classWeights = f.classWeights === 'balanced' ? 'balanced' : f.classWeights.split(',').map((w) => numberFlag('class-weights', w.trim(), { integer: false, min: 0 })!);
  if (f.augment === false) t.augment = false;
  const clusters = numberFlag('anomaly', f.anomaly, { min: 1 });
  const quantile = numberFlag('anomaly-quantile', f.anomalyQuantile, { integer: false, min: 0, max: 1 });
  if (quantile === 0) throw usageError('--anomaly-quantile must be above 0', { remedy: 'e.g. --anomaly-quantile 0.99 (about 1 % of known windows flagged)' });
  if (quantile !== undefined && clusters === undefined && !t.anomaly) throw usageError('--anomaly-quantile needs --anomaly K', { remedy: 'e.g. tinyforge train --anomaly 16 --anomaly-quantile 0.99' });
  if (clusters !== undefined || quantile !== undefined) t.anomaly = { ...t.anomaly, clusters: clusters ?? t.anomaly!.clusters, ...(quantile !== undefined ? { quantile } : {}) };
  c.train = t;
  const flashBudget = numberFlag('flash-budget', f.flashBudget, { min: 1 });
  if (f.board || f.engine || f.weights || flashBudget !== undefined) {
    c.firmware = { ...c.firmware, ...(f.board ? { board: f.board } : {}), ...(f.engine ? { engine: f.engine } : {}), ...(f.weights ? { weights: f.weights } : {}), ...(flashBudget !== undefined ? { flashBudget } : {}) };
  }
  if (f.port || max !== undefined || f.all) c.verify = { ...c.verify, ...(f.port ? { port: f.port } : {}), ...(max !== undefined ? { windows: max } : {}), ...(f.all ? { all: true } : {}) };
  return c;
}

