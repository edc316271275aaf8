/**
 * Adapter: boards. The one place that turns a board id into what the board does — the only code,
 * with qemu.ts that it starts, that knows whether a board is virtual (docs/architecture.md rule 5;
 * tests/arch/layering.test.ts allows `.flasher` to be read only here, in src/flash/plan.ts and in
 * src/firmware/boards.ts).
 *
 *   qemu          flashing = starting QEMU on the ELF; the pty is its port; it runs while this
 *                 process runs it (exited, stop()) and can be given a simulated or recorded IMU
 *   arduino-cli   the plan's tools upload the image; the board's own port; it keeps running
 *   probe         the user flashes with a debug probe; the board's own port
 */
import { badInput, deviceError, usageError } from '../core/errors.js';
import { getBoard, type BoardSpec, type Flasher } from '../firmware/boards.js';
import { flashPlan } from '../flash/plan.js';
import type { Board, BoardPort, BoardStartOptions, ProcessPort, StartedBoard } from '../service/ports.js';
import { startVirtualBoard } from './qemu.js';
import { SerialTransport, listPorts } from './serial.js';

/** QEMU's UART, measured: what timeouts assume for the virtual board. */
export const VIRTUAL_LINK_BYTES_PER_SECOND = 8000;

/** A board QEMU runs: started on the image, on flash and on attach alike. */
function qemuBoard(spec: BoardSpec): Board {
  const start = async (artifact: string, o: BoardStartOptions = {}): Promise<StartedBoard> => {
    const vb = await startVirtualBoard(artifact, { imu: o.imu, signal: o.signal, machine: spec.qemuMachine });
    const exited = vb.exited.then((how) => `the virtual board stopped: QEMU exited (${how.signal ?? `exit code ${how.code}`})`);
    return { path: vb.path, bytesPerSecond: VIRTUAL_LINK_BYTES_PER_SECOND, summary: 'virtual board up', imu: vb.imu, exited, hostArgs: vb.qemuArgs, stop: () => vb.stop() };
  };
  return {
    spec,
    name: 'virtual board',
    hostsImu: true,
    plan: (input) => flashPlan({ ...input, board: spec.id }),
    flash: (plan, o) => start(plan.artifact, o),
    async attach(image, o) {
      if (!image.artifact) throw badInput(`${spec.id} runs the image it is started on, and no built firmware was given`, { remedy: 'build it first: tinyforge run --to build (or tinyforge firmware …, then tinyforge build DIR)' });
      return start(image.artifact, o);
    },
  };
}

/** Arduino SA's USB vendor id (the Nano 33 BLE family enumerates with it). */
const ARDUINO_VID = '2341';

/** The one Arduino board on USB (its serial port), or a device error naming --port. */
export async function detectArduinoPort(list: () => Promise<{ path: string; vendorId?: string }[]> = listPorts): Promise<string> {
  const ports = (await list()).filter((p) => (p.vendorId ?? '').toLowerCase() === ARDUINO_VID);
  if (ports.length === 1) return ports[0].path;
  throw deviceError(ports.length ? `${ports.length} Arduino boards found (${ports.map((p) => p.path).join(', ')})` : 'no Arduino board found on USB', {
    remedy: 'pass the port with --port (e.g. --port /dev/ttyACM0); plug the board in, or double-tap its reset button',
  });
}

/** A board that is flashed once and keeps running on its own, reached on its serial port. */
function flashedBoard(spec: BoardSpec, processes: ProcessPort, findPort?: () => Promise<string>): Board {
  const noImu = (o: BoardStartOptions): void => {
    if (o.imu && o.imu.kind !== 'none') {
      throw usageError(`${spec.id} reads its own IMU${spec.imu === 'none' ? ' (none here)' : ` (${spec.imu})`}: it cannot be given --imu ${o.imu.kind === 'simulated' ? 'sim:…' : 'file:…'}`, {
        remedy: 'drop --imu, or build the firmware for the virtual board (--board qemu-mps2-an386), which takes a simulated or recorded IMU',
      });
    }
  };
  const running = (path: string | null | undefined, summary: string): StartedBoard => {
    if (!path) throw usageError(`verifying on ${spec.id} needs its serial port`, { remedy: 'pass --port (e.g. /dev/ttyACM0), or set verify.port in the project file' });
    return { path, summary, imu: null, stop: async () => {} };
  };
  return {
    spec,
    name: spec.id,
    hostsImu: false,
    ...(findPort ? { findPort } : {}),
    plan: (input) => flashPlan({ ...input, board: spec.id }),
    async flash(plan, o = {}) {
      noImu(o);
      try {
        if (plan.steps.length) await processes.runSteps(plan.steps, o.onOutput);
      } catch (e) {
        // Ctrl-C reaches the upload tool too (one process group): its failure is the interruption (exit 130).
        if (o.signal?.aborted) throw o.signal.reason;
        throw e;
      }
      return running(o.port ?? plan.port, `flashed ${spec.id}`);
    },
    async attach(image, o = {}) {
      noImu(o);
      return running(image.port ?? o.port, `${spec.id} on its port`);
    },
  };
}

const KINDS: Record<Flasher, (spec: BoardSpec, processes: ProcessPort) => Board> = {
  qemu: qemuBoard,
  'arduino-cli': (spec, processes) => flashedBoard(spec, processes, () => detectArduinoPort()),
  probe: (spec, processes) => flashedBoard(spec, processes),
};

/** The board with this id, resolved once (a bad-input error listing the boards for an unknown id). */
export function resolveBoard(id: string, processes: ProcessPort): Board {
  const spec = getBoard(id);
  return KINDS[spec.flasher](spec, processes);
}

/** Boards and serial links of this machine. */
export function nodeBoards(processes: ProcessPort): BoardPort {
  return {
    board: (id) => resolveBoard(id, processes),
    transport: (path, o) => new SerialTransport(path, o),
    listPorts,
  };
}
