/**
 * TfliteModel | Graph → `.tflite` bytes, as the TFLite converter lays them out for an int8 model:
 * schema version 3; operator_codes with both deprecated_builtin_code (min(code, 127)) and
 * builtin_code; op versions as the converter assigns them (opVersion in src/tflite/ops.ts) unless
 * the operator carries its own; buffer 0 the empty sentinel; every constant
 * tensor's data in its own buffer, 16-byte aligned in the file; a `min_runtime_version` metadata
 * entry (16 bytes, NUL-padded) unless the model already carries one; a description
 * ("tinyforge <version>" by default). Deterministic: the same input gives the same bytes.
 */
import * as flatbuffers from 'flatbuffers';
import { badInput } from '../core/errors.js';
import { DTYPE_BYTES, DTYPE_CODE, numElements, type Graph, type Operator, type OpName, type TfliteModel } from '../core/graph.js';
import { PROVENANCE } from '../core/version.js';
import { Buffer as TflBuffer } from './generated/tflite/buffer.js';
import { Metadata } from './generated/tflite/metadata.js';
import { Model } from './generated/tflite/model.js';
import { OperatorCode } from './generated/tflite/operator-code.js';
import { Operator as TflOperator } from './generated/tflite/operator.js';
import { QuantizationParameters } from './generated/tflite/quantization-parameters.js';
import { SubGraph } from './generated/tflite/sub-graph.js';
import { Tensor as TflTensor } from './generated/tflite/tensor.js';
import { BUILTIN_CODE, minRuntimeVersion, opVersion, OPTIONS_SLOT } from './ops.js';
import { OPS } from '../ops/registry.js';

export interface WriteOptions {
  /** Model description; default: the TfliteModel's own, else "tinyforge <version>". */
  description?: string;
}

/** Schema version written (the only one TFLite and TFLM read). */
export const TFLITE_SCHEMA_VERSION = 3;

const REMEDY = 'This graph came from a bug or a hand edit: every tensor index must exist, constant data must match its shape and dtype, and per-channel quantisation needs one scale and zero point per channel.';

