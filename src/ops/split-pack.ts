/**
 * SPLIT, SPLIT_V, UNPACK and PACK (TFLM split.cc, split_v.cc, unpack.cc, pack.cc): raw values
 * moved between one tensor and several along one axis, never requantised. Each is a list of block
 * copies — `blocks` times `length` elements from `src + srcOffset + b·srcStride` to
 * `dst + dstOffset + b·dstStride` — one per output (SPLIT, SPLIT_V, UNPACK) or per input (PACK).
 * SPLIT's and SPLIT_V's pieces come from the output shapes (as TFLM's Eval does); the axis and
 * size_splits must be constant (TFLM requires it).
 */
import type { PackOptions, SplitOptions } from '../core/graph.js';
import { numElements } from '../core/graph.js';
import { constInt32, dataKind, dtypeAt, fail, input, moveKind, moveView, notSupported, output, sameKind } from './common.js';
import type { NativeEmitter, OpContext, OpDef } from './types.js';

/** One block copy between the single tensor and piece `tensor`. */
export interface BlockCopy {
  tensor: number;
  blocks: number;
  length: number;
  srcStride: number;
  srcOffset: number;
  dstStride: number;
  dstOffset: number;
}

export interface SplitPackPrepared {
  kind: 'int8' | 'float32' | 'int32';
  /** SPLIT/SPLIT_V/UNPACK: the input; PACK: the output. */
  whole: number;
  /** true: pieces are outputs (copy from `whole`); false (PACK): pieces are inputs (copy into `whole`). */
  splitting: boolean;
  copies: BlockCopy[];
}

