/**
 * The native engine generator: turns an int8 TfliteModel into `tf_model_native.c`, a
 * straight-line implementation of firmware/core/tf_engine.h over the portable kernels in
 * firmware/native/ (tf_kernels.h). No interpreter, no runtime allocation:
 *
 * - every operator is prepared by its op module (src/ops/), the same Prepare the host interpreter
 *   runs, so both accept and refuse the same models and derive the same integer parameters;
 * - the op schedule is a sequence of kernel calls in graph order, each emitted by its op module
 *   (parameter struct, multipliers, weights as `static const` arrays, the call);
 * - activations (and op scratch) live in one `static uint8_t tf_arena[N]` at offsets planned
 *   offline from lifetimes (lifetimes.ts, arena.ts); the file is put together by assemble.ts.
 *
 * Pure: model in, files out. Unsupported ops/dtypes throw TinyforgeError('unsupported').
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GeneratedFile } from '../../core/cemit.js';
import { badInput, unsupported } from '../../core/errors.js';
import type { TfliteModel } from '../../core/graph.js';
import { findOp, NATIVE_OPS, OPS } from '../../ops/registry.js';
import { checkGraph } from '../../interp/check.js';
import type { AnyOpDef, NativeOp, NativeRequant, NativeTarget } from '../../ops/types.js';
import { assembleNativeFile } from './assemble.js';
import { layoutArena, REMEDY_TFLM, tensorBytes } from './lifetimes.js';
import { opEmitter, type EmitState } from './op-emitter.js';
import { fusePads } from './fuse-pad.js';
import { fuseMaxPools } from './fuse-pool.js';
import { DSP_FILES, DSP_HEADER, DSP_OPS, type WeightPacking } from './dsp/emit.js';

export interface NativeEngineOptions {
  /** SHA-256 of the .tflite the model came from, 64 hex digits. */
  modelSha256: string;
  /** Kernel family to generate for (default 'portable'; 'dsp' lets ops pick DSP-extension kernels). */
  target?: NativeTarget;
  /**
   * DSP targets: how weighted layers store their weights. 'auto' (default): the fastest packing
   * whose constant data stays within `constBudget` (without one: every layer pre-widened int16).
   * From every layer on int8 (unpacked in the loop with SXTB16, half the bytes), layers are widened
   * to int16 greedily by multiply-accumulates per extra byte — the instructions widening saves are
   * proportional to the MACs (the unpacking runs once per MAC group), the cost is the extra bytes —
   * skipping a layer whose widening would pass the budget. 'int8' / 'int16': every layer that can.
   */
  weights?: 'auto' | WeightPacking;
  /** Bytes the generated constant data may take on the board (its flash minus the rest of the image); 'auto' only. */
  constBudget?: number;
  /** Quantisation values folded into layer code (default) or kept opaque so code size depends on the architecture only (NativeRequant). */
  requant?: NativeRequant;
}

export interface NativeEngineResult {
  files: GeneratedFile[];
  /** Bytes of the statically planned activation arena (op scratch included). */
  arenaBytes: number;
  /**
   * One entry per graph operator, in execution order: the op, the kernel that runs it, its scratch
   * bytes and, for DSP layers with packed weights, the packing chosen and its bytes.
   */
  schedule: { op: string; kernel: string; scratchBytes?: number; weights?: WeightPacking; weightBytes?: number; weightSizes?: { int8: number | null; int16: number } }[];
  /** Bytes of the generated file's static const arrays (weights, biases, multipliers, lookup data). */
  constBytes: number;
}

/** Bytes of the `static const T name[N]` arrays among generated declarations. */
function constArrayBytes(decls: readonly string[]): number {
  const size: Record<string, number> = { int8_t: 1, uint8_t: 1, int16_t: 2, int32_t: 4, float: 4 };
  let n = 0;
  for (const d of decls) for (const m of d.matchAll(/static const (int8_t|uint8_t|int16_t|int32_t|float) \w+\[(\d+)\]/g)) n += size[m[1]] * Number(m[2]);
  return n;
}

/** Name of the generated source file (relative to the firmware project's source folder). */
export const NATIVE_MODEL_FILE = 'tf_model_native.c';

const NATIVE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'firmware', 'native');

/** The native op module of a registry entry ('tflm-only' entries have none). */
function nativeOf(def: AnyOpDef): NativeOp<unknown> | null {
  return def.native === 'tflm-only' ? null : def.native;
}

