import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../../src/core/graph.js';
import { sharedForTests } from '../support/shared.js';
import { readTflite } from '../../src/tflite/reader.js';
import { quantize } from '../../src/quantize/index.js';
import { buildModels, randomInputs } from './models.js';

// The conventions the quantiser follows, checked on the TFLite converter's own int8 models in
// shared/vectors (independent evidence of what "as the converter does" means) and on ours.
function conventionViolations(g: Graph): string[] {
  const bad: string[] = [];
  for (const [k, op] of g.operators.entries()) {
    const t = (i: number) => g.tensors[op.inputs[i]];
    if (op.op === 'CONV_2D' || op.op === 'DEPTHWISE_CONV_2D' || op.op === 'FULLY_CONNECTED') {
      const x = t(0);
      const w = t(1);
      const ws = w.quant!.scale;
      if (w.quant!.zeroPoint.some((z) => z !== 0)) bad.push(`${k}: weight zero point != 0`);
      if (op.op === 'CONV_2D' && ws.length > 1 && w.quant!.quantizedDimension !== 0) bad.push(`${k}: conv axis`);
      if (op.op === 'DEPTHWISE_CONV_2D' && ws.length > 1 && w.quant!.quantizedDimension !== 3) bad.push(`${k}: depthwise axis`);
      // symmetric, narrow range, scale = max|w| / 127: every channel reaches ±127 and none is -128
      const q = new Int8Array(w.data!.buffer, w.data!.byteOffset, w.data!.length);
      const inner = w.shape.slice(w.quant!.quantizedDimension + 1).reduce((a, b) => a * b, 1);
      const peak = new Array(ws.length).fill(0);
      q.forEach((v, i) => {
        if (v === -128) bad.push(`${k}: weight -128`);
        const c = ws.length === 1 ? 0 : Math.floor(i / inner) % ws.length;
        peak[c] = Math.max(peak[c], Math.abs(v));
      });
      if (peak.some((p) => p !== 127)) bad.push(`${k}: a channel does not reach ±127`);
      if (op.inputs[2] >= 0) {
        const b = t(2);
        if (b.dtype !== 'int32') bad.push(`${k}: bias not int32`);
        b.quant!.scale.forEach((s, c) => {
          if (s !== Math.fround(x.quant!.scale[0] * ws[ws.length === 1 ? 0 : c])) bad.push(`${k}: bias scale ${c}`);
        });
      }
    }
    if (op.op === 'MAX_POOL_2D' || op.op === 'AVERAGE_POOL_2D' || op.op === 'RESHAPE') {
      const a = t(0).quant!;
      const o = g.tensors[op.outputs[0]].quant!;
      if (a.scale[0] !== o.scale[0] || a.zeroPoint[0] !== o.zeroPoint[0]) bad.push(`${k}: ${op.op} changes parameters`);
    }
    if (op.op === 'SOFTMAX') {
      const o = g.tensors[op.outputs[0]].quant!;
      if (o.scale[0] !== 1 / 256 || o.zeroPoint[0] !== -128) bad.push(`${k}: softmax output parameters`);
    }
  }
  return bad;
}

const shared = sharedForTests();

describe.skipIf(!shared)('converter conventions on the shared TFLite-converter models', () => {
  for (const m of ['hello_world_int8', 'micro_speech_quantized', 'person_detect', 'magic_wand', 'mlperf_tiny_kws']) {
    it(`${m} follows them`, () => {
      const g = readTflite(new Uint8Array(readFileSync(join(shared as string, 'vectors', m, 'model.tflite')))).graph;
      expect(conventionViolations(g)).toEqual([]);
    });
  }
});

describe('tinyforge models follow the same conventions', () => {
  for (const tm of buildModels()) {
    it(tm.name, () => {
      const r = quantize(tm.model, randomInputs(16, tm.inputShape, 41));
      expect(conventionViolations(r.model.graph)).toEqual([]);
    });
  }
});
