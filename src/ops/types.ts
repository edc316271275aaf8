/**
 * The op registry's contracts (TFLM's pattern in TypeScript). One module per op (or per family of
 * ops that share all their code, e.g. AVERAGE_POOL_2D/MAX_POOL_2D) exports one OpDef per op name:
 *
 * - `prepare`: validates the operator once against its graph (shapes, dtypes, quantisation) and
 *   computes every derived integer parameter TFLM's Prepare() computes (multipliers, shifts,
 *   padding, clamps, softmax/logistic parameters). Pure: graph in, plain data out. Both the host
 *   interpreter and the native C generator run exactly this, so both accept and refuse the same models.
 * - `host`: the interpreter's kernel over the prepared parameters (allocation-free closure).
 * - `native`: the native engine's emitter — the C parameter struct serialised from the same
 *   prepared parameters and the kernel call — or 'tflm-only' when only the TFLM engine runs it.
 * - the reader's and writer's facts (builtin code, options slot and codec, op version, min runtime
 *   version) and the TFLM engine's (resolver method, the CMSIS-NN entry points its optimised
 *   kernel calls).
 */
import type { Graph, Operator, OpName } from '../core/graph.js';
import type { Builder, OptionFields } from '../tflite/options.js';
import type { FieldSpec } from '../tflite/fields.js';
import type { TensorStore } from '../interp/common.js';
import type { QuantizedMultiplier } from './quant.js';

/** What an op's Prepare sees: the graph and the operator being prepared. */
export interface OpContext {
  graph: Graph;
  op: Operator;
  opIndex: number;
}

/** A compiled host operator: runs on the interpreter's stores, allocation-free. */
export type Kernel = () => void;

/** C element type of a kernel pointer argument. */
export type CType = 'int8_t' | 'float';

/**
 * Which kernel family the generated code targets. 'portable' = the C kernels in firmware/native/
 * (every target, the reference); 'dsp' = a target with the Armv7E-M DSP extension, where an op may
 * pick an optimised kernel symbol, pack its weights differently and ask for scratch memory.
 */
export type NativeTarget = 'portable' | 'dsp';

/**
 * How layer code treats the quantisation values (weights, biases, multipliers, shifts, zero
 * points). 'specialised' (default): per-layer kernels see them as constants and the compiler folds
 * them (e.g. a layer whose shifts are all ≤ 0 loses the left-shift path), so the image's code size
 * depends on the trained values. 'uniform': they stay data the compiler cannot see through and
 * every layer keeps the general requantisation path, so the image's flash is a function of the
 * architecture alone (what `tinyforge tune` predicts before training), for a few instructions more.
 */
export type NativeRequant = 'specialised' | 'uniform';

/** What a native op emitter gets from the generator (src/firmware/native/op-emitter.ts implements it). */
export interface NativeEmitter {
  readonly graph: Graph;
  readonly op: Operator;
  readonly opIndex: number;
  readonly target: NativeTarget;
  /** Quantisation values folded into layer code or kept opaque (default 'specialised'). */
  readonly requant?: NativeRequant;
  /** Throws 'unsupported' (remedy: the TFLM engine) unless `cond`; `what` names the unsupported feature. */
  need(cond: boolean, what: string): void;
  /** Requires an int8 tensor at operator input `k` (or output `k` with which = 'out'). */
  int8(which: 'in' | 'out', k: number): void;
  /** Appends a file-scope declaration (const data, a parameter struct) to the generated source. */
  decl(text: string): void;
  /** The C name of a constant tensor's `static const` array, emitted on first use. */
  constArray(tensor: number): string;
  /** Pointer expression for operator input `k`: its arena region, or its const array. */
  input(k: number, ctype: CType): string;
  /** Pointer expression for operator output 0 in the arena. */
  output(ctype: CType): string;
  /** Arena pointer expression (uint8_t*) of a non-constant tensor. */
  arena(tensor: number): string;
  /** The bias array (const int32) at operator input 2 checked for `channels` values, or "NULL". */
  bias(channels: number): string;
  /** `static const int32_t tf_op<i>_multiplier[] / _shift[]`; returns their names. */
  multipliers(ms: readonly QuantizedMultiplier[]): { mult: string; shift: string };
  /** `static const <type> tf_op<i>_params = {…}`; returns `&tf_op<i>_params`. */
  struct(type: string, fields: Record<string, string | number>): string;
  /** uint8_t* into the arena, valid only during this op: the scratch the op asked for (null when none). */
  readonly scratch: string | null;
}

