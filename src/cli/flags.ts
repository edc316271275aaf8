/**
 * The flags several commands share, defined once so every command spells them the same way
 * (`--model`, `--settings`, `--board`, `--port`, `--out`, `--data`, `--config`, …), plus the
 * number parsers they use. Each command adds the ones it takes with its own help text.
 */
import { Option } from 'commander';
import { usageError } from '../core/errors.js';
import { BOARD_IDS } from '../firmware/boards.js';
import { BACKENDS } from '../train/backend.js';
import { PRESETS } from '../train/models.js';
import { WEIGHT_POLICIES } from '../firmware/flash-budget.js';

const SPEC = {
  model: '-m, --model <file>',
  settings: '-s, --settings <file>',
  board: '-b, --board <board>',
  engine: '-e, --engine <engine>',
  port: '-p, --port <path>',
  out: '-o, --out <path>',
  data: '--data <paths...>',
  dataDir: '--data <dir>',
  config: '--config <file>',
  seed: '--seed <n>',
  epochs: '--epochs <n>',
  preset: '--preset <name>',
  backend: '--backend <name>',
  labels: '--labels <list>',
  axes: '--axes <list>',
  max: '--max <n>',
  all: '--all',
  force: '--force',
  weights: '--weights <policy>',
  flashBudget: '--flash-budget <bytes>',
} as const;

export type FlagName = keyof typeof SPEC;

const CHOICES: Partial<Record<FlagName, readonly string[]>> = {
  engine: ['native', 'tflm'],
  weights: WEIGHT_POLICIES,
  backend: BACKENDS,
  preset: PRESETS,
};

/** The shared flag `name` with this command's description (and default). */
export function flag(name: FlagName, description: string, defaultValue?: string): Option {
  const o = new Option(SPEC[name], name === 'board' ? `${description} (${BOARD_IDS.join(', ')})` : description);
  const choices = CHOICES[name];
  if (choices) o.choices([...choices]);
  if (defaultValue !== undefined) o.default(defaultValue);
  return o;
}

/** A deprecated spelling kept working but out of --help (e.g. convert --out-dir → --out). */
export function deprecatedAlias(flags: string, replacement: string): Option {
  return new Option(flags, `deprecated: use ${replacement}`).hideHelp();
}

/** A number flag: undefined when absent, else a usage error naming the flag unless it is a (whole) number in range. */
export function numberFlag(name: string, v: string | undefined, o: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  if (v === undefined) return undefined;
  const { integer = true, min = -Infinity, max = Infinity } = o;
  const n = Number(v);
  if (String(v).trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    const range = max === Infinity ? `≥ ${min}` : `within ${min}–${max}`;
    throw usageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} ${range}, got "${v}"`, { remedy: `pass e.g. --${name} ${integer ? Math.max(min, 10) : Math.max(min, 0.001)}` });
  }
  return n;
}

/** A comma-separated list flag ("a, b,c" → ["a","b","c"]). */
export function listFlag(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