/** Serialise a model (or a bare graph) to .tflite bytes. Throws TinyforgeError('bad-input') for an inconsistent graph. */
export function writeTflite(model: TfliteModel | Graph, opts: WriteOptions = {}): Uint8Array {
  const isModel = 'graph' in model;
  const graph = isModel ? model.graph : model;
  validateGraph(graph);
  const description = opts.description ?? (isModel ? model.description : PROVENANCE);

  // Opcode table: distinct (op, version) in first-use order, as the converter emits it.
  const opcodes: { op: OpName; version: number }[] = [];
  const opcodeIndex = graph.operators.map((o) => {
    const version = o.version ?? opVersion(o, graph);
    let i = opcodes.findIndex((c) => c.op === o.op && c.version === version);
    if (i < 0) i = opcodes.push({ op: o.op, version }) - 1;
    return i;
  });

  const metadata = isModel ? model.metadata.map((m) => ({ name: m.name, data: m.data })) : [];
  if (!metadata.some((m) => m.name === 'min_runtime_version')) {
    const v = new Uint8Array(16);
    v.set(new TextEncoder().encode(minRuntimeVersion(opcodes)));
    metadata.unshift({ name: 'min_runtime_version', data: v });
  }

  const b = new flatbuffers.Builder(4096 + 2 * graph.tensors.reduce((n, t) => n + (t.data?.length ?? 0), 0));

  // Buffers: 0 = empty sentinel, then one per constant tensor (tensor order), then metadata.
  const bufferData: Uint8Array[] = [new Uint8Array(0)];
  const tensorBuffer = graph.tensors.map((t) => (t.data && t.data.length ? bufferData.push(t.data) - 1 : 0));
  const metadataBuffer = metadata.map((m) => bufferData.push(m.data) - 1);
  const bufferOffsets = bufferData.map((d) => {
    let dataOff = 0;
    if (d.length) {
      // The TS generator ignores the schema's force_align: 16, so align the data here: pad so the
      // data's first byte lands on 16 (createByteVector's own 4-byte prep then adds nothing).
      b.prep(16, d.length);
      dataOff = b.createByteVector(d);
    }
    TflBuffer.startBuffer(b);
    if (dataOff) TflBuffer.addData(b, dataOff);
    return TflBuffer.endBuffer(b);
  });

  const tensorOffsets = graph.tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = TflTensor.createShapeVector(b, t.shape);
    const q = t.quant;
    let min = 0, max = 0, scale = 0, zp = 0;
    if (q) {
      if (q.min?.length) min = QuantizationParameters.createMinVector(b, q.min);
      if (q.max?.length) max = QuantizationParameters.createMaxVector(b, q.max);
      scale = QuantizationParameters.createScaleVector(b, q.scale);
      zp = QuantizationParameters.createZeroPointVector(b, q.zeroPoint.map((z) => BigInt(z)));
    }
    // The converter gives every tensor a QuantizationParameters table, empty when unquantised.
    QuantizationParameters.startQuantizationParameters(b);
    if (min) QuantizationParameters.addMin(b, min);
    if (max) QuantizationParameters.addMax(b, max);
    if (scale) QuantizationParameters.addScale(b, scale);
    if (zp) QuantizationParameters.addZeroPoint(b, zp);
    if (q) QuantizationParameters.addQuantizedDimension(b, q.quantizedDimension);
    const quant = QuantizationParameters.endQuantizationParameters(b);
    TflTensor.startTensor(b);
    TflTensor.addShape(b, shape);
    TflTensor.addType(b, DTYPE_CODE[t.dtype]);
    TflTensor.addBuffer(b, tensorBuffer[i]);
    TflTensor.addName(b, name);
    TflTensor.addQuantization(b, quant);
    return TflTensor.endTensor(b);
  });

  const operatorOffsets = graph.operators.map((o, i) => {
    const inputs = TflOperator.createInputsVector(b, o.inputs);
    const outputs = TflOperator.createOutputsVector(b, o.outputs);
    const options = writeOptions(b, o);
    TflOperator.startOperator(b);
    TflOperator.addOpcodeIndex(b, opcodeIndex[i]);
    TflOperator.addInputs(b, inputs);
    TflOperator.addOutputs(b, outputs);
    if (options) {
      TflOperator.addBuiltinOptionsType(b, OPTIONS_SLOT[o.op]);
      TflOperator.addBuiltinOptions(b, options);
    }
    return TflOperator.endOperator(b);
  });

  const sgName = graph.name !== undefined ? b.createString(graph.name) : 0;
  const tensorsVec = SubGraph.createTensorsVector(b, tensorOffsets);
  const sgInputs = SubGraph.createInputsVector(b, graph.inputs);
  const sgOutputs = SubGraph.createOutputsVector(b, graph.outputs);
  const opsVec = SubGraph.createOperatorsVector(b, operatorOffsets);
  SubGraph.startSubGraph(b);
  SubGraph.addTensors(b, tensorsVec);
  SubGraph.addInputs(b, sgInputs);
  SubGraph.addOutputs(b, sgOutputs);
  SubGraph.addOperators(b, opsVec);
  if (sgName) SubGraph.addName(b, sgName);
  const subgraph = SubGraph.endSubGraph(b);

  const opcodeOffsets = opcodes.map(({ op, version }) => {
    const code = BUILTIN_CODE[op];
    OperatorCode.startOperatorCode(b);
    OperatorCode.addDeprecatedBuiltinCode(b, Math.min(code, 127));
    OperatorCode.addVersion(b, version);
    OperatorCode.addBuiltinCode(b, code);
    return OperatorCode.endOperatorCode(b);
  });

  const metadataOffsets = metadata.map((m, i) => {
    const name = b.createString(m.name);
    Metadata.startMetadata(b);
    Metadata.addName(b, name);
    Metadata.addBuffer(b, metadataBuffer[i]);
    return Metadata.endMetadata(b);
  });

  const opcodesVec = Model.createOperatorCodesVector(b, opcodeOffsets);
  const subgraphsVec = Model.createSubgraphsVector(b, [subgraph]);
  const desc = b.createString(description);
  const buffersVec = Model.createBuffersVector(b, bufferOffsets);
  const metadataVec = Model.createMetadataVector(b, metadataOffsets);
  Model.startModel(b);
  Model.addVersion(b, TFLITE_SCHEMA_VERSION);
  Model.addOperatorCodes(b, opcodesVec);
  Model.addSubgraphs(b, subgraphsVec);
  Model.addDescription(b, desc);
  Model.addBuffers(b, buffersVec);
  Model.addMetadata(b, metadataVec);
  Model.finishModelBuffer(b, Model.endModel(b));
  return b.asUint8Array().slice();
}

