/**
 * Jobs across machines with BullMQ on Redis (no home-made distribution), for tune's trials:
 *
 *  - `queueExecutor(url, jobId)` (the coordinator, `tinyforge tune --queue redis://HOST:PORT`)
 *    publishes each job under a deterministic id and waits for its result through QueueEvents. A job
 *    already in the queue under that id (a coordinator restarted mid-search) is not published twice:
 *    a finished one gives its result at once, a running one is waited for.
 *  - `runQueueWorker(url, processor)` (`tinyforge worker --queue …`) takes jobs and runs them
 *    (tune runs each in its own process). A worker killed mid-job stops renewing the job's lock;
 *    BullMQ's stalled-job check moves the job back to the queue and another worker runs it again.
 *    A typed error from the processor (other than internal) fails the job as unrecoverable, with the
 *    error as JSON; the coordinator gets it back typed.
 */
import { hostname } from 'node:os';
import { Queue, QueueEvents, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { TinyforgeError, causeText, toolError, usageError } from '../core/errors.js';
import { errorFromJson, type ErrorJson, type JobRunner } from './trial-process.js';

export const QUEUE_NAME = 'tinyforge-tune';

/** Default lock of a running job (ms), renewed by a live worker (`tinyforge worker --lock-ms`). */
export const DEFAULT_LOCK_MS = 30_000;

/**
 * Lock and stalled-check periods (ms) from the lock duration: a killed worker's lock expires after
 * `lockMs`, and the other workers look for such stalled jobs every lockMs / 2 — so its trial goes
 * back to the queue within about 1.5 × lockMs.
 */
export function queueTimings(lockMs = DEFAULT_LOCK_MS): { lockDuration: number; stalledInterval: number } {
  return { lockDuration: lockMs, stalledInterval: Math.max(500, Math.round(lockMs / 2)) };
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

/** Publishes jobs to the queue (id from `jobId`) and waits for their results. */
export async function queueExecutor<J, R>(url: string, jobId: (job: J) => string): Promise<JobRunner<J, R>> {
  await checkRedis(url);
  const queue = new Queue(QUEUE_NAME, { connection: connectionOf(url) });
  const events = new QueueEvents(QUEUE_NAME, { connection: connectionOf(url) });
  queue.on('error', () => {});
  events.on('error', () => {});
  await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
  return {
    describe: `queue workers via ${url}`,
    async run(job: J, signal?: AbortSignal): Promise<R> {
      const id = jobId(job);
      let j: Job | undefined = await queue.getJob(id);
      if (j && (await j.getState()) === 'failed') {
        await j.remove();
        j = undefined;
      }
      j ??= await queue.add('job', job, { jobId: id, attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: false, removeOnFail: false });
      const aborted = new Promise<never>((_, reject) => {
        if (!signal) return;
        const on = () => reject(signal.reason ?? new TinyforgeError('interrupted', 'interrupted'));
        if (signal.aborted) on();
        else signal.addEventListener('abort', on, { once: true });
      });
      aborted.catch(() => {});
      try {
        const state = await j.getState();
        if (state === 'completed') return (await queue.getJob(id))!.returnvalue as R;
        return (await Promise.race([j.waitUntilFinished(events), aborted])) as R;
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

export interface QueueWorkerOptions<J> {
  /** Jobs run at once by this worker. Default 1. */
  concurrency?: number;
  /** This worker's name, handed to the processor (default host:pid). */
  name?: string;
  /** Lock of a running job, ms (default DEFAULT_LOCK_MS): how soon a killed worker's job is retried elsewhere (queueTimings). */
  lockMs?: number;
  signal?: AbortSignal;
  onEvent?: (e: { type: 'ready' | 'start' | 'done' | 'failed'; job?: J; message?: string }) => void;
}

/** Runs jobs from the queue through `processor` until the signal aborts. */
export async function runQueueWorker<J, R>(url: string, processor: (job: J, worker: string, signal?: AbortSignal) => Promise<R>, o: QueueWorkerOptions<J> = {}): Promise<void> {
  await checkRedis(url);
  const name = o.name ?? `${hostname()}:${process.pid}`;
  const t = queueTimings(o.lockMs);
  const worker = new Worker(
    QUEUE_NAME,
    async (j: Job) => {
      const job = j.data as J;
      o.onEvent?.({ type: 'start', job });
      try {
        const r = await processor(job, name, o.signal);
        o.onEvent?.({ type: 'done', job });
        return r;
      } catch (e) {
        o.onEvent?.({ type: 'failed', job, message: causeText(e) });
        // A typed failure is deterministic: no point retrying it; the typed error goes back as JSON.
        // Interrupted (this worker stopping) and internal failures are retried, elsewhere if need be.
        if (e instanceof TinyforgeError && e.kind !== 'internal' && e.kind !== 'interrupted') throw new UnrecoverableError(JSON.stringify(e.toJSON()));
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
