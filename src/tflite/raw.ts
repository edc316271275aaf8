/**
 * The schema-level view of a .tflite file: every table tinyforge reads, decoded through the
 * bounds-checked CheckedBuffer into plain data, before any interpretation. `readTflite` builds the
 * int8 Graph from this; `modelFacts` and `inspect` report from it (including ops tinyforge does not
 * support, so a user can see what is in a file it cannot run).
 */
import { OP_NAMES, OPS } from '../ops/registry.js';
import { CheckedBuffer, type TableRef } from './checked.js';
import type { FieldSpec, RawOptions } from './fields.js';

export type { FieldKind, FieldSpec, RawOptions } from './fields.js';

/** One entry of Model.operator_codes, as stored. */
export interface RawOperatorCode {
  deprecatedBuiltinCode: number;
  builtinCode: number;
  builtinCodePresent: boolean;
  customCode?: string;
  version: number;
  /** The effective op: max(deprecated_builtin_code, builtin_code), TFLite's own rule. */
  code: number;
}

export interface RawQuantization {
  min?: number[];
  max?: number[];
  scale: number[];
  zeroPoint: bigint[];
  quantizedDimension: number;
  /** QuantizationDetails union type (0 = none). */
  detailsType: number;
}

export interface RawTensor {
  name: string;
  type: number;
  shape: number[];
  shapeSignature?: number[];
  buffer: number;
  quantization?: RawQuantization;
  isVariable: boolean;
  hasSparsity: boolean;
}

/** A decoded builtin options table: schema field names → values. */

export interface RawOperator {
  opcodeIndex: number;
  inputs: number[];
  outputs: number[];
  optionsType: number;
  /** Decoded when the slot is one tinyforge knows (see OPTION_SPECS); null when absent or unknown. */
  options: RawOptions | null;
  hasCustomOptions: boolean;
  intermediates: number[];
}

export interface RawSubGraph {
  name: string;
  tensors: RawTensor[];
  inputs: number[];
  outputs: number[];
  operators: RawOperator[];
}

export interface RawBuffer {
  /** Bytes stored in the flatbuffer (or, for offset/size buffers, read from the file at that offset). */
  data: Uint8Array;
  /** File offset when the data lives outside the flatbuffer (large models); 0 otherwise. */
  offset: number;
  size: number;
}

export interface RawModel {
  /** Size of the file the model was parsed from. */
  fileBytes: number;
  version: number;
  description: string;
  operatorCodes: RawOperatorCode[];
  subgraphs: RawSubGraph[];
  buffers: RawBuffer[];
  metadataBuffer: number[];
  metadata: { name: string; buffer: number }[];
  signatureDefs: number;
}


/**
 * Option tables tinyforge decodes, by BuiltinOptions slot (official field order = field id): each
 * op module's `options.table` (src/ops/).
 */
export const OPTION_SPECS: Record<number, { table: string; fields: FieldSpec[] }> = Object.fromEntries(
  OP_NAMES.flatMap((n) => {
    const o = OPS[n].options;
    return o ? [[OPS[n].optionsSlot, { table: o.table, fields: o.fields }]] : [];
  }),
);

/** Decoded options with every field at its default: what a reader sees when the table is absent. */
export function defaultOptions(slot: number): RawOptions {
  const spec = OPTION_SPECS[slot];
  const out: RawOptions = {};
  if (spec) for (const [name, kind, dflt] of spec.fields) if (kind !== 'i32[]') out[name] = dflt;
  return out;
}

function readOptions(cb: CheckedBuffer, t: TableRef, slot: number, what: string): RawOptions | null {
  const spec = OPTION_SPECS[slot];
  if (!spec) return null;
  const out: RawOptions = {};
  spec.fields.forEach(([name, kind, dflt], id) => {
    const w = `${what}.${name}`;
    switch (kind) {
      case 'i8':
        out[name] = cb.fieldI8(t, id, dflt as number, w);
        break;
      case 'u8':
        out[name] = cb.fieldU8(t, id, dflt as number, w);
        break;
      case 'bool':
        out[name] = cb.fieldBool(t, id, dflt as boolean, w);
        break;
      case 'i32':
        out[name] = cb.fieldI32(t, id, dflt as number, w);
        break;
      case 'f32':
        out[name] = cb.fieldF32(t, id, dflt as number, w);
        break;
      case 'i32[]': {
        const v = cb.fieldI32s(t, id, w);
        if (v) out[name] = v;
        break;
      }
    }
  });
  return out;
}

/** Bounds on counts, far above any microcontroller model, so hostile counts fail fast and clearly. */
const MAX_SUBGRAPHS = 1024;

