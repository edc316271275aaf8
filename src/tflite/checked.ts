/**
 * A bounds-checked view of a flatbuffer. The `flatbuffers` runtime trusts its input; this does not:
 * every table, vtable, field, vector and string is checked to lie inside the buffer before it is
 * read, and every failure is a TinyforgeError('bad-input'). Reading never recurses beyond the fixed
 * depth of the schema (the reader follows the schema, not the data), uoffsets only point forward,
 * and a work budget proportional to the file size stops files whose tables all share one huge
 * vector from costing quadratic time.
 */
import { badInput } from '../core/errors.js';

const REMEDY = 'The file is not a valid .tflite flatbuffer (truncated, corrupted or not a TFLite model). Re-export it from the converter or `tinyforge quantize`.';

/** A table located and checked: `pos` is its start, `vt` its vtable. */
export interface TableRef {
  pos: number;
  vt: number;
  vtSize: number;
  tableSize: number;
}

export class CheckedBuffer {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  private budget: number;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Elements read across all vectors: real models read each byte about once; 16x leaves ample room.
    this.budget = 16 * bytes.length + 65536;
  }

  fail(what: string, at?: number): never {
    throw badInput(`malformed .tflite: ${what}${at === undefined ? '' : ` (at byte ${at})`}`, { remedy: REMEDY, details: at === undefined ? undefined : { offset: at } });
  }

  private need(pos: number, n: number, what: string): void {
    if (!Number.isInteger(pos) || pos < 0 || n < 0 || pos + n > this.bytes.length) this.fail(`${what} lies outside the file (${this.bytes.length} bytes)`, pos);
  }

  spend(n: number, what: string): void {
    this.budget -= n;
    if (this.budget < 0) this.fail(`${what}: the file references far more data than it holds (shared or overlapping vectors)`);
  }

  u8(pos: number): number {
    this.need(pos, 1, 'byte');
    return this.dv.getUint8(pos);
  }
  i8(pos: number): number {
    this.need(pos, 1, 'byte');
    return this.dv.getInt8(pos);
  }
  u16(pos: number): number {
    this.need(pos, 2, 'uint16');
    return this.dv.getUint16(pos, true);
  }
  i32(pos: number): number {
    this.need(pos, 4, 'int32');
    return this.dv.getInt32(pos, true);
  }
  u32(pos: number): number {
    this.need(pos, 4, 'uint32');
    return this.dv.getUint32(pos, true);
  }
  f32(pos: number): number {
    this.need(pos, 4, 'float32');
    return this.dv.getFloat32(pos, true);
  }
  i64(pos: number): bigint {
    this.need(pos, 8, 'int64');
    return this.dv.getBigInt64(pos, true);
  }
  u64(pos: number): bigint {
    this.need(pos, 8, 'uint64');
    return this.dv.getBigUint64(pos, true);
  }

  /** Follow the uoffset stored at `pos` (always forward, so offset chains cannot loop). */
  deref(pos: number, what: string): number {
    const off = this.u32(pos);
    if (off === 0) this.fail(`${what}: zero offset`, pos);
    const target = pos + off;
    if (target >= this.bytes.length) this.fail(`${what}: offset points past the end of the file`, pos);
    return target;
  }

  /** Check and locate the table at `pos`. */
  table(pos: number, what: string): TableRef {
    this.need(pos, 4, what);
    const vt = pos - this.i32(pos);
    if (vt < 0 || vt + 4 > this.bytes.length) this.fail(`${what}: vtable outside the file`, pos);
    const vtSize = this.u16(vt);
    const tableSize = this.u16(vt + 2);
    if (vtSize < 4 || vtSize % 2 !== 0) this.fail(`${what}: bad vtable size ${vtSize}`, vt);
    this.need(vt, vtSize, `${what} vtable`);
    if (tableSize < 4) this.fail(`${what}: bad table size ${tableSize}`, pos);
    this.need(pos, tableSize, what);
    this.spend(vtSize / 2, what);
    return { pos, vt, vtSize, tableSize };
  }

  /** Position of field `id` inside table `t` (0 if absent), checked to hold `size` bytes inside the table. */
  field(t: TableRef, id: number, size: number, what: string): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > t.vtSize) return 0;
    const off = this.u16(t.vt + slot);
    if (off === 0) return 0;
    if (off < 4 || off + size > t.tableSize) this.fail(`${what}: field ${id} lies outside its table`, t.pos);
    return t.pos + off;
  }

  has(t: TableRef, id: number): boolean {
    const slot = 4 + 2 * id;
    return slot + 2 <= t.vtSize && this.u16(t.vt + slot) !== 0;
  }

  fieldU8(t: TableRef, id: number, dflt: number, what: string): number {
    const p = this.field(t, id, 1, what);
    return p ? this.u8(p) : dflt;
  }
  fieldI8(t: TableRef, id: number, dflt: number, what: string): number {
    const p = this.field(t, id, 1, what);
    return p ? this.i8(p) : dflt;
  }
  fieldBool(t: TableRef, id: number, dflt: boolean, what: string): boolean {
    const p = this.field(t, id, 1, what);
    return p ? this.u8(p) !== 0 : dflt;
  }
  fieldI32(t: TableRef, id: number, dflt: number, what: string): number {
    const p = this.field(t, id, 4, what);
    return p ? this.i32(p) : dflt;
  }
  fieldU32(t: TableRef, id: number, dflt: number, what: string): number {
    const p = this.field(t, id, 4, what);
    return p ? this.u32(p) : dflt;
  }
  fieldF32(t: TableRef, id: number, dflt: number, what: string): number {
    const p = this.field(t, id, 4, what);
    return p ? this.f32(p) : dflt;
  }
  fieldU64(t: TableRef, id: number, what: string): bigint {
    const p = this.field(t, id, 8, what);
    return p ? this.u64(p) : 0n;
  }

  /** A sub-table referenced by field `id`, or null when absent. */
  fieldTable(t: TableRef, id: number, what: string): TableRef | null {
    const p = this.field(t, id, 4, what);
    return p ? this.table(this.deref(p, what), what) : null;
  }

  /** A vector referenced by field `id`: start of its elements and its length, or null when absent. */
  fieldVector(t: TableRef, id: number, elemSize: number, what: string): { start: number; length: number } | null {
    const p = this.field(t, id, 4, what);
    if (!p) return null;
    const v = this.deref(p, what);
    const length = this.u32(v);
    if (length * elemSize > this.bytes.length - (v + 4)) this.fail(`${what}: vector of ${length} elements runs past the end of the file`, v);
    this.spend(length, what);
    return { start: v + 4, length };
  }

  fieldString(t: TableRef, id: number, what: string): string | null {
    const v = this.fieldVector(t, id, 1, what);
    if (!v) return null;
    return new TextDecoder('utf-8').decode(this.bytes.subarray(v.start, v.start + v.length));
  }

  fieldBytes(t: TableRef, id: number, what: string): Uint8Array | null {
    const v = this.fieldVector(t, id, 1, what);
    return v ? this.bytes.slice(v.start, v.start + v.length) : null;
  }

  fieldI32s(t: TableRef, id: number, what: string): number[] | null {
    const v = this.fieldVector(t, id, 4, what);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.dv.getInt32(v.start + 4 * i, true);
    return out;
  }

  fieldF32s(t: TableRef, id: number, what: string): number[] | null {
    const v = this.fieldVector(t, id, 4, what);
    if (!v) return null;
    const out = new Array<number>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.dv.getFloat32(v.start + 4 * i, true);
    return out;
  }

  fieldI64s(t: TableRef, id: number, what: string): bigint[] | null {
    const v = this.fieldVector(t, id, 8, what);
    if (!v) return null;
    const out = new Array<bigint>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = this.dv.getBigInt64(v.start + 8 * i, true);
    return out;
  }

  /** Tables of a vector of tables (field `id`), each checked. */
  fieldTables(t: TableRef, id: number, what: string, max = Infinity): TableRef[] {
    const v = this.fieldVector(t, id, 4, what);
    if (!v) return [];
    if (v.length > max) this.fail(`${what}: ${v.length} entries (at most ${max} allowed)`, v.start);
    const out: TableRef[] = [];
    for (let i = 0; i < v.length; i++) out.push(this.table(this.deref(v.start + 4 * i, `${what}[${i}]`), `${what}[${i}]`));
    return out;
  }
}
