// Issue 10 items 1 and 2: strings from a model file (tensor names) or a settings file (labels,
// axes) must never become code in generated sources, and any Unicode label must reach the device
// as its UTF-8 bytes. Hostile and non-Latin-1 strings go through every generator; the output is
// compiled with gcc/g++ in strict ISO modes (trigraphs on) with -Werror — an `#error` line, a
// spliced comment, a nested `/*` or an out-of-range escape fails the compile — and small programs
// print the labels' bytes, compared with TextEncoder's UTF-8 of the same strings (computed
// independently here, not by the escaper). Finally the labels round-trip through INFO on the host
// board (and the virtual board when QEMU is installed).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cCommentText, cString } from '../../src/core/cemit.js';
import type { ModelSettings } from '../../src/core/dataset.js';
import { TinyforgeError } from '../../src/core/errors.js';
import type { Graph } from '../../src/core/graph.js';
import { REPO_ROOT } from '../../src/core/shared.js';
import { DeviceClient } from '../../src/device/client.js';
import { startHostModelBoard, startVirtualModelBoard, type RunningBoard } from '../support/model-boards.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { settingsFromGraph, settingsHeader } from '../../src/firmware/settings-header.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { tflmConfigHeader } from '../../src/firmware/tflm.js';
import { writeProject } from '../../src/adapters/files.js';
import { modelCArray } from '../../src/tflite/carray.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { hasTool } from '../native/helpers.js';

/** Injection attempts for every context: line comment, block comment, string literal, trigraphs, line breaks JS and C disagree on. */
const HOSTILE = ['in\n#error X\n//', '*/ #error B /*', '\\', 'end\\', '??/', '??=define Q', '\r#error CR', 'a\u2028b\u2029c', 'q"uote', '\t\x01\x7f'];
/** Outside Latin-1 (and the hex-escape trap: a non-ASCII byte followed by hex digits). */
const UNICODE = ['ö', '\u202e', '😀', '漢字', 'é1f', 'ß-Bad'];
const LABELS = [...UNICODE, ...HOSTILE];
const N = LABELS.length;

/** int8 FULLY_CONNECTED [1,4] → [1,N], every tensor named by an injection attempt. */
const graph: Graph = {
  tensors: [
    { name: HOSTILE[0], dtype: 'int8', shape: [1, 4], quant: { scale: [0.5], zeroPoint: [1], quantizedDimension: 0 } },
    { name: HOSTILE[1], dtype: 'int8', shape: [N, 4], quant: { scale: [0.25], zeroPoint: [0], quantizedDimension: 0 }, data: new Uint8Array(4 * N).map((_, i) => (i * 37) & 0xff) },
    { name: HOSTILE[3], dtype: 'int32', shape: [N], quant: { scale: [0.125], zeroPoint: [0], quantizedDimension: 0 }, data: new Uint8Array(4 * N) },
    { name: HOSTILE[4] + HOSTILE[6], dtype: 'int8', shape: [1, N], quant: { scale: [0.5], zeroPoint: [-2], quantizedDimension: 0 } },
  ],
  operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } }],
  inputs: [0],
  outputs: [3],
};
// Through the writer and the reader, as a hostile file would arrive.
const modelBytes = writeTflite(graph);
const model = readTflite(modelBytes);
const settings: ModelSettings = {
  task: 'classification',
  labels: LABELS,
  axes: ['ä', HOSTILE[0], HOSTILE[2], HOSTILE[4]],
  units: ['g', 'g', 'g', 'g'],
  sampleRateHz: 50,
  windowLength: 1,
  windowStride: 1,
  normalisation: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] },
  inputQuant: { scale: 0.5, zeroPoint: 1 },
  outputQuant: { scale: 0.5, zeroPoint: -2 },
};

const hex = (s: string) => Buffer.from(new TextEncoder().encode(s)).toString('hex');
const STRICT_C = ['-std=c99', '-trigraphs', '-Wall', '-Wextra', '-Werror'];
const STRICT_CXX = ['-std=c++11', '-trigraphs', '-Wall', '-Wextra', '-Werror'];
const HEX_DUMP = 'static void dump(const char* s) { while (*s) printf("%02x", (unsigned)(unsigned char)*s++); printf("\\n"); }\n';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'tf-escape-'));
}

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('escapers (src/core/cemit.ts)', () => {
  it('cString: UTF-8 bytes, each non-printable byte a 3-digit octal escape; `\\`, `"` and `?` escaped', () => {
    // Expected strings written out by hand from the UTF-8 tables (ö = C3 B6 = octal 303 266).
    expect(cString('ö')).toBe('"\\303\\266"');
    expect(cString('\u202e')).toBe('"\\342\\200\\256"');
    expect(cString('é1f')).toBe('"\\303\\2511f"');
    expect(cString('??/')).toBe('"\\?\\?/"');
    expect(cString('a"b\\')).toBe('"a\\"b\\\\"');
    expect(cString('x\ny')).toBe('"x\\012y"');
  });

  it('cString refuses what a C string cannot hold (NUL, lone surrogates) with a typed error', () => {
    for (const bad of ['a\0b', '\ud800', 'x\udc00']) {
      expect(() => cString(bad)).toThrow(TinyforgeError);
    }
  });

  it('cCommentText: printable ASCII with no line break, backslash, `*` or `??`', () => {
    for (const s of [...LABELS, '?????', 'a*/b/*c']) {
      const c = cCommentText(s);
      expect(c).toMatch(/^[\x20-\x7e]*$/);
      expect(c).not.toMatch(/\\$|\*|\?\?/);
      expect(c.replace(/\\(x[0-9a-f]{2}|u\{[0-9a-f]+\}|[nrt])/g, '')).not.toContain('\\');
    }
    expect(cCommentText('in\n#error X\n//')).toBe('in\\n#error X\\n//');
    expect(cCommentText('😀*')).toBe('\\u{1f600}\\x2a');
  });
});

