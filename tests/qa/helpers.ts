// Small self-contained fixtures for the QA tests: a tiny int8 classifier written as a real .tflite,
// settings that match it, a minimal ARM ELF header, and a CLI runner.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelSettings } from '../../src/core/dataset.js';
import type { Graph } from '../../src/core/graph.js';
import { writeTflite } from '../../src/tflite/writer.js';

export const REPO = join(new URL('.', import.meta.url).pathname, '..', '..');
export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

const q = (scale: number, zp: number) => ({ scale: [Math.fround(scale)], zeroPoint: [zp], quantizedDimension: 0 });

/** A window of 4 samples × 3 axes (12 int8 values) → FULLY_CONNECTED → 2 classes. */
export function tinyClassifier(): Graph {
  const w = Int8Array.from({ length: 24 }, (_, i) => ((i * 37) % 255) - 127);
  return {
    tensors: [
      { name: 'window', dtype: 'int8', shape: [1, 12], quant: q(0.05, -3) },
      { name: 'w', dtype: 'int8', shape: [2, 12], data: new Uint8Array(w.buffer), quant: q(0.01, 0) },
      { name: 'b', dtype: 'int32', shape: [2], data: new Uint8Array(Int32Array.from([100, -100]).buffer) },
      { name: 'logits', dtype: 'int8', shape: [1, 2], quant: q(0.1, 4) },
    ],
    operators: [{ op: 'FULLY_CONNECTED', inputs: [0, 1, 2], outputs: [3], options: { fusedActivation: 'NONE', keepNumDims: false } }],
    inputs: [0],
    outputs: [3],
  };
}

/** Settings as `tinyforge train` writes them for tinyClassifier (no I/O quantisation yet). */
export function tinySettings(): ModelSettings {
  return {
    task: 'classification',
    labels: ['still', 'moving'],
    axes: ['aX', 'aY', 'aZ'],
    units: ['g', 'g', 'g'],
    sampleRateHz: 50,
    windowLength: 4,
    windowStride: 2,
    normalisation: { mean: [0, 0, 1], std: [0.5, 0.5, 0.5] },
  };
}

/** Writes the tiny model and its settings into a fresh folder. */
export function tinyProject(): { dir: string; model: string; settings: string } {
  const dir = tempDir('tf-qa-');
  const model = join(dir, 'model.tflite');
  const settings = join(dir, 'settings.json');
  writeFileSync(model, writeTflite(tinyClassifier()));
  writeFileSync(settings, JSON.stringify(tinySettings(), null, 2));
  return { dir, model, settings };
}

/** The first 52 bytes of a 32-bit little-endian ARM executable ELF: enough for the image check. */
export function armElfHeader(): Uint8Array {
  const h = new Uint8Array(52);
  h.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  h[16] = 2; // ET_EXEC
  h[18] = 40; // EM_ARM
  h[20] = 1; // EV_CURRENT
  return h;
}

/**
 * A stand-in for qemu-system-arm: writes its pid to `pidFile`, prints the pty line QEMU prints
 * (unless `silent`), then sleeps `lifeSeconds` and exits with `exitCode`.
 */
export function fakeQemu(dir: string, opts: { silent?: boolean; lifeSeconds?: number; exitCode?: number; trapTermSeconds?: number } = {}): { path: string; pidFile: string } {
  // Without an exit code the shell is replaced by `sleep`, so a signal reaches the process at once.
  // `trapTermSeconds`: the shell stays, and on SIGTERM takes that long to exit (a slow shutdown).
  const pidFile = join(dir, 'qemu.pid');
  const path = join(dir, 'fake-qemu.sh');
  const slow = opts.trapTermSeconds !== undefined;
  writeFileSync(
    path,
    [
      '#!/bin/sh',
      `echo $$ > '${pidFile}'`,
      slow ? `trap 'sleep ${opts.trapTermSeconds}; exit 0' TERM` : '',
      opts.silent ? '' : `echo 'char device redirected to /dev/pts/999 (label serial0)'`,
      slow ? `i=0; while [ $i -lt ${(opts.lifeSeconds ?? 60) * 10} ]; do sleep 0.1; i=$((i+1)); done` : opts.exitCode === undefined ? `exec sleep ${opts.lifeSeconds ?? 60}` : `sleep ${opts.lifeSeconds ?? 60}`,
      opts.exitCode === undefined ? '' : `exit ${opts.exitCode}`,
      '',
    ].join('\n'),
  );
  chmodSync(path, 0o755);
  return { path, pidFile };
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function cli(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['bin/tinyforge.mjs', ...args], { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
}

export function cliAsync(args: string[], env: Record<string, string> = {}): ChildProcess & { out: () => string; err: () => string } {
  const child = spawn(process.execPath, ['bin/tinyforge.mjs', ...args], { cwd: REPO, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return Object.assign(child, { out: () => out, err: () => err });
}

/** Polls `cond` every `everyMs` (default 50) until it holds or `ms` pass. */
export async function until(cond: () => boolean, ms: number, everyMs = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return cond();
}
