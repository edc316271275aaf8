/**
 * The virtual board: our firmware running in QEMU's mps2-an386 (Cortex-M4F) with UART0 on a
 * pseudo-terminal. This is the only module in the pipeline that knows the board is virtual:
 * callers get a serial-port path and open it like any real board's port.
 *
 * Facts this relies on (QEMU 7.2): with `-serial pty` QEMU prints
 * "char device redirected to /dev/pts/N (label serial0)" on stdout; bytes the firmware writes
 * before the host opens the pty are lost, so hosts handshake after opening; `-icount shift=0`
 * makes one instruction one nanosecond of virtual time, which the board's SysTick counter turns
 * into an instruction count.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { badInput, toolError } from '../core/errors.js';

export interface VirtualBoardOptions {
  /** The emulator binary (default `qemu-system-arm`, or $TINYFORGE_QEMU). */
  qemu?: string;
  /** Deterministic instruction counting (-icount shift=0). Default true. */
  icount?: boolean;
  /** How long to wait for QEMU to report its pty, in ms (default 15000). */
  startTimeoutMs?: number;
}

export interface VirtualBoard {
  /** The pty the firmware's UART0 is connected to: open it with the ordinary serial transport. */
  path: string;
  /** The exact argv QEMU was started with (after the binary). */
  qemuArgs: string[];
  /** Terminates QEMU and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

export const QEMU_BINARY = 'qemu-system-arm';
export const QEMU_MACHINE = 'mps2-an386';

/** The QEMU command line for an ELF (pure: used for --dry-run plans too). */
export function virtualBoardArgs(elfPath: string, opts: { icount?: boolean } = {}): string[] {
  return [
    '-M', QEMU_MACHINE,
    '-nographic',
    '-monitor', 'none',
    '-serial', 'pty',
    ...(opts.icount === false ? [] : ['-icount', 'shift=0']),
    '-kernel', elfPath,
  ];
}

const PTY_LINE = /char device redirected to (\/dev\/[^\s]+) \(label serial0\)/;

/** Starts QEMU on `elfPath` and resolves once its UART pty is known. */
export async function startVirtualBoard(elfPath: string, opts: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  const elf = resolve(elfPath);
  if (!existsSync(elf)) {
    throw badInput(`firmware image not found: ${elfPath}`, { remedy: 'build the firmware first (tinyforge build DIR) and pass its build/firmware.elf' });
  }
  const qemu = opts.qemu ?? process.env.TINYFORGE_QEMU ?? QEMU_BINARY;
  const qemuArgs = virtualBoardArgs(elf, opts);
  const child = spawn(qemu, qemuArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  // Keep draining both pipes for the emulator's whole life: a full pipe would stall it.
  child.stdout!.on('data', (d: string) => {
    if (stdout.length < 8192) stdout += d;
  });
  child.stderr!.on('data', (d: string) => {
    if (stderr.length < 8192) stderr += d;
  });

  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const exited = new Promise<void>((res) => child.once('exit', () => res()));

  try {
    const path = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => {
        rej(toolError(`${qemu} did not report its serial pty within ${opts.startTimeoutMs ?? 15000} ms`, {
          cause: (stderr || stdout).trim() || undefined,
          remedy: `check that "${qemu} -M ${QEMU_MACHINE}" runs on this machine (qemu-system-arm 7 or newer)`,
        }));
      }, opts.startTimeoutMs ?? 15000);
      const onData = () => {
        const m = PTY_LINE.exec(stdout);
        if (m) {
          clearTimeout(timer);
          res(m[1]);
        }
      };
      child.stdout!.on('data', onData);
      child.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        rej(e.code === 'ENOENT'
          ? toolError(`${qemu} not found`, { cause: e, remedy: 'install QEMU: sudo apt-get install qemu-system-arm (or run scripts/setup.sh)' })
          : toolError(`could not start ${qemu}`, { cause: e, remedy: 'check the QEMU installation (scripts/setup.sh)' }));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        rej(toolError(`${qemu} exited before the board started (${signal ?? `exit code ${code}`})`, {
          cause: stderr.trim() || stdout.trim() || undefined,
          remedy: 'check that the ELF was built for the virtual board (--board qemu-mps2-an386)',
        }));
      });
    });
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    };
    return { path, qemuArgs, stop };
  } catch (e) {
    process.removeListener('exit', killOnExit);
    killOnExit();
    throw e;
  }
}

