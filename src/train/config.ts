/**
 * The project file `tinyforge.config.json`: one file that re-runs the whole pipeline. Its shape
 * is schemas/tinyforge.config.schema.json (validated with ajv); every field is optional and
 * command-line flags override it. Relative paths in it are relative to the file's folder and
 * are resolved to absolute paths by `loadConfig`.
 */
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import schema from '../../schemas/tinyforge.config.schema.json' with { type: 'json' };
import { badInput, causeText } from '../core/errors.js';
import type { ImportDescription } from '../data/import/description.js';
import type { AugmentOptions } from './augment.js';
import type { BackendPreference } from './backend.js';
import type { Preset } from './models.js';

export const CONFIG_FILE = 'tinyforge.config.json';

export interface DataConfig {
  builtin?: boolean | { seed?: number; subjects?: number; secondsPerActivity?: number; rateHz?: number; force?: boolean };
  paths?: string[];
  /** How the recordings are imported (schema: data.import); its `files` default to `paths`. */
  import?: ImportDescription;
  format?: string;
  labels?: string[];
  /** Classes to leave out (counted and reported). */
  excludeLabels?: string[];
  axes?: string[];
  windowLength?: number;
  windowStride?: number;
  split?: { val?: number; test?: number; seed?: number; fallback?: 'contiguous' | 'error'; testGroups?: string[] };
}

export interface TrainConfig {
  preset?: Preset;
  epochs?: number;
  batchSize?: number;
  optimizer?: 'adam' | 'sgd';
  learningRate?: number;
  seed?: number;
  backend?: BackendPreference;
  earlyStopping?: false | { patience: number };
  classWeights?: 'balanced' | number[];
  augment?: false | AugmentOptions;
  /** The anomaly block (train --anomaly): K-means clusters and the validation quantile of its threshold (src/train/anomaly.ts). */
  anomaly?: { clusters: number; quantile?: number };
  out?: string;
}

export interface QuantizeConfig {
  inputType?: 'int8' | 'float32';
  outputType?: 'int8' | 'float32';
  perChannelDense?: boolean;
  representativeWindows?: number;
  out?: string;
}

export interface FirmwareConfig {
  board?: string;
  engine?: 'native' | 'tflm';
  /** Native engine on DSP cores: weight packing (firmware --weights, src/firmware/flash-budget.ts WeightPolicy; default 'auto'). */
  weights?: 'auto' | 'fastest' | 'int8' | 'int16';
  /** With weights 'auto': image budget in bytes (firmware --flash-budget). */
  flashBudget?: number;
  arenaBytes?: number;
  out?: string;
  /** TFLM engine on Makefile boards: a tflite-micro checkout with libtensorflow-microlite.a built (as build --tflm-dir). */
  tflmDir?: string;
  /** libtensorflow-microlite.a when it is not under tflmDir/gen (as build --tflm-lib). */
  tflmLib?: string;
}

export interface VerifyConfig {
  port?: string;
  baudRate?: number;
  /** At most this many held-out windows (a class-stratified sample; default 200). */
  windows?: number;
  /** Every held-out window instead of a sample. */
  all?: boolean;
  /** Seed of the sample (default 1). */
  seed?: number;
  timeoutMs?: number;
}

/** The project file's `features`: a block name, or the block with its parameters (docs/features.md). */
export type FeaturesConfig = 'raw' | 'spectral' | 'flatten' | ({ block: 'raw' | 'spectral' | 'flatten' } & Record<string, unknown>);

/** `features` section → the trainer's front-end (block + parameters); undefined for none. */
export function frontEndFromConfig(f: FeaturesConfig | undefined): { block: string; params?: Record<string, unknown> } | undefined {
  if (f === undefined) return undefined;
  if (typeof f === 'string') return { block: f };
  const { block, ...params } = f;
  return { block, params };
}

/** `tinyforge tune`: the search (src/tune/); flags override each field. */
export interface TuneConfig {
  /** Entries replacing the default search space's (tinyforge tune --print-space). */
  space?: Record<string, unknown>;
  trials?: number;
  timeBudgetSeconds?: number;
  board?: string;
  maxFlash?: number;
  maxRam?: number;
  maxLatencyMs?: number;
  cpi?: number;
  clockMHz?: number;
  workers?: number;
  queue?: string;
  out?: string;
}

export interface TinyforgeConfig {
  version?: 1;
  /** The front-end between windows and the model (raw by default). */
  features?: FeaturesConfig;
  /** Output folder of `tinyforge run` (default out/run). */
  out?: string;
  data?: DataConfig;
  train?: TrainConfig;
  quantize?: QuantizeConfig;
  firmware?: FirmwareConfig;
  verify?: VerifyConfig;
  tune?: TuneConfig;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

function describeError(e: ErrorObject): string {
  const at = e.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
  if (e.keyword === 'additionalProperties') return `${at}: unknown field "${String(e.params.additionalProperty)}"`;
  if (e.keyword === 'enum') return `${at}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  if (e.keyword === 'const') return `${at}: must be ${JSON.stringify(e.params.allowedValue)}`;
  return `${at}: ${e.message ?? e.keyword}`;
}

/**
 * Checks a parsed project file against the schema. Throws bad-input naming every problem
 * (field path and rule). `source` names the file in messages.
 */
export function validateConfig(value: unknown, source = CONFIG_FILE): TinyforgeConfig {
  if (validate(value)) return value as TinyforgeConfig;
  // oneOf failures repeat their branches' errors; keep the most specific, once each.
  const errs = (validate.errors ?? []).filter((e: ErrorObject) => e.keyword !== 'oneOf');
  const lines = [...new Set((errs.length ? errs : validate.errors ?? []).map(describeError))];
  throw badInput(`${source} is not a valid tinyforge project file:\n  - ${lines.join('\n  - ')}`, {
    remedy: 'Fix the fields listed (see schemas/tinyforge.config.schema.json for every option), or remove them to use the defaults.',
    details: { file: source, errors: lines },
  });
}

export function resolvePaths(c: TinyforgeConfig, base: string): TinyforgeConfig {
  const abs = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p));
  const out: TinyforgeConfig = structuredClone(c);
  if (out.out) out.out = abs(out.out);
  if (out.data?.paths) out.data.paths = out.data.paths.map((p) => abs(p)!);
  if (out.data?.import?.files) out.data.import.files = out.data.import.files.map((p) => abs(p)!);
  if (out.data?.import?.segments) out.data.import.segments.file = abs(out.data.import.segments.file)!;
  if (out.train?.out) out.train.out = abs(out.train.out);
  if (out.quantize?.out) out.quantize.out = abs(out.quantize.out);
  if (out.firmware?.out) out.firmware.out = abs(out.firmware.out);
  if (out.firmware?.tflmDir) out.firmware.tflmDir = abs(out.firmware.tflmDir);
  if (out.firmware?.tflmLib) out.firmware.tflmLib = abs(out.firmware.tflmLib);
  if (out.tune?.out) out.tune.out = abs(out.tune.out);
  return out;
}

/** The schema, for `tinyforge train --print-config-schema` and docs. */
export const CONFIG_SCHEMA = schema;