describe.skipIf(!hasTool('gcc') || !hasTool('g++'))('every generator, compiled with -Werror in strict ISO modes (trigraphs on)', () => {
  it('model_data.h/.cc (TFLM C array): compiles, and the labels are the UTF-8 bytes', () => {
    const d = dir();
    for (const f of modelCArray(modelBytes, { settings, graph: model.graph })) writeFileSync(join(d, f.path), f.contents);
    writeFileSync(
      join(d, 'main.cc'),
      `#include <cstdio>\n#include "model_data.h"\n${HEX_DUMP}int main() {\n  if (g_model_len != ${modelBytes.length}u || g_model_input_elements != 4u || g_model_output_elements != ${N}u) return 1;\n  for (unsigned i = 0; i < g_model_num_labels; i++) dump(g_model_labels[i]);\n  return 0;\n}\n`,
    );
    run('g++', [...STRICT_CXX, 'main.cc', 'model_data.cc', '-o', 'labels'], d);
    expect(run('./labels', [], d).trim().split('\n')).toEqual(LABELS.map(hex));
  });

  it('tf_model_settings.h: compiles as C99, labels and axes are the UTF-8 bytes', () => {
    const d = dir();
    writeFileSync(join(d, 'tf_model_settings.h'), settingsHeader({ settings, inputBytes: 4, outputBytes: N, modelSha256: 'ab'.repeat(32) }).contents);
    writeFileSync(
      join(d, 'main.c'),
      `#include <stdio.h>\n#include "tf_model_settings.h"\n${HEX_DUMP}int main(void) {\n  int i;\n  for (i = 0; i < TF_MODEL_NUM_CLASSES; i++) dump(tf_model_labels[i]);\n  for (i = 0; i < TF_MODEL_NUM_AXES; i++) dump(tf_model_axes[i]);\n  return (int)(tf_model_norm_mean[0] + tf_model_norm_std[0]) - 1;\n}\n`,
    );
    run('gcc', [...STRICT_C, 'main.c', '-o', 'labels'], d);
    expect(run('./labels', [], d).trim().split('\n')).toEqual([...LABELS, ...settings.axes].map(hex));
  });

  it('tf_model_native.c (native engine, tensor names in comments): compiles as C99', () => {
    const d = dir();
    const { files } = emitNativeEngine(model, { modelSha256: 'cd'.repeat(32) });
    for (const f of files) writeFileSync(join(d, f.path), f.contents);
    const inc = ['-I', join(REPO_ROOT, 'firmware/core'), '-I', join(REPO_ROOT, 'firmware/native')];
    run('gcc', [...STRICT_C, '-fsyntax-only', ...inc, ...files.filter((f) => f.path.endsWith('.c')).map((f) => f.path)], d);
  });

  it('tf_engine_tflm_config.h: compiles as C++', () => {
    const d = dir();
    writeFileSync(join(d, 'tf_engine_tflm_config.h'), tflmConfigHeader({ model, modelSha256: 'ef'.repeat(32) }).contents);
    writeFileSync(join(d, 'main.cc'), 'enum { kTfLiteOk = 0 };\n#include "tf_engine_tflm_config.h"\nint main() { return tf_tflm_op_names[0][0] == 0; }\n');
    run('g++', [...STRICT_CXX, '-fsyntax-only', 'main.cc'], d);
  });
});

