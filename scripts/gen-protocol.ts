/**
 * Generates the device protocol's TypeScript and C views from the ONE schema, schemas/protocol.json:
 *   src/device/protocol.generated.ts   ids, constants, message interfaces and field layouts
 *   firmware/core/tf_protocol.h        the same ids and constants, plus byte offsets of fixed fields
 * Run: `node bin/run-ts.mjs scripts/gen-protocol.ts` (also part of `npm run gen`). A test checks the
 * committed files equal what this produces.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cHeader, provenanceComment } from '../src/core/cemit.js';

export type FieldType = 'u8' | 'i8' | 'u16' | 'u32' | 'f32' | 'sha256' | 'str' | 'strlist' | 'bytes' | 'i8[]' | 'i16[]' | 'f32[]';
export interface SchemaField {
  name: string;
  type: FieldType;
  doc?: string;
}
export interface SchemaMessage {
  name: string;
  id: number;
  dir: 'host->device' | 'device->host';
  doc: string;
  fields: SchemaField[];
}
export interface ProtocolSchema {
  version: number;
  framing: { description: string; delimiter: number; headerBytes: number; crcBytes: number; maxPayload: number };
  errors: { name: string; code: number; doc: string }[];
  counterKinds: { name: string; code: number }[];
  messages: SchemaMessage[];
}

export const FIXED_SIZE: Partial<Record<FieldType, number>> = { u8: 1, i8: 1, u16: 2, u32: 4, f32: 4, sha256: 32 };
const REST_TYPES: FieldType[] = ['bytes', 'i8[]', 'i16[]', 'f32[]'];
const TS_TYPE: Record<FieldType, string> = {
  u8: 'number', i8: 'number', u16: 'number', u32: 'number', f32: 'number', sha256: 'Uint8Array', str: 'string',
  strlist: 'string[]', bytes: 'Uint8Array', 'i8[]': 'Int8Array', 'i16[]': 'Int16Array', 'f32[]': 'Float32Array',
};

/** Rejects schemas the generated code could not represent (duplicate ids, a rest field not last…). */
export function checkSchema(s: ProtocolSchema): void {
  const ids = new Set<number>();
  for (const m of s.messages) {
    if (ids.has(m.id) || m.id < 1 || m.id > 255) throw new Error(`message ${m.name}: id ${m.id} duplicate or out of 1..255`);
    ids.add(m.id);
    m.fields.forEach((f, i) => {
      if (!(f.type in TS_TYPE)) throw new Error(`${m.name}.${f.name}: unknown type ${f.type}`);
      if (REST_TYPES.includes(f.type) && i !== m.fields.length - 1) throw new Error(`${m.name}.${f.name}: ${f.type} must be the last field`);
    });
  }
}

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
const pascal = (s: string) => s.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());

export function generateTs(s: ProtocolSchema): string {
  checkSchema(s);
  const out: string[] = [provenanceComment('from schemas/protocol.json'), ''];
  out.push('/* eslint-disable */', '/** Protocol facts; see schemas/protocol.json "framing". */');
  out.push(`export const PROTOCOL_VERSION = ${s.version};`);
  out.push(`export const FRAME_DELIMITER = ${s.framing.delimiter};`);
  out.push(`export const HEADER_BYTES = ${s.framing.headerBytes};`);
  out.push(`export const CRC_BYTES = ${s.framing.crcBytes};`);
  out.push(`/** Largest payload either side sends or accepts, in bytes. */`);
  out.push(`export const MAX_PAYLOAD = ${s.framing.maxPayload};`, '');
  out.push('/** Message type ids. */', 'export const MSG = {');
  for (const m of s.messages) out.push(`  /** ${m.dir}: ${m.doc} */`, `  ${m.name}: ${m.id},`);
  out.push('} as const;', 'export type MsgName = keyof typeof MSG;', '');
  out.push('export const MSG_NAME: Record<number, MsgName> = {');
  for (const m of s.messages) out.push(`  ${m.id}: '${m.name}',`);
  out.push('};', '');
  out.push('/** ERROR message codes. */', 'export const ERR = {');
  for (const e of s.errors) out.push(`  /** ${e.doc} */`, `  ${e.name}: ${e.code},`);
  out.push('} as const;', '');
  out.push('export const ERR_NAME: Record<number, string> = {');
  for (const e of s.errors) out.push(`  ${e.code}: '${e.name}',`);
  out.push('};', '');
  out.push('/** INFO.counterKind values. */', 'export const COUNTER_KIND = {');
  for (const k of s.counterKinds) out.push(`  ${k.name}: ${k.code},`);
  out.push('} as const;', '');
  out.push(`export type FieldType = ${Object.keys(TS_TYPE).map((t) => `'${t}'`).join(' | ')};`, '');
  for (const m of s.messages) {
    out.push(`/** ${m.name} (${m.id}, ${m.dir}): ${m.doc} */`, `export interface ${pascal(m.name)}Msg {`);
    for (const f of m.fields) {
      if (f.doc) out.push(`  /** ${f.doc} */`);
      out.push(`  ${f.name}: ${TS_TYPE[f.type]};`);
    }
    out.push('}');
  }
  out.push('', '/** Message name → payload type. */', 'export interface MessageMap {');
  for (const m of s.messages) out.push(`  ${m.name}: ${pascal(m.name)}Msg;`);
  out.push('}', '');
  out.push('/** Field layouts in wire order (the codec walks them). */');
  out.push('export const LAYOUT: { [K in MsgName]: readonly { name: string; type: FieldType }[] } = {');
  for (const m of s.messages) out.push(`  ${m.name}: [${m.fields.map((f) => `{ name: '${f.name}', type: '${f.type}' }`).join(', ')}],`);
  out.push('};', '');
  out.push('/** Bytes of each message\'s leading fixed-size fields (tf_protocol.h TF_<MSG>_FIXED_BYTES). */');
  out.push('export const FIXED_BYTES: { [K in MsgName]: number } = {');
  for (const m of s.messages) out.push(`  ${m.name}: ${fixedBytes(m)},`);
  out.push('};', '');
  return out.join('\n');
}

