// Test helpers for tests/native: compile generated native-engine C with the portable kernels and
// the test-only host runner, and run it on input byte files.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';
import { nativeKernelFiles } from '../../src/firmware/native/index.js';
import type { GeneratedFile } from '../../src/core/cemit.js';

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

let kernelObjects: string[] | null = null;
/** The portable kernels compiled once per test process (host gcc, -Werror). */
export function hostKernelObjects(): string[] {
  if (kernelObjects) return kernelObjects;
  const dir = tempDir('tf-native-k-');
  kernelObjects = nativeKernelFiles()
    .filter((f) => f.endsWith('.c'))
    .map((src, i) => {
      const obj = join(dir, `k${i}.o`);
      execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, '-c', src, '-o', obj]);
      return obj;
    });
  return kernelObjects;
}

/**
 * Compile generated files + kernels + tests/native/host_runner.c into an executable. `extra`: more
 * C sources linked after the portable kernels (e.g. strong DSP kernels), and their flags.
 */
export function buildRunner(files: GeneratedFile[], dir: string, extra: { sources?: string[]; cflags?: string[] } = {}): string {
  mkdirSync(dir, { recursive: true });
  const srcs = files.map((f) => {
    const p = join(dir, f.path);
    writeFileSync(p, f.contents);
    return p;
  });
  const exe = join(dir, 'runner');
  const c = [...srcs.filter((s) => s.endsWith('.c')), join(REPO_ROOT, 'tests', 'native', 'host_runner.c'), ...(extra.sources ?? [])];
  execFileSync('gcc', [...HOST_FLAGS, ...INCLUDES, ...(extra.cflags ?? []), ...c, ...hostKernelObjects(), '-o', exe], {
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