/** Parse and verify a .tflite file into its schema-level form. Throws TinyforgeError('bad-input'). */
export function parseTfliteRaw(bytes: Uint8Array): RawModel {
  const cb = new CheckedBuffer(bytes);
  if (bytes.length < 8) cb.fail(`file is ${bytes.length} bytes, too short for a flatbuffer`);
  const ident = String.fromCharCode(bytes[4], bytes[5], bytes[6], bytes[7]);
  if (ident !== 'TFL3') cb.fail(`file identifier is ${JSON.stringify(ident)}, expected "TFL3"`, 4);
  const root = cb.table(cb.deref(0, 'root table offset'), 'Model');

  const operatorCodes = cb.fieldTables(root, 1, 'Model.operator_codes').map((t, i): RawOperatorCode => {
    const w = `operator_codes[${i}]`;
    const deprecatedBuiltinCode = cb.fieldI8(t, 0, 0, w);
    const builtinCodePresent = cb.has(t, 3);
    const builtinCode = cb.fieldI32(t, 3, 0, w);
    const customCode = cb.fieldString(t, 1, w) ?? undefined;
    return {
      deprecatedBuiltinCode,
      builtinCode,
      builtinCodePresent,
      ...(customCode !== undefined ? { customCode } : {}),
      version: cb.fieldI32(t, 2, 1, w),
      code: Math.max(deprecatedBuiltinCode, builtinCode),
    };
  });

  const subgraphs = cb.fieldTables(root, 2, 'Model.subgraphs', MAX_SUBGRAPHS).map((sg, si): RawSubGraph => {
    const w = `subgraphs[${si}]`;
    const tensors = cb.fieldTables(sg, 0, `${w}.tensors`).map((t, ti): RawTensor => {
      const tw = `${w}.tensors[${ti}]`;
      const q = cb.fieldTable(t, 4, `${tw}.quantization`);
      let quantization: RawQuantization | undefined;
      if (q) {
        const min = cb.fieldF32s(q, 0, `${tw}.quantization.min`);
        const max = cb.fieldF32s(q, 1, `${tw}.quantization.max`);
        quantization = {
          ...(min ? { min } : {}),
          ...(max ? { max } : {}),
          scale: cb.fieldF32s(q, 2, `${tw}.quantization.scale`) ?? [],
          zeroPoint: cb.fieldI64s(q, 3, `${tw}.quantization.zero_point`) ?? [],
          detailsType: cb.fieldU8(q, 4, 0, `${tw}.quantization.details_type`),
          quantizedDimension: cb.fieldI32(q, 6, 0, `${tw}.quantization.quantized_dimension`),
        };
      }
      const shapeSignature = cb.fieldI32s(t, 7, `${tw}.shape_signature`);
      return {
        name: cb.fieldString(t, 3, `${tw}.name`) ?? '',
        type: cb.fieldI8(t, 1, 0, `${tw}.type`),
        shape: cb.fieldI32s(t, 0, `${tw}.shape`) ?? [],
        ...(shapeSignature ? { shapeSignature } : {}),
        buffer: cb.fieldU32(t, 2, 0, `${tw}.buffer`),
        ...(quantization ? { quantization } : {}),
        isVariable: cb.fieldBool(t, 5, false, `${tw}.is_variable`),
        hasSparsity: cb.has(t, 6),
      };
    });
    const operators = cb.fieldTables(sg, 3, `${w}.operators`).map((o, oi): RawOperator => {
      const ow = `${w}.operators[${oi}]`;
      const optionsType = cb.fieldU8(o, 3, 0, `${ow}.builtin_options_type`);
      const ot = cb.fieldTable(o, 4, `${ow}.builtin_options`);
      return {
        opcodeIndex: cb.fieldU32(o, 0, 0, `${ow}.opcode_index`),
        inputs: cb.fieldI32s(o, 1, `${ow}.inputs`) ?? [],
        outputs: cb.fieldI32s(o, 2, `${ow}.outputs`) ?? [],
        optionsType,
        options: ot && optionsType ? readOptions(cb, ot, optionsType, `${ow}.builtin_options`) : null,
        hasCustomOptions: cb.has(o, 5),
        intermediates: cb.fieldI32s(o, 8, `${ow}.intermediates`) ?? [],
      };
    });
    return {
      name: cb.fieldString(sg, 4, `${w}.name`) ?? '',
      tensors,
      inputs: cb.fieldI32s(sg, 1, `${w}.inputs`) ?? [],
      outputs: cb.fieldI32s(sg, 2, `${w}.outputs`) ?? [],
      operators,
    };
  });

  const buffers = cb.fieldTables(root, 4, 'Model.buffers').map((b, bi): RawBuffer => {
    const w = `buffers[${bi}]`;
    const offset = cb.fieldU64(b, 1, `${w}.offset`);
    const size = cb.fieldU64(b, 2, `${w}.size`);
    // Offsets 0 and 1 mean "not external" (the converter's convention: valid only if > 1).
    if (offset > 1n) {
      if (offset + size > BigInt(bytes.length)) cb.fail(`${w}: external data at offset ${offset} (+${size} bytes) lies past the end of the file`);
      const o = Number(offset);
      const n = Number(size);
      cb.spend(n, w);
      return { data: bytes.slice(o, o + n), offset: o, size: n };
    }
    const data = cb.fieldBytes(b, 0, `${w}.data`) ?? new Uint8Array(0);
    return { data, offset: 0, size: 0 };
  });

  const metadata = cb.fieldTables(root, 6, 'Model.metadata').map((m, mi) => ({
    name: cb.fieldString(m, 0, `metadata[${mi}].name`) ?? '',
    buffer: cb.fieldU32(m, 1, 0, `metadata[${mi}].buffer`),
  }));
  const sigs = cb.fieldVector(root, 7, 4, 'Model.signature_defs');

  return {
    fileBytes: bytes.length,
    version: cb.fieldU32(root, 0, 0, 'Model.version'),
    description: cb.fieldString(root, 3, 'Model.description') ?? '',
    operatorCodes,
    subgraphs,
    buffers,
    metadataBuffer: cb.fieldI32s(root, 5, 'Model.metadata_buffer') ?? [],
    metadata,
    signatureDefs: sigs ? sigs.length : 0,
  };
}
