/**
 * File assembly of the native engine: `tf_model_native.c` from the planned arena, the accumulated
 * declarations and the op schedule's calls — tf_engine_init/info/invoke of firmware/core/tf_engine.h.
 */
import { cInts, cSource, cString, type GeneratedFile } from '../../core/cemit.js';

export interface AssembleInput {
  /** Name of the generated file. */
  path: string;
  sha256: string;
  operatorCount: number;
  /** Arena bytes used (info->arena_bytes) and reserved (TF_NATIVE_ARENA_BYTES, at least 16). */
  arenaUsed: number;
  arenaBytes: number;
  input: { offset: number; bytes: number };
  /** The graph's output tensors in order: the engine's output is their bytes concatenated (tf_engine.h). */
  outputs: { offset: number; bytes: number }[];
  /** File-scope declarations in order. */
  decls: string[];
  /** Body lines of tf_engine_invoke between the input and the output copy. */
  calls: string[];
  /** Distinct op names in first-use order (INFO). */
  opNames: string[];
  /** Kernel headers beyond tf_kernels.h (e.g. the DSP kernels' tf_dsp.h). */
  includes?: string[];
}

export function assembleNativeFile(a: AssembleInput): GeneratedFile {
  const shaBytes = Array.from({ length: 32 }, (_, i) => parseInt(a.sha256.slice(2 * i, 2 * i + 2), 16));
  const { opNames } = a;
  const outBytes = a.outputs.reduce((n, o) => n + o.bytes, 0);
  // One output: one copy (the form every single-output model has always had); more: one per tensor, concatenated.
  const outDefs = a.outputs.length === 1 ? [`#define TF_NATIVE_OUTPUT_OFFSET ${a.outputs[0].offset}u`] : [];
  let at = 0;
  const copies = a.outputs.length === 1
    ? ['  memcpy(output, tf_arena + TF_NATIVE_OUTPUT_OFFSET, TF_NATIVE_OUTPUT_BYTES);']
    : a.outputs.map((o, k) => {
        const line = `  memcpy(output + ${at}u, tf_arena + ${o.offset}u, ${o.bytes}u);  /* output ${k} */`;
        at += o.bytes;
        return line;
      });
  const body = [
    `// Native engine for this model: ${a.operatorCount} operators, arena ${a.arenaUsed} bytes, planned offline.`,
    `#define TF_NATIVE_ARENA_BYTES ${a.arenaBytes}u`,
    `#define TF_NATIVE_INPUT_OFFSET ${a.input.offset}u`,
    `#define TF_NATIVE_INPUT_BYTES ${a.input.bytes}u`,
    ...outDefs,
    `#define TF_NATIVE_OUTPUT_BYTES ${outBytes}u`,
    '',
    'static uint8_t tf_arena[TF_NATIVE_ARENA_BYTES] __attribute__((aligned(16)));',
    'static int tf_initialised;',
    '',
    ...a.decls,
    `static const uint8_t tf_model_sha256[32] = {\n${cInts(shaBytes, 16)}\n};`,
    `static const char* const tf_op_names[${opNames.length || 1}] = {${opNames.length ? opNames.map(cString).join(', ') : '""'}};`,
    '',
    'int tf_engine_init(void) {',
    '  memset(tf_arena, 0, sizeof tf_arena);',
    '  tf_initialised = 1;',
    '  return 0;',
    '}',
    '',
    'void tf_engine_info(tf_engine_info_t* info) {',
    '  info->name = "native";',
    `  info->arena_bytes = ${a.arenaUsed}u;`,
    '  info->arena_capacity = TF_NATIVE_ARENA_BYTES;',
    '  info->input_bytes = TF_NATIVE_INPUT_BYTES;',
    '  info->output_bytes = TF_NATIVE_OUTPUT_BYTES;',
    '  info->model_sha256 = tf_model_sha256;',
    '  info->op_names = tf_op_names;',
    `  info->op_count = ${opNames.length}u;`,
    '}',
    '',
    'int tf_engine_invoke(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_len) {',
    '  if (!tf_initialised) return TF_ENGINE_NOT_INITIALISED;',
    '  if (input_len != TF_NATIVE_INPUT_BYTES || output_len != TF_NATIVE_OUTPUT_BYTES) return TF_ENGINE_BAD_SIZE;',
    '  memcpy(tf_arena + TF_NATIVE_INPUT_OFFSET, input, TF_NATIVE_INPUT_BYTES);',
    ...a.calls,
    ...copies,
    '  return 0;',
    '}',
  ].join('\n');
  return cSource(a.path, body, {
    provenance: `model sha256 ${a.sha256}`,
    includes: ['<stddef.h>', '<stdint.h>', '<string.h>', 'tf_engine.h', 'tf_kernels.h', ...(a.includes ?? [])],
  });
}