/**
 * The static (hand-written) files of the native engine to copy next to the generated
 * tf_model_native.c: absolute paths of the kernel headers and of every kernel source a registry
 * op names. The generated file also includes firmware/core/tf_engine.h.
 */
export function nativeKernelFiles(opts: { target?: NativeTarget } = {}): string[] {
  const sources = new Set<string>();
  for (const n of NATIVE_OPS) for (const f of nativeOf(OPS[n])!.sources) sources.add(f);
  const dsp = opts.target === 'dsp' ? DSP_FILES : [];
  return ['tf_fixedpoint.h', 'tf_kernels.h', ...[...sources].sort(), ...dsp].map((f) => join(NATIVE_DIR, f));
}

export function emitNativeEngine(model: TfliteModel, opts: NativeEngineOptions): NativeEngineResult {
  const sha = opts.modelSha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha)) {
    throw badInput(`model SHA-256 "${opts.modelSha256}" is not 64 hex digits`, { remedy: 'pass the hex SHA-256 of the .tflite file' });
  }
  const target = opts.target ?? 'portable';
  const g = model.graph;
  if (g.inputs.length !== 1 || g.outputs.length < 1) {
    throw unsupported(`the native engine needs exactly one graph input and at least one output (this model has ${g.inputs.length} and ${g.outputs.length})`, {
      remedy: 'export a single-input model',
    });
  }
  for (const t of [...g.inputs, ...g.outputs]) {
    if (g.tensors[t]?.data) throw badInput(`graph input/output tensor ${t} is a constant`, { remedy: 'check the model file' });
  }

  // Prepare every operator once (the interpreter's Prepare), then plan the arena with each op's
  // aliasing and scratch, then emit.
  // A builtin op tinyforge does not implement (kept by name for the TFLM engine) gets the TFLM remedy.
  g.operators.forEach((op, i) => {
    if (!findOp(op.op)) throw unsupported(`operator ${i}: ${op.op} is not supported by the native engine`, { remedy: REMEDY_TFLM, details: { operator: i, op: op.op } });
  });
  // checkGraph is the interpreter's whole-model check (validation, execution order, every Prepare);
  // it folds shape-only operators (SHAPE and the int32 arithmetic on it) into constants: `cg` is
  // the graph without them, `checked.original` maps its operators to the file's numbering.
  const checked = checkGraph(g);
  const cg = checked.graph;
  const fileIndex = (c: number) => checked.original[c];
  cg.operators.forEach((op, c) => {
    if (!nativeOf(checked.ops[c]!.def)) throw unsupported(`operator ${fileIndex(c)}: ${op.op} is not supported by the native engine`, { remedy: REMEDY_TFLM });
  });
  // Exact PAD → convolution fusions (fuse-pad.ts), then convolution → MAX_POOL_2D on DSP targets
  // (fuse-pool.ts): the emitted graph `fg` lacks the fused PADs and pools.
  const padFusion = fusePads(cg, checked.ops.map((o) => o!.prepared));
  const poolFusion = fuseMaxPools(padFusion.graph, padFusion.prepared, target);
  const fg = poolFusion.graph;
  const original = poolFusion.original.map((k) => padFusion.original[k]);
  const fusedPools = [...poolFusion.fused].map(([pool, conv]) => [padFusion.original[pool], padFusion.original[conv]]);
  const prepared = fg.operators.map((op, k) => {
    const c = original[k];
    const i = fileIndex(c);
    const native = nativeOf(checked.ops[c]!.def)!;
    const p = poolFusion.prepared[k];
    const ctx = { graph: fg, op, opIndex: i };
    // DSP targets ask the DSP registry first (it depends on the op modules, never the reverse).
    const dsp = target === 'dsp' ? DSP_OPS[op.op] : undefined;
    const scratchOf = dsp?.scratchBytes ?? native.scratchBytes;
    const weights = dsp?.weights?.(p, { ...ctx, target }) ?? null;
    return { i, native, dsp, p, weights, scratch: scratchOf?.(p, { ...ctx, target }) ?? 0, alias: native.alias?.(p, fg) ?? null };
  });
  const layout = layoutArena({ graph: fg, aliases: prepared.map((x) => x.alias), scratch: prepared.map((x) => x.scratch) });

  const emitAll = (packing: WeightPacking[]) => {
    const state: EmitState = { graph: fg, target, requant: opts.requant, decls: [], constEmitted: new Map(), arenaExpr: (t) => `(tf_arena + ${layout.offsetOf(t)})` };
    const calls: string[] = [];
    const scheduled = new Map<number, NativeEngineResult['schedule'][number]>();
    fg.operators.forEach((op, k) => {
      const { i, native, dsp, p, scratch, weights } = prepared[k];
      const e = opEmitter(state, op, i, layout.scratchOffset(k));
      const dspCall = dsp?.emit(p, e, packing[k]) ?? null;
      const { call, kernel } = dspCall ?? native.emit(p, e);
      calls.push(`  /* ${i}: ${op.op} */`);
      if (call) calls.push(`  if (${call} != 0) return -3;`);
      const w = dspCall && weights ? { weights: packing[k], weightBytes: packing[k] === 'int8' ? weights.int8! : weights.int16, weightSizes: { int8: weights.int8, int16: weights.int16 } } : {};
      scheduled.set(i, { op: op.op, kernel, ...(scratch > 0 ? { scratchBytes: scratch } : {}), ...w });
    });
    for (const [padC, convC] of padFusion.fused) {
      const [pad, conv] = [fileIndex(padC), fileIndex(convC)];
      calls.splice(calls.indexOf(`  /* ${conv}: ${g.operators[conv].op} */`), 0, `  /* ${pad}: ${g.operators[pad].op}, fused into operator ${conv}'s padding */`);
      scheduled.set(pad, { op: g.operators[pad].op, kernel: 'fused' });
    }
    for (const [poolC, convC] of fusedPools) {
      const [pool, conv] = [fileIndex(poolC), fileIndex(convC)];
      // After the convolution's call line.
      calls.splice(calls.indexOf(`  /* ${conv}: ${g.operators[conv].op} */`) + 2, 0, `  /* ${pool}: MAX_POOL_2D, fused into operator ${conv} (the max of its outputs per window) */`);
      scheduled.set(pool, { op: g.operators[pool].op, kernel: 'fused' });
    }
    for (const f of checked.folded) scheduled.set(f, { op: g.operators[f].op, kernel: 'folded' });
    const schedule = g.operators.map((_, i) => scheduled.get(i)!);
    return { decls: state.decls, calls, schedule, constBytes: constArrayBytes(state.decls) };
  };
  const mode = opts.weights ?? 'auto';
  const budget = mode === 'auto' ? opts.constBudget : undefined;
  const int8able = (x: (typeof prepared)[number]) => x.weights?.int8 != null;
  const packing: WeightPacking[] = prepared.map((x) => ((mode === 'int8' || budget !== undefined) && int8able(x) ? 'int8' : 'int16'));
  let out = emitAll(packing);
  if (budget !== undefined) {
    // Most MACs per extra byte first (convolutions reuse each weight at every output pixel; an FC
    // layer uses it once per batch); a layer that does not fit is skipped, smaller ones may still.
    const order = prepared
      .map((x, i) => ({ i, w: x.weights }))
      .filter((x): x is { i: number; w: NonNullable<typeof x.w> & { int8: number } } => x.w !== null && x.w.int8 !== null && x.w.int16 > x.w.int8)
      .sort((a, b) => b.w.macs / (b.w.int16 - b.w.int8) - a.w.macs / (a.w.int16 - a.w.int8) || a.i - b.i);
    let bytes = out.constBytes;
    for (const { i, w } of order) {
      if (bytes + (w.int16 - w.int8) > budget) continue;
      packing[i] = 'int16';
      bytes += w.int16 - w.int8;
    }
    if (order.some(({ i }) => packing[i] === 'int16')) out = emitAll(packing);
  }
  const { decls, calls, schedule, constBytes } = out;

  const inT = g.inputs[0];
  const file = assembleNativeFile({
    path: NATIVE_MODEL_FILE,
    sha256: sha,
    operatorCount: g.operators.length,
    arenaUsed: layout.bytes,
    arenaBytes: Math.max(layout.bytes, 16),
    input: { offset: layout.offsetOf(inT), bytes: tensorBytes(g.tensors[inT], inT) },
    outputs: g.outputs.map((t) => ({ offset: layout.offsetOf(t), bytes: tensorBytes(g.tensors[t], t) })),
    decls,
    calls,
    opNames: [...new Set(g.operators.map((o) => o.op))],
    // The DSP kernels' header only where an op took one (otherwise a dsp build is the portable file).
    includes: schedule.some((s) => s.kernel.startsWith('tf_dsp_')) ? [DSP_HEADER] : [],
  });
  return { files: [file], arenaBytes: layout.bytes, schedule, constBytes };
}
