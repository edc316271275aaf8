/**
 * Codec of the virtual board's IMU bus (schemas/sensor-bus.json, ids and layouts generated into
 * sensor-bus.generated.ts and the board's tf_sensor_bus.h). Pure: bytes in, bytes out.
 */
import { SENSOR_LAYOUT, SENSOR_RECORD, SENSOR_RECORD_BYTES, SENSOR_SYNC, type SensorRecordName } from './sensor-bus.generated.js';

const NAME_BY_ID = new Map<number, SensorRecordName>(Object.entries(SENSOR_RECORD).map(([n, id]) => [id, n as SensorRecordName]));

function record(name: SensorRecordName, values: Record<string, number>): Uint8Array {
  const out = new Uint8Array(SENSOR_RECORD_BYTES[name]);
  const dv = new DataView(out.buffer);
  out[0] = SENSOR_SYNC;
  out[1] = SENSOR_RECORD[name];
  for (const f of SENSOR_LAYOUT[name]) {
    const v = values[f.name];
    if (f.type === 'u8') dv.setUint8(f.offset, v);
    else if (f.type === 'i16') dv.setInt16(f.offset, v, true);
    else if (f.type === 'u16') dv.setUint16(f.offset, v, true);
    else dv.setUint32(f.offset, v, true);
  }
  return out;
}

/** CONFIG: output data rate (Hz, stored in mHz) and sensitivity (counts per g). */
export function encodeConfig(rateHz: number, lsbPerG: number): Uint8Array {
  return record('CONFIG', { rateMilliHz: Math.round(rateHz * 1000), lsbPerG });
}

/** Counts of one value in g at `lsbPerG`, rounded and saturated at the int16 rails as an ADC does. */
export function toCounts(g: number, lsbPerG: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(g * lsbPerG)));
}

/** SAMPLE records for interleaved (x, y, z) values in g, back to back. */
export function encodeSamples(xyz: Float32Array, lsbPerG: number): Uint8Array {
  const n = Math.floor(xyz.length / 3);
  const size = SENSOR_RECORD_BYTES.SAMPLE;
  const out = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    out.set(record('SAMPLE', { x: toCounts(xyz[i * 3], lsbPerG), y: toCounts(xyz[i * 3 + 1], lsbPerG), z: toCounts(xyz[i * 3 + 2], lsbPerG) }), i * size);
  }
  return out;
}

/**
 * The smallest standard accelerometer full scale (±2/4/8/16 g) that holds `maxAbsG`, as counts per g
 * (16-bit): what a sensor driver would configure for the data.
 */
export function sensitivityFor(maxAbsG: number): number {
  for (const fs of [2, 4, 8, 16]) if (maxAbsG < fs) return 32768 / fs;
  return 32768 / 16;
}

/**
 * Incremental reader of the records the board sends (PROBE, READY): skips bytes until SYNC, drops
 * unknown ids, never throws.
 */
export class BoardRecordReader {
  private buf: number[] = [];

  push(bytes: Uint8Array): SensorRecordName[] {
    const out: SensorRecordName[] = [];
    for (const b of bytes) {
      if (this.buf.length === 0) {
        if (b === SENSOR_SYNC) this.buf.push(b);
        continue;
      }
      this.buf.push(b);
      const name = NAME_BY_ID.get(this.buf[1]);
      if (!name) {
        this.buf = b === SENSOR_SYNC ? [b] : [];
        continue;
      }
      if (this.buf.length === SENSOR_RECORD_BYTES[name]) {
        out.push(name);
        this.buf = [];
      }
    }
    return out;
  }
}
