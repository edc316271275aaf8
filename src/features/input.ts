/**
 * Sensor values → int16 counts, the input format of every feature block: counts =
 * clamp(round_half_away(x · scale), −32768, 32767) with `scale` a power of two per axis, so x · scale
 * is exact in float32 and the device (roundf on the float window) agrees bit for bit.
 */
import { badInput } from '../core/errors.js';

/** 2^12 counts per g (±8 g, 0.24 mg a count); 2^4 per deg/s (±2048 deg/s); 2^12 for anything else. */
export function defaultInputScale(unit: string | undefined): number {
  const u = (unit ?? 'g').toLowerCase();
  if (u === 'deg/s' || u === 'dps' || u === '°/s') return 16;
  return 4096;
}

export function inputScales(axes: string[], units: string[] | undefined, override?: number[]): number[] {
  const s = override ?? axes.map((_, i) => defaultInputScale(units?.[i]));
  if (s.length !== axes.length) throw badInput(`features.inputScale has ${s.length} values for ${axes.length} axes`, { remedy: 'give one counts-per-unit scale per axis, or leave it out' });
  s.forEach((v, i) => {
    if (!(Number.isInteger(v) && v >= 1 && v <= 2 ** 20 && (v & (v - 1)) === 0)) {
      throw badInput(`features.inputScale[${i}] is ${v}; it must be a power of two from 1 to 2^20`, { remedy: 'e.g. 4096 counts per g' });
    }
  });
  return s;
}

/** Round half away from zero, then saturate to int16. */
export function toCount(x: number, scale: number): number {
  const v = Math.fround(x) * scale;
  const r = v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
  return r < -32768 ? -32768 : r > 32767 ? 32767 : r;
}

/** Window `w` of `x` ([count, length, axes] float) as int16 counts [length × axes]. */
export function windowCounts(x: Float32Array, w: number, length: number, scales: number[]): Int16Array {
  const nA = scales.length;
  const per = length * nA;
  const out = new Int16Array(per);
  for (let i = 0; i < per; i++) out[i] = toCount(x[w * per + i], scales[i % nA]);
  return out;
}
