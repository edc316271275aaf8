// Differential check of the hand-written, bounds-checked reader against the flatc-generated
// accessors (which read the same schema through the flatbuffers runtime, unchecked). On valid
// files both must decode every field identically: converter-made models in shared/vectors and
// the same models re-written by writeTflite.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { Model } from '../../src/tflite/generated/tflite/model.js';
import { parseTfliteRaw, type RawModel } from '../../src/tflite/raw.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';

const shared = sharedForTests();
const vdir = shared ? join(shared, 'vectors') : '';
const models = shared ? readdirSync(vdir).filter((d) => existsSync(join(vdir, d, 'meta.json'))) : [];

/** The fields RawModel holds, decoded with the generated accessors. */
function viaGenerated(bytes: Uint8Array) {
  const m = Model.getRootAsModel(new flatbuffers.ByteBuffer(bytes));
  const arr = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));
  return {
    version: m.version(),
    description: m.description() ?? '',
    operatorCodes: arr(m.operatorCodesLength(), (i) => {
      const c = m.operatorCodes(i)!;
      return [c.deprecatedBuiltinCode(), c.builtinCode(), c.version(), c.customCode() ?? undefined];
    }),
    subgraphs: arr(m.subgraphsLength(), (si) => {
      const sg = m.subgraphs(si)!;
      return {
        name: sg.name() ?? '',
        inputs: Array.from(sg.inputsArray() ?? []),
        outputs: Array.from(sg.outputsArray() ?? []),
        tensors: arr(sg.tensorsLength(), (ti) => {
          const t = sg.tensors(ti)!;
          const q = t.quantization();
          return {
            name: t.name() ?? '',
            type: t.type(),
            shape: Array.from(t.shapeArray() ?? []),
            buffer: t.buffer(),
            isVariable: t.isVariable(),
            scale: q ? Array.from(q.scaleArray() ?? []) : [],
            zeroPoint: q ? arr(q.zeroPointLength(), (k) => q.zeroPoint(k)!) : [],
            quantizedDimension: q ? q.quantizedDimension() : 0,
          };
        }),
        operators: arr(sg.operatorsLength(), (oi) => {
          const o = sg.operators(oi)!;
          return [o.opcodeIndex(), Array.from(o.inputsArray() ?? []), Array.from(o.outputsArray() ?? []), o.builtinOptionsType()];
        }),
      };
    }),
    buffers: arr(m.buffersLength(), (i) => Buffer.from(m.buffers(i)!.dataArray() ?? new Uint8Array(0)).toString('base64')),
    metadata: arr(m.metadataLength(), (i) => [m.metadata(i)!.name() ?? '', m.metadata(i)!.buffer()]),
  };
}

function viaChecked(r: RawModel): ReturnType<typeof viaGenerated> {
  return {
    version: r.version,
    description: r.description,
    operatorCodes: r.operatorCodes.map((c) => [c.deprecatedBuiltinCode, c.builtinCode, c.version, c.customCode]),
    subgraphs: r.subgraphs.map((sg) => ({
      name: sg.name,
      inputs: sg.inputs,
      outputs: sg.outputs,
      tensors: sg.tensors.map((t) => ({
        name: t.name,
        type: t.type,
        shape: t.shape,
        buffer: t.buffer,
        isVariable: t.isVariable,
        scale: t.quantization?.scale ?? [],
        zeroPoint: t.quantization?.zeroPoint ?? [],
        quantizedDimension: t.quantization?.quantizedDimension ?? 0,
      })),
      operators: sg.operators.map((o) => [o.opcodeIndex, o.inputs, o.outputs, o.optionsType]),
    })),
    buffers: r.buffers.map((b) => Buffer.from(b.data).toString('base64')),
    metadata: r.metadata.map((m) => [m.name, m.buffer]),
  };
}

describe.skipIf(!shared)('checked reader agrees with the generated accessors', () => {
  for (const name of models) {
    it(name, () => {
      const original = new Uint8Array(readFileSync(join(vdir, name, 'model.tflite')));
      expect(viaChecked(parseTfliteRaw(original))).toEqual(viaGenerated(original));
      const written = writeTflite(readTflite(original));
      expect(viaChecked(parseTfliteRaw(written))).toEqual(viaGenerated(written));
    });
  }
});
