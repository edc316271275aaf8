/**
 * Sensor units: which axes are accelerometer / gyroscope, what unit their numbers are in
 * (declared, from the file's header, or assumed from the axis name), a plausibility check of that
 * unit against the data, and conversion to tinyforge's units (accelerometer g, gyroscope deg/s —
 * what the firmware's IMU driver delivers). Pure.
 *
 * Plausibility (over all frames of one file):
 *  - accelerometer, ≥ 2 axes: m = median |a|. Gravity alone is 1 g = 9.81 m/s², and gestures or
 *    activities keep the median within a few g: m > ACCEL_G_MAX contradicts g (the numbers look
 *    like m/s²); m > ACCEL_MS2_MAX (4.5 g in m/s²) contradicts both (raw counts: declare
 *    accelScale / accelOffset, applied before this check); m < ACCEL_MS2_MIN together with a static component |mean a| of 0.5–1.5 (gravity
 *    of about one unit) contradicts m/s² (they look like g). Gravity-free (linear) acceleration in
 *    m/s² has a static component near 0 and is not flagged.
 *  - gyroscope: p = 95th percentile of max |ω| per frame. p > GYRO_RADS_MAX contradicts rad/s
 *    (beyond any MEMS gyro's ±2000 °/s = 34.9 rad/s); p < GYRO_DPS_MIN while the accelerometer
 *    moves (std |a| > 0.3 g) contradicts deg/s (a wrist moving that much turns faster than 12 °/s,
 *    while 12 rad/s = 690 °/s is still an ordinary gesture).
 */
import type { Recording } from '../../core/dataset.js';
import { badInput } from '../../core/errors.js';
import { median, unitForAxis, type Provenance, type UnitFinding } from './common.js';

export type AccelUnit = 'g' | 'm/s2';
export type GyroUnit = 'dps' | 'rad/s';
export interface DeclaredUnits {
  accel?: AccelUnit;
  gyro?: GyroUnit;
  /**
   * Raw sensor counts: number × scale + offset is in the declared (or file's) unit, e.g. 6-bit
   * codes 0–63 for −1.5…+1.5 g: accelScale 3/63, accelOffset −1.5 (accel g). Applied before the
   * plausibility check.
   */
  accelScale?: number;
  accelOffset?: number;
  gyroScale?: number;
  gyroOffset?: number;
}

export const STANDARD_GRAVITY = 9.80665;
export const ACCEL_G_MAX = 4.5;
export const ACCEL_MS2_MIN = 2.5;
/** m/s² data keeps its median |a| within 4.5 g too: beyond it the numbers are not m/s² (raw counts, another unit). */
export const ACCEL_MS2_MAX = ACCEL_G_MAX * 9.80665;
export const GYRO_RADS_MAX = 35;
export const GYRO_DPS_MIN = 12;

/** Spellings of the four units → canonical name, or null for anything else. */
export function canonicalUnit(u: string): AccelUnit | GyroUnit | null {
  const k = u.trim().toLowerCase().replace(/\s+/g, '').replace('²', '2').replace('^', '').replace('°', 'deg');
  if (k === 'g') return 'g';
  if (['m/s2', 'ms-2', 'm/s/s', 'mps2'].includes(k)) return 'm/s2';
  if (['dps', 'deg/s', 'degs', 'degrees/s', 'degree/s'].includes(k)) return 'dps';
  if (['rad/s', 'rads', 'radians/s'].includes(k)) return 'rad/s';
  return null;
}

function kindOf(axis: string, unit: string): 'accel' | 'gyro' | null {
  const c = canonicalUnit(unit);
  if (c === 'g' || c === 'm/s2') return 'accel';
  if (c === 'dps' || c === 'rad/s') return 'gyro';
  if (unit.trim() !== '') return null;
  const byName = unitForAxis(axis);
  return byName === 'g' ? 'accel' : byName === 'deg/s' ? 'gyro' : null;
}

function percentile(v: ArrayLike<number>, q: number): number {
  if (!v.length) return NaN;
  const a = Float64Array.from(v).sort();
  return a[Math.min(a.length - 1, Math.floor(q * a.length))];
}

