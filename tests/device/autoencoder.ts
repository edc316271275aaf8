/**
 * The 640 → 640 int8 autoencoder of `tinyforge train --example autoencoder` (src/train/examples.ts:
 * the I/O shape of the public MLPerf Tiny anomaly-detection model), quantised with tinyforge's own
 * quantiser on its training spectra, for tests that need the .tflite bytes.
 */
import type { ModelSettings } from '../../src/core/dataset.js';
import { quantizeStage } from '../../src/service/quantize.js';
import { AUTOENCODER_VALUES, trainAutoencoder as trainExample } from '../../src/train/examples.js';

export const AE_VALUES = AUTOENCODER_VALUES;

export async function trainAutoencoder(seed = 1): Promise<{ bytes: Uint8Array; settings: ModelSettings; test: Float32Array }> {
  const r = await trainExample({ seed });
  const train = r.windows.representative.x;
  const q = quantizeStage({ model: r.model, settings: r.settings, calibration: { x: train, shape: [train.length / AE_VALUES, AE_VALUES] }, maxExamples: 128 });
  r.model.dispose();
  return { bytes: q.bytes, settings: q.settings ?? r.settings, test: r.windows.heldOut.x };
}
