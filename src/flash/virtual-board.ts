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
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { TinyforgeError, badInput, toolError } from '../core/errors.js';

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
  /** Settles when QEMU exits for any reason (stop(), a crash, killed from outside). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Bad-input error unless `path` is a 32-bit little-endian ARM ELF executable: QEMU would run any
 * other file as a raw image, and the "board" would then never answer.
 */
export function checkArmElf(path: string): void {
  const remedy = 'pass the build/firmware.elf of a project generated for the virtual board (tinyforge firmware --board qemu-mps2-an386, then tinyforge build)';
  if (!statSync(path).isFile()) throw badInput(`firmware image ${path} is not a file`, { remedy });
  const head = new Uint8Array(20);
  const fd = openSync(path, 'r');
  let n: number;
  try {
    n = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const isElf = n === head.length && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
  if (!isElf) throw badInput(`${path} is not an ELF file`, { remedy });
  // EI_CLASS 1 = 32-bit, EI_DATA 1 = little endian, e_type 2 = executable, e_machine 40 = ARM.
  const eType = head[16] | (head[17] << 8);
  const eMachine = head[18] | (head[19] << 8);
  if (head[4] !== 1 || head[5] !== 1 || eType !== 2 || eMachine !== 40) {
    throw badInput(`${path} is not a 32-bit ARM executable (ELF class ${head[4]}, type ${eType}, machine ${eMachine})`, { remedy });
  }
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
  checkArmElf(elf);
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

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.once('exit', (code, signal) => res({ code, signal })));

  // Ctrl-C while QEMU is still starting: stop it too, never leave an emulator behind.
  let onSignal: ((sig: NodeJS.Signals) => void) | undefined;
  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const path = await new Promise<string>((res, rej) => {
      onSignal = (sig) => {
        clearTimeout(timer);
        rej(new TinyforgeError('interrupted', `interrupted (${sig}) while ${qemu} was starting; the emulator was stopped`));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      timer = setTimeout(() => {
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
    removeSignalHandlers(onSignal);
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
    return { path, qemuArgs, stop, exited };
  } catch (e) {
    removeSignalHandlers(onSignal);
    process.removeListener('exit', killOnExit);
    killOnExit();
    if (e instanceof TinyforgeError && e.kind === 'interrupted') {
      // Wait (briefly) until the emulator is really gone before the caller exits.
      await Promise.race([exited, new Promise<void>((res) => setTimeout(res, 3000).unref())]);
    }
    throw e;
  }
}

function removeSignalHandlers(h: ((sig: NodeJS.Signals) => void) | undefined): void {
  if (!h) return;
  process.removeListener('SIGINT', h);
  process.removeListener('SIGTERM', h);
}

