/**
 * Edge Impulse data-acquisition JSON:
 *   { protected, signature, payload: { device_name, device_type, interval_ms,
 *     sensors: [{ name, units }], values: [[...], ...] } }
 * Label: option, else the file-name convention `label.xxxx.json` (text before the first dot).
 * Group: option, else `payload.device_name`, else the file name. Rate = 1000 / interval_ms.
 * Single-sensor files may hold plain numbers in `values`.
 */
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import { canonicalUnit } from './units.js';
import { Float32Builder, RowIssues, checkRate, fileStem, isFiniteFloat32, type CommonImportOptions, type ImportResult } from './common.js';

interface EiPayload {
  device_name?: unknown;
  device_type?: unknown;
  interval_ms?: unknown;
  sensors?: unknown;
  values?: unknown;
}

/** Units Edge Impulse files carry besides the motion units canonicalUnit knows (lower-case). */
const OTHER_UNITS = new Set(['ut', 'µt', 'μt', 'gauss', 'n/a', 'na', 'none', '-', 'raw', 'counts', 'adc', 'lsb', '°c', 'c', 'degc', 'lux', 'lx', 'pa', 'hpa', 'kpa', '%', 'ppm', 'v', 'mv', 'a', 'ma', 'db', 'hz', 'rpm', 'bpm']);

export function importEdgeImpulse(text: string, opts: CommonImportOptions = {}): ImportResult {
  const source = opts.source ?? '<edge-impulse.json>';
  const fail = (what: string) =>
    badInput(`${source}: not an Edge Impulse data-acquisition file: ${what}`, {
      remedy: 'export samples from Edge Impulse as JSON (payload with interval_ms, sensors and values)',
      details: { file: source },
    });
  let doc: { payload?: EiPayload };
  try {
    doc = JSON.parse(text) as { payload?: EiPayload };
  } catch (e) {
    throw badInput(`${source}: not valid JSON (${(e as Error).message})`, { remedy: 'the file is damaged or not JSON', details: { file: source } });
  }
  const p = doc?.payload;
  if (!p || typeof p !== 'object') throw fail('no "payload" object');
  const interval = p.interval_ms;
  if (typeof interval !== 'number' || !(interval > 0) || !Number.isFinite(interval)) throw fail(`payload.interval_ms must be a positive number, got ${JSON.stringify(interval)}`);
  if (!Array.isArray(p.sensors) || p.sensors.length === 0) throw fail('payload.sensors must be a non-empty array of {name, units}');
  const sensors = p.sensors as { name?: unknown; units?: unknown }[];
  sensors.forEach((s, i) => {
    if (typeof s?.name !== 'string' || s.name === '') throw fail(`payload.sensors[${i}].name is missing`);
    if (s.units !== undefined && typeof s.units !== 'string') throw fail(`payload.sensors[${i}].units must be a string, got ${JSON.stringify(s.units)?.slice(0, 40)}`);
    const u = typeof s.units === 'string' ? s.units.trim() : '';
    if (u !== '' && canonicalUnit(u) === null && !OTHER_UNITS.has(u.toLowerCase())) {
      throw badInput(`${source}: payload.sensors[${i}] (${s.name}) has the unknown unit "${u.slice(0, 20)}"`, {
        remedy: `use one of g, m/s2 (accelerometer), deg/s, rad/s (gyroscope), uT (magnetometer), or leave units empty and declare them (--accel-unit / --gyro-unit)`,
        details: { file: source, sensor: s.name, unit: u },
      });
    }
  });
  if (!Array.isArray(p.values)) throw fail('payload.values must be an array');
  const nA = sensors.length;
  const issues = new RowIssues(source, opts.lenient ?? false, `each entry of payload.values needs ${nA} finite numbers`);
  const values = new Float32Builder(nA * 1024);
  (p.values as unknown[]).forEach((row, i) => {
    const r = nA === 1 && typeof row === 'number' ? [row] : row;
    // JSON has no NaN/Infinity, but exporters write null or strings for missing readings.
    if (!Array.isArray(r) || r.length !== nA) {
      issues.bad(undefined, `payload.values[${i}] must have ${nA} numbers, got ${JSON.stringify(row)?.slice(0, 60)}`);
      return;
    }
    // JSON numbers such as 1e39 are finite doubles but Infinity as float32 (and 1e400 parses as Infinity).
    const bad = (r as unknown[]).findIndex((v) => !isFiniteFloat32(v));
    if (bad >= 0) {
      const v = (r as unknown[])[bad];
      issues.bad(undefined, typeof v === 'number' ? `payload.values[${i}] sensor ${sensors[bad].name as string}: ${v} is outside the float32 range (±3.4e38)` : `payload.values[${i}] has a non-numeric value for sensor ${sensors[bad].name as string}: ${JSON.stringify(v)?.slice(0, 40)}`);
      return;
    }
    for (const v of r as number[]) values.push(v);
  });
  issues.check((p.values as unknown[]).length);
  const frames = values.length / nA;
  const rateHz = checkRate(1000 / interval, `${source}: payload.interval_ms ${interval}`, 'interval_ms is the time between samples in milliseconds (e.g. 10 for 100 Hz): fix the file');
  const rec: Recording = {
    label: opts.label ?? fileStem(source, true),
    group: opts.group ?? (typeof p.device_name === 'string' && p.device_name ? p.device_name : fileStem(source)),
    sampleRateHz: rateHz,
    axes: sensors.map((s) => s.name as string),
    units: sensors.map((s) => (typeof s.units === 'string' ? s.units : '')),
    samples: values.slice(),
    source,
  };
  const warnings = frames === 0 ? ['no samples in payload.values'] : [];
  return {
    recordings: frames ? [rec] : [],
    report: {
      source,
      format: 'edge-impulse',
      recordings: frames ? 1 : 0,
      frames,
      rateHz,
      rateSource: 'file',
      skipped: { count: issues.count, examples: issues.examples },
      warnings,
    },
  };
}
