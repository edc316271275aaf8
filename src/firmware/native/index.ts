/** The native inference engine's generator: public API. */
export { emitNativeEngine, nativeKernelFiles, NATIVE_MODEL_FILE, type NativeEngineOptions, type NativeEngineResult } from './emit.js';
export { planArena, type ArenaPlan, type ArenaRequest } from './arena.js';
export { quantizeMultiplier, frexp, activationRange, computePadding, computeOutSize, meanMultiplier, inputRadius, type QuantizedMultiplier } from '../../ops/quant.js';
