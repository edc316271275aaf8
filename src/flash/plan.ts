/**
 * Flash plans: the exact commands that put a built firmware on a board, as plain data (printed by
 * `tinyforge flash --dry-run`, run by `runFlashPlan`).
 *
 *   Nano 33 BLE family   arduino-cli upload (1200-baud touch, then bossac); fallback: bossac by hand
 *                        after a double tap on the reset button
 *   virtual board        launch QEMU on the ELF: the "port" is the pty it prints
 *   cortex-m4 (generic)  no single flasher: the plan names the ELF and typical probe tools
 */
import { basename, join } from 'node:path';
import { getBoard, type BoardSpec, type Flasher } from '../firmware/boards.js';
import { formatSteps, TOOLS, type ToolRequirement } from '../firmware/build.js';
import { usageError } from '../core/errors.js';

export const QEMU_BINARY = 'qemu-system-arm';
export const QEMU_MACHINE = 'mps2-an386';

/**
 * The QEMU command line for an ELF (pure: used for --dry-run plans too). `imuSocket`: the unix
 * socket QEMU connects UART1 (the sensor bus) to; without it UART1 has nothing attached.
 */
export function virtualBoardArgs(elfPath: string, opts: { icount?: boolean; imuSocket?: string; machine?: string } = {}): string[] {
  return [
    '-M', opts.machine ?? QEMU_MACHINE,
    '-nographic',
    '-monitor', 'none',
    '-serial', 'pty',
    ...(opts.imuSocket ? ['-chardev', `socket,id=imu,path=${opts.imuSocket}`, '-serial', 'chardev:imu'] : []),
    ...(opts.icount === false ? [] : ['-icount', 'shift=0']),
    '-kernel', elfPath,
  ];
}

export interface FlashStep {
  title: string;
  /** argv[0] is the program; no shell. */
  argv: string[];
  tool: ToolRequirement;
}

export interface FlashPlan {
  board: string;
  /** The image flashed (as given: a project folder's artifact or a file). */
  artifact: string;
  port: string | null;
  steps: FlashStep[];
  /** Another way, if the first fails. */
  fallback: FlashStep[];
  notes: string[];
}

export interface FlashPlanInput {
  board: string;
  /** Image to flash: build/firmware.elf (Makefile boards) or build/<sketch>.ino.bin (Arduino). */
  artifact: string;
  /** Arduino: the sketch (project) folder, to upload with --input-dir build. */
  projectDir?: string;
  /** Serial port (Arduino boards). Not used by the virtual board. */
  port?: string;
}

/** The plan for flashing `artifact` onto `board` (pure): its shape is the board's flasher's. */
export function flashPlan(input: FlashPlanInput): FlashPlan {
  const board = getBoard(input.board);
  return PLANS[board.flasher](board, input, { board: board.id, artifact: input.artifact, port: input.port ?? null });
}

type PlanBase = Omit<FlashPlan, 'steps' | 'fallback' | 'notes'>;

/** One plan writer per way of flashing (BoardSpec.flasher). */
const PLANS: Record<Flasher, (board: BoardSpec, input: FlashPlanInput, base: PlanBase) => FlashPlan> = {
  qemu: (board, input, base) => ({
    ...base,
    port: null,
    steps: [{ title: 'start the virtual board (QEMU); its UART appears on the pty QEMU prints', argv: [QEMU_BINARY, ...virtualBoardArgs(input.artifact, { machine: board.qemuMachine })], tool: TOOLS.qemu }],
    fallback: [],
    notes: ['the serial port is the pty QEMU reports ("char device redirected to /dev/pts/N"); bytes sent before the host opens it are lost'],
  }),
  'arduino-cli': (board, input, base) => {
    if (!input.port) {
      throw usageError(`flashing ${board.id} needs a serial port`, {
        remedy: 'pass --port (e.g. --port /dev/ttyACM0; `arduino-cli board list` shows it)',
      });
    }
    const upload: FlashStep = input.projectDir
      ? { title: 'upload with arduino-cli (resets the board into its bootloader, then runs bossac)', argv: ['arduino-cli', 'upload', '-p', input.port, '--fqbn', board.fqbn!, '--input-dir', join(input.projectDir, 'build'), input.projectDir], tool: TOOLS.arduinoCli }
      : { title: 'upload with arduino-cli (resets the board into its bootloader, then runs bossac)', argv: ['arduino-cli', 'upload', '-p', input.port, '--fqbn', board.fqbn!, '--input-file', input.artifact], tool: TOOLS.arduinoCli };
    return {
      ...base,
      steps: [upload],
      fallback: [{ title: 'bossac directly (double-tap reset first: the LED pulses in the bootloader)', argv: ['bossac', '-d', `--port=${basename(input.port)}`, '-U', '-i', '-e', '-w', input.artifact, '-R'], tool: TOOLS.bossac }],
      notes: ['if the upload cannot find the board, double-tap its reset button and retry with the port it shows then'],
    };
  },
  probe: (_board, input, base) => ({
    ...base,
    steps: [],
    fallback: [],
    notes: [
      `flash ${input.artifact} with your probe, e.g. openocd -f interface/stlink.cfg -f target/stm32f4x.cfg -c "program ${input.artifact} verify reset exit"`,
      'or pyocd flash / JLinkExe; the ELF carries its addresses (the FLASH origin in src/tf_cortex_m4.ld)',
    ],
  }),
};

/** The plan as the text `--dry-run` prints (stable: golden-tested). */
export function formatFlashPlan(p: FlashPlan): string {
  const lines = [`flash plan for ${p.board}`, `  image: ${p.artifact}`, `  port:  ${p.port ?? '(none)'}`];
  if (p.steps.length) lines.push('steps:', ...formatSteps(p.steps));
  if (p.fallback.length) lines.push('fallback:', ...formatSteps(p.fallback));
  if (p.notes.length) lines.push('notes:', ...p.notes.map((n) => `  - ${n}`));
  return lines.join('\n') + '\n';
}
