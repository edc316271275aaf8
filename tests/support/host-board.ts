/**
 * The host board (firmware/boards/host/): builds the device app + an engine as a Linux program and
 * launches it on a pty, the way the virtual board launches QEMU. Adapter module (runs gcc, spawns).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../src/core/shared.js';
import { deviceError, toolError } from '../../src/core/errors.js';

const run = promisify(execFile);

export interface HostBoardBuild {
  /** Where to build; created if missing. */
  outDir: string;
  /** Contents of the generated tf_model_settings.h. */
  settingsHeader: string;
  /** Contents of the generated tf_features_config.h (default: no feature block, raw windows). */
  featuresHeader?: string;
  /** Engine sources implementing tf_engine.h (C). */
  engineSources: string[];
  /** Extra -D / -I flags. */
  cflags?: string[];
  /** Generated files (e.g. the native engine's model code) written into outDir; their .c files are compiled. */
  files?: { path: string; contents: string }[];
}

/** Sources of the device app and the host board, relative to the repo. */
export const HOST_BOARD_SOURCES = ['firmware/core/tf_app.c', 'firmware/core/tf_model.c', 'firmware/core/tf_resample.c', 'firmware/core/tf_link.c', 'firmware/boards/host/tf_board_host.c', 'firmware/features/tf_features.c'];

/** tf_features_config.h of a raw-window model (what featuresHeader writes when the settings have no feature block). */
export const RAW_FEATURES_HEADER = ['#ifndef TF_FEATURES_CONFIG_H', '#define TF_FEATURES_CONFIG_H', '#define TF_FEATURES_BLOCK_RAW 0', '#define TF_FEATURES_BLOCK_SPECTRAL 1', '#define TF_FEATURES_BLOCK_FLATTEN 2', '#define TF_FEATURES_BLOCK 0', '#define TF_FEATURES_COUNT 0', '#define TF_FEATURES_RAW_BYTES 0', '#define TF_FEATURES_HAVE_QUANT 0', '#endif', ''].join('\n');

/** Compiles the host board program with gcc (-Werror); returns the executable path. */
export async function buildHostBoard(b: HostBoardBuild): Promise<string> {
  mkdirSync(b.outDir, { recursive: true });
  writeFileSync(join(b.outDir, 'tf_model_settings.h.tmp'), b.settingsHeader);
  renameSync(join(b.outDir, 'tf_model_settings.h.tmp'), join(b.outDir, 'tf_model_settings.h'));
  writeFileSync(join(b.outDir, 'tf_features_config.h.tmp'), b.featuresHeader ?? RAW_FEATURES_HEADER);
  renameSync(join(b.outDir, 'tf_features_config.h.tmp'), join(b.outDir, 'tf_features_config.h'));
  for (const f of b.files ?? []) {
    mkdirSync(dirname(join(b.outDir, f.path)), { recursive: true });
    writeFileSync(join(b.outDir, f.path), f.contents);
  }
  const generatedC = (b.files ?? []).filter((f) => f.path.endsWith('.c')).map((f) => join(b.outDir, f.path));
  const exe = join(b.outDir, 'tf_host_board');
  const args = ['-std=c99', '-O2', '-Wall', '-Wextra', '-Werror', '-I', b.outDir, '-I', join(REPO_ROOT, 'firmware/core'), '-I', join(REPO_ROOT, 'firmware/features'), ...(b.cflags ?? []),
    '-o', exe, ...HOST_BOARD_SOURCES.map((s) => join(REPO_ROOT, s)), ...b.engineSources.filter((f) => f.endsWith('.c') || f.endsWith('.cc')), ...generatedC, '-lm'];
  try {
    await run('gcc', args);
  } catch (e) {
    const err = e as { stderr?: string; code?: string };
    throw toolError(err.code === 'ENOENT' ? 'gcc not found' : `gcc failed building the host board: ${String(err.stderr ?? '').slice(0, 2000)}`, {
      remedy: 'install gcc (scripts/setup.sh) and check the engine sources',
    });
  }
  return exe;
}

export interface PtyProcess {
  /** The pty slave path to open with SerialTransport. */
  path: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts a program that announces its serial pty the way QEMU does
 * ("char device redirected to /dev/pts/N (label …)") on stdout or stderr, and waits for the path.
 */
export function startPtyProgram(cmd: string, args: string[], timeoutMs = 10000): Promise<PtyProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let done = false;
    const stop = () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
      });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      void stop();
      reject(deviceError(`${cmd} did not announce a pty within ${timeoutMs} ms`, { details: { output: text.slice(-500) }, remedy: 'run it by hand to see why it does not start' }));
    }, timeoutMs);
    const scan = (b: Buffer) => {
      text += b.toString();
      const m = /char device redirected to (\/dev\/\S+)/.exec(text);
      if (m && !done) {
        done = true;
        clearTimeout(timer);
        resolve({ path: m[1], process: child, stop });
      }
    };
    child.stdout!.on('data', scan);
    child.stderr!.on('data', scan);
    child.on('error', (e) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(toolError(`cannot start ${cmd}`, { cause: e, remedy: 'build it first' }));
    });
    child.on('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(deviceError(`${cmd} exited (code ${code}) before announcing a pty`, { details: { output: text.slice(-500) }, remedy: 'run it by hand to see the error' }));
    });
  });
}

/** Launches a built host board on a pty (traceSamples: log raw and resampled IMU samples, see tf_board_host.c). */
export function startHostBoard(exe: string, opts: { imuRateHz?: number; traceSamples?: string } = {}): Promise<PtyProcess> {
  return startPtyProgram(exe, ['--pty', ...(opts.imuRateHz ? ['--imu-rate', String(opts.imuRateHz)] : []), ...(opts.traceSamples ? ['--trace-samples', opts.traceSamples] : [])]);
}
