/**
 * The virtual board: our firmware running in QEMU's mps2-an386 (Cortex-M4F) with UART0 on a
 * pseudo-terminal. This is the only module in the pipeline that knows the board is virtual:
 * callers get a serial-port path and open it like any real board's port.
 *
 * The board can have a simulated IMU (options.imu): UART1 is then the sensor bus of
 * schemas/sensor-bus.json, a unix socket this module listens on and QEMU connects to at start-up;
 * this module answers the firmware's PROBE and paces accelerometer samples into it in real time,
 * from the built-in simulator or a recording. The firmware reads them as it would a sensor.
 *
 * Facts this relies on (QEMU 7.2): with `-serial pty` QEMU prints
 * "char device redirected to /dev/pts/N (label serial0)" on stdout; bytes the firmware writes
 * before the host opens the pty are lost, so hosts handshake after opening; `-icount shift=0`
 * makes one instruction one nanosecond of virtual time, which the board's SysTick counter turns
 * into an instruction count.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TinyforgeError, badInput, toolError } from '../core/errors.js';
import { onProcessExit, stopSignalName } from './signals.js';
import { readRecordingFiles } from './import-fs.js';
import { playbackSource, samplesDue, simulatedSource, type ImuSpec, type SampleSource, type SimulatedImu } from '../flash/imu-source.js';
import { BoardRecordReader, encodeConfig, encodeSamples } from '../flash/sensor-bus.js';
import { QEMU_BINARY, QEMU_MACHINE, virtualBoardArgs } from '../flash/plan.js';
import { SENSOR_TAKEN_EVERY } from '../flash/sensor-bus.generated.js';

export type { ImuSpec } from '../flash/imu-source.js';

export interface VirtualBoardOptions {
  /** The emulator binary (default `qemu-system-arm`, or $TINYFORGE_QEMU). */
  qemu?: string;
  /** Deterministic instruction counting (-icount shift=0). Default true. */
  icount?: boolean;
  /** How long to wait for QEMU to report its pty (and the IMU handshake), in ms (default 15000). */
  startTimeoutMs?: number;
  /** The board's IMU: none (default), the simulator, or a recording played back. */
  imu?: ImuSpec;
  /**
   * Stop (Ctrl-C, from the CLI: src/adapters/signals.ts). Aborted while QEMU starts: QEMU is stopped
   * and the start rejects as interrupted (exit 130). After the start it is the caller's to act on.
   */
  signal?: AbortSignal;
  /** The QEMU machine (BoardSpec.qemuMachine; default mps2-an386). */
  machine?: string;
}

/** The simulated IMU of a running virtual board. */
export type VirtualImu = SimulatedImu;

export interface VirtualBoard {
  /** The pty the firmware's UART0 is connected to: open it with the ordinary serial transport. */
  path: string;
  /** The exact argv QEMU was started with (after the binary). */
  qemuArgs: string[];
  /** The simulated IMU, or null when the board has none. */
  imu: VirtualImu | null;
  /** QEMU's process id. */
  pid: number;
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

const PTY_LINE = /char device redirected to (\/dev\/[^\s]+) \(label serial0\)/;

/** The sample source an IMU spec describes (reads the recording of a playback), or null for none. */
export function imuSource(spec: ImuSpec | undefined): SampleSource | null {
  if (!spec || spec.kind === 'none') return null;
  if (spec.kind === 'simulated') return simulatedSource(spec);
  if (!existsSync(spec.file)) throw badInput(`recording to play back not found: ${spec.file}`, { remedy: 'pass a recording file tinyforge data inspect reads, e.g. --imu file:walk.csv' });
  return playbackSource(readRecordingFiles([spec.file]).recordings, spec.file, { loop: spec.loop });
}

/**
 * Samples the sensor side lets be in flight (sent, not yet read by the board): half a second, and
 * always several TAKEN periods so the board's acknowledgements can keep up.
 */
export function maxInFlight(rateHz: number): number {
  return Math.max(4 * SENSOR_TAKEN_EVERY, Math.ceil(rateHz / 2));
}

/** How often the sensor side wakes up to send what is due (ms); the rate comes from the start time. */
const PACE_MS = 10;

/**
 * The host end of the sensor bus: listens on a unix socket for QEMU, answers PROBE with CONFIG,
 * and once the board says READY sends samples paced at the source's rate.
 */
class SensorBus implements VirtualImu {
  readonly path = join(tmpdir(), `tf-imu-${process.pid}-${randomBytes(4).toString('hex')}.sock`);
  private server: Server | null = null;
  private socket: Socket | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private sent = 0;
  /** SAMPLE records the board has read off the bus (from its TAKEN records). */
  private taken = 0;
  private t0 = 0;
  private readyWaiters: (() => void)[] = [];
  private isReady = false;

