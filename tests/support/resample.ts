/**
 * The device's IMU → model-rate resampler (firmware/core/tf_resample.c) in TypeScript, step for
 * step in float32: the production mirror in src/stream/continuous.ts, under the name the fake
 * device and the resampler tests use.
 */
export { Resampler as ImuResampler } from '../../src/stream/continuous.js';