// Seeded random strings built from the dangerous fragments and arbitrary code points: one C file
// holds every string as a literal (printed back as hex, compared with TextEncoder) and in a `//`
// and a `/* */` comment each followed by a declaration the program uses, so a comment that
// swallowed or spliced a line fails the compile, and an escape that altered a byte fails the compare.
describe.skipIf(!hasTool('gcc'))('property: random hostile strings stay literal text', () => {
  const fragments = fc.constantFrom('\\', '?', '??', '*', '/', '*/', '/*', '\n', '\r', '"', "'", '#', '\u2028', '\t', 'f', '0', 'ö', '😀');
  // Any code point but NUL and the surrogate range (cString refuses those, tested above).
  const codePoint = fc.integer({ min: 1, max: 0x10ffff }).filter((c) => c < 0xd800 || c > 0xdfff).map((c) => String.fromCodePoint(c));
  const hostile = fc.array(fc.oneof(fragments, fc.string({ unit: codePoint, maxLength: 4 })), { maxLength: 8 }).map((p) => p.join(''));
  const strings = fc.sample(hostile, { seed: 424242, numRuns: 300 });

  it('compiles under -trigraphs -Werror and prints the UTF-8 bytes back', () => {
    const d = dir();
    const lines = ['#include <stdio.h>', HEX_DUMP.trim()];
    strings.forEach((x, i) => lines.push(`// ${cCommentText(x)}`, `static const int a${i} = ${i};`, `/* ${cCommentText(x)} */ static const int b${i} = ${i};`, `static const char* const s${i} = ${cString(x)};`));
    lines.push('int main(void) {', '  long sum = 0;');
    strings.forEach((_, i) => lines.push(`  sum += a${i} - b${i}; dump(s${i});`));
    lines.push('  return sum != 0;', '}', '');
    writeFileSync(join(d, 'p.c'), lines.join('\n'));
    run('gcc', [...STRICT_C, 'p.c', '-o', 'p'], d);
    expect(run('./p', [], d).split('\n').slice(0, -1)).toEqual(strings.map(hex));
  });
});

describe.skipIf(!hasTool('arm-none-eabi-gcc') || !hasTool('make'))('a whole firmware project (virtual board, native engine) builds with the hostile model and settings', () => {
  it('make succeeds (the Makefile builds with -Werror)', () => {
    const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model, modelBytes, settings, sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
    const d = writeProject(join(dir(), 'fw'), project.files);
    run('make', ['-s', 'EXTRA_CFLAGS=-trigraphs'], d);
  }, 120_000);

  it('the TFLM project\'s model_data.cpp compiles with the cross g++', () => {
    const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'tflm', model, modelBytes, settings, sources: readFirmwareSources() });
    const d = writeProject(join(dir(), 'fw'), project.files);
    run('arm-none-eabi-g++', [...STRICT_CXX, '-fsyntax-only', '-Isrc', 'src/model_data.cpp'], d);
  });
});

/** Starts a board, reads INFO's labels over its serial link, stops the board. */
async function infoLabels(start: () => Promise<RunningBoard>): Promise<string[]> {
  const board = await start();
  try {
    const client = await DeviceClient.connect(new SerialTransport(board.path), { baseTimeoutMs: 2000 });
    try {
      return client.info!.labels;
    } finally {
      await client.close();
    }
  } finally {
    await board.stop();
  }
}

describe.skipIf(!hasTool('gcc'))('Unicode and hostile labels round-trip through INFO', () => {
  it('host board (device app + native engine built with gcc -Werror)', async () => {
    expect(await infoLabels(() => startHostModelBoard(modelBytes, settings))).toEqual(LABELS);
  }, 120_000);

  it.skipIf(!hasTool('qemu-system-arm') || !hasTool('arm-none-eabi-gcc'))('virtual board (QEMU mps2-an386)', async () => {
    expect(await infoLabels(() => startVirtualModelBoard(modelBytes, settings))).toEqual(LABELS);
  }, 180_000);
});

describe('names the device cannot report whole are refused', () => {
  it('a label over 255 UTF-8 bytes (INFO has one length byte per name) is bad-input', () => {
    // 128 × "ö" = 256 bytes in UTF-8 but only 128 UTF-16 units: the limit is on bytes.
    const long = { ...settings, labels: [...LABELS.slice(1), 'ö'.repeat(128)] };
    expect(() => settingsHeader({ settings: long, inputBytes: 4, outputBytes: N })).toThrow(/256 bytes in UTF-8/);
    const ok = { ...settings, labels: [...LABELS.slice(1), 'ö'.repeat(127)] };
    expect(settingsHeader({ settings: ok, inputBytes: 4, outputBytes: N }).contents).toContain('\\303\\266');
  });
});

describe('counts INFO cannot carry are refused, not wrapped', () => {
  it('256 classes, 256 axes or a window of 65536 samples is bad-input', () => {
    const many = (n: number, p: string) => Array.from({ length: n }, (_, i) => `${p}${i}`);
    const cases: ModelSettings[] = [
      { ...settings, labels: many(256, 'c') },
      { ...settings, axes: many(256, 'a'), normalisation: { mean: new Array(256).fill(0), std: new Array(256).fill(1) } },
      { ...settings, windowLength: 65536 },
    ];
    for (const s of cases) expect(() => settingsHeader({ settings: s, inputBytes: 4, outputBytes: N })).toThrow(/device protocol reports at most/);
    expect(settingsHeader({ settings: { ...settings, labels: many(255, 'c') }, inputBytes: 4, outputBytes: 255 }).contents).toContain('TF_MODEL_NUM_CLASSES 255');
  });

  it('settings derived from a model with a huge output are refused before anything is allocated', () => {
    const g: Graph = { ...graph, tensors: graph.tensors.map((t, i) => (i === 3 ? { ...t, shape: [1, 2 ** 31 - 1] } : t)) };
    expect(() => settingsFromGraph(g)).toThrow(TinyforgeError);
  });
});
