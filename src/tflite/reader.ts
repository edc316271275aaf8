/**
 * `.tflite` → TfliteModel (src/core/graph.ts). Verifies as it reads (src/tflite/checked.ts): a
 * malformed, truncated or hostile file is a TinyforgeError('bad-input'); an operator or dtype that
 * tinyforge cannot represent is a TinyforgeError('unsupported') naming it.
 *
 * Facts handled (shared/vectors/README.md): the op is max(deprecated_builtin_code, builtin_code);
 * 1-D bias tensors may carry an out-of-range quantized_dimension (kept as stored, TFLM ignores it);
 * graph outputs need not be the last operator's output; buffers may live outside the flatbuffer
 * (offset/size).
 */
import { badInput, unsupported } from '../core/errors.js';
import {
  DTYPE_BYTES,
  DTYPE_CODE,
  numElements,
  type DType,
  type Graph,
  type OpName,
  type Operator,
  type Quantization,
  type Tensor,
  type TfliteModel,
} from '../core/graph.js';
import { builtinName, opForCode, OPTIONS_SLOT } from './ops.js';
import { BAD_REMEDY, OptionFields } from './options.js';
import { OP_NAMES, OPS } from '../ops/registry.js';
import { defaultOptions, parseTfliteRaw, OPTION_SPECS, type RawModel, type RawOperator, type RawOptions, type RawTensor } from './raw.js';

const DTYPE_BY_CODE = new Map<number, DType>(Object.entries(DTYPE_CODE).map(([k, v]) => [v, k as DType]));
const TENSOR_TYPE_NAMES = ['FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64', 'INT8', 'FLOAT64', 'COMPLEX128', 'UINT64', 'RESOURCE', 'VARIANT', 'UINT32', 'UINT16', 'INT4'];

const SCALE_REMEDY = 'The quantisation parameters are corrupt (a NaN, infinite, zero or negative scale). Quantise the model again (`tinyforge quantize` or the TFLite converter) instead of editing it.';
const OP_REMEDY = `tinyforge supports ${OP_NAMES.slice(0, -1).join(', ')} and ${OP_NAMES[OP_NAMES.length - 1]}. Rebuild the model from supported layers (Dense, Conv2D, DepthwiseConv2D, pooling, Reshape/Flatten, Softmax) and convert it again.`;

export interface ReadOptions {
  /**
   * Keep builtin ops tinyforge does not implement, by their TFLite name with no options, instead
   * of refusing the model: only for the TFLM engine, which registers ops by name and runs them
   * itself. Nothing else may run such a graph (the registry's opDef refuses the names).
   */
  tflmOnlyOps?: boolean;
}

/** Parse a .tflite file into tinyforge's graph IR (subgraph 0). */
export function readTflite(bytes: Uint8Array, opts: ReadOptions = {}): TfliteModel {
  return modelFromRaw(parseTfliteRaw(bytes), opts);
}

/** Build the TfliteModel from an already-parsed raw model. */
export function modelFromRaw(raw: RawModel, opts: ReadOptions = {}): TfliteModel {
  if (raw.version !== 3) {
    throw unsupported(`the model uses TFLite schema version ${raw.version}; TFLM and tinyforge read version 3 only`, {
      remedy: 'Convert the model again with a current TFLite converter (it writes schema version 3).',
    });
  }
  if (raw.subgraphs.length === 0) throw badInput('malformed .tflite: the model has no subgraphs', { remedy: BAD_REMEDY });
  const sg = raw.subgraphs[0];
  const nT = sg.tensors.length;
  // Each tensor gets its own copy of its buffer; tensors (or metadata) that all name one large
  // buffer would multiply the file, so copies are bounded by a multiple of the file size.
  let copyBudget = 2 * raw.fileBytes + (1 << 20);
  const copy = (data: Uint8Array, what: string): Uint8Array => {
    copyBudget -= data.length;
    if (copyBudget < 0) throw badInput(`malformed .tflite: ${what} and others share buffers far larger than the file`, { remedy: BAD_REMEDY });
    return data.slice();
  };
  const tensors = sg.tensors.map((t, i) => tensorFromRaw(raw, t, i, copy));
  const checkIndex = (x: number, where: string, optional: boolean): void => {
    if ((optional && x === -1) || (Number.isInteger(x) && x >= 0 && x < nT)) return;
    throw badInput(`malformed .tflite: ${where} refers to tensor ${x}, but the subgraph has ${nT} tensors`, { remedy: BAD_REMEDY });
  };
  const operators = sg.operators.map((o, i): Operator => {
    o.inputs.forEach((x) => checkIndex(x, `operator ${i} input`, true));
    o.outputs.forEach((x) => checkIndex(x, `operator ${i} output`, false));
    return operatorFromRaw(raw, o, i, opts);
  });
  sg.inputs.forEach((x) => checkIndex(x, 'subgraph input', false));
  sg.outputs.forEach((x) => checkIndex(x, 'subgraph output', false));
  const metadata = raw.metadata.map((m) => {
    if (m.buffer >= raw.buffers.length) throw badInput(`malformed .tflite: metadata "${m.name}" refers to buffer ${m.buffer} of ${raw.buffers.length}`, { remedy: BAD_REMEDY });
    return { name: m.name, data: copy(raw.buffers[m.buffer].data, `metadata "${m.name}"`) };
  });
  const graph: Graph = { ...(sg.name ? { name: sg.name } : {}), tensors, operators, inputs: sg.inputs.slice(), outputs: sg.outputs.slice() };
  return { graph, version: raw.version, description: raw.description, metadata };
}

