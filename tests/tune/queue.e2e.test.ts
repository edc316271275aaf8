// tinyforge tune through BullMQ on a Redis of the test's own: the same tiny search run on the local
// pool and through the queue with two `tinyforge worker` processes gives identical trials, even
// with one worker killed mid-trial (its trial is retried on the other); an unreachable Redis and a
// worker that cannot run a job (another version, no data) are clear errors.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TinyforgeError } from '../../src/core/errors.js';
import { TINYFORGE_VERSION } from '../../src/core/version.js';
import { localTrialPool, tuneData, tuneQueueExecutor, tuneStage, type TuneJob } from '../../src/tune/tune.js';
import { freePort, hasFirmwareTools, outcome, redisForTests, startRedis, tempDir, tinySearch } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/tinyforge.mjs', import.meta.url));
const ready = hasFirmwareTools() && redisForTests();

interface WorkerProc {
  name: string;
  proc: ChildProcess;
  log: string;
  /** Settles with the first trial this worker starts. */
  started: Promise<number>;
}

function startWorker(url: string, name: string): WorkerProc {
  // Its own process group, so killing it kills its trial process too (as a machine going away would).
  const proc = spawn(process.execPath, [BIN, 'worker', '--queue', url, '--name', name, '--lock-ms', '3000'], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const w: WorkerProc = { name, proc, log: '', started: Promise.resolve(0) };
  w.started = new Promise((resolve) => {
    proc.stderr!.on('data', (b: Buffer) => {
      w.log += b.toString();
      const m = /worker: trial #(\d+) rung \d+ start/.exec(w.log);
      if (m) resolve(Number(m[1]));
    });
  });
  return w;
}

function killGroup(w: WorkerProc, sig: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
    w.proc.once('exit', () => resolve());
    try {
      process.kill(-w.proc.pid!, sig);
    } catch {
      resolve();
    }
  });
}

describe.skipIf(!ready)('tinyforge tune through BullMQ on Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const workers: WorkerProc[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const w of workers) await killGroup(w, 'SIGKILL');
    await redis?.stop();
  });

  it('an unreachable Redis is a clear error naming the URL and the remedy', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const e = (await tuneQueueExecutor(url).catch((x) => x)) as TinyforgeError;
    expect(e).toBeInstanceOf(TinyforgeError);
    expect(e.kind).toBe('tool');
    expect(e.message).toContain(`cannot reach Redis at ${url}`);
    expect(e.remedy).toMatch(/redis-server/);
  });

  it('local and queued (two workers, one killed mid-trial) give identical trials; nothing is lost', async () => {
    // One measurement per architecture for both searches: the virtual board's counter ticks every
    // 40 instructions, so two measurements of one firmware may differ by a tick.
    const measureCache = tempDir('tf-tune-measure-');
    const local = await tuneStage(tinySearch(tempDir('tf-tune-local-'), { measureCache }), localTrialPool(2));
    expect(local.counts.trained).toBe(4);

    const a = startWorker(redis.url, 'worker-a');
    const b = startWorker(redis.url, 'worker-b');
    workers.push(a, b);
    let killedTrial = 0;
    void a.started.then(async (id) => {
      killedTrial = id;
      await killGroup(a, 'SIGKILL');
    });
    const exec = await tuneQueueExecutor(redis.url);
    let queued;
    try {
      queued = await tuneStage(tinySearch(tempDir('tf-tune-queue-'), { measureCache }), exec);
    } finally {
      await exec.close();
    }
    expect(killedTrial).toBeGreaterThan(0);
    expect(a.proc.signalCode).toBe('SIGKILL');
    expect(outcome(queued.trials)).toEqual(outcome(local.trials));
    expect(outcome(queued.front)).toEqual(outcome(local.front));
    // The trial killed with worker A ran again on worker B.
    const killed = queued.trials.find((t) => t.id === killedTrial)!;
    expect(killed.status).toBe('done');
    expect(queued.trials.filter((t) => t.status === 'done').every((t) => t.worker === 'worker-b')).toBe(true);
  }, 1_200_000); // two searches of 6 trainings each, one worker for most of the second: an upper bound for a loaded machine, not a timing check

  it('a worker refuses a job of another tinyforge version, or whose data it does not have, with cause and remedy', async () => {
    if (!workers.some((w) => w.proc.exitCode === null && w.proc.signalCode === null)) workers.push(startWorker(redis.url, 'worker-c'));
    const data = tuneData(tinySearch('unused').data);
    const job: TuneJob = {
      kind: 'tinyforge-tune-trial', version: '0.0.0-other', search: 'refusals', id: 1, rung: 0, epochs: 1, seed: 1,
      candidate: { frontEnd: 'raw', windowSeconds: 1, windowStride: 0.5, family: 'conv1d', depth: 1, width: 4, kernelSize: 3, pooling: 'max', learningRate: 0.003 },
      data: tinySearch('unused').data, dataHash: data.hash,
    };
    const exec = await tuneQueueExecutor(redis.url);
    try {
      const v = (await exec.run(job).catch((x) => x)) as TinyforgeError;
      expect(v).toBeInstanceOf(TinyforgeError);
      expect(v.message).toBe(`the trial was published by tinyforge 0.0.0-other; this worker runs tinyforge ${TINYFORGE_VERSION}`);
      expect(v.remedy).toMatch(/same tinyforge version/);
      const d = (await exec.run({ ...job, version: TINYFORGE_VERSION, id: 2, data: { paths: ['/nonexistent/recordings'] } }).catch((x) => x)) as TinyforgeError;
      expect(d).toBeInstanceOf(TinyforgeError);
      expect(d.message).toMatch(/^this worker cannot read the search's data: /);
      expect(d.remedy).toMatch(/same data at the same path/);
      const h = (await exec.run({ ...job, version: TINYFORGE_VERSION, id: 3, dataHash: 'f'.repeat(64) }).catch((x) => x)) as TinyforgeError;
      expect(h.message).toMatch(/^this worker's data differs from the coordinator's/);
    } finally {
      await exec.close();
    }
  });
});
