// The committed flatbuffer accessors must be exactly what scripts/gen-tflite.ts produces from
// schemas/tflite.fbs, and the schema must keep the official union slots and field ids we rely on.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTfliteTs, OUTPUT_DIR } from '../../scripts/gen-tflite.js';
import { BuiltinOptions } from '../../src/tflite/generated/tflite/builtin-options.js';
import { OPTIONS_SLOT } from '../../src/tflite/ops.js';

function listTs(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listTs(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('generated TFLite accessors', () => {
  it('are up to date with schemas/tflite.fbs', async () => {
    const want = await generateTfliteTs();
    const have = Object.fromEntries(listTs(OUTPUT_DIR).map((p) => [relative(OUTPUT_DIR, p).split('\\').join('/'), readFileSync(p, 'utf8')]));
    expect(Object.keys(have).sort()).toEqual(Object.keys(want).sort());
    for (const k of Object.keys(want)) expect(have[k], k).toBe(want[k]);
  }, 60_000);

  it('BuiltinOptions slots match the official union order (schema.fbs: Conv2D 1 … Reducer 27, Dequantize 38, Quantize 89)', () => {
    const e = BuiltinOptions as unknown as Record<string, number>;
    expect([e.Conv2DOptions, e.DepthwiseConv2DOptions, e.Pool2DOptions, e.FullyConnectedOptions, e.SoftmaxOptions, e.ConcatenationOptions, e.AddOptions, e.ReshapeOptions, e.MulOptions, e.ReducerOptions, e.DequantizeOptions, e.QuantizeOptions]).toEqual([
      1, 2, 5, 8, 9, 10, 11, 17, 21, 27, 38, 89,
    ]);
    expect(OPTIONS_SLOT.CONV_2D).toBe(e.Conv2DOptions);
    expect(OPTIONS_SLOT.MEAN).toBe(e.ReducerOptions);
    expect(OPTIONS_SLOT.QUANTIZE).toBe(e.QuantizeOptions);
  });
});