function axisOf(ctx: OpContext, t: { t: { data?: Uint8Array; dtype: string; name: string } }, rank: number): number {
  const v = constInt32(t.t as never);
  if (!v || t.t.dtype !== 'int32' || v.length !== 1) notSupported(ctx, `axis tensor "${t.t.name}" must be a constant int32 scalar (TFLM requires it)`);
  const a = v[0] < 0 ? v[0] + rank : v[0];
  if (a < 0 || a >= rank) fail(ctx, `axis ${v[0]} is outside the input's ${rank} dimensions`);
  return a;
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function prepare(ctx: OpContext): SplitPackPrepared {
  const op = ctx.op.op;
  if (op === 'PACK') {
    const o = ctx.op.options as PackOptions;
    const y = output(ctx);
    const n = ctx.op.inputs.length;
    const first = input(ctx, 0);
    const kind = moveKind(ctx, first.t, 'input 0');
    sameKind(ctx, first.t, y.t);
    const rank = first.t.shape.length;
    const axis = o.axis < 0 ? o.axis + rank + 1 : o.axis;
    if (axis < 0 || axis > rank) fail(ctx, `axis ${o.axis} is outside the output's ${rank + 1} dimensions`);
    if (o.valuesCount && o.valuesCount !== n) fail(ctx, `values_count ${o.valuesCount} but ${n} inputs`);
    const want = [...first.t.shape.slice(0, axis), n, ...first.t.shape.slice(axis)];
    if (y.t.shape.length !== want.length || y.t.shape.some((d, i) => d !== want[i])) fail(ctx, `output shape [${y.t.shape}] should be [${want}]`);
    const outer = prod(first.t.shape.slice(0, axis));
    const inner = prod(first.t.shape.slice(axis));
    const copies = Array.from({ length: n }, (_, k) => {
      const x = input(ctx, k);
      sameKind(ctx, x.t, y.t);
      if (x.t.shape.length !== rank || x.t.shape.some((d, i) => d !== first.t.shape[i])) fail(ctx, `input ${k} has shape [${x.t.shape}], input 0 [${first.t.shape}]`);
      return { tensor: x.index, blocks: outer, length: inner, srcStride: inner, srcOffset: 0, dstStride: n * inner, dstOffset: k * inner };
    });
    return { kind, whole: y.index, splitting: false, copies };
  }
  const x = op === 'SPLIT' ? input(ctx, 1) : input(ctx, 0);
  const kind = dataKind(ctx, x.t, 'input');
  const rank = x.t.shape.length;
  let axis: number;
  if (op === 'SPLIT') axis = axisOf(ctx, input(ctx, 0), rank);
  else if (op === 'SPLIT_V') axis = axisOf(ctx, input(ctx, 2), rank);
  else {
    const a = (ctx.op.options as PackOptions).axis;
    axis = a < 0 ? a + rank : a;
    if (axis < 0 || axis >= rank) fail(ctx, `axis ${a} is outside the input's ${rank} dimensions`);
  }
  const outer = prod(x.t.shape.slice(0, axis));
  const inner = prod(x.t.shape.slice(axis + 1));
  const size = x.t.shape[axis];
  const outs = ctx.op.outputs.map((_, k) => output(ctx, k));
  if (op === 'SPLIT' && (ctx.op.options as SplitOptions).numSplits !== outs.length) fail(ctx, `num_splits ${(ctx.op.options as SplitOptions).numSplits} but ${outs.length} outputs`);
  if (op === 'UNPACK' && outs.length !== size) fail(ctx, `${outs.length} outputs for an axis of ${size}`);
  let start = 0;
  const copies = outs.map((y, k) => {
    sameKind(ctx, x.t, y.t);
    const piece = op === 'UNPACK' ? 1 : y.t.shape[axis];
    const want = op === 'UNPACK' ? [...x.t.shape.slice(0, axis), ...x.t.shape.slice(axis + 1)] : x.t.shape.map((d, i) => (i === axis ? piece : d));
    if (y.t.shape.length !== want.length || y.t.shape.some((d, i) => d !== want[i])) fail(ctx, `output ${k} has shape [${y.t.shape}], expected [${want}]`);
    if (op === 'SPLIT' && piece * outs.length !== size) fail(ctx, `${outs.length} equal pieces of ${piece} do not make the axis of ${size}`);
    const c = { tensor: y.index, blocks: outer, length: piece * inner, srcStride: size * inner, srcOffset: start * inner, dstStride: piece * inner, dstOffset: 0 };
    start += piece;
    return c;
  });
  if (start !== size) fail(ctx, `the outputs' pieces add up to ${start}, the axis has ${size}`);
  if (op === 'SPLIT_V') {
    const sizes = constInt32(input(ctx, 1).t);
    if (!sizes) notSupported(ctx, 'size_splits must be constant (TFLM requires it)');
    if (sizes.length !== outs.length || copies.some((c, k) => sizes[k] !== -1 && sizes[k] * inner !== c.length)) fail(ctx, `size_splits [${sizes}] do not match the outputs`);
  }
  if (numElements(x.t.shape) !== outer * size * inner) fail(ctx, 'inconsistent shapes');
  return { kind, whole: x.index, splitting: true, copies };
}

function def(op: 'SPLIT' | 'SPLIT_V' | 'PACK' | 'UNPACK'): OpDef<SplitPackPrepared> {
  const facts = {
    SPLIT: { code: 49, slot: 35, table: 'SplitOptions', runtime: { 1: '1.5.0', 2: '1.14.0' }, resolver: 'AddSplit' },
    SPLIT_V: { code: 102, slot: 79, table: 'SplitVOptions', runtime: { 1: '1.13.1', 2: '2.3.0' }, resolver: 'AddSplitV' },
    PACK: { code: 83, slot: 59, table: 'PackOptions', runtime: { 1: '1.11.0', 2: '1.14.0' }, resolver: 'AddPack' },
    UNPACK: { code: 88, slot: 64, table: 'UnpackOptions', runtime: { 1: '1.11.0', 2: '1.14.0' }, resolver: 'AddUnpack' },
  }[op];
  // SplitOptions / SplitVOptions { num_splits }, PackOptions { values_count, axis }, UnpackOptions { num, axis } (schema.fbs).
  const fields: [string, 'i32', number][] = op === 'PACK' ? [['values_count', 'i32', 0], ['axis', 'i32', 0]] : op === 'UNPACK' ? [['num', 'i32', 0], ['axis', 'i32', 0]] : [['num_splits', 'i32', 0]];
  return {
    op,
    builtinCode: facts.code,
    optionsSlot: facts.slot,
    version: (o, g) => (dtypeAt(g, o.inputs[op === 'SPLIT' ? 1 : 0]) === 'int8' ? 2 : 1),
    minRuntime: facts.runtime,
    tflm: { resolver: facts.resolver, cmsisNn: [] },
    options: {
      table: facts.table,
      fields,
      read: (f) => (op === 'PACK' ? { valuesCount: f.num('values_count'), axis: f.num('axis') } : op === 'UNPACK' ? { valuesCount: f.num('num'), axis: f.num('axis') } : { numSplits: f.num('num_splits') }),
      write(b, o) {
        const v = o as Partial<PackOptions & SplitOptions>;
        b.startObject(fields.length);
        if (fields.length === 1) b.addFieldInt32(0, v.numSplits ?? 0, 0);
        else {
          b.addFieldInt32(0, v.valuesCount ?? 0, 0);
          b.addFieldInt32(1, v.axis ?? 0, 0);
        }
        return b.endObject();
      },
    },
    prepare,
    host(p, _ctx, stores) {
      const W = stores[p.whole];
      const pieces = p.copies.map((c) => ({ c, S: stores[c.tensor] }));
      const view = (s: (typeof stores)[number]) => moveView(p.kind, s);
      return () => {
        for (const { c, S } of pieces) {
          const [src, dst] = p.splitting ? [view(W), view(S)] : [view(S), view(W)];
          for (let b = 0; b < c.blocks; b++) {
            const so = c.srcOffset + b * c.srcStride;
            const d0 = c.dstOffset + b * c.dstStride;
            for (let i = 0; i < c.length; i++) dst[d0 + i] = src[so + i];
          }
        }
      };
    },
    native: {
      kernels: ['tf_k_copy_blocks_s8'],
      sources: ['tf_k_shape.c'],
      emit(p, e: NativeEmitter) {
        if (p.splitting) {
          e.int8('in', op === 'SPLIT' ? 1 : 0);
          p.copies.forEach((_, k) => e.int8('out', k));
        } else {
          p.copies.forEach((_, k) => e.int8('in', k));
          e.int8('out', 0);
        }
        const whole = p.splitting ? e.input(op === 'SPLIT' ? 1 : 0, 'int8_t') : `(int8_t*)${e.arena(p.whole)}`;
        const calls = p.copies.map((c, k) => {
          const name = `tf_op${e.opIndex}_copy${k}`;
          e.decl(`static const tf_copy_blocks_params_t ${name} = {.blocks = ${c.blocks}, .length = ${c.length}, .src_stride = ${c.srcStride}, .src_offset = ${c.srcOffset}, .dst_stride = ${c.dstStride}, .dst_offset = ${c.dstOffset}};`);
          const params = `&${name}`;
          const piece = p.splitting ? `(int8_t*)${e.arena(c.tensor)}` : e.input(k, 'int8_t');
          return p.splitting ? `tf_k_copy_blocks_s8(${params}, ${whole}, ${piece})` : `tf_k_copy_blocks_s8(${params}, ${piece}, ${whole})`;
        });
        return { kernel: 'tf_k_copy_blocks_s8', call: calls.length === 1 ? calls[0] : `(${calls.join(' | ')})` };
      },
    },
  };
}

export const SPLIT = def('SPLIT');
export const SPLIT_V = def('SPLIT_V');
export const PACK = def('PACK');
export const UNPACK = def('UNPACK');
