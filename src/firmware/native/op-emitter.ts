/**
 * The generator side of the per-op native emission (NativeEmitter in src/ops/types.ts): the
 * declarations one generated file accumulates (const tensors emitted once, per-op parameter
 * structs and multiplier arrays) and the pointer expressions into the planned arena.
 */
import { cCommentText, cInts } from '../../core/cemit.js';
import { badInput, unsupported } from '../../core/errors.js';
import { numElements, type Graph, type Operator } from '../../core/graph.js';
import type { CType, NativeEmitter, NativeRequant, NativeTarget } from '../../ops/types.js';
import type { QuantizedMultiplier } from '../../ops/quant.js';
import { REMEDY_TFLM } from './lifetimes.js';

/** Shared across the ops of one generated file. */
export interface EmitState {
  graph: Graph;
  target: NativeTarget;
  requant?: NativeRequant;
  decls: string[];
  constEmitted: Map<number, string>;
  /** C expression of each non-constant tensor's data pointer (uint8_t* into the arena). */
  arenaExpr: (t: number) => string;
}

function readInt32s(data: Uint8Array): number[] {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: number[] = [];
  for (let o = 0; o + 4 <= data.byteLength; o += 4) out.push(dv.getInt32(o, true));
  return out;
}

function constArray(s: EmitState, t: number): string {
  const have = s.constEmitted.get(t);
  if (have) return have;
  const tensor = s.graph.tensors[t];
  const data = tensor.data!;
  const name = `tf_const_${t}`;
  let decl: string;
  if (tensor.dtype === 'int8') {
    const v = new Int8Array(data.buffer, data.byteOffset, data.byteLength);
    decl = `static const int8_t ${name}[${Math.max(v.length, 1)}] __attribute__((aligned(16))) = {\n${cInts(v.length ? v : [0], 24)}\n};`;
  } else if (tensor.dtype === 'int32') {
    const v = readInt32s(data);
    decl = `static const int32_t ${name}[${Math.max(v.length, 1)}] __attribute__((aligned(16))) = {\n${cInts(v.length ? v : [0], 12)}\n};`;
  } else {
    throw unsupported(`constant tensor ${t} "${tensor.name}" has dtype ${tensor.dtype}`, { remedy: REMEDY_TFLM });
  }
  s.decls.push(`/* tensor ${t}: ${cCommentText(tensor.name)} [${tensor.shape.join(',')}] */`, decl);
  s.constEmitted.set(t, name);
  return name;
}

const NATIVE_ACTIVATIONS = new Set(['NONE', 'RELU', 'RELU6', 'RELU_N1_TO_1']);

/** The NativeEmitter for operator `i` of `s.graph`; `scratch` is its scratch region's offset (or null). */
export function opEmitter(s: EmitState, op: Operator, i: number, scratchOffset: number | null): NativeEmitter {
  const g = s.graph;
  const need = (cond: boolean, what: string): void => {
    if (!cond) throw unsupported(`operator ${i} (${op.op}): ${what} is not supported by the native engine`, { remedy: REMEDY_TFLM });
  };
  const fused = (op.options as { fusedActivation?: string }).fusedActivation;
  if (fused !== undefined) need(NATIVE_ACTIVATIONS.has(fused), `fused activation ${fused}`);
  const tensorAt = (which: 'in' | 'out', k: number) => {
    const idx = which === 'in' ? op.inputs[k] : op.outputs[k];
    const t = idx === undefined || idx < 0 ? undefined : g.tensors[idx];
    if (!t) throw badInput(`operator ${i} (${op.op}) has no ${which}put ${k}`, { remedy: 'check the model file' });
    return t;
  };
  return {
    graph: g,
    op,
    opIndex: i,
    target: s.target,
    requant: s.requant,
    need,
    int8(which, k) {
      const t = tensorAt(which, k);
      need(t.dtype === 'int8', `dtype ${t.dtype} for tensor "${t.name}"`);
    },
    decl: (text) => void s.decls.push(text),
    constArray: (t) => constArray(s, t),
    input(k: number, ctype: CType) {
      const t = op.inputs[k];
      if (g.tensors[t].data) return constArray(s, t);
      return `(const ${ctype}*)${s.arenaExpr(t)}`;
    },
    output: (ctype: CType) => `(${ctype}*)${s.arenaExpr(op.outputs[0])}`,
    arena: (t) => s.arenaExpr(t),
    bias(channels) {
      const b = op.inputs[2];
      if (b === undefined || b < 0) return 'NULL';
      const t = g.tensors[b];
      need(t.dtype === 'int32' && !!t.data, `bias "${t.name}" of dtype ${t.dtype}${t.data ? '' : ' (not constant)'}`);
      if (numElements(t.shape) !== channels) throw badInput(`operator ${i} (${op.op}): bias has ${numElements(t.shape)} values for ${channels} channels`, { remedy: 'check the model file' });
      return constArray(s, b);
    },
    multipliers(ms: readonly QuantizedMultiplier[]) {
      const mult = `tf_op${i}_multiplier`;
      const shift = `tf_op${i}_shift`;
      s.decls.push(
        `static const int32_t ${mult}[${ms.length}] = {\n${cInts(ms.map((m) => m.multiplier), 8)}\n};`,
        `static const int32_t ${shift}[${ms.length}] = {\n${cInts(ms.map((m) => m.shift), 16)}\n};`,
      );
      return { mult, shift };
    },
    struct(type, fields) {
      const name = `tf_op${i}_params`;
      const body = Object.entries(fields)
        .map(([k, v]) => `    .${k} = ${v},`)
        .join('\n');
      s.decls.push(`static const ${type} ${name} = {\n${body}\n};`);
      return `&${name}`;
    },
    scratch: scratchOffset === null ? null : `(tf_arena + ${scratchOffset})`,
  };
}