  constructor(private readonly source: SampleSource) {}

  get rateHz() {
    return this.source.rateHz;
  }
  get lsbPerG() {
    return this.source.lsbPerG;
  }
  describe() {
    return this.source.describe();
  }
  samplesSent() {
    return this.sent;
  }
  setActivity(activity: string) {
    if (!this.source.setActivity) throw badInput('this IMU plays back a recording: it has no activity to switch', { remedy: 'start the board with a simulated IMU (sim:ACTIVITY)' });
    this.source.setActivity(activity);
  }

  /** Resolves when QEMU may connect. */
  listen(): Promise<void> {
    return new Promise((res, rej) => {
      const server = createServer((sock) => this.attach(sock));
      this.server = server;
      server.once('error', (e) => rej(toolError('could not open the virtual IMU socket', { cause: e, remedy: `check that ${tmpdir()} is writable` })));
      server.listen(this.path, () => res());
    });
  }

  /** Resolves once the firmware has taken the sensor's CONFIG. */
  ready(): Promise<void> {
    return this.isReady ? Promise.resolve() : new Promise((res) => this.readyWaiters.push(res));
  }

  private attach(sock: Socket) {
    // One board per bus: a second connection is not QEMU's.
    if (this.socket) return void sock.destroy();
    this.socket = sock;
    const reader = new BoardRecordReader();
    sock.on('error', () => undefined);
    sock.on('close', () => this.halt());
    sock.on('data', (d: Buffer) => {
      for (const rec of reader.push(d)) {
        if (rec === 'PROBE') sock.write(encodeConfig(this.source.rateHz, this.source.lsbPerG));
        else if (rec === 'READY') this.start();
        else if (rec === 'TAKEN') this.taken += SENSOR_TAKEN_EVERY;
      }
    });
  }

  private start() {
    if (this.isReady) return;
    this.isReady = true;
    this.t0 = Date.now();
    this.tick();
    this.timer = setInterval(() => this.tick(), PACE_MS);
    this.timer.unref();
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private tick() {
    const sock = this.socket;
    if (!sock || sock.destroyed) return this.halt();
    const now = Date.now();
    const due = samplesDue(now - this.t0, this.source.rateHz) - this.sent;
    // Flow control: at most maxInFlight samples the board has not read yet. When QEMU falls behind
    // the sensor pauses and its clock restarts from now, so the board never reads stale samples
    // and none is dropped (a slowed emulator sees a slowed world).
    const room = maxInFlight(this.source.rateHz) - (this.sent - this.taken);
    const n = Math.min(due, room);
    if (due > room) this.t0 = now - ((this.sent + Math.max(0, n) - 1) * 1000) / this.source.rateHz;
    if (n <= 0) return;
    const xyz = this.source.take(n);
    this.sent += n;
    if (xyz.length) sock.write(encodeSamples(xyz, this.source.lsbPerG));
    if (xyz.length < n * 3) this.halt(); // a playback without loop ended: the sensor goes quiet
  }

  private halt() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  close() {
    this.halt();
    this.socket?.destroy();
    this.server?.close();
    this.server = null;
    rmSync(this.path, { force: true });
  }
}

/**
 * Starts QEMU on `elfPath` and resolves once its UART pty is known and, with an IMU, once the
 * firmware has configured the sensor (so the first INFO already reports the IMU and its rate).
 */
export async function startVirtualBoard(elfPath: string, opts: VirtualBoardOptions = {}): Promise<VirtualBoard> {
  const elf = resolve(elfPath);
  if (!existsSync(elf)) {
    throw badInput(`firmware image not found: ${elfPath}`, { remedy: 'build the firmware first (tinyforge build DIR) and pass its build/firmware.elf' });
  }
  checkArmElf(elf);
  const source = imuSource(opts.imu);
  const bus = source ? new SensorBus(source) : null;
  const qemu = opts.qemu ?? process.env.TINYFORGE_QEMU ?? QEMU_BINARY;
  const qemuArgs = virtualBoardArgs(elf, { icount: opts.icount, imuSocket: bus?.path, machine: opts.machine });
  const startTimeoutMs = opts.startTimeoutMs ?? 15000;

  // A stop while QEMU is still starting stops it too: never leave an emulator behind. Watched
  // before anything is started, so no stop can fall between the start and the watch.
  const signal = opts.signal;
  let interrupted: ((e: TinyforgeError) => void) | undefined;
  const onAbort = () => interrupted?.(new TinyforgeError('interrupted', `interrupted (${stopSignalName(signal!)}) while ${qemu} was starting; the emulator was stopped`));
  signal?.addEventListener('abort', onAbort, { once: true });
  const unwatch = () => signal?.removeEventListener('abort', onAbort);
  try {
    await bus?.listen();
  } catch (e) {
    unwatch();
    bus?.close();
    throw e;
  }

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
  const forgetExit = onProcessExit(killOnExit);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.once('exit', (code, signal) => {
      bus?.close();
      res({ code, signal });
    }),
  );

