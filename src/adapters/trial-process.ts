/**
 * Jobs in their own processes (tune's trials): `forkJob` forks an entry module (through tsx, as the
 * CLI runs), sends it one payload over the IPC channel and waits for its reply; the entry answers
 * with `serveOneJob`. `localPool` runs at most N such processes at once. A child that dies (crash,
 * OOM, killed) is an error with its exit status; an abort (Ctrl-C) kills the running children.
 * Typed errors cross the process boundary as JSON (TinyforgeError.toJSON) and come back typed.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TinyforgeError, causeText, internalError, type ErrorKind } from '../core/errors.js';

const RUN_TS = fileURLToPath(new URL('../../bin/run-ts.mjs', import.meta.url));

/** Runs jobs somewhere: here (child processes) or on queue workers. */
export interface JobRunner<J, R> {
  /** e.g. "2 local worker processes". */
  readonly describe: string;
  run(job: J, signal?: AbortSignal): Promise<R>;
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

export function errorToJson(e: unknown): ErrorJson {
  return e instanceof TinyforgeError ? (e.toJSON() as unknown as ErrorJson) : { error: 'internal', message: causeText(e) };
}

type ChildReply<R> = { ok: true; result: R } | { ok: false; error: ErrorJson };

/** One job in a fresh child process running `entry` (a .ts module that calls serveOneJob). */
export function forkJob<R>(entry: string, payload: unknown, o: { signal?: AbortSignal; what?: string } = {}): Promise<R> {
  return new Promise((resolve, reject) => {
    o.signal?.throwIfAborted();
    const child = fork(RUN_TS, [entry], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    let reply: ChildReply<R> | null = null;
    child.stderr!.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-4000);
    });
    child.on('message', (m: ChildReply<R>) => {
      reply = m;
    });
    const onAbort = () => child.kill('SIGTERM');
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => reject(internalError(`cannot start a job process: ${e.message}`, { cause: e })));
    child.on('exit', (code, sig) => {
      o.signal?.removeEventListener('abort', onAbort);
      if (o.signal?.aborted) return reject(o.signal.reason ?? new TinyforgeError('interrupted', 'interrupted'));
      if (reply?.ok) return resolve(reply.result);
      if (reply && !reply.ok) return reject(errorFromJson(reply.error));
      reject(internalError(`${o.what ?? 'the job'}'s process ended without a result (${sig ?? `exit code ${code}`})`, { cause: stderr.trim().split('\n').slice(-5).join('\n') || undefined }));
    });
    child.send(payload as object);
  });
}

/** The child's side: handles the one payload forkJob sends, replies with the result or the typed error, exits. */
export function serveOneJob(handler: (payload: unknown) => Promise<unknown>): void {
  process.once('message', (payload: unknown) => {
    handler(payload).then(
      (result) => process.send!({ ok: true, result }, () => process.exit(0)),
      (e: unknown) => process.send!({ ok: false, error: errorToJson(e) }, () => process.exit(0)),
    );
  });
}

/** At most `workers` jobs at once, each through `run` (e.g. forkJob: its own process). */
export function localPool<J, R>(workers: number, run: (job: J, signal?: AbortSignal) => Promise<R>): JobRunner<J, R> {
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
        return await run(job, signal);
      } finally {
        release();
      }
    },
    async close() {},
  };
}
