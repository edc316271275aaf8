// Test helpers for tests/native: compile generated native-engine C with the portable kernels and
// the test-only host runner, and run it on input byte files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { nativeKernelFiles } from '../../src/firmware/native/index.js';
import type { GeneratedFile } from '../../src/core/cemit.js';
import type { Graph, TfliteModel } from '../../src/core/graph.js';

export const HOST_FLAGS = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror'];
export const ARM_FLAGS = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=hard', '-mfpu=fpv4-sp-d16'];
export const INCLUDES = ['-I', join(REPO_ROOT, 'firmware', 'core'), '-I', join(REPO_ROOT, 'firmware', 'native'), '-I', join(REPO_ROOT, 'firmware', 'native', 'dsp')];

export function hasTool(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const kernelObjects = new Map<string, string[]>();
/** The portable kernels compiled once per test process and flag set (host gcc, -Werror). */
export function hostKernelObjects(cflags: string[] = []): string[] {
  const key = cflags.join(' ');
  const have = kernelObjects.get(key);
  if (have) return have;
  const dir = tempDir('tf-native-k-');
  const objs = nativeKernelFiles()
    .filter((f) => f.endsWith('.c'))
    .map((src, i) => {
      const obj = join(dir, `k${i}.o`);
      execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, ...cflags, '-c', src, '-o', obj]);
      return obj;
    });
  kernelObjects.set(key, objs);
  return objs;
}

/** gcc's -fsanitize=undefined aborting at the first report (every shift, overflow and bound check). */
export const UBSAN_FLAGS = ['-fsanitize=undefined', '-fno-sanitize-recover=all', '-g'];

/**
 * Whether the host gcc can build and run a program with UBSan (libubsan present). Outside CI a
 * missing UBSan skips its tests visibly; with TINYFORGE_REQUIRE_UBSAN=1 (.ci/run) it is an error,
 * the same rule as TINYFORGE_REQUIRE_CHROMIUM and TINYFORGE_REQUIRE_SHARED.
 */
export function ubsanAvailable(): boolean {
  let ok = false;
  try {
    const dir = tempDir('tf-ubsan-probe-');
    writeFileSync(join(dir, 'p.c'), 'int main(void) { return 0; }\n');
    execFileSync('gcc', [...UBSAN_FLAGS, join(dir, 'p.c'), '-o', join(dir, 'p')], { stdio: 'ignore' });
    execFileSync(join(dir, 'p'), [], { stdio: 'ignore' });
    ok = true;
  } catch {
    ok = false;
  }
  if (!ok && process.env.TINYFORGE_REQUIRE_UBSAN === '1') {
    throw new Error('gcc with -fsanitize=undefined is required (TINYFORGE_REQUIRE_UBSAN=1) but cannot build and run a program: install gcc and libubsan (scripts/setup.sh)');
  }
  return ok;
}

/**
 * Compile generated files + kernels + tests/native/host_runner.c into an executable. `extra`: more
 * C sources linked after the portable kernels (e.g. strong DSP kernels), and their flags; with
 * `kernelFlags` the portable kernels are compiled with those flags (e.g. UBSAN_FLAGS).
 */
export function buildRunner(files: GeneratedFile[], dir: string, extra: { sources?: string[]; cflags?: string[]; kernelFlags?: string[] } = {}): string {
  mkdirSync(dir, { recursive: true });
  const srcs = files.map((f) => {
    const p = join(dir, f.path);
    writeFileSync(p, f.contents);
    return p;
  });
  const exe = join(dir, 'runner');
  const c = [...srcs.filter((s) => s.endsWith('.c')), join(REPO_ROOT, 'tests', 'native', 'host_runner.c'), ...(extra.sources ?? [])];
  execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, ...(extra.cflags ?? []), ...c, ...hostKernelObjects(extra.kernelFlags), '-o', exe], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return exe;
}

/** Run the engine on several inputs in one process; returns the output bytes per input. */
export function runEngine(exe: string, inputs: Uint8Array[], dir: string): { outputs: Uint8Array[]; info: { arena_bytes: number; input_bytes: number; output_bytes: number } } {
  const args: string[] = [];
  inputs.forEach((b, k) => {
    const i = join(dir, `in-${k}.bin`);
    writeFileSync(i, b);
    args.push(i, join(dir, `got-${k}.bin`));
  });
  const stdout = execFileSync(exe, args, { encoding: 'utf8' });
  const outputs = inputs.map((_, k) => new Uint8Array(readFileSync(join(dir, `got-${k}.bin`))));
  return { outputs, info: JSON.parse(stdout.trim()) };
}

/** Compile generated C for Cortex-M4 (object only). Returns the compiler's stderr (warnings). */
export function armCompile(files: GeneratedFile[], dir: string): string {
  mkdirSync(dir, { recursive: true });
  let stderr = '';
  for (const f of files.filter((x) => x.path.endsWith('.c'))) {
    const p = join(dir, f.path);
    writeFileSync(p, f.contents);
    const out = execFileSync('arm-none-eabi-gcc', [...ARM_FLAGS, ...INCLUDES, '-c', p, '-o', p + '.o'], { stdio: ['ignore', 'pipe', 'pipe'] });
    stderr += out.toString();
  }
  return stderr;
}

export { existsSync };

/** Per-tensor quantisation parameters. */
export const qp = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });
/** The bytes of a typed array (a constant tensor's data). */
export const bytesOf = (a: Int8Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** The C library's LCG constants, 24 bits per call: test data that is the same on every run. */
export function lcg(seed: number): () => number {
  let s = seed | 0;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) | 0), (s >>> 8) & 0xffffff);
}

/**
 * A model of a given flash size (the flash-budget tests): input [1, inputs] → FULLY_CONNECTED (units × inputs int8 weights, per-tensor, zero point 0) → FULLY_CONNECTED (10 × units) → output.
 */
export function denseModel(inputs: number, units: number): TfliteModel {
  let s = 12345;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) | 0), (s >>> 8) & 0xff);
  const w = Int8Array.from({ length: units * inputs }, () => rnd() - 128);
  const b = Int32Array.from({ length: units }, (_, i) => (i * 37) % 2001 - 1000);
  const w2 = Int8Array.from({ length: 10 * units }, () => rnd() - 128);
  const hScale = 0.05 * 0.004 * Math.sqrt(inputs) * 60;
  const g: Graph = {
    tensors: [
      { name: 'in', dtype: 'int8', shape: [1, inputs], quant: qp(0.05, -3) },
      { name: 'w', dtype: 'int8', shape: [units, inputs], data: new Uint8Array(w.buffer), quant: qp(0.004, 0) },
      { name: 'b', dtype: 'int32', shape: [units], data: new Uint8Array(b.buffer), quant: qp(Math.fround(0.05) * Math.fround(0.004), 0) },
      { name: 'hidden', dtype: 'int8', shape: [1, units], quant: qp(hScale, 5) },
      { name: 'w2', dtype: 'int8', shape: [10, units], data: new Uint8Array(w2.buffer), quant: qp(0.004, 0) },
      { name: 'out', dtype: 'int8', shape: [1, 10], quant: qp(hScale * 0.004 * Math.sqrt(units) * 60, -7) },
    ],
    operators: [
      { op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'RELU', keepNumDims: false } },
      { op: 'FULLY_CONNECTED', inputs: [3, 4, -1], outputs: [5], options: { fusedActivation: 'NONE', keepNumDims: false } },
    ],
    inputs: [0],
    outputs: [5],
  };
  return { graph: g, version: 3, description: 'flash budget test', metadata: [] };
}
