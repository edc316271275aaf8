/**
 * Typed errors. Every error the user can cause carries what went wrong (`message`), why
 * (`cause`, optional), what to do about it (`remedy`) and a stable process exit code.
 *
 * Exit codes are part of the CLI contract (documented in README.md) and never change meaning:
 */
export const ExitCode = {
  OK: 0,
  /** A bug in tinyforge: unexpected failure. Please report it. */
  INTERNAL: 1,
  /** The command line itself is wrong (unknown flag, missing argument). */
  USAGE: 2,
  /** An input file or value is malformed, inconsistent or out of range. */
  BAD_INPUT: 3,
  /** The input is valid but uses something tinyforge does not support (layer, op, dtype). */
  UNSUPPORTED: 4,
  /** Verification ran and found a mismatch (device vs host, or accuracy below a threshold). */
  MISMATCH: 5,
  /** The device link failed: no port, timeout, protocol error, board not answering. */
  DEVICE: 6,
  /** An external tool is missing or failed (arm-none-eabi-gcc, qemu, arduino-cli, bossac, make). */
  TOOL: 7,
  /** Interrupted by the user (Ctrl-C); partial results were saved where stated. */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorKind = 'usage' | 'bad-input' | 'unsupported' | 'mismatch' | 'device' | 'tool' | 'internal' | 'interrupted';

const EXIT_BY_KIND: Record<ErrorKind, ExitCodeValue> = {
  usage: ExitCode.USAGE,
  'bad-input': ExitCode.BAD_INPUT,
  unsupported: ExitCode.UNSUPPORTED,
  mismatch: ExitCode.MISMATCH,
  device: ExitCode.DEVICE,
  tool: ExitCode.TOOL,
  internal: ExitCode.INTERNAL,
  interrupted: ExitCode.INTERRUPTED,
};

export interface TinyforgeErrorOptions {
  /** What to do about it, in words a user can act on. */
  remedy?: string;
  /** The underlying error or a short reason. */
  cause?: unknown;
  /** Extra machine-readable context (file, line, layer name…), included in --json output. */
  details?: Record<string, unknown>;
}

export class TinyforgeError extends Error {
  readonly kind: ErrorKind;
  readonly remedy?: string;
  readonly details?: Record<string, unknown>;
  constructor(kind: ErrorKind, message: string, opts: TinyforgeErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TinyforgeError';
    this.kind = kind;
    this.remedy = opts.remedy;
    this.details = opts.details;
  }
  get exitCode(): ExitCodeValue {
    return EXIT_BY_KIND[this.kind];
  }
  toJSON(): Record<string, unknown> {
    return {
      error: this.kind,
      message: this.message,
      ...(this.remedy ? { remedy: this.remedy } : {}),
      ...(this.cause !== undefined ? { cause: causeText(this.cause) } : {}),
      ...(this.details ? { details: this.details } : {}),
      exitCode: this.exitCode,
    };
  }
}

export function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return String(cause);
}

export const usageError = (m: string, o?: TinyforgeErrorOptions) => new TinyforgeError('usage', m, o);
export const badInput = (m: string, o?: TinyforgeErrorOptions) => new TinyforgeError('bad-input', m, o);
export const unsupported = (m: string, o?: TinyforgeErrorOptions) => new TinyforgeError('unsupported', m, o);
export const mismatch = (m: string, o?: TinyforgeErrorOptions) => new TinyforgeError('mismatch', m, o);
export const deviceError = (m: string, o?: TinyforgeErrorOptions) => new TinyforgeError('device', m, o);
export const toolError = (m: string, o?: TinyforgeErrorOptions) => new TinyforgeError('tool', m, o);
export const internalError = (m: string, o?: TinyforgeErrorOptions) => new TinyforgeError('internal', m, o);
