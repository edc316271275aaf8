/**
 * What an op module's BuiltinOptions codec works with: on read, the decoded option table's fields
 * (snake_case names from schemas/tflite.fbs; absent table = the schema defaults) with validation
 * that names the operator; on write, the flatbuffers builder and the enum codes.
 */
import type * as flatbuffers from 'flatbuffers';
import { badInput } from '../core/errors.js';
import type { Activation, Padding } from '../core/graph.js';
import type { RawOptions } from './fields.js';

export type Builder = flatbuffers.Builder;

export const BAD_REMEDY = 'The model file is inconsistent. Re-export it from the TFLite converter or `tinyforge quantize`.';

const ACTIVATIONS: Activation[] = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];
const PADDINGS: Padding[] = ['SAME', 'VALID'];

/** ActivationFunctionType codes (schema.fbs). */
export const ACT_CODE: Record<Activation, number> = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4, SIGN_BIT: 5 };
/** Padding codes (schema.fbs). */
export const PADDING_CODE: Record<Padding, number> = { SAME: 0, VALID: 1 };

/** One operator's decoded option fields. `where` ("operator 3 (CONV_2D)") prefixes every error. */
export class OptionFields {
  constructor(
    readonly raw: RawOptions,
    readonly where: string,
  ) {}

  num(field: string): number {
    const v = this.raw[field];
    return typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : 0;
  }
  bool(field: string): boolean {
    return Boolean(this.raw[field]);
  }
  list(field: string): number[] | undefined {
    const v = this.raw[field];
    return Array.isArray(v) ? v.slice() : undefined;
  }
  bad(problem: string): never {
    throw badInput(`malformed .tflite: ${this.where} ${problem}`, { remedy: BAD_REMEDY });
  }
  activation(): Activation {
    const a = ACTIVATIONS[this.num('fused_activation_function')];
    if (!a) this.bad(`has unknown fused activation ${this.num('fused_activation_function')}`);
    return a;
  }
  padding(): Padding {
    const p = PADDINGS[this.num('padding')];
    if (!p) this.bad(`has unknown padding ${this.num('padding')}`);
    return p;
  }
  strides(): { strideW: number; strideH: number } {
    const strideW = this.num('stride_w');
    const strideH = this.num('stride_h');
    if (strideW < 1 || strideH < 1) this.bad(`has stride ${strideW}x${strideH} (must be at least 1)`);
    return { strideW, strideH };
  }
  /** Conv2DOptions / DepthwiseConv2DOptions' shared fields. */
  conv(): { padding: Padding; strideW: number; strideH: number; dilationW: number; dilationH: number; fusedActivation: Activation } {
    const dilationW = this.num('dilation_w_factor');
    const dilationH = this.num('dilation_h_factor');
    if (dilationW < 1 || dilationH < 1) this.bad(`has dilation ${dilationW}x${dilationH}`);
    return { padding: this.padding(), ...this.strides(), dilationW, dilationH, fusedActivation: this.activation() };
  }
}
