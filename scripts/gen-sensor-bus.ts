/**
 * Generates the virtual board's sensor-bus definitions from the ONE schema, schemas/sensor-bus.json:
 *   src/flash/sensor-bus.generated.ts                 sync byte, record ids, sizes, field offsets
 *   firmware/boards/qemu-mps2/tf_sensor_bus.h   the same for the board's IMU driver
 * Run: `node bin/run-ts.mjs scripts/gen-sensor-bus.ts` (also part of `npm run gen`). A test checks
 * the committed files equal what this produces.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cHeader, provenanceComment } from '../src/core/cemit.js';
import { writeAtomic } from './gen-protocol.js';

export type BusFieldType = 'u8' | 'i16' | 'u16' | 'u32';
export interface BusRecord {
  name: string;
  id: number;
  dir: 'board->sensor' | 'sensor->board';
  doc: string;
  fields: { name: string; type: BusFieldType; doc?: string }[];
}
export interface SensorBusSchema {
  version: number;
  description: string;
  sync: number;
  /** The board sends TAKEN after each this many SAMPLE records it read. */
  takenEvery: number;
  records: BusRecord[];
}

const SIZE: Record<BusFieldType, number> = { u8: 1, i16: 2, u16: 2, u32: 4 };
/** SYNC + id in front of every record's fields. */
export const RECORD_HEADER_BYTES = 2;

export function checkBusSchema(s: SensorBusSchema): void {
  const ids = new Set<number>();
  for (const r of s.records) {
    if (ids.has(r.id) || r.id < 1 || r.id > 255 || r.id === s.sync) throw new Error(`record ${r.name}: id ${r.id} duplicate, equal to SYNC or out of 1..255`);
    ids.add(r.id);
    for (const f of r.fields) if (!(f.type in SIZE)) throw new Error(`${r.name}.${f.name}: unknown type ${f.type}`);
  }
  if (!Number.isInteger(s.takenEvery) || s.takenEvery < 1 || s.takenEvery > 64) throw new Error(`takenEvery ${s.takenEvery} out of 1..64`);
}

export const recordBytes = (r: BusRecord) => RECORD_HEADER_BYTES + r.fields.reduce((a, f) => a + SIZE[f.type], 0);
const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();

export function generateBusTs(s: SensorBusSchema): string {
  checkBusSchema(s);
  const o: string[] = [provenanceComment('from schemas/sensor-bus.json'), '', '/* eslint-disable */'];
  o.push('/** The virtual board\'s IMU bus (UART1); see schemas/sensor-bus.json "description". */');
  o.push(`export const SENSOR_BUS_VERSION = ${s.version};`, `export const SENSOR_SYNC = ${s.sync};`);
  o.push('/** The board sends TAKEN after each this many SAMPLE records it read off the bus. */', `export const SENSOR_TAKEN_EVERY = ${s.takenEvery};`, '');
  o.push('/** Record ids. */', 'export const SENSOR_RECORD = {');
  for (const r of s.records) o.push(`  /** ${r.dir}: ${r.doc} */`, `  ${r.name}: ${r.id},`);
  o.push('} as const;', 'export type SensorRecordName = keyof typeof SENSOR_RECORD;', '');
  o.push('/** Whole record sizes in bytes (SYNC and id included). */');
  o.push('export const SENSOR_RECORD_BYTES: { [K in SensorRecordName]: number } = {');
  for (const r of s.records) o.push(`  ${r.name}: ${recordBytes(r)},`);
  o.push('};', '');
  o.push('/** Field layouts in wire order, with byte offsets from the record\'s start. */');
  o.push("export const SENSOR_LAYOUT: { [K in SensorRecordName]: readonly { name: string; type: 'u8' | 'i16' | 'u16' | 'u32'; offset: number }[] } = {");
  for (const r of s.records) {
    let off = RECORD_HEADER_BYTES;
    const fs = r.fields.map((f) => {
      const t = `{ name: '${f.name}', type: '${f.type}', offset: ${off} }`;
      off += SIZE[f.type];
      return t;
    });
    o.push(`  ${r.name}: [${fs.join(', ')}],`);
  }
  o.push('};', '');
  return o.join('\n');
}

export function generateBusC(s: SensorBusSchema): string {
  checkBusSchema(s);
  const b: string[] = [];
  b.push('// The virtual board\'s IMU bus on UART1: record ids, sizes and field byte offsets (from the record\'s');
  b.push('// first byte, SYNC). Multi-byte fields are little-endian.');
  for (const line of s.description.match(/.{1,96}(\s|$)/g) ?? []) b.push('// ' + line.trim());
  b.push('', `#define TF_SENSOR_BUS_VERSION ${s.version}`, `#define TF_SENSOR_SYNC ${s.sync}`, `#define TF_SENSOR_TAKEN_EVERY ${s.takenEvery}  /* SAMPLEs read per TAKEN sent */`);
  for (const r of s.records) {
    b.push('', `#define TF_SENSOR_${r.name} ${r.id}  /* ${r.dir}: ${r.doc} */`, `#define TF_SENSOR_${r.name}_BYTES ${recordBytes(r)}`);
    let off = RECORD_HEADER_BYTES;
    for (const f of r.fields) {
      b.push(`#define TF_SENSOR_${r.name}_${snake(f.name)}_OFFSET ${off}`);
      off += SIZE[f.type];
    }
  }
  b.push('', `#define TF_SENSOR_MAX_RECORD_BYTES ${Math.max(...s.records.map(recordBytes))}`);
  return cHeader('tf_sensor_bus.h', b.join('\n'), { provenance: 'from schemas/sensor-bus.json' }).contents;
}

export const BUS_SCHEMA_PATH = 'schemas/sensor-bus.json';
export const BUS_TS_OUT = 'src/flash/sensor-bus.generated.ts';
export const BUS_C_OUT = 'firmware/boards/qemu-mps2/tf_sensor_bus.h';

export function loadBusSchema(root: string): SensorBusSchema {
  return JSON.parse(readFileSync(join(root, BUS_SCHEMA_PATH), 'utf8')) as SensorBusSchema;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(fileURLToPath(import.meta.url), '..', '..');
  const s = loadBusSchema(root);
  writeAtomic(join(root, BUS_TS_OUT), generateBusTs(s));
  writeAtomic(join(root, BUS_C_OUT), generateBusC(s));
  process.stdout.write(`wrote ${BUS_TS_OUT} and ${BUS_C_OUT}\n`);
}
