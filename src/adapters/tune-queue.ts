/**
 * Trials across machines with BullMQ on Redis (no home-made distribution):
 *
 *  - `queueExecutor(url)` (the coordinator, `tinyforge tune --queue redis://HOST:PORT`) publishes each
 *    trial as a job whose id is `<search>-<trial>-r<rung>` and waits for its result through
 *    QueueEvents. A job already in the queue under that id (a coordinator restarted mid-search) is
 *    not published twice: a finished one gives its result at once, a running one is waited for.
 *  - `runQueueWorker(url)` (`tinyforge worker --queue …`) takes jobs and runs each in its own process
 *    (trial-process.ts). A worker killed mid-trial stops renewing its job's lock; BullMQ's stalled-job
 *    check moves the job back to the queue and another worker runs it again (the trial is
 *    deterministic, so the re-run gives the same result). A worker that refuses a job (another
 *    tinyforge version, data it does not have) fails it as unrecoverable, with the typed error as
 *    JSON, and the coordinator stops with that error.
 *
 * The job carries the candidate, its epochs and seed, and the data section plus the data's content
 * hash: the data itself is shared, not shipped (the built-in data is generated the same everywhere;
 * recordings must be at the same path on every worker, e.g. a shared folder).
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { TinyforgeError, causeText, toolError, usageError } from '../core/errors.js';
import type { TuneJob, TuneJobResult } from '../service/tune.js';
import { errorFromJson, runTrialInChild, type ErrorJson, type TrialExecutor } from './trial-process.js';

export const QUEUE_NAME = 'tinyforge-tune';

/** Lock and stalled-check periods (ms): how soon a killed worker's trial goes back to the queue. */
export function queueTimings(): { lockDuration: number; stalledInterval: number } {
  const lock = Number(process.env.TINYFORGE_QUEUE_LOCK_MS ?? 30_000);
  return { lockDuration: lock, stalledInterval: Math.max(500, Math.round(lock / 2)) };
}

/** Checks a `redis://HOST:PORT` URL (usage error otherwise). */
export function parseQueueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw usageError(`--queue ${url} is not a URL`, { remedy: 'pass --queue redis://HOST:PORT (e.g. redis://127.0.0.1:6379)' });
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw usageError(`--queue ${url} is not a redis:// URL`, { remedy: 'pass --queue redis://HOST:PORT' });
  return url;
}

/** One PING with a short timeout: an unreachable Redis is a clear error, never a hang. */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  parseQueueUrl(url);
  const r = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    throw toolError(`cannot reach Redis at ${url}: ${causeText(e)}`, {
      cause: e,
      remedy: 'start Redis there (Debian: apt-get install redis-server; redis-server --port PORT) or fix the --queue URL; the coordinator and every worker must reach it',
    });
  } finally {
    r.disconnect();
  }
}

const connectionOf = (url: string) => ({ url, maxRetriesPerRequest: null });

/** The typed error a worker put in a failed job's reason, or a plain trial failure. */
function jobError(reason: string): TinyforgeError {
  try {
    const j = JSON.parse(reason) as ErrorJson;
    if (j && typeof j.message === 'string' && typeof j.error === 'string') return errorFromJson(j);
  } catch {
    /* not ours */
  }
  return new TinyforgeError('internal', `the trial failed on a queue worker: ${reason}`);
}

/** Publishes trials to the queue and waits for their results. */
export async function queueExecutor(url: string): Promise<TrialExecutor> {
  await checkRedis(url);
  const queue = new Queue(QUEUE_NAME, { connection: connectionOf(url) });
  const events = new QueueEvents(QUEUE_NAME, { connection: connectionOf(url) });
  queue.on('error', () => {});
  events.on('error', () => {});
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    describe: `queue workers via ${url}`,
    async run(job: TuneJob, signal?: AbortSignal): Promise<TuneJobResult> {
      const jobId = `${job.search}-${job.id}-r${job.rung}`;
      let j: Job | undefined = await queue.getJob(jobId);
      if (j && (await j.getState()) === 'failed') {
        await j.remove();
        j = undefined;
      }
      j ??= await queue.add('trial', job, { jobId, attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
      const aborted = new Promise<never>((_, reject) => {
        if (!signal) return;
        const on = () => reject(signal.reason ?? new TinyforgeError('interrupted', 'interrupted'));
        if (signal.aborted) on();
        else signal.addEventListener('abort', on, { once: true });
      });
      aborted.catch(() => {});
      try {
        const state = await j.getState();
        if (state === 'completed') return (await queue.getJob(jobId))!.returnvalue as TuneJobResult;
        return (await Promise.race([j.waitUntilFinished(events), aborted])) as TuneJobResult;
      } catch (e) {
        if (signal?.aborted) throw e;
        throw e instanceof TinyforgeError ? e : jobError(causeText(e));
      }
    },
    async close() {
      await events.close();
      await queue.close();
    },
  };
}

export interface QueueWorkerOptions {
  /** Trials run at once by this worker (each in its own process). Default 1. */
  concurrency?: number;
  /** Name recorded with each trial (default host:pid). */
  name?: string;
  signal?: AbortSignal;
  onEvent?: (e: { type: 'ready' | 'start' | 'done' | 'failed'; job?: TuneJob; message?: string }) => void;
}

/** Runs trials from the queue until the signal aborts. */
export async function runQueueWorker(url: string, o: QueueWorkerOptions = {}): Promise<void> {
  await checkRedis(url);
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const t = queueTimings();
  const worker = new Worker(
    QUEUE_NAME,
    async (j: Job) => {
      const job = j.data as TuneJob;
      o.onEvent?.({ type: 'start', job });
      try {
        const r = await runTrialInChild(job, { worker: name, signal: o.signal });
        o.onEvent?.({ type: 'done', job });
        return r;
      } catch (e) {
        o.onEvent?.({ type: 'failed', job, message: causeText(e) });
        // A trial's own failure is deterministic: no point retrying it; the typed error goes back as JSON.
        if (e instanceof TinyforgeError && e.kind !== 'internal') throw new UnrecoverableError(JSON.stringify(e.toJSON()));
        throw e;
      }
    },
    { connection: connectionOf(url), concurrency: o.concurrency ?? 1, lockDuration: t.lockDuration, stalledInterval: t.stalledInterval, maxStalledCount: 3 },
  );
  worker.on('error', () => {});
  await worker.waitUntilReady();
  o.onEvent?.({ type: 'ready' });
  await new Promise<void>((resolve) => {
    if (!o.signal) return;
    if (o.signal.aborted) resolve();
    else o.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await worker.close(true);
}
