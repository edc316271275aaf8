/**
 * A .tflite model as C++ source for firmware: `model_data.h` / `model_data.cc`.
 *
 *   alignas(16) const unsigned char <name>[]   the model bytes (TFLM needs 16-byte alignment)
 *   const unsigned int <name>_len              their count
 *   <name>_input_* / <name>_output_*           shape, element count, int8 scale and zero point of
 *                                              graph input 0 / output 0 (scale 0 when unquantised)
 *   <name>_labels[] / <name>_num_labels        class labels from ModelSettings, when given
 *
 * Deterministic: the same bytes and options give the same text. The provenance line names the
 * tinyforge version and the model's SHA-256.
 */
import { createHash } from 'node:crypto';
import { cBytes, cCommentText, cFloat, cHeader, cIdentifier, cSource, cString, type GeneratedFile } from '../core/cemit.js';
import type { ModelSettings } from '../core/dataset.js';
import { numElements, type Graph, type Tensor } from '../core/graph.js';
import { readTflite } from './reader.js';

export interface CArrayOptions {
  /** C identifier of the array (made legal if needed); default "g_model". */
  name?: string;
  /** Adds class labels as constants. */
  settings?: ModelSettings;
  /** The model's graph, if already parsed (else the bytes are read). */
  graph?: Graph;
  /** Folder prefix for the generated paths ("" by default). */
  dir?: string;
}

export function modelCArray(bytes: Uint8Array, opts: CArrayOptions = {}): GeneratedFile[] {
  const id = cIdentifier(opts.name ?? 'g_model');
  const graph = opts.graph ?? readTflite(bytes).graph;
  const sha = createHash('sha256').update(bytes).digest('hex');
  const provenance = `model sha256 ${sha}`;
  const prefix = opts.dir ? opts.dir.replace(/\/?$/, '/') : '';
  const hPath = `${prefix}model_data.h`;

  const decl: string[] = [
    `// The model flatbuffer (${bytes.length} bytes), 16-byte aligned for TFLM.`,
    `extern const unsigned char ${id}[];`,
    `extern const unsigned int ${id}_len;`,
    '',
  ];
  const defs: string[] = [];
  const io = (label: 'input' | 'output', t: Tensor | undefined, count: number) => {
    decl.push(`// Graph ${label} 0 of ${count}${t ? `: "${cCommentText(t.name)}" ${t.dtype}` : ''}.`);
    decl.push(`const unsigned int ${id}_num_${label}s = ${count}u;`);
    if (!t) return;
    decl.push(`const int ${id}_${label}_dims = ${t.shape.length};`);
    decl.push(`extern const int ${id}_${label}_shape[];`);
    decl.push(`const unsigned int ${id}_${label}_elements = ${numElements(t.shape)}u;`);
    decl.push(`const float ${id}_${label}_scale = ${cFloat(t.quant?.scale[0] ?? 0)};`);
    decl.push(`const int ${id}_${label}_zero_point = ${t.quant?.zeroPoint[0] ?? 0};`);
    decl.push('');
    // C++ forbids empty initialisers for unsized arrays; a scalar gets a single 1.
    defs.push(`const int ${id}_${label}_shape[] = {${t.shape.length ? t.shape.join(', ') : '1'}};`);
  };
  io('input', graph.tensors[graph.inputs[0]], graph.inputs.length);
  io('output', graph.tensors[graph.outputs[0]], graph.outputs.length);
  const labels = opts.settings?.labels ?? [];
  decl.push(`const unsigned int ${id}_num_labels = ${labels.length}u;`);
  if (labels.length) {
    decl.push(`extern const char* const ${id}_labels[];`);
    defs.push(`const char* const ${id}_labels[] = {${labels.map(cString).join(', ')}};`);
  }

  const header = cHeader(hPath, decl.join('\n'), { provenance });
  const source = cSource(
    `${prefix}model_data.cc`,
    [
      `alignas(16) const unsigned char ${id}[] = {`,
      cBytes(bytes),
      '};',
      `const unsigned int ${id}_len = ${bytes.length}u;`,
      '',
      ...defs,
    ].join('\n'),
    { provenance, includes: ['model_data.h'] },
  );
  return [header, source];
}