function tensorFromRaw(raw: RawModel, t: RawTensor, i: number, copy: (d: Uint8Array, what: string) => Uint8Array): Tensor {
  const dtype = DTYPE_BY_CODE.get(t.type);
  const label = `tensor ${i} ("${t.name}")`;
  if (!dtype) {
    throw unsupported(`${label} has type ${TENSOR_TYPE_NAMES[t.type] ?? t.type}, which tinyforge does not support`, {
      remedy: 'Use a full-integer int8 model (int8 activations and weights, int32 biases).',
    });
  }
  if (t.hasSparsity) throw unsupported(`${label} is sparse; tinyforge supports dense tensors only`, { remedy: 'Convert the model without sparsity.' });
  for (const d of t.shape) if (d < 0) throw badInput(`malformed .tflite: ${label} has negative dimension ${d} in shape [${t.shape}]`, { remedy: BAD_REMEDY });
  const out: Tensor = { name: t.name, dtype, shape: t.shape.slice() };
  const q = t.quantization;
  if (q && q.scale.length > 0) {
    if (q.zeroPoint.length !== q.scale.length) {
      throw badInput(`malformed .tflite: ${label} has ${q.scale.length} scales but ${q.zeroPoint.length} zero points`, { remedy: BAD_REMEDY });
    }
    q.scale.forEach((s, c) => {
      // TFLM divides by scales and derives fixed-point multipliers from them: only positive finite float32 values mean anything.
      if (!(Number.isFinite(s) && s > 0)) {
        throw badInput(`malformed .tflite: ${label} has quantisation scale ${s}${q.scale.length > 1 ? ` (channel ${c})` : ''}; scales must be positive and finite`, {
          remedy: SCALE_REMEDY,
          details: { tensor: i, name: t.name, channel: c, scale: String(s) },
        });
      }
    });
    const quant: Quantization = {
      scale: q.scale.slice(),
      zeroPoint: q.zeroPoint.map((z) => {
        if (z < -2147483648n || z > 2147483647n) throw badInput(`malformed .tflite: ${label} zero point ${z} is out of range`, { remedy: BAD_REMEDY });
        return Number(z);
      }),
      quantizedDimension: q.quantizedDimension,
      ...(q.min && q.min.length ? { min: q.min.slice() } : {}),
      ...(q.max && q.max.length ? { max: q.max.slice() } : {}),
    };
    out.quant = quant;
  }
  if (t.buffer !== 0) {
    if (t.buffer >= raw.buffers.length) throw badInput(`malformed .tflite: ${label} refers to buffer ${t.buffer}, but the model has ${raw.buffers.length}`, { remedy: BAD_REMEDY });
    const data = raw.buffers[t.buffer].data;
    if (data.length > 0) {
      const expected = numElements(t.shape) * DTYPE_BYTES[dtype];
      if (DTYPE_BYTES[dtype] > 0 && data.length !== expected) {
        throw badInput(`malformed .tflite: ${label} of shape [${t.shape}] ${dtype} needs ${expected} bytes, its buffer holds ${data.length}`, { remedy: BAD_REMEDY });
      }
      out.data = copy(data, label);
    }
  }
  return out;
}