function writeOptions(b: flatbuffers.Builder, o: Operator): number {
  return OPS[o.op].options?.write(b, o.options) ?? 0;
}

/** Reject graphs the writer would serialise into a file TFLM cannot load. */
export function validateGraph(g: Graph): void {
  const n = g.tensors.length;
  const idx = (x: number, where: string, optional: boolean) => {
    if ((optional && x === -1) || (Number.isInteger(x) && x >= 0 && x < n)) return;
    throw badInput(`cannot write .tflite: ${where} refers to tensor ${x}, but the graph has ${n} tensors`, { remedy: REMEDY });
  };
  g.inputs.forEach((x) => idx(x, 'graph input', false));
  g.outputs.forEach((x) => idx(x, 'graph output', false));
  g.operators.forEach((o, i) => {
    if (!(o.op in BUILTIN_CODE)) throw badInput(`cannot write .tflite: operator ${i} has unknown op ${String(o.op)}`, { remedy: REMEDY });
    o.inputs.forEach((x) => idx(x, `operator ${i} (${o.op}) input`, true));
    o.outputs.forEach((x) => idx(x, `operator ${i} (${o.op}) output`, false));
  });
  g.tensors.forEach((t, i) => {
    const label = `tensor ${i} ("${t.name}")`;
    if (!(t.dtype in DTYPE_CODE)) throw badInput(`cannot write .tflite: ${label} has unknown dtype ${String(t.dtype)}`, { remedy: REMEDY });
    if (!t.shape.every((d) => Number.isInteger(d) && d >= 0 && d <= 0x7fffffff)) throw badInput(`cannot write .tflite: ${label} has invalid shape [${t.shape}]`, { remedy: REMEDY });
    if (t.data && t.data.length && DTYPE_BYTES[t.dtype] > 0 && t.data.length !== numElements(t.shape) * DTYPE_BYTES[t.dtype]) {
      throw badInput(`cannot write .tflite: ${label} of shape [${t.shape}] ${t.dtype} has ${t.data.length} data bytes, expected ${numElements(t.shape) * DTYPE_BYTES[t.dtype]}`, { remedy: REMEDY });
    }
    const q = t.quant;
    if (q) {
      if (q.scale.length === 0 || q.scale.length !== q.zeroPoint.length) throw badInput(`cannot write .tflite: ${label} has ${q.scale.length} scales and ${q.zeroPoint.length} zero points`, { remedy: REMEDY });
      // The reader refuses the same: a float32 scale that is not positive and finite (Math.fround: 1e-50 is 0 in the file).
      if (!q.scale.every((s) => Number.isFinite(Math.fround(s)) && Math.fround(s) > 0)) throw badInput(`cannot write .tflite: ${label} has a scale that is not a positive finite float32 (${q.scale.join(', ')})`, { remedy: REMEDY });
      if (!q.zeroPoint.every((z) => Number.isInteger(z))) throw badInput(`cannot write .tflite: ${label} has a non-integer zero point`, { remedy: REMEDY });
    }
  });
}
