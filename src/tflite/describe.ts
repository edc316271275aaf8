/**
 * A plain description of a model for `tinyforge inspect` and reports: operators in execution order
 * with their options, every tensor with shape, dtype, quantisation and size, the weight and
 * activation byte totals, and the exact TFLM op-resolver lines the model needs.
 */
import { createHash } from 'node:crypto';
import { cFloat } from '../core/cemit.js';
import { DTYPE_BYTES, numElements, type DType, type Graph, type OpName, type TfliteModel } from '../core/graph.js';
import { TFLM_RESOLVER_METHOD } from './ops.js';

export interface TensorDescription {
  index: number;
  name: string;
  dtype: DType;
  shape: number[];
  /** Bytes of the tensor's values (elements × dtype size). */
  bytes: number;
  /** True when the tensor holds constant data (weights, biases, shapes). */
  constant: boolean;
  quant?: { scale: number[]; zeroPoint: number[]; quantizedDimension: number; perChannel: boolean };
}

export interface OperatorDescription {
  index: number;
  op: OpName;
  version?: number;
  inputs: number[];
  outputs: number[];
  options: Record<string, unknown>;
}

export interface TfliteDescription {
  description: string;
  schemaVersion: number;
  /** File size and SHA-256 (hex) when the bytes were given. */
  fileBytes?: number;
  sha256?: string;
  metadata: { name: string; bytes: number; text?: string }[];
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  operators: OperatorDescription[];
  opCounts: Record<string, number>;
  tensors: TensorDescription[];
  /** Sum of constant tensor data (what goes to flash). */
  weightsBytes: number;
  /** Sum of all non-constant tensors, and the largest one (TFLM's planner needs at most the sum). */
  activationBytes: number;
  largestActivationBytes: number;
  resolver: { count: number; lines: string[] };
}

/** The exact TFLM MicroMutableOpResolver lines for a graph: distinct ops sorted by name. */
export function opResolverLines(graph: Graph): { count: number; lines: string[] } {
  const ops = [...new Set(graph.operators.map((o) => o.op))].sort();
  return {
    count: ops.length,
    lines: [`tflite::MicroMutableOpResolver<${ops.length}> resolver;`, ...ops.map((op) => `resolver.${TFLM_RESOLVER_METHOD[op]}();`)],
  };
}

export function describeTflite(model: TfliteModel, bytes?: Uint8Array): TfliteDescription {
  const g = model.graph;
  const tensors = g.tensors.map((t, index): TensorDescription => ({
    index,
    name: t.name,
    dtype: t.dtype,
    shape: t.shape.slice(),
    bytes: numElements(t.shape) * DTYPE_BYTES[t.dtype],
    constant: Boolean(t.data && t.data.length),
    ...(t.quant
      ? { quant: { scale: t.quant.scale.slice(), zeroPoint: t.quant.zeroPoint.slice(), quantizedDimension: t.quant.quantizedDimension, perChannel: t.quant.scale.length > 1 } }
      : {}),
  }));
  const opCounts: Record<string, number> = {};
  for (const o of g.operators) opCounts[o.op] = (opCounts[o.op] ?? 0) + 1;
  const acts = tensors.filter((t) => !t.constant);
  return {
    description: model.description,
    schemaVersion: model.version,
    ...(bytes ? { fileBytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') } : {}),
    metadata: model.metadata.map((m) => {
      const text = printable(m.data);
      return { name: m.name, bytes: m.data.length, ...(text !== undefined ? { text } : {}) };
    }),
    inputs: g.inputs.map((i) => tensors[i]),
    outputs: g.outputs.map((i) => tensors[i]),
    operators: g.operators.map((o, index) => ({
      index,
      op: o.op,
      ...(o.version !== undefined ? { version: o.version } : {}),
      inputs: o.inputs.slice(),
      outputs: o.outputs.slice(),
      options: { ...o.options },
    })),
    opCounts,
    tensors,
    weightsBytes: tensors.reduce((n, t) => n + (t.constant ? g.tensors[t.index].data!.length : 0), 0),
    activationBytes: acts.reduce((n, t) => n + t.bytes, 0),
    largestActivationBytes: acts.reduce((n, t) => Math.max(n, t.bytes), 0),
    resolver: opResolverLines(g),
  };
}

/** Metadata shown as text when it is a NUL-padded printable string (e.g. min_runtime_version). */
function printable(data: Uint8Array): string | undefined {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  if (end === 0) return undefined;
  for (let i = 0; i < end; i++) if (data[i] < 0x20 || data[i] > 0x7e) return undefined;
  return String.fromCharCode(...data.subarray(0, end));
}

const fmtShape = (s: number[]) => `[${s.join(',')}]`;
// Shortest text that reads back as the same float32 (what the file stores).
const f32 = (x: number) => cFloat(x).replace(/f$/, '');
const fmtQuant = (t: TensorDescription) =>
  !t.quant
    ? ''
    : t.quant.perChannel
      ? ` per-channel(axis ${t.quant.quantizedDimension}, ${t.quant.scale.length} scales)`
      : ` scale=${f32(t.quant.scale[0])} zp=${t.quant.zeroPoint[0]}`;

/** Human-readable text for `tinyforge inspect`. */
export function formatDescription(d: TfliteDescription): string {
  const lines: string[] = [];
  lines.push(`description: ${d.description}   schema v${d.schemaVersion}${d.fileBytes !== undefined ? `   ${d.fileBytes} bytes   sha256 ${d.sha256}` : ''}`);
  if (d.metadata.length) lines.push(`metadata: ${d.metadata.map((m) => (m.text !== undefined ? `${m.name}="${m.text}"` : `${m.name} (${m.bytes} bytes)`)).join(', ')}`);
  for (const [label, list] of [['input', d.inputs], ['output', d.outputs]] as const) {
    for (const t of list) lines.push(`${label}: #${t.index} "${t.name}" ${t.dtype} ${fmtShape(t.shape)}${fmtQuant(t)}`);
  }
  lines.push('', `operators (${d.operators.length}):`);
  for (const o of d.operators) {
    const opts = Object.entries(o.options).map(([k, v]) => `${k}=${Array.isArray(v) ? fmtShape(v as number[]) : String(v)}`).join(' ');
    lines.push(`  ${String(o.index).padStart(3)} ${o.op}${o.version !== undefined ? ` v${o.version}` : ''}  in ${fmtShape(o.inputs)} out ${fmtShape(o.outputs)}${opts ? `  ${opts}` : ''}`);
  }
  lines.push('', `tensors (${d.tensors.length}):`);
  for (const t of d.tensors) lines.push(`  ${String(t.index).padStart(3)} ${t.constant ? 'const' : 'act  '} ${t.dtype.padEnd(5)} ${fmtShape(t.shape).padEnd(16)} ${String(t.bytes).padStart(8)} B${fmtQuant(t)}  ${t.name}`);
  lines.push('', `weights: ${d.weightsBytes} bytes   activations: ${d.activationBytes} bytes total, largest ${d.largestActivationBytes}`);
  lines.push('', 'TFLM op resolver:', ...d.resolver.lines.map((l) => `  ${l}`));
  return lines.join('\n');
}
