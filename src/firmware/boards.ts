/**
 * The board targets tinyforge generates firmware for, as plain data.
 *
 * A board says how its project is built (`make` with arm-none-eabi-gcc, or `arduino-cli` for an
 * Arduino sketch), which hand-written HAL files (firmware/boards/<dir>/) implement
 * firmware/core/tf_board.h on it, and how it is flashed (`flasher`). Whether a board is virtual
 * is known only where a board is started (src/adapters/boards.ts builds the one `Board` handle of
 * an id, src/adapters/qemu.ts runs QEMU) and where its flash plan is written (src/flash/plan.ts);
 * everything else gets that handle and talks to a serial port (tests/arch/layering.test.ts).
 */
import { badInput } from '../core/errors.js';

export type BoardId = 'qemu-mps2-an386' | 'qemu-mps2-an385' | 'qemu-mps2-an500' | 'qemu-mps2-an505' | 'cortex-m4' | 'nano33ble' | 'nano33ble-sense' | 'nano33ble-sense-rev2';
export type EngineId = 'native' | 'tflm';
/**
 * How an image gets onto the board: `qemu` loads the ELF into the emulator (the board runs while
 * the host runs it), `arduino-cli` uploads over USB (bossac as the fallback), `probe` is the
 * user's debug probe (the plan only names the image and typical tools).
 */
export type Flasher = 'qemu' | 'arduino-cli' | 'probe';

export interface BoardSpec {
  id: BoardId;
  description: string;
  /** How the project is built: a Makefile for arm-none-eabi-gcc, or an Arduino sketch. */
  build: 'make' | 'arduino';
  /** Folders under firmware/boards/ holding the HAL sources (startup, main, board layer, linker script). */
  halDirs: string[];
  /** Arduino fully-qualified board name (Arduino boards only). */
  fqbn?: string;
  /** Which IMU the HAL reads: none (samples come from the host), or the Arduino library it uses. */
  imu: 'none' | 'LSM9DS1' | 'BMI270';
  /** Arduino libraries the sketch needs (name as `arduino-cli lib install` takes it). */
  arduinoLibraries?: string[];
  /** Linker script file name in halDir (Makefile boards only). */
  linkerScript?: string;
  /** Engine used when none is asked for. */
  defaultEngine: EngineId;
  /** How an image is put on it (see Flasher). */
  flasher: Flasher;
  /** What tf_board_counter() counts (tf_board.h: 0 none, 1 cycles, 2 instructions). */
  counterKind: 0 | 1 | 2;
  /** The core has the Arm DSP extension (M4/M7/M33): the native engine uses firmware/native/dsp/. */
  dsp: boolean;
  /** Makefile boards: the compiler's core flags (default: Cortex-M4F, hard float). */
  cpuFlags?: string;
  /**
   * Makefile boards: preprocessor definitions for the board layer (`NAME=VALUE`, passed as -D), e.g.
   * the AN505's UART addresses and clock for the HAL the MPS2 images share.
   */
  cDefines?: string[];
  /** Virtual boards: the QEMU machine (default mps2-an386). */
  qemuMachine?: string;
  /** How the board's tools count flash and RAM (footprint.ts SizeRule). */
  sizeRule: 'arduino-mbed' | 'gnu-size';
  /**
   * Flash/RAM an image may use, bytes: Arduino boards as arduino-cli checks them (the core's
   * boards.txt upload.maximum_size / upload.maximum_data_size). Makefile boards have none here:
   * their limits are their linker script's MEMORY regions (footprint.ts linkerScriptLimits).
   */
  memory?: { flashBytes: number; ramBytes: number };
}

/** The Arduino TFLM library (no longer in the Library Manager: installed from git, see README). */
export const ARDUINO_TFLM_LIBRARY = 'Arduino_TensorFlowLite';
export const ARDUINO_TFLM_GIT_URL = 'https://github.com/tensorflow/tflite-micro-arduino-examples';

const NANO_FQBN = 'arduino:mbed_nano:nano33ble';
/** Core flags of the Makefile boards (the QEMU MPS2 images and the generic board). */
export const CM4F_FLAGS = '-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16';
const CM3_FLAGS = '-mcpu=cortex-m3 -mthumb -mfloat-abi=soft';
const CM7_FLAGS = '-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16';
/** Armv8-M Mainline with the DSP extension and the single-precision FPU (GCC's cortex-m33 includes DSP; +nodsp removes it). */
const CM33_FLAGS = '-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16';
/** arduino:mbed_nano boards.txt, nano33ble: upload.maximum_size=983040, upload.maximum_data_size=262144. */
const NANO_MEMORY = { flashBytes: 983_040, ramBytes: 262_144 };

/** What the MPS2 virtual boards share (one HAL; AN385/AN386/AN500 one memory map too; they differ in core, flags and QEMU machine). */
const MPS2_VIRTUAL: Pick<BoardSpec, 'build' | 'halDirs' | 'imu' | 'linkerScript' | 'defaultEngine' | 'flasher' | 'counterKind' | 'sizeRule'> = {
  build: 'make',
  // The board layer the MPS2 images share (qemu-mps2/), and the AN385/AN386/AN500 memory map's linker script.
  halDirs: ['cortex-m4/common', 'qemu-mps2', 'qemu-mps2-an386'],
  imu: 'none',
  linkerScript: 'tf_mps2.ld',
  defaultEngine: 'native',
  flasher: 'qemu',
  counterKind: 2,
  sizeRule: 'gnu-size',
};

