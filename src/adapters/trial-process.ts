/**
 * Trials in their own processes: `runTrialInChild` forks src/adapters/trial-child.ts (through
 * tsx, as the CLI runs), sends it the job and waits for its result; `localPool` runs at most N at
 * once. A child that dies (crash, OOM, killed) is a failed trial with its exit status; an abort
 * (Ctrl-C) kills the running children.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TinyforgeError, internalError, type ErrorKind } from '../core/errors.js';
import type { TuneJob, TuneJobResult } from '../service/tune.js';

const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));
const CHILD = fileURLToPath(new URL('./trial-child.ts', import.meta.url));

/** Runs trials somewhere: here (child processes) or on queue workers. */
export interface TrialExecutor {
  /** e.g. "2 local worker processes". */
  readonly describe: string;
  run(job: TuneJob, signal?: AbortSignal): Promise<TuneJobResult>;
  close(): Promise<void>;
}

/** A typed error as JSON (TinyforgeError.toJSON), across a process or the queue. */
export interface ErrorJson {
  error: ErrorKind;
  message: string;
  remedy?: string;
  cause?: string;
  details?: Record<string, unknown>;
}

/** The typed error back from its JSON. */
export function errorFromJson(e: ErrorJson): TinyforgeError {
  return new TinyforgeError(e.error, e.message, { remedy: e.remedy, cause: e.cause, details: e.details });
}

type ChildReply = { ok: true; result: TuneJobResult } | { ok: false; error: ErrorJson };

/** One trial in a fresh child process. */
export function runTrialInChild(job: TuneJob, o: { signal?: AbortSignal; worker?: string } = {}): Promise<TuneJobResult> {
  return new Promise((resolve, reject) => {
    o.signal?.throwIfAborted();
    const child = fork(RUN_TS, [CHILD], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
    let stderr = '';
    let reply: ChildReply | null = null;
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    child.on('message', (m: ChildReply) => {
      reply = m;
    });
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => reject(internalError(`cannot start a trial process: ${e.message}`, { cause: e })));
    child.on('exit', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) return reject(o.signal.reason ?? new TinyforgeError('interrupted', 'interrupted'));
      if (reply?.ok) return resolve(reply.result);
      if (reply && !reply.ok) return reject(errorFromJson(reply.error));
      reject(internalError(`trial ${job.id} process ended without a result (${sig ?? `exit code ${code}`})`, { cause: stderr.trim().split('\n').slice(-5).join('\n') || undefined }));
    });
    child.send({ job, worker: o.worker ?? 'local' });
  });
}

/** At most `workers` trials at once, each in its own process. */
export function localPool(workers: number): TrialExecutor {
  let running = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (running < workers) {
      running++;
      return;
    }
    await new Promise<void>((r) => waiting.push(r));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return {
    describe: `${workers} local worker process${workers === 1 ? '' : 'es'}`,
    async run(job, signal) {
      await slot();
      try {
        return await runTrialInChild(job, { signal, worker: 'local' });
      } finally {
        release();
      }
    },
    async close() {},
  };
}
