/**
 * HARD_SWISH (TFLM hard_swish_common.cc HardSwishPrepare + reference/hard_swish.h): x·relu6(x+3)/6
 * in TFLM's int16 fixed point. Prepare: hires input scale = input scale / 128 (float32), output
 * and "reluish" (3/32768) multipliers by QuantizeMultiplier, then rounded down to Q15
 * (DownScaleInt32ToInt16Multiplier). Eval per element: the gemmlowp int16 SRDHM / RDBP, TFLM's
 * SaturatingLeftShift and its truncating SaturatingDoublingHighMul. TFLM's int16
 * RoundingDivideByPOT is only meaningful for exponents up to 15 (its mask is an int16): tinyforge
 * refuses scales needing more.
 */
import { dtypeAt, notSupported, qparams, scalesOf, unaryIO } from './common.js';
import { quantizeMultiplier } from './quant.js';
import type { OpContext, OpDef } from './types.js';

const fr = Math.fround;
const I16_MIN = -32768;
const I16_MAX = 32767;

export interface HardSwishPrepared {
  kind: 'int8' | 'float32';
  input: number;
  output: number;
  size: number;
  inputZeroPoint: number;
  outputZeroPoint: number;
  outputMultiplier: number;
  outputExponent: number;
  reluishMultiplier: number;
  reluishExponent: number;
}

/** DownScaleInt32ToInt16Multiplier (kernels/internal/common.h). */
function toQ15(m: number): number {
  return m >= 2147483647 - 32768 ? I16_MAX : (m + 32768) >> 16;
}

function prepare(ctx: OpContext): HardSwishPrepared {
  const { x, y, kind, n } = unaryIO(ctx);
  const base = { kind, input: x.index, output: y.index, size: n };
  if (kind === 'float32') return { ...base, inputZeroPoint: 0, outputZeroPoint: 0, outputMultiplier: 0, outputExponent: 0, reluishMultiplier: 0, reluishExponent: 0 };
  const qx = qparams(ctx, x.t, 'input');
  const qy = qparams(ctx, y.t, 'output');
  const hires = fr(fr(1 / 128) * qx.scale);
  const from = scalesOf(['input', x.t], ['output', y.t]);
  const om = quantizeMultiplier(fr(hires / qy.scale), from);
  const rm = quantizeMultiplier(fr(hires / fr(3 / 32768)), from);
  if (om.shift > 0) notSupported(ctx, `output scale ${qy.scale} is too small for the input scale ${qx.scale} (TFLM requires a non-positive output exponent)`);
  if (om.shift < -15 || rm.shift < -15 || rm.shift > 15) notSupported(ctx, `scales ${from} need an int16 shift beyond 15 bits, where TFLM's int16 arithmetic is not defined`);
  return { ...base, inputZeroPoint: qx.zeroPoint, outputZeroPoint: qy.zeroPoint, outputMultiplier: toQ15(om.multiplier), outputExponent: om.shift, reluishMultiplier: toQ15(rm.multiplier), reluishExponent: rm.shift };
}

/** gemmlowp SaturatingRoundingDoublingHighMul on int16. */
function srdhm16(a: number, b: number): number {
  if (a === I16_MIN && b === I16_MIN) return I16_MAX;
  const ab = a * b;
  return Math.trunc((ab + (ab >= 0 ? 16384 : 1 - 16384)) / 32768);
}
/** TFLM's SaturatingDoublingHighMul (truncating). */
function sdhm16(a: number, b: number): number {
  if (a === I16_MIN && b === I16_MIN) return I16_MAX;
  return Math.trunc((a * b) / 32768);
}
/** gemmlowp RoundingDivideByPOT on int16, 0 <= e <= 15. */
function rdbp16(x: number, e: number): number {
  const mask = (1 << e) - 1;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> e) + ((x & mask) > threshold ? 1 : 0);
}
/** TFLM's SaturatingLeftShift (int16). */
function satShl16(v: number, amount: number): number {
  const r = v * 2 ** amount;
  return r > I16_MAX ? I16_MAX : r < I16_MIN ? I16_MIN : r;
}

/** One int8 element through TFLM's quantized HardSwish. */
export function hardSwishInt8(v: number, p: HardSwishPrepared): number {
  const input = v - p.inputZeroPoint;
  const hires = input * 128;
  const preshiftOut = srdhm16(hires, p.outputMultiplier);
  let reluish = hires;
  if (p.reluishExponent > 0) reluish = satShl16(reluish, p.reluishExponent - 1);
  reluish = srdhm16(reluish, p.reluishMultiplier);
  if (p.reluishExponent > 0) reluish = satShl16(reluish, 1);
  if (p.reluishExponent < 0) reluish = rdbp16(reluish, -p.reluishExponent);
  reluish = (reluish + 32768) >> 1;
  const pre = sdhm16(reluish, preshiftOut);
  const out = rdbp16(pre, -p.outputExponent) + p.outputZeroPoint;
  return out > 127 ? 127 : out < -128 ? -128 : out;
}

export const HARD_SWISH: OpDef<HardSwishPrepared> = {
  op: 'HARD_SWISH',
  builtinCode: 117,
  optionsSlot: 0,
  version: () => 1,
  minRuntime: { 1: '1.15.0' },
  tflm: { resolver: 'AddHardSwish', cmsisNn: [] },
  prepare,
  host(p, _ctx, stores) {
    const n = p.size;
    const X = stores[p.input];
    const Y = stores[p.output];
    if (p.kind === 'float32') {
      return () => {
        for (let i = 0; i < n; i++) {
          const v = X.f32[i];
          Y.f32[i] = fr(fr(v * Math.min(6, Math.max(0, fr(v + 3)))) / 6);
        }
      };
    }
    // 256 possible inputs: the exact per-element arithmetic, tabulated once.
    const lut = Int8Array.from({ length: 256 }, (_, k) => hardSwishInt8(k - 128, p));
    const xi = X.i8;
    const yi = Y.i8;
    return () => {
      for (let i = 0; i < n; i++) yi[i] = lut[xi[i] + 128];
    };
  },
  native: {
    kernels: ['tf_k_hard_swish_s8'],
    sources: ['tf_k_activation.c'],
    emit(p, e) {
      e.int8('in', 0);
      e.int8('out', 0);
      const params = e.struct('tf_hard_swish_params_t', {
        size: p.size,
        input_zero_point: p.inputZeroPoint,
        output_zero_point: p.outputZeroPoint,
        output_multiplier: p.outputMultiplier,
        output_exponent: p.outputExponent,
        reluish_multiplier: p.reluishMultiplier,
        reluish_exponent: p.reluishExponent,
      });
      return { kernel: 'tf_k_hard_swish_s8', call: `tf_k_hard_swish_s8(${params}, ${e.input(0, 'int8_t')}, ${e.output('int8_t')})` };
    },
  },
};
