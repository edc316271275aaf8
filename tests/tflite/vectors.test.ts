// Reads every converter-made model in shared/vectors and compares with its meta.json. Expected
// values come from meta.json, which the vectors' authors produced with TFLM's tflm_run and an
// independent flatc 2.0.8 parse (see shared/vectors/README.md), not from this reader.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedForTests } from '../support/shared.js';
import { DTYPE_BYTES, numElements } from '../../src/core/graph.js';
import { readTflite, modelFacts } from '../../src/tflite/reader.js';
import { parseTfliteRaw } from '../../src/tflite/raw.js';
import { opVersion } from '../../src/tflite/ops.js';

const shared = sharedForTests();
const vdir = shared ? join(shared, 'vectors') : '';
const models = shared ? readdirSync(vdir).filter((d) => existsSync(join(vdir, d, 'meta.json'))) : [];

const f32bits = (x: number) => '0x' + new Uint32Array(new Float32Array([x]).buffer)[0].toString(16).padStart(8, '0');
const ACT = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'];
const PAD = ['SAME', 'VALID'];
const WF = ['DEFAULT', 'SHUFFLED4x16INT8'];

describe.skipIf(!shared)('reader vs shared/vectors meta.json', () => {
  it('finds the nine vector models', () => {
    expect(models.length).toBe(9);
  });
  for (const name of models) {
    describe(name, () => {
      const meta = JSON.parse(readFileSync(join(vdir, name, 'meta.json'), 'utf8'));
      const bytes = new Uint8Array(readFileSync(join(vdir, name, 'model.tflite')));

      it('file-level facts and the opcode table', () => {
        const f = modelFacts(bytes);
        const m = meta.model;
        expect(bytes.length).toBe(m.bytes);
        expect(f.version).toBe(m.schema_version);
        expect(f.description).toBe(m.description);
        expect(f.metadataNames).toEqual(m.metadata_names);
        expect(f.signatureDefs).toBe(m.signature_defs);
        expect(f.subgraphs).toBe(m.subgraphs);
        expect(f.tensors).toBe(m.tensors);
        expect(f.operators).toBe(m.operators);
        expect(f.opSequence).toEqual(m.op_sequence);
        expect(f.buffers).toBe(m.tensor_quantization.buffers);
        expect(f.buffersWithOffset).toBe(m.tensor_quantization.buffers_with_offset);
        expect(
          f.operatorCodes.map((c) => ({
            op: c.op,
            deprecated_builtin_code: c.deprecatedBuiltinCode,
            builtin_code: c.builtinCode,
            builtin_code_field_present: c.builtinCodeFieldPresent,
            version: c.version,
            used_by_operators: c.usedByOperators,
          })),
        ).toEqual(m.operator_codes);
      });

      it('graph: ops, counts, I/O tensors with bit-exact scale and zero point', () => {
        const model = readTflite(bytes);
        const g = model.graph;
        expect(g.tensors.length).toBe(meta.model.tensors);
        expect(g.operators.map((o) => o.op)).toEqual(meta.model.op_sequence);
        const counts: Record<string, number> = {};
        for (const o of g.operators) counts[o.op] = (counts[o.op] ?? 0) + 1;
        expect(counts).toEqual(meta.model.op_counts);
        expect([...new Set(g.operators.map((o) => o.op))].sort()).toEqual(meta.model.builtin_ops);
        expect(g.inputs.length).toBe(1);
        expect(g.outputs.length).toBe(1);
        for (const [key, idx] of [['input', g.inputs[meta.input.index]], ['output', g.outputs[meta.output.index]]] as const) {
          const t = g.tensors[idx];
          const e = meta[key];
          expect(t.name).toBe(e.name);
          expect(t.dtype).toBe(e.dtype);
          expect(t.shape).toEqual(e.shape);
          expect(numElements(t.shape) * DTYPE_BYTES[t.dtype]).toBe(e.bytes);
          expect(t.quant?.scale.length).toBe(1);
          expect(f32bits(t.quant!.scale[0])).toBe(e.scale_float32_bits);
          expect(t.quant!.zeroPoint).toEqual([e.zero_point]);
        }
        if (meta.derived_from) expect(g.outputs[0]).toBe(meta.derived_from.output_tensor_index);
      });

      it('tensor quantisation counts, per-channel axes and 1-D out-of-range quantized_dimension', () => {
        const g = readTflite(bytes).graph;
        let perTensor = 0, perChannel = 0, none = 0, oneDOdd = 0;
        const axes: Record<string, number> = {};
        for (const t of g.tensors) {
          if (!t.quant) none++;
          else if (t.quant.scale.length === 1) perTensor++;
          else {
            perChannel++;
            axes[t.quant.quantizedDimension] = (axes[t.quant.quantizedDimension] ?? 0) + 1;
            // Per-channel: one scale per slice along a real axis, except the 1-D bias quirk.
            if (t.shape.length === 1 && t.quant.quantizedDimension !== 0) oneDOdd++;
            else expect(t.quant.scale.length).toBe(t.shape[t.quant.quantizedDimension]);
          }
        }
        const q = meta.model.tensor_quantization;
        expect({ perTensor, perChannel, none, oneDOdd, axes }).toEqual({
          perTensor: q.per_tensor_quantized,
          perChannel: q.per_channel_quantized,
          none: q.not_quantized,
          oneDOdd: q.one_d_tensors_with_nonzero_quantized_dimension,
          axes: q.per_channel_axes,
        });
      });

      it('operator options match op_options (schema names and values)', () => {
        const raw = parseTfliteRaw(bytes);
        const g = readTflite(bytes).graph;
        const seen: Record<string, Record<string, unknown[]>> = {};
        g.operators.forEach((o, i) => {
          const r = raw.subgraphs[0].operators[i].options;
          const per = (seen[o.op] ??= {});
          if (!r) return;
          for (const [k, v] of Object.entries(r)) {
            if (k === 'asymmetric_quantize_inputs' || k === 'pot_scale_int16') continue;
            const shown = k === 'fused_activation_function' ? ACT[v as number] : k === 'padding' ? PAD[v as number] : k === 'weights_format' ? WF[v as number] : v;
            const list = (per[k] ??= []);
            if (!list.some((x) => JSON.stringify(x) === JSON.stringify(shown))) list.push(shown);
          }
        });
        const norm = (o: Record<string, Record<string, unknown[]>>) =>
          Object.fromEntries(Object.entries(o).map(([op, f]) => [op, Object.fromEntries(Object.entries(f).map(([k, l]) => [k, [...l].map((x) => JSON.stringify(x)).sort()]))]));
        expect(norm(seen)).toEqual(norm(meta.model.op_options));
        // The typed options agree with the raw ones for the ops tinyforge interprets.
        g.operators.forEach((o, i) => {
          const r = raw.subgraphs[0].operators[i].options;
          if (o.op === 'CONV_2D' && r) expect([o.options.strideW, o.options.padding]).toEqual([r.stride_w, PAD[r.padding as number]]);
          if (o.op === 'DEPTHWISE_CONV_2D' && r) expect(o.options.depthMultiplier).toBe(r.depth_multiplier);
          if (o.op === 'SOFTMAX') expect(o.options.beta).toBe(1);
        });
      });

      it('opVersion reproduces the converter\'s op versions', () => {
        const g = readTflite(bytes).graph;
        for (const o of g.operators) {
          // person_detect's older TOCO converter stored int8 CONV_2D as version 2; current
          // op_version.cc (and the other four converter-made models) give 3.
          const want = name.startsWith('person_detect') && o.op === 'CONV_2D' ? 3 : o.version;
          expect([o.op, opVersion(o, g)]).toEqual([o.op, want]);
        }
      });

      it('constant tensors carry exactly their bytes', () => {
        const g = readTflite(bytes).graph;
        const withData = g.tensors.filter((t) => t.data);
        expect(withData.length).toBeGreaterThan(0);
        for (const t of withData) expect(t.data!.length).toBe(numElements(t.shape) * DTYPE_BYTES[t.dtype]);
        // Activations have no data: the graph input and output.
        expect(g.tensors[g.inputs[0]].data).toBeUndefined();
        expect(g.tensors[g.outputs[0]].data).toBeUndefined();
      });
    });
  }
});