/** One emitted operator: the kernel symbol it calls and the C call (returning int, 0 = ok), or null for none (an alias). */
export interface NativeCall {
  kernel: string;
  call: string | null;
}

export interface NativeOp<P> {
  /** Every portable C kernel symbol (declared in firmware/native/tf_kernels.h) this op may call. */
  readonly kernels: readonly string[];
  /** The firmware/native/ source files defining them. */
  readonly sources: readonly string[];
  /**
   * Arena aliasing: the output tensor that may share its input's region (exact only when the op is
   * a pure copy, e.g. RESHAPE, or an in-place elementwise kernel). Default: none.
   */
  alias?(p: P, graph: Graph): { output: number; input: number } | null;
  /** Scratch bytes the arena planner reserves for this op's step only (default 0), e.g. a DSP kernel's im2col buffer. */
  scratchBytes?(p: P, e: Pick<NativeEmitter, 'graph' | 'op' | 'opIndex' | 'target'>): number;
  /** Native-only checks, then the parameter struct, any extra const data, and the call. */
  emit(p: P, e: NativeEmitter): NativeCall;
}

export interface TflmFacts {
  /** MicroMutableOpResolver registration method (micro_mutable_op_resolver.h). */
  resolver: string;
  /**
   * The CMSIS-NN entry points TFLM's CMSIS-NN kernel for this op calls (tensorflow/lite/micro/
   * kernels/cmsis_nn/*.cc): the engine references exactly these to tell whether CMSIS-NN is linked.
   */
  cmsisNn: readonly string[];
}

export interface OpDef<P = unknown> {
  readonly op: OpName;
  /** TFLite BuiltinOperator code (schema fact). */
  readonly builtinCode: number;
  /** BuiltinOptions union slot (1-based, official order); 0 = the op has no options table. */
  readonly optionsSlot: number;
  /** The op version the TFLite converter assigns (tensorflow/lite/tools/versioning/op_version.cc). */
  version(o: Operator, g: Graph): number;
  /** Minimum TFLite runtime per op version (runtime_version.cc), index = version. */
  readonly minRuntime: Readonly<Record<number, string>>;
  readonly tflm: TflmFacts;
  /**
   * The int8 output quantisation TFLM requires of this op (softmax/logistic/tanh), which the
   * quantiser assigns instead of calibrating; absent for ops with calibrated outputs.
   */
  readonly fixedOutput?: { readonly scale: number; readonly zeroPoint: number };
  /**
   * Weighted ops (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D): the constant int8 filter at input
   * `filter`, the int32 bias at input `bias` (scale = input scale × filter scale), and how the
   * quantiser quantises the filter: 'per-channel' always (TFLM's int8 conv kernels require it) or
   * 'per-tensor' unless per-channel is asked for (the converter's default for dense layers). TFLM's
   * Prepare keeps one multiplier and shift per output channel in its arena for these ops.
   */
  readonly weights?: { readonly filter: number; readonly bias: number; readonly quantization: 'per-channel' | 'per-tensor' };
  /**
   * The op's BuiltinOptions table ↔ its options (graph.ts): `read` from the decoded fields (the
   * schema defaults when the file has no table), `write` with the builder, returning the table's
   * offset. Absent: the op has no options (read as {}, written without a table).
   */
  readonly options?: {
    /** The BuiltinOptions union member (schema.fbs table name). */
    table: string;
    /** The table's fields the reader decodes, in schema order (position = field id). */
    fields: FieldSpec[];
    read(f: OptionFields): Operator['options'];
    write(b: Builder, options: Operator['options']): number;
  };
  prepare(ctx: OpContext): P;
  host(p: P, ctx: OpContext, stores: TensorStore[]): Kernel;
  readonly native: NativeOp<P> | 'tflm-only';
}

/** An OpDef with its parameter type erased (the registry's element type). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyOpDef = OpDef<any>;
