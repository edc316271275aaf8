/**
 * The CLI's shared plumbing: --json output, progress bars on a TTY, and turning errors into a
 * clear message (what, why, remedy) plus a stable exit code. Commands stay thin: parse flags,
 * call the library, print via `emit`.
 */
import cliProgress from 'cli-progress';
import { ExitCode, TinyforgeError, causeText, internalError } from '../core/errors.js';
import type { StopControl } from '../adapters/signals.js';

export interface OutputOptions {
  json: boolean;
}

/** Global flags every command sees (set on the root program). */
export function globalOptions(cmd: { optsWithGlobals(): Record<string, unknown> }): OutputOptions {
  const o = cmd.optsWithGlobals();
  return { json: Boolean(o.json) };
}

/** Print a result: the JSON object with --json, else the human text. */
export function emit(opts: OutputOptions, result: unknown, human: string | (() => string)): void {
  if (opts.json) process.stdout.write(JSON.stringify(result, jsonReplacer, 2) + '\n');
  else process.stdout.write((typeof human === 'function' ? human() : human).replace(/\n?$/, '\n'));
}

/** Status lines go to stderr so stdout stays clean for --json and pipes. Silent with --json. */
export function info(opts: OutputOptions, message: string): void {
  if (!opts.json) process.stderr.write(message + '\n');
}

function jsonReplacer(_k: string, v: unknown): unknown {
  if (v instanceof Uint8Array || v instanceof Int8Array || v instanceof Int32Array || v instanceof Float32Array) return Array.from(v);
  if (typeof v === 'bigint') return v.toString();
  return v;
}

export interface Progress {
  update(value: number, payload?: Record<string, unknown>): void;
  stop(): void;
}

/**
 * A progress bar on an interactive stderr; nothing otherwise (CI, pipes, --json). `total`
 * Infinity (an open-ended step: capture until Ctrl-C): a counter line without bar and total.
 */
export function progress(opts: OutputOptions, total: number, label: string): Progress {
  if (opts.json || !process.stderr.isTTY) return { update() {}, stop() {} };
  const open = !Number.isFinite(total);
  const bar = new cliProgress.SingleBar(
    { format: open ? `${label} {value} {extra}` : `${label} [{bar}] {value}/{total} {extra}`, stream: process.stderr, hideCursor: true, clearOnComplete: false },
    cliProgress.Presets.shades_classic,
  );
  bar.start(open ? 0 : total, 0, { extra: '' });
  return {
    update(value, payload) {
      bar.update(value, { extra: payload ? Object.entries(payload).map(([k, x]) => `${k}=${x}`).join(' ') : '' });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Wrap a command action: typed errors become a message + remedy + exit code; anything else is a bug. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const cmd = args[args.length - 1] as { optsWithGlobals?: () => Record<string, unknown> };
    const json = Boolean(cmd?.optsWithGlobals?.().json);
    try {
      await fn(...args);
    } catch (e) {
      const err = e instanceof TinyforgeError ? e : internalError(`unexpected failure: ${causeText(e)}`, {
        cause: e,
        remedy: 'This is a bug in tinyforge. Re-run with TINYFORGE_DEBUG=1 for the stack trace and report it.',
      });
      if (process.env.TINYFORGE_DEBUG && e instanceof Error) process.stderr.write((e.stack ?? '') + '\n');
      if (json) process.stdout.write(JSON.stringify(err.toJSON(), null, 2) + '\n');
      else {
        process.stderr.write(`error: ${err.message}\n`);
        if (err.cause !== undefined && !(e instanceof TinyforgeError && err.cause === undefined)) {
          const c = causeText(err.cause);
          if (c && c !== err.message) process.stderr.write(`  cause: ${c}\n`);
        }
        if (err.remedy) process.stderr.write(`  remedy: ${err.remedy}\n`);
      }
      process.exitCode = err.exitCode;
    }
  };
}

export { ExitCode };

/**
 * Ctrl-C once: `stopped()` turns true so a long step (training) finishes its epoch and saves; twice:
 * exit 130 at once (the virtual board's QEMU is killed on exit). `dispose()` ends the stretch.
 * One pattern with every command: src/adapters/signals.ts.
 */
export function softInterrupt(opts: OutputOptions, stops: StopControl): { stopped(): boolean; dispose(): void } {
  const release = stops.graceful({
    again: 'exit',
    onSignal: (n) => info(opts, n === 1 ? '\ninterrupted: finishing this epoch, then saving (Ctrl-C again aborts without saving)' : '\ninterrupted'),
  });
  return { stopped: () => stops.signal.aborted, dispose: release };
}