function operatorFromRaw(raw: RawModel, o: RawOperator, i: number, opts: ReadOptions = {}): Operator {
  if (o.opcodeIndex >= raw.operatorCodes.length) {
    throw badInput(`malformed .tflite: operator ${i} uses opcode ${o.opcodeIndex}, but the model has ${raw.operatorCodes.length} operator codes`, { remedy: BAD_REMEDY });
  }
  const oc = raw.operatorCodes[o.opcodeIndex];
  const op = opForCode(oc.code);
  if (!op && opts.tflmOnlyOps && oc.code !== 32 && !builtinName(oc.code).startsWith('BUILTIN_')) {
    return { op: builtinName(oc.code), inputs: o.inputs.slice(), outputs: o.outputs.slice(), version: oc.version, options: {} } as unknown as Operator;
  }
  if (!op) {
    const name = oc.code === 32 ? `CUSTOM op "${oc.customCode ?? ''}"` : `${builtinName(oc.code)} (BUILTIN code ${oc.code})`;
    throw unsupported(`operator ${i} is ${name}, which tinyforge does not support`, { remedy: OP_REMEDY, details: { operator: i, code: oc.code, name: builtinName(oc.code) } });
  }
  const slot = OPTIONS_SLOT[op];
  if (o.optionsType !== 0 && slot !== 0 && o.optionsType !== slot) {
    throw badInput(`malformed .tflite: operator ${i} (${op}) carries ${OPTION_SPECS[o.optionsType]?.table ?? `options slot ${o.optionsType}`}, expected ${OPTION_SPECS[slot].table}`, { remedy: BAD_REMEDY });
  }
  const r: RawOptions = o.options && o.optionsType === slot ? o.options : defaultOptions(slot);
  const base = { inputs: o.inputs.slice(), outputs: o.outputs.slice(), version: oc.version };
  const where = `operator ${i} (${op})`;
  const codec = OPS[op].options;
  return { op, ...base, options: codec ? codec.read(new OptionFields(r, where)) : {} } as Operator;
}

/** File-level facts, comparable with shared/vectors/<model>/meta.json. Works for any valid file, supported ops or not. */
export interface ModelFacts {
  version: number;
  description: string;
  metadataNames: string[];
  signatureDefs: number;
  subgraphs: number;
  tensors: number;
  operators: number;
  buffers: number;
  buffersWithOffset: number;
  operatorCodes: {
    op: string;
    code: number;
    deprecatedBuiltinCode: number;
    builtinCode: number;
    builtinCodeFieldPresent: boolean;
    version: number;
    customCode?: string;
    usedByOperators: boolean;
  }[];
  /** Op names in execution order (subgraph 0). */
  opSequence: string[];
}

export function modelFacts(bytes: Uint8Array): ModelFacts {
  return factsFromRaw(parseTfliteRaw(bytes));
}

export function factsFromRaw(raw: RawModel): ModelFacts {
  const sg = raw.subgraphs[0];
  const used = new Set(raw.subgraphs.flatMap((s) => s.operators.map((o) => o.opcodeIndex)));
  return {
    version: raw.version,
    description: raw.description,
    metadataNames: raw.metadata.map((m) => m.name),
    signatureDefs: raw.signatureDefs,
    subgraphs: raw.subgraphs.length,
    tensors: sg?.tensors.length ?? 0,
    operators: sg?.operators.length ?? 0,
    buffers: raw.buffers.length,
    buffersWithOffset: raw.buffers.filter((b) => b.offset > 1).length,
    operatorCodes: raw.operatorCodes.map((c, i) => ({
      op: builtinName(c.code),
      code: c.code,
      deprecatedBuiltinCode: c.deprecatedBuiltinCode,
      builtinCode: c.builtinCode,
      builtinCodeFieldPresent: c.builtinCodePresent,
      version: c.version,
      ...(c.customCode !== undefined ? { customCode: c.customCode } : {}),
      usedByOperators: used.has(i),
    })),
    opSequence: (sg?.operators ?? []).map((o) => {
      const c = raw.operatorCodes[o.opcodeIndex];
      return c ? builtinName(c.code) : `OPCODE_${o.opcodeIndex}`;
    }),
  };
}

export type { OpName };