/** Above this multiple of gravity, what an accelerometer reads at rest is not in the stated unit (smooth gestures with no rest reach ~1.6 g in the quietest windows; 6-bit counts of ±1.5 g read 2.1). */
export const REST_MAX = 2;
/** Frames per window of the rest statistic. */
const REST_WINDOW = 10;

/**
 * |a| at rest: the median mean |a| of the quietest 10 % of 10-frame windows (lowest standard
 * deviation of |a|), or null with fewer than 5 windows. A person holding still, between gestures
 * or activities, reads gravity alone there.
 */
export function restMagnitude(per: ArrayLike<number>): number | null {
  const n = Math.floor(per.length / REST_WINDOW);
  if (n < 5) return null;
  const stats: { std: number; mean: number }[] = [];
  for (let w = 0; w < n; w++) {
    let s = 0;
    for (let t = 0; t < REST_WINDOW; t++) s += per[w * REST_WINDOW + t];
    const mean = s / REST_WINDOW;
    let q = 0;
    for (let t = 0; t < REST_WINDOW; t++) q += (per[w * REST_WINDOW + t] - mean) ** 2;
    stats.push({ std: Math.sqrt(q / REST_WINDOW), mean });
  }
  stats.sort((a, b) => a.std - b.std);
  const quiet = stats.slice(0, Math.max(1, Math.ceil(0.1 * n)));
  return median(quiet.map((x) => x.mean));
}

/** Applies declared scale and offset (raw counts → the unit) to the accelerometer / gyroscope axes. */
function scaled(recs: Recording[], declared: DeclaredUnits, source: string): Recording[] {
  const { axes, units } = recs[0];
  const nA = axes.length;
  const mul = new Array<number>(nA).fill(1);
  const add = new Array<number>(nA).fill(0);
  let any = false;
  for (const kind of ['accel', 'gyro'] as const) {
    const sc = declared[`${kind}Scale`];
    const off = declared[`${kind}Offset`];
    if (sc === undefined && off === undefined) continue;
    for (const [name, v] of [[`${kind}Scale`, sc], [`${kind}Offset`, off]] as const) {
      if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || (name.endsWith('Scale') && v === 0))) throw badInput(`${source}: units.${name} must be a finite number${name.endsWith('Scale') ? ' other than 0' : ''}, got ${String(v)}`, { remedy: 'e.g. --accel-scale 0.047619 --accel-offset -1.5' });
    }
    axes.forEach((a, i) => {
      if (kindOf(a, units[i] ?? '') !== kind) return;
      mul[i] = sc ?? 1;
      add[i] = off ?? 0;
      any = true;
    });
  }
  if (!any) return recs;
  return recs.map((r) => {
    const s = new Float32Array(r.samples.length);
    for (let k = 0; k < s.length; k++) s[k] = r.samples[k] * mul[k % nA] + add[k % nA];
    return { ...r, samples: s };
  });
}

/**
 * Checks (and converts) the accelerometer and gyroscope axes of one file's recordings, which
 * share axes and units. Throws bad-input with the remedy when the data contradicts the unit.
 */
