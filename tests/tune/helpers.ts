// Fixtures of the tune tests: a tiny search (few candidates, 1–2 epochs, small built-in data) and a
// Redis server of the test's own on a free loopback port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeBudget } from '../../src/tune/budget.js';
import { mergeSpace } from '../../src/tune/space.js';
import type { TuneOptions } from '../../src/tune/tune.js';
import type { TrialRecord } from '../../src/tune/search.js';

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));

/** Tools the search needs (the candidates are built and run on the virtual board). */
export function hasFirmwareTools(): boolean {
  const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
  const ok = has('qemu-system-arm') && has('arm-none-eabi-gcc') && has('make');
  if (!ok) console.warn('[tinyforge tests] qemu-system-arm / arm-none-eabi-gcc / make missing: the tune tests are skipped (scripts/setup.sh installs them).');
  return ok;
}

/**
 * A search small enough for a test: 4 candidates on 1 s windows from conv1d/dsconv on raw windows
 * and dense networks on the flatten or (one setting of the) spectral front-end — seed 1 proposes
 * two conv1d and two spectral ones —, 1 then 2 epochs.
 */
export function tinySearch(out: string, over: Partial<TuneOptions> = {}): TuneOptions {
  return {
    data: { builtin: { subjects: 6, secondsPerActivity: 20 } },
    space: mergeSpace({
      frontEnd: ['raw', 'flatten', 'spectral'],
      windowSeconds: [1],
      family: ['conv1d', 'dsconv'],
      depth: [1, 2],
      width: [4, 8],
      kernelSize: [3],
      pooling: ['max'],
      learningRate: [0.003],
      epochs: { min: 1, max: 2, eta: 2 },
      spectral: { fftLength: [32], filterType: ['low'], filterCutoff: [8], filterOrder: [2], doFftOverlap: [true], includeMean: [false], magnitude: [false] },
    }),
    budget: makeBudget({ board: 'nano33ble-sense-rev2' }),
    trials: 4,
    seed: 1,
    out,
    generationSize: 4,
    ...over,
  };
}

/** What must be identical however a trial was run (not its timing or worker). */
export function outcome(records: readonly TrialRecord[]) {
  return records
    .map((r) => ({ id: r.id, rung: r.rung, status: r.status, candidate: r.candidate, epochs: r.epochs, epochsRun: r.epochsRun, accuracy: r.accuracy, figures: r.figures, reason: r.reason }))
    .sort((a, b) => a.id - b.id || a.rung - b.rung);
}

/**
 * Debian's redis-server, for the queue tests. Absent: a visible skip, or a failure when
 * TINYFORGE_REQUIRE_REDIS=1 (set by .ci/run).
 */
export function redisForTests(): boolean {
  const ok = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!ok && process.env.TINYFORGE_REQUIRE_REDIS === '1') throw new Error('redis-server is required (TINYFORGE_REQUIRE_REDIS=1) but missing: run scripts/setup.sh');
  if (!ok) console.warn('[tinyforge tests] redis-server not found: the tune queue tests are skipped (scripts/setup.sh installs Debian\'s redis-server).');
  return ok;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A private redis-server on a free loopback port (no persistence); stop() ends it. */
export async function startRedis(): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const p: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/Ready to accept connections/.test(out)) resolve();
    });
    p.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (p.exitCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      }),
  };
}