export const BOARDS: Record<BoardId, BoardSpec> = {
  'qemu-mps2-an386': {
    ...MPS2_VIRTUAL,
    id: 'qemu-mps2-an386',
    description: 'virtual board: QEMU mps2-an386 (Cortex-M4F), UART0 on a pty, SysTick counts instructions (-icount), optional simulated IMU on UART1 (flash --imu)',
    dsp: true,
  },
  'qemu-mps2-an385': {
    ...MPS2_VIRTUAL,
    id: 'qemu-mps2-an385',
    description: 'virtual board: QEMU mps2-an385 (Cortex-M3, no DSP extension, no FPU: the portable kernels), UART0 on a pty, SysTick counts instructions (-icount)',
    dsp: false,
    cpuFlags: CM3_FLAGS,
    qemuMachine: 'mps2-an385',
  },
  'qemu-mps2-an500': {
    ...MPS2_VIRTUAL,
    id: 'qemu-mps2-an500',
    description: 'virtual board: QEMU mps2-an500 (Cortex-M7, DSP extension, double-precision FPU), UART0 on a pty, SysTick counts instructions (-icount)',
    dsp: true,
    cpuFlags: CM7_FLAGS,
    qemuMachine: 'mps2-an500',
  },
  'qemu-mps2-an505': {
    ...MPS2_VIRTUAL,
    id: 'qemu-mps2-an505',
    description: 'virtual board: QEMU mps2-an505 (Cortex-M33, Armv8-M Mainline with DSP, secure state), UART0 on a pty, SysTick counts instructions (-icount), optional simulated IMU on UART1 (flash --imu)',
    dsp: true,
    cpuFlags: CM33_FLAGS,
    qemuMachine: 'mps2-an505',
    // Its own memory map (hw/arm/mps2-tz.c): the shared MPS2 HAL with the AN505's UARTs (secure
    // aliases) and 20 MHz clock, and a linker script at the secure aliases of its SSRAMs.
    halDirs: ['cortex-m4/common', 'qemu-mps2', 'qemu-mps2-an505'],
    linkerScript: 'tf_mps2_an505.ld',
    cDefines: ['TF_MPS2_UART0_BASE=0x50200000u', 'TF_MPS2_UART1_BASE=0x50201000u', 'TF_MPS2_SYSCLK_HZ=20000000u'],
  },
  'cortex-m4': {
    id: 'cortex-m4',
    description: 'generic Cortex-M4F Makefile project (arm-none-eabi-gcc): you supply the UART hooks (weak tf_user_*) and edit the linker script memory',
    build: 'make',
    halDirs: ['cortex-m4/common', 'cortex-m4/generic'],
    imu: 'none',
    linkerScript: 'tf_cortex_m4.ld',
    defaultEngine: 'native',
    flasher: 'probe',
    counterKind: 1,
    dsp: true,
    sizeRule: 'gnu-size',
  },
  nano33ble: {
    id: 'nano33ble',
    description: 'Arduino Nano 33 BLE (nRF52840, no IMU library used): Arduino sketch, Serial over USB, RGB LED',
    build: 'arduino',
    halDirs: ['nano33ble'],
    fqbn: NANO_FQBN,
    imu: 'none',
    arduinoLibraries: [],
    defaultEngine: 'tflm',
    flasher: 'arduino-cli',
    counterKind: 1,
    dsp: true,
    sizeRule: 'arduino-mbed',
    memory: NANO_MEMORY,
  },
  'nano33ble-sense': {
    id: 'nano33ble-sense',
    description: 'Arduino Nano 33 BLE Sense Rev1 (LSM9DS1 IMU): Arduino sketch, Serial over USB, RGB LED',
    build: 'arduino',
    halDirs: ['nano33ble'],
    fqbn: NANO_FQBN,
    imu: 'LSM9DS1',
    arduinoLibraries: ['Arduino_LSM9DS1'],
    defaultEngine: 'tflm',
    flasher: 'arduino-cli',
    counterKind: 1,
    dsp: true,
    sizeRule: 'arduino-mbed',
    memory: NANO_MEMORY,
  },
  'nano33ble-sense-rev2': {
    id: 'nano33ble-sense-rev2',
    description: 'Arduino Nano 33 BLE Sense Rev2 (BMI270 IMU): Arduino sketch, Serial over USB, RGB LED',
    build: 'arduino',
    halDirs: ['nano33ble'],
    fqbn: NANO_FQBN,
    imu: 'BMI270',
    arduinoLibraries: ['Arduino_BMI270_BMM150'],
    defaultEngine: 'tflm',
    flasher: 'arduino-cli',
    counterKind: 1,
    dsp: true,
    sizeRule: 'arduino-mbed',
    memory: NANO_MEMORY,
  },
};

export const BOARD_IDS = Object.keys(BOARDS) as BoardId[];

/** The board with this id, or a bad-input error listing the boards there are. */
export function getBoard(id: string): BoardSpec {
  const b = (BOARDS as Record<string, BoardSpec | undefined>)[id];
  if (!b) {
    throw badInput(`unknown board "${id}"`, { remedy: `use one of: ${BOARD_IDS.join(', ')}` });
  }
  return b;
}

export function parseEngine(id: string): EngineId {
  if (id === 'native' || id === 'tflm') return id;
  throw badInput(`unknown engine "${id}"`, { remedy: 'use --engine native (generated C) or --engine tflm (TensorFlow Lite Micro)' });
}

/** Arduino sketch name for a board: the folder and the .ino must share it. */
export function sketchName(board: BoardSpec): string {
  return 'tinyforge_' + board.id.replace(/-/g, '_');
}