export function checkUnits(recs: Recording[], declared: DeclaredUnits, source: string, unitsFrom?: ('file' | 'name')[]): { recordings: Recording[]; findings: UnitFinding[] } {
  if (recs.length === 0) return { recordings: recs, findings: [] };
  recs = scaled(recs, declared, source);
  const { axes, units } = recs[0];
  const nA = axes.length;
  const findings: UnitFinding[] = [];
  const factor = new Array<number>(nA).fill(1);
  const newUnits = units.slice();
  let accelStdG = NaN;
  const problems: { message: string; remedy: string; looksLike: string; kind: string }[] = [];
  for (const kind of ['accel', 'gyro'] as const) {
    const idx = axes.map((a, i) => (kindOf(a, units[i] ?? '') === kind ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) {
      // A declared unit (or scale) that applies to no axis would be silently ignored.
      if (declared[kind] || declared[`${kind}Scale`] !== undefined || declared[`${kind}Offset`] !== undefined) {
        throw badInput(`${source}: ${kind === 'accel' ? 'an accelerometer' : 'a gyroscope'} unit or scale is declared, but no axis is one (axes: ${axes.join(', ')}; accelerometer axes are named aX…, acc…, gyroscope gX…, gyr…, or carry a unit in the header)`, {
          remedy: `name the axes (--columns aX,aY,aZ / --axes), or drop the declared ${kind} unit`,
        });
      }
      continue;
    }
    // A unit the importer only inferred from the axis name is an assumption, not the file's word.
    const stated = unitsFrom ? unitsFrom[idx[0]] === 'file' : true;
    const fileUnit = stated ? canonicalUnit(units[idx[0]] ?? '') : null;
    const decl = declared[kind];
    const unit: string = decl ?? fileUnit ?? (kind === 'accel' ? 'g' : 'dps');
    const how: Provenance = decl ? 'declared' : fileUnit ? 'file' : 'name';
    if (decl && fileUnit && decl !== fileUnit) {
      throw badInput(`${source}: the file says ${kind === 'accel' ? 'accelerometer' : 'gyroscope'} axes are in ${fileUnit}, the description declares ${decl}`, { remedy: `drop the declared ${kind} unit, or fix the file's header` });
    }
    const per = new Float64Array(recs.reduce((n, r) => n + r.samples.length / nA, 0));
    let k = 0;
    for (const r of recs) {
      const frames = r.samples.length / nA;
      for (let t = 0; t < frames; t++) {
        let acc = 0;
        for (const i of idx) acc = kind === 'accel' ? acc + r.samples[t * nA + i] ** 2 : Math.max(acc, Math.abs(r.samples[t * nA + i]));
        per[k++] = kind === 'accel' ? Math.sqrt(acc) : acc;
      }
    }
    const name = kind === 'accel' ? 'accelerometer' : 'gyroscope';
    const flag = kind === 'accel' ? '--accel-unit' : '--gyro-unit';
    // Both sensors are checked before failing, so one error names every unit to fix.
    const contradiction = (looksLike: string, why: string) =>
      problems.push({
        message: `${name} axes ${idx.map((i) => axes[i]).join(',')} are ${how === 'declared' ? 'declared' : how === 'file' ? 'labelled' : 'assumed (from their names)'} in ${unit}, but the data looks like ${looksLike}: ${why}`,
        remedy: how === 'declared' ? `fix the declared unit (units.${kind} / ${flag} ${looksLike})` : `declare the unit: data.import.units.${kind} "${looksLike}" (or ${flag} ${looksLike})`,
        looksLike,
        kind,
      });
    let finding: UnitFinding;
    if (kind === 'accel') {
      const m = median(per);
      const toG = unit === 'm/s2' ? 1 / STANDARD_GRAVITY : 1;
      let sum = 0;
      for (const x of per) sum += x * toG;
      const mean = sum / per.length;
      let sq = 0;
      for (const x of per) sq += (x * toG - mean) ** 2;
      accelStdG = Math.sqrt(sq / per.length);
      finding = { kind, axes: idx.map((i) => axes[i]), unit, how, statistic: 'median |a|', value: m };
      if (idx.length >= 2 && per.length) {
        const meanVec = idx.map(() => 0);
        for (const r of recs) {
          for (let t = 0; t < r.samples.length / nA; t++) idx.forEach((i, j) => (meanVec[j] += r.samples[t * nA + i]));
        }
        const gravity = Math.sqrt(meanVec.reduce((p, c) => p + c * c, 0)) / per.length;
        const counts = `median |a| = ${m.toFixed(2)}, beyond ${ACCEL_G_MAX} g even in m/s² (${ACCEL_MS2_MAX.toFixed(1)}): raw sensor counts?`;
        if (m > ACCEL_MS2_MAX) {
          problems.push({
            message: `accelerometer axes ${idx.map((i) => axes[i]).join(',')} are ${how === 'declared' ? 'declared' : how === 'file' ? 'labelled' : 'assumed (from their names)'} in ${unit}, but the data looks like neither g nor m/s²: ${counts}`,
            remedy: `declare how counts map to a unit: data.import.units.accelScale / accelOffset (--accel-scale S --accel-offset O: count × S + O is in units.accel), e.g. 6-bit codes 0–63 for ±1.5 g: --accel-scale 0.047619 --accel-offset -1.5 --accel-unit g`,
            looksLike: 'counts',
            kind,
          });
        } else if (unit === 'g' && m > ACCEL_G_MAX) contradiction('m/s2', `median |a| = ${m.toFixed(2)} (gravity is 1 g = ${STANDARD_GRAVITY} m/s²)`);
        else {
          // At rest an accelerometer reads gravity alone: far above it in the stated unit, the numbers are not in that unit.
          const g1 = unit === 'm/s2' ? STANDARD_GRAVITY : 1;
          const rest = restMagnitude(per);
          if (rest !== null && rest > REST_MAX * g1) {
            problems.push({
              message: `accelerometer axes ${idx.map((i) => axes[i]).join(',')} are ${how === 'declared' ? 'declared' : how === 'file' ? 'labelled' : 'assumed (from their names)'} in ${unit}, but at rest they read |a| = ${rest.toFixed(2)}, ${(rest / g1).toFixed(1)} × gravity (${g1 === 1 ? '1 g' : `${STANDARD_GRAVITY} m/s²`}): not ${unit} (raw sensor counts, or another unit?)`,
              remedy: `declare the unit the numbers are in, or how counts map to one (data.import.units.accelScale / accelOffset, --accel-scale S --accel-offset O)`,
              looksLike: 'counts',
              kind,
            });
          }
        }
        if (unit === 'm/s2' && m < ACCEL_MS2_MIN && gravity > 0.5 && gravity < 1.5) contradiction('g', `median |a| = ${m.toFixed(2)} with a static component of ${gravity.toFixed(2)} (gravity alone is ${STANDARD_GRAVITY} m/s²)`);
      }
      if (unit === 'm/s2') idx.forEach((i) => (factor[i] = 1 / STANDARD_GRAVITY));
    } else {
      const p = percentile(per, 0.95);
      finding = { kind, axes: idx.map((i) => axes[i]), unit, how, statistic: 'p95 max |ω|', value: p };
      if (unit === 'rad/s' && p > GYRO_RADS_MAX) contradiction('dps', `95 % of frames turn up to ${p.toFixed(1)}, beyond ±2000 °/s = 34.9 rad/s`);
      if (unit === 'dps' && p < GYRO_DPS_MIN && accelStdG > 0.3) contradiction('rad/s', `95 % of frames turn below ${p.toFixed(2)} while the accelerometer moves (std |a| ${accelStdG.toFixed(2)} g)`);
      if (unit === 'rad/s') idx.forEach((i) => (factor[i] = 180 / Math.PI));
    }
    if (declared[`${kind}Scale`] !== undefined || declared[`${kind}Offset`] !== undefined) finding.counts = { scale: declared[`${kind}Scale`] ?? 1, offset: declared[`${kind}Offset`] ?? 0 };
    if (unit === 'm/s2' || unit === 'rad/s') finding.convertedTo = kind === 'accel' ? 'g' : 'deg/s';
    idx.forEach((i) => (newUnits[i] = kind === 'accel' ? 'g' : 'deg/s'));
    findings.push(finding);
  }
  if (problems.length) {
    throw badInput(`${source}: ${problems.map((p) => p.message).join('; and ')}`, {
      remedy: problems.map((p) => p.remedy).join('; '),
      details: { file: source, units: problems.map((p) => ({ kind: p.kind, looksLike: p.looksLike })) },
    });
  }
  if (factor.every((f) => f === 1)) return { recordings: recs.map((r) => ({ ...r, units: newUnits.slice() })), findings };
  const recordings = recs.map((r) => {
    const s = new Float32Array(r.samples.length);
    for (let k = 0; k < s.length; k++) s[k] = r.samples[k] * factor[k % nA];
    return { ...r, samples: s, units: newUnits.slice() };
  });
  return { recordings, findings };
}
