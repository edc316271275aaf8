/**
 * Ctrl-C tests of the real binary, and their stress mode (not a test file).
 *
 * `TINYFORGE_STRESS=N` (`npm run stress:signals` sets it) makes every signal test repeat N times
 * while busy-loop processes keep every core loaded — the conditions in which issue 18's CI run lost
 * a capture to its second Ctrl-C. Without it each signal test runs its moments once, unloaded.
 *
 * The outcomes a test accepts are the ones src/adapters/signals.ts documents: after the first
 * Ctrl-C, whatever the moment of the second, the process exits with a code (130 for an
 * interrupted capture), never by the signal, and its files are complete.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';

/** Rounds each signal test runs (TINYFORGE_STRESS, default 1). */
export const STRESS_ROUNDS = Math.max(1, Math.floor(Number(process.env.TINYFORGE_STRESS ?? 1)) || 1);
export const STRESSED = STRESS_ROUNDS > 1;
/** A signal test's timeout: the suite's 300 s, or `perRoundMs` per stress round when that is longer. */
export const stressTimeout = (perRoundMs: number) => Math.max(300_000, STRESS_ROUNDS * perRoundMs);

/**
 * When the second Ctrl-C lands, relative to the first: right after it (same tick), a few ms later
 * (while the stream stops), later (while files are renamed and the summary printed), and once the
 * summary is on stdout (while the process ends). Round r uses moment r mod the list.
 */
export type SecondCtrlC = { afterMs: number } | 'after-summary' | 'none';
export const SECOND_CTRL_C_MOMENTS: SecondCtrlC[] = [{ afterMs: 0 }, { afterMs: 2 }, { afterMs: 15 }, { afterMs: 50 }, { afterMs: 120 }, { afterMs: 300 }, 'after-summary'];

/**
 * The moments one test covers: `normal` (a few, to keep the suite fast), or in stress mode
 * STRESS_ROUNDS of them cycling through every moment.
 */
export function momentsForRun(normal: SecondCtrlC[]): SecondCtrlC[] {
  if (!STRESSED) return normal;
  return Array.from({ length: STRESS_ROUNDS }, (_, r) => SECOND_CTRL_C_MOMENTS[r % SECOND_CTRL_C_MOMENTS.length]);
}

export const describeMoment = (m: SecondCtrlC) => (typeof m === 'string' ? m : `${m.afterMs} ms after the first`);

/**
 * Starts one busy-loop process per core (stress mode only; otherwise a no-op) and returns the stop.
 * They are killed on stop and when this process exits.
 */
export function cpuLoad(on = STRESSED): () => void {
  if (!on) return () => {};
  const kids: ChildProcess[] = [];
  // Each loop ends by itself once this process is gone (it polls our pid) or after 30 min:
  // a test killed on a timeout must not leave the machine loaded.
  const loop = 'const p = Number(process.argv[1]), t0 = Date.now(); for (let t = t0; ; ) { if (Date.now() - t > 200) { t = Date.now(); try { process.kill(p, 0); } catch { process.exit(0); } if (t - t0 > 1800e3) process.exit(0); } }';
  for (let i = 0; i < availableParallelism(); i++) kids.push(spawn(process.execPath, ['-e', loop, String(process.pid)], { stdio: 'ignore' }));
  const stop = () => {
    for (const k of kids) if (k.exitCode === null && k.signalCode === null) k.kill('SIGKILL');
  };
  process.once('exit', stop);
  return () => {
    process.removeListener('exit', stop);
    stop();
  };
}

export interface SignalledRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Ctrl-Cs actually sent. */
  sent: number;
}

/**
 * Runs `tinyforge ARGS…`; once `ready()` holds (polled every 20 ms) sends Ctrl-C (SIGINT), then a
 * second one at `second`. Killed (SIGKILL) after `timeoutMs` regardless.
 */
export function ctrlCTwice(args: string[], ready: () => boolean, second: SecondCtrlC, timeoutMs = 120_000): Promise<SignalledRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/tinyforge.mjs'), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    let sent = 0;
    let exited = false;
    const send = () => {
      if (exited) return;
      child.kill('SIGINT');
      sent++;
    };
    child.stdout.on('data', (d) => {
      stdout += d;
      // --json: the summary is one object; its closing brace at the start of a line ends it.
      if (second === 'after-summary' && sent === 1 && /\n}\n?$/.test(stdout)) send();
    });
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (sent > 0 || !ready()) return;
      clearInterval(poll);
      send();
      if (typeof second === 'object') {
        if (second.afterMs === 0) send();
        else setTimeout(send, second.afterMs);
      }
    }, 20);
    const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      exited = true;
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, sent });
    });
  });
}

/** Rows of the capture CSV already on disk (FILE.partial, header excluded). */
export const partialRows = (out: string) => (existsSync(out + '.partial') ? readFileSync(out + '.partial', 'utf8').split('\n').length - 2 : 0);

/**
 * The documented outcome of an interrupted capture, whatever the moment of the second Ctrl-C:
 * exit 130 (never death by the signal), one JSON summary saying "interrupted" with more than
 * `minSamples` samples, the CSV holding exactly those rows, the sidecar agreeing, no leftovers.
 */
export function expectInterruptedCapture(r: SignalledRun, out: string, minSamples: number, moment: SecondCtrlC): void {
  const why = `second Ctrl-C ${describeMoment(moment)}: exit ${r.code} ${r.signal}, ${r.sent} sent; stderr: ${r.stderr}; stdout: ${r.stdout}`;
  expect({ code: r.code, signal: r.signal }, why).toEqual({ code: 130, signal: null });
  const sum = JSON.parse(r.stdout); // throws unless stdout is exactly one JSON value
  expect(sum.stopReason, why).toBe('interrupted');
  expect(sum.samples, why).toBeGreaterThan(minSamples);
  expect(readFileSync(out, 'utf8').trim().split('\n').slice(1).length, why).toBe(sum.samples);
  expect(JSON.parse(readFileSync(out + '.json', 'utf8')).samples, why).toBe(sum.samples);
  expect([existsSync(out + '.partial'), existsSync(out + '.json.tmp')], why).toEqual([false, false]);
}