/** Bytes of the fixed-size fields before the first variable-size one (the C header's FIXED_BYTES). */
export function fixedBytes(m: SchemaMessage): number {
  let off = 0;
  for (const f of m.fields) {
    const size = FIXED_SIZE[f.type];
    if (size === undefined) break;
    off += size;
  }
  return off;
}

export function generateC(s: ProtocolSchema): string {
  checkSchema(s);
  const b: string[] = [];
  b.push('// The device protocol: message ids, error codes and payload layouts. All multi-byte fields are');
  b.push('// little-endian. Fixed-size fields have byte offsets (TF_<MSG>_<FIELD>_OFFSET); variable fields');
  b.push('// (str, strlist, trailing arrays) follow TF_<MSG>_FIXED_BYTES in schema order.');
  for (const line of s.framing.description.match(/.{1,96}(\s|$)/g) ?? []) b.push('// ' + line.trim());
  b.push('');
  b.push(`#define TF_PROTO_VERSION ${s.version}`);
  b.push(`#define TF_PROTO_DELIMITER ${s.framing.delimiter}`);
  b.push(`#define TF_PROTO_HEADER_BYTES ${s.framing.headerBytes}`);
  b.push(`#define TF_PROTO_CRC_BYTES ${s.framing.crcBytes}`);
  b.push(`#define TF_PROTO_MAX_PAYLOAD ${s.framing.maxPayload}`, '');
  for (const m of s.messages) b.push(`#define TF_MSG_${m.name} ${m.id}  /* ${m.dir}: ${m.doc} */`);
  b.push('');
  for (const e of s.errors) b.push(`#define TF_ERR_${e.name} ${e.code}  /* ${e.doc} */`);
  b.push('');
  for (const k of s.counterKinds) b.push(`#define TF_COUNTER_${k.name} ${k.code}`);
  for (const m of s.messages) {
    b.push('', `/* ${m.name}: ${m.fields.map((f) => `${f.name}:${f.type}`).join(', ') || '(empty)'} */`);
    let off = 0;
    for (const f of m.fields) {
      const size = FIXED_SIZE[f.type];
      if (size === undefined) break;
      b.push(`#define TF_${m.name}_${snake(f.name)}_OFFSET ${off}`);
      off += size;
    }
    b.push(`#define TF_${m.name}_FIXED_BYTES ${fixedBytes(m)}`);
  }
  return cHeader('tf_protocol.h', b.join('\n'), { provenance: 'from schemas/protocol.json' }).contents;
}

export const SCHEMA_PATH = 'schemas/protocol.json';
export const TS_OUT = 'src/device/protocol.generated.ts';
export const C_OUT = 'firmware/core/tf_protocol.h';

export function loadSchema(root: string): ProtocolSchema {
  return JSON.parse(readFileSync(join(root, SCHEMA_PATH), 'utf8')) as ProtocolSchema;
}

/** Writes through a temporary file and a rename, so a generated file is never half-written. */
export function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(fileURLToPath(import.meta.url), '..', '..');
  const s = loadSchema(root);
  writeAtomic(join(root, TS_OUT), generateTs(s));
  writeAtomic(join(root, C_OUT), generateC(s));
  process.stdout.write(`wrote ${TS_OUT} and ${C_OUT}\n`);
}
