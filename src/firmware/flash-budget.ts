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