  try {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let ptyKnown = false;
    const path = await new Promise<string>((res, rej) => {
      const fail = (e: TinyforgeError) => {
        clearTimeout(timer);
        rej(e);
      };
      interrupted = fail;
      if (signal?.aborted) onAbort();
      timer = setTimeout(() => {
        fail(ptyKnown
          ? toolError(`the firmware did not configure the simulated IMU within ${startTimeoutMs} ms`, {
              cause: 'no READY on UART1 after the sensor answered (or no PROBE at all)',
              remedy: 'rebuild the firmware with this tinyforge (tinyforge firmware … --board qemu-mps2-an386, then tinyforge build): older builds have no IMU driver; or start with --imu none',
            })
          : toolError(`${qemu} did not report its serial pty within ${startTimeoutMs} ms`, {
              cause: (stderr || stdout).trim() || undefined,
              remedy: `check that "${qemu} -M ${QEMU_MACHINE}" runs on this machine (qemu-system-arm 7 or newer)`,
            }));
      }, startTimeoutMs);
      const onData = () => {
        const m = PTY_LINE.exec(stdout);
        if (m && !ptyKnown) {
          ptyKnown = true;
          child.stdout!.removeListener('data', onData);
          if (!bus) return (clearTimeout(timer), res(m[1]));
          void bus.ready().then(() => (clearTimeout(timer), res(m[1])));
        }
      };
      child.stdout!.on('data', onData);
      child.once('error', (e: NodeJS.ErrnoException) => {
        fail(e.code === 'ENOENT'
          ? toolError(`${qemu} not found`, { cause: e, remedy: 'install QEMU: sudo apt-get install qemu-system-arm (or run scripts/setup.sh)' })
          : toolError(`could not start ${qemu}`, { cause: e, remedy: 'check the QEMU installation (scripts/setup.sh)' }));
      });
      child.once('exit', (code, signal) => {
        fail(toolError(`${qemu} exited before the board started (${signal ?? `exit code ${code}`})`, {
          cause: stderr.trim() || stdout.trim() || undefined,
          remedy: 'check that the ELF was built for the virtual board (--board qemu-mps2-an386)',
        }));
      });
    });
    unwatch();
    let stopping: Promise<void> | null = null;
    const stop = (): Promise<void> => {
      stopping ??= (async () => {
        forgetExit();
        bus?.close();
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    };
    return { path, qemuArgs, imu: bus, pid: child.pid!, stop, exited };
  } catch (e) {
    unwatch();
    forgetExit();
    killOnExit();
    bus?.close();
    if (e instanceof TinyforgeError && e.kind === 'interrupted') {
      // Wait (briefly) until the emulator is really gone before the caller exits.
      await Promise.race([exited, new Promise<void>((res) => setTimeout(res, 3000).unref())]);
    }
    throw e;
  }
}
