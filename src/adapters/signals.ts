/**
 * Adapter: the process's stop signals — Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal went away) —
 * as one AbortSignal. The binary's entry (src/cli/main.ts) installs them once and passes the
 * `StopControl` down; no other module calls `process.on` for a signal.
 *
 * The contract every command keeps (README "Exit codes", docs/virtual-imu.md "Ctrl-C"):
 *  - The handlers go in at start-up and are never removed. (Node restores a signal's default
 *    action — death by the signal, exit code null — the instant its last listener goes; with one
 *    listener for the whole life of the process there is no such instant.)
 *  - The first signal aborts `signal` (reason: an `interrupted` TinyforgeError naming it).
 *  - Inside a `graceful()` stretch the command reacts to the abort: it stops (streaming, training
 *    after the epoch, QEMU), saves and reports, and the process exits 130 — or the code the command
 *    decided before the signal mattered (6 when the board went away first). Further signals during
 *    the stretch do `again`: 'wait' (default: the command is saving; nothing may be lost) or 'exit'
 *    (exit 130 at once: training's "Ctrl-C again aborts without saving").
 *  - Outside every graceful stretch — a command with nothing to stop gracefully (its files are
 *    written whole or not at all), or after the command has saved and released its stretch — a
 *    signal ends the process at once with the exit code already decided, else 130.
 *  - After the command returns, `finish(code)` ends the process explicitly (process.exit). Left
 *    to end by itself, Node would first close its signal handles (the default action back) while
 *    tearing down, and a Ctrl-C in those last milliseconds would kill it by the signal
 *    (issue 18 item 0); `process.exit` tears down without that window.
 * So once tinyforge's entry has run, a stop signal never kills the process: it exits with a code
 * (130 unless a more specific one was decided), and whatever the command had saved is complete.
 */
import { ExitCode, TinyforgeError } from '../core/errors.js';

/** The signals that stop a command. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type StopSignalName = (typeof STOP_SIGNALS)[number];

export interface GracefulOptions {
  /** What a signal after the first does while this stretch lasts: 'wait' (ignore it, default) or 'exit' (exit 130 at once). */
  again?: 'wait' | 'exit';
  /** Called on every signal during the stretch (1 for the first), before `again` applies: for a status line. */
  onSignal?(count: number, name: StopSignalName): void;
}

/** What commands receive: the one AbortSignal, and a way to say "I stop gracefully on it". */
export interface StopControl {
  /** Aborted by the first stop signal; `reason` is an interrupted TinyforgeError. */
  readonly signal: AbortSignal;
  /**
   * Starts a stretch in which the caller stops gracefully on `signal` (see the module comment);
   * returns its release. Release only once everything is saved and reported. Stretches nest: the
   * innermost one decides what a second signal does.
   */
  graceful(opts?: GracefulOptions): () => void;
}

/** The stop control of the binary: installed on the real process. */
export interface ProcessStops extends StopControl {
  /** Ends the process with `code` (the command has returned; see the module comment). */
  finish(code: number): never;
}

/** The error a stop signal aborts with (exit 130). */
export function interruptedError(name: string): TinyforgeError {
  return new TinyforgeError('interrupted', `interrupted (${name})`, { remedy: 'run the command again', details: { signal: name } });
}

/** The signal's name an AbortSignal was stopped with ('SIGINT'…), or 'stopped' for another reason. */
export function stopSignalName(signal: AbortSignal): string {
  const r = signal.reason as unknown;
  return r instanceof TinyforgeError && typeof r.details?.signal === 'string' ? r.details.signal : 'stopped';
}

/** Resolves when `signal` aborts (at once if it already has). Never rejects. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((res) => signal.addEventListener('abort', () => res(), { once: true }));
}

/** Minimal view of `process` the stop control needs (a test passes an EventEmitter-backed fake). */
export interface SignalProcess {
  on(name: StopSignalName, h: (name: StopSignalName) => void): unknown;
  exit(code?: number): never;
  exitCode?: number | string | null | undefined;
}

/**
 * Installs the stop-signal handlers on `proc` (default: this process) — once per process — and
 * returns the stop control. `proc` is injectable so the policy is unit-tested without signals.
 */
export function installProcessStops(proc: SignalProcess = process as unknown as SignalProcess): ProcessStops {
  const ac = new AbortController();
  const stretches: GracefulOptions[] = [];
  let count = 0;
  const decided = () => {
    const c = Number(proc.exitCode ?? ExitCode.INTERRUPTED);
    return Number.isInteger(c) && c !== 0 ? c : ExitCode.INTERRUPTED;
  };
  const onSignal = (name: StopSignalName) => {
    count++;
    if (!ac.signal.aborted) ac.abort(interruptedError(name));
    const top = stretches[stretches.length - 1];
    if (!top) return proc.exit(decided());
    top.onSignal?.(count, name);
    if (count > 1 && top.again === 'exit') proc.exit(ExitCode.INTERRUPTED);
  };
  for (const s of STOP_SIGNALS) proc.on(s, onSignal);
  return {
    signal: ac.signal,
    graceful: stretchOf(stretches),
    finish(code: number): never {
      return proc.exit(code);
    },
  };
}

function stretchOf(stretches: GracefulOptions[]) {
  return (opts: GracefulOptions = {}) => {
    const entry = { ...opts };
    stretches.push(entry);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const i = stretches.lastIndexOf(entry);
      if (i >= 0) stretches.splice(i, 1);
    };
  };
}

/**
 * A stop control with no process behind it: for in-process callers (tests' runCli, the studio's
 * service calls). `stop()` aborts it as a first signal would.
 */
export function manualStops(): StopControl & { stop(name?: StopSignalName): void } {
  const ac = new AbortController();
  return {
    signal: ac.signal,
    graceful: stretchOf([]),
    stop(name: StopSignalName = 'SIGINT') {
      if (!ac.signal.aborted) ac.abort(interruptedError(name));
    },
  };
}

/**
 * Runs `fn` when the process exits (a last-resort clean-up, e.g. killing an emulator it started);
 * returns the removal. The only other process-wide hook outside the CLI.
 */
export function onProcessExit(fn: () => void): () => void {
  process.once('exit', fn);
  return () => void process.removeListener('exit', fn);
}
