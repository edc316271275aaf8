/**
 * Will the image fit the board's flash? Estimated before anything is generated or written, from
 * what the generator knows exactly (the constant data it emits: weights as packed, biases,
 * multipliers; the .tflite for TFLM) plus an allowance for code, so `firmware` can choose the
 * native engine's weight packing per layer (int8 vs int16, src/firmware/native) and refuse or warn
 * before `build` would fail at link time. The real figure is still `build`'s, from the ELF.
 *
 * Allowances (bytes), measured with arm-none-eabi-gcc 12.2 -O2 on the virtual board's firmware
 * (December 2026: flash − generated constant data = 7.6 KB for hello_world's 3 ops, 12.9–41 KB
 * for 10–31 ops, at most 2 KB per op) and rounded up; the Arduino mbed core's own code (Serial,
 * USB, RTOS) is not measured here (no arduino-cli on the build machine) and is a stated guess.
 */
import type { BoardSpec } from './boards.js';
import type { MemoryLimits } from './footprint.js';

/** Firmware app, board layer, libc and the kernels' shared code on a Makefile board. */
export const MAKE_BASE_CODE = 10 * 1024;
/** Per operator: each DSP layer gets its own specialised copy of its kernel. */
export const CODE_PER_OP = 2 * 1024;
/** The Arduino mbed core and its libraries (a guess, see the header). */
export const ARDUINO_BASE_CODE = 96 * 1024;
/** TFLM's interpreter, resolver and CMSIS-NN kernels, without the model (micro_speech: 109,348 B flash with an 18,800 B model). */
export const TFLM_CODE = 96 * 1024;
/** Warn when the estimate passes this share of the board's flash. */
export const WARN_SHARE = 0.9;

export interface FlashEstimate {
  /** Estimated image flash, bytes. */
  bytes: number;
  /** Of which the generated constant data (native) or the embedded .tflite (TFLM). */
  dataBytes: number;
  limit: number;
  source: string;
  /** Set when the estimate is within WARN_SHARE of the limit (the image may not fit). */
  warning?: string;
}

/** Bytes of code besides the model's data: the estimate's allowance for `board`, engine and operator count. */
export function codeAllowance(board: BoardSpec, engine: 'native' | 'tflm', ops: number): number {
  const base = board.build === 'arduino' ? ARDUINO_BASE_CODE : MAKE_BASE_CODE;
  return base + (engine === 'tflm' ? TFLM_CODE : CODE_PER_OP * ops);
}

/** The estimate against the limits, with a warning near the limit; `over` true when it cannot fit. */
export function estimateFlash(code: number, dataBytes: number, lim: MemoryLimits): FlashEstimate & { over: boolean } {
  const bytes = code + dataBytes;
  const over = bytes > lim.flashBytes;
  const near = !over && bytes > WARN_SHARE * lim.flashBytes;
  return {
    bytes,
    dataBytes,
    limit: lim.flashBytes,
    source: lim.source,
    over,
    ...(near ? { warning: `the image is estimated at ${bytes} B of ${lim.flashBytes} B flash (${((100 * bytes) / lim.flashBytes).toFixed(0)} %): it may not fit; tinyforge build reports the real size` } : {}),
  };
}

/**
 * The smallest TFLM runtime measured for a model with a layer whose weights the native engine packs
 * (bytes): TFLM flash − .tflite bytes of the TFLM-engine firmware on the virtual board (TFLM 90b983c2
 * + CMSIS-NN 4ab83cc3, arm-none-eabi-gcc 12.2, `-O2` app, 2026-12-07; BENCHMARKS.md by-hand-tflm and
 * native-dsp blocks, docs/native-dsp.md): hello_world (3 FC) 66,492 − 2,704 = 63,788, the smallest;
 * MLPerf Tiny AD 63,852, LeNet 66,316, micro_speech 90,548, magic_wand 101,328, IC 119,188, kws
 * 120,408, VWW 124,712; one-operator models cut from person_detect: CONV_2D 74,600, DEPTHWISE_CONV_2D
 * 65,372. Rounded down to 60 KiB, so "at most what TFLM would take for this model" holds for every
 * model measured. (A model without such a layer — AVERAGE_POOL_2D alone: 47,668 — has nothing to pack.)
 */
export const TFLM_MIN_RUNTIME = 60 * 1024;

/**
 * How the native engine stores the weights of its DSP layers (`firmware --weights`):
 * - 'auto' (default): the fastest packing whose estimated image stays within min(the board's flash,
 *   what the TFLM engine would take for this model = .tflite bytes + TFLM_MIN_RUNTIME), or within
 *   `--flash-budget` bytes when given;
 * - 'fastest': the fastest packing that fits the board (all int16 unless the board's flash is short);
 * - 'int8' / 'int16': every layer that can, whatever the size.
 */
export type WeightPolicy = 'auto' | 'fastest' | 'int8' | 'int16';
export const WEIGHT_POLICIES: readonly WeightPolicy[] = ['auto', 'fastest', 'int8', 'int16'];

/** The flash budget that decided the weight packing: image bytes, the constant-data bytes it leaves, and where it came from. */
export interface WeightBudget {
  /** 'board': the board's flash; 'tflm': .tflite + TFLM_MIN_RUNTIME; 'flag': --flash-budget. */
  source: 'board' | 'tflm' | 'flag';
  /** The image budget, bytes. */
  imageBytes: number;
  /** Bytes left for the generated constant data (the image budget minus the code allowance). */
  constBytes: number;
  /** How the image budget was reached, for the plan. */
  why: string;
}

/** The image the TFLM engine would take for a .tflite of `tfliteBytes` on `board` (a lower bound: TFLM_MIN_RUNTIME). */
export function tflmImageFloor(board: BoardSpec, tfliteBytes: number): number {
  // TFLM_MIN_RUNTIME was measured on a Makefile board; an Arduino core adds its own code to both engines.
  const core = board.build === 'arduino' ? ARDUINO_BASE_CODE - MAKE_BASE_CODE : 0;
  return tfliteBytes + TFLM_MIN_RUNTIME + core;
}

/**
 * The budget the native engine packs its weights to under `policy` (none for 'int8'/'int16', or
 * 'fastest' on a board without a stated flash size): the smallest of the budgets that apply.
 */
export function weightBudget(o: { policy: WeightPolicy; board: BoardSpec; limits?: MemoryLimits; code: number; tfliteBytes: number; flashBudget?: number }): WeightBudget | undefined {
  const all: WeightBudget[] = [];
  const add = (source: WeightBudget['source'], imageBytes: number, why: string) => all.push({ source, imageBytes, constBytes: Math.max(0, imageBytes - o.code), why });
  if (o.policy === 'int8' || o.policy === 'int16') return undefined;
  if (o.limits) add('board', o.limits.flashBytes, `the board's flash, ${o.limits.source}`);
  if (o.policy === 'auto') {
    if (o.flashBudget !== undefined) add('flag', o.flashBudget, '--flash-budget');
    else add('tflm', tflmImageFloor(o.board, o.tfliteBytes), `what the TFLM engine would take: .tflite ${o.tfliteBytes} B + ${TFLM_MIN_RUNTIME} B runtime (the smallest measured)${o.board.build === 'arduino' ? ' + the Arduino core' : ''}`);
  }
  return all.reduce<WeightBudget | undefined>((min, b) => (min === undefined || b.imageBytes < min.imageBytes ? b : min), undefined);
}
