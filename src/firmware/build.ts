/**
 * Building a generated firmware project: a plan (plain data: the exact commands, where they run,
 * what they must produce) and an adapter that runs it.
 *
 * Makefile boards run `make` (arm-none-eabi-gcc + newlib); Arduino boards run
 * `arduino-cli compile --fqbn arduino:mbed_nano:nano33ble`. A missing tool is a `tool` error
 * (exit 7) naming the Debian package or the install command.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { ARDUINO_TFLM_GIT_URL, getBoard, sketchName as defaultSketchName, type BoardSpec, type EngineId } from './boards.js';
import { badInput, toolError } from '../core/errors.js';
import { linkOverflow } from './footprint.js';

/** An external program a step needs, and how to get it. */
export interface ToolRequirement {
  name: string;
  install: string;
}

export interface BuildStep {
  title: string;
  /** argv[0] is the program; no shell is involved. */
  argv: string[];
  /** Working directory (absolute, or relative to the project for plans made without a folder). */
  cwd: string;
  tool: ToolRequirement;
}

export interface BuildPlan {
  board: string;
  engine: EngineId;
  projectDir: string;
  /** One-time setup the steps assume (printed with --dry-run, never run by tinyforge). */
  prerequisites: string[];
  steps: BuildStep[];
  /** Files the steps must produce (paths relative to projectDir). */
  outputs: string[];
  /** The image to flash (relative to projectDir): the ELF for Makefile boards (QEMU and probes take it), the .bin for Arduino. */
  artifact: string;
  /** The ELF to measure the footprint of (relative to projectDir). */
  elf: string;
}

export const TOOLS = {
  make: { name: 'make', install: 'sudo apt-get install make (or run scripts/setup.sh)' },
  armGcc: { name: 'arm-none-eabi-gcc', install: 'sudo apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi (or run scripts/setup.sh)' },
  arduinoCli: { name: 'arduino-cli', install: 'install arduino-cli: https://arduino.github.io/arduino-cli/latest/installation/ (then see README "Arduino boards")' },
  qemu: { name: 'qemu-system-arm', install: 'sudo apt-get install qemu-system-arm (or run scripts/setup.sh)' },
  bossac: { name: 'bossac', install: 'bossac comes with the Arduino mbed_nano core: arduino-cli core install arduino:mbed_nano' },
} satisfies Record<string, ToolRequirement>;

export interface BuildPlanOptions {
  engine: EngineId;
  /** Arduino sketch name (= folder name). */
  sketch?: string;
  /** TFLM engine on Makefile boards: a TensorFlow Lite Micro checkout with a built libtensorflow-microlite.a. */
  tflmDir?: string;
  /** Path of libtensorflow-microlite.a when not in TFLM's default gen/ folder. */
  tflmLib?: string;
  /** The project is a library (firmware --library): build this example of it. */
  library?: { example: string };
}

/** How to build the project in `projectDir` for `board` (pure). */
export function buildPlan(projectDir: string, boardId: string, opts: BuildPlanOptions): BuildPlan {
  const board = getBoard(boardId);
  const dir = projectDir;
  if (board.build === 'make') {
    const vars: string[] = [];
    if (opts.engine === 'tflm') {
      if (!opts.tflmDir) {
        throw toolError(`the TFLM engine on ${board.id} needs a TensorFlow Lite Micro build`, {
          remedy:
            'build TFLM for Cortex-M4F (in a tflite-micro checkout: make -f tensorflow/lite/micro/tools/make/Makefile ' +
            'TARGET=cortex_m_generic TARGET_ARCH=cortex-m4+fp OPTIMIZED_KERNEL_DIR=cmsis_nn microlite) and pass --tflm-dir ' +
            '(and --tflm-lib if the library is elsewhere; in the project file: firmware.tflmDir, firmware.tflmLib), or use --engine native',
        });
      }
      // A literal "$TFLM_DIR" stands for the user's checkout in plans printed without one.
      vars.push(`TFLM_DIR=${opts.tflmDir.startsWith('$') ? opts.tflmDir : resolve(opts.tflmDir)}`);
      if (opts.tflmLib) vars.push(`TFLM_LIB=${resolve(opts.tflmLib)}`);
    }
    if (opts.library) vars.push(`EXAMPLE=${opts.library.example}`);
    return {
      board: board.id,
      engine: opts.engine,
      projectDir: dir,
      prerequisites: [
        `${TOOLS.armGcc.name} and newlib: ${TOOLS.armGcc.install}`,
        // TFLM is C++: the Arm C++ library is a separate (1.5 GB) Debian package the native engine never needs.
        ...(opts.engine === 'tflm'
          ? [
              'the Arm C++ library for the TFLM engine: sudo apt-get install libstdc++-arm-none-eabi-newlib',
              'a TensorFlow Lite Micro checkout with libtensorflow-microlite.a built for Cortex-M4 (pass --tflm-dir, or --tflm-lib for the archive)',
            ]
          : []),
      ],
      steps: [{ title: opts.library ? `compile example ${opts.library.example} for ${board.id} (make)` : `compile for ${board.id} (make)`, argv: ['make', ...vars], cwd: dir, tool: TOOLS.make }],
      outputs: ['build/firmware.elf', 'build/firmware.bin'],
      artifact: 'build/firmware.elf',
      elf: 'build/firmware.elf',
    };
  }
  if (opts.library) return arduinoLibraryPlan(board, dir, opts.engine, opts.library.example);
  const sketch = opts.sketch ?? defaultSketchName(board);
  return {
    board: board.id,
    engine: opts.engine,
    projectDir: dir,
    prerequisites: arduinoPrerequisites(board, opts.engine),
    steps: [
      {
        title: `compile sketch ${sketch} for ${board.id} (arduino-cli)`,
        argv: [
          'arduino-cli', 'compile', '--fqbn', board.fqbn!, '--output-dir', 'build', '--warnings', 'default',
          // The TFLM library's DebugLog prints to Serial, the protocol port: every call to it is
          // redirected to tinyforge's __wrap_DebugLog (firmware/tflm/tf_engine_tflm.cpp), which sends a LOG frame.
          ...(opts.engine === 'tflm' ? ['--build-property', `compiler.c.elf.extra_flags=${TFLM_DEBUGLOG_WRAP}`] : []),
          '.',
        ],
        cwd: dir,
        tool: TOOLS.arduinoCli,
      },
    ],
    outputs: [`build/${sketch}.ino.elf`, `build/${sketch}.ino.bin`],
    artifact: `build/${sketch}.ino.bin`,
    elf: `build/${sketch}.ino.elf`,
  };
}

/** An Arduino library's example, compiled against the library folder itself (--library .). */
function arduinoLibraryPlan(board: BoardSpec, dir: string, engine: EngineId, example: string): BuildPlan {
  return {
    board: board.id,
    engine,
    projectDir: dir,
    prerequisites: arduinoPrerequisites(board, engine),
    steps: [
      {
        title: `compile example ${example} for ${board.id} (arduino-cli, this folder as the library)`,
        argv: [
          'arduino-cli', 'compile', '--fqbn', board.fqbn!, '--library', '.', '--output-dir', 'build', '--warnings', 'default',
          ...(engine === 'tflm' ? ['--build-property', `compiler.c.elf.extra_flags=${TFLM_DEBUGLOG_WRAP}`] : []),
          `examples/${example}`,
        ],
        cwd: dir,
        tool: TOOLS.arduinoCli,
      },
    ],
    outputs: [`build/${example}.ino.elf`, `build/${example}.ino.bin`],
    artifact: `build/${example}.ino.bin`,
    elf: `build/${example}.ino.elf`,
  };
}

/** The build options a generated folder's manifest implies. */
export function manifestPlanOptions(m: FirmwareManifest): BuildPlanOptions {
  return { engine: m.engine, sketch: m.sketch, ...(m.library ? { library: { example: m.library.example } } : {}) };
}

/** Linker flag for Arduino TFLM builds: DebugLog → __wrap_DebugLog (the library's own definition stays unreferenced). */
export const TFLM_DEBUGLOG_WRAP = '-Wl,--wrap=DebugLog';

/** The one-time Arduino setup a sketch for `board` needs. */
export function arduinoPrerequisites(board: BoardSpec, engine: EngineId): string[] {
  const pre = ['arduino-cli core install arduino:mbed_nano'];
  for (const lib of board.arduinoLibraries ?? []) pre.push(`arduino-cli lib install ${lib}`);
  if (engine === 'tflm') {
    pre.push('arduino-cli config set library.enable_unsafe_install true');
    pre.push(`arduino-cli lib install --git-url ${ARDUINO_TFLM_GIT_URL}`);
  }
  return pre;
}

/** The manifest every generated project carries (tinyforge.json). */
export interface FirmwareManifest {
  tinyforge: string;
  board: string;
  engine: EngineId;
  modelSha256: string;
  /** Arduino sketch name (Arduino boards only). */
  sketch?: string;
  /** A library (firmware --library): its name and the example that build/flash use. */
  library?: { name: string; example: string };
  /** Every file of the project, sorted. */
  files: string[];
}

export const MANIFEST_FILE = 'tinyforge.json';

export interface StepResult {
  title: string;
  argv: string[];
  exitCode: number;
  output: string;
}

/** A shell-safe rendering of one argument (for printed plans only: tinyforge never uses a shell). */
export function shellQuote(a: string): string {
  return /^[\w@%+=:,./$-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** Numbered steps as printed by --dry-run. */
export function formatSteps(steps: { title: string; argv: string[]; cwd?: string }[]): string[] {
  return steps.map((s, i) => `  ${i + 1}. ${s.title}${s.cwd ? ` (in ${s.cwd})` : ''}\n     $ ${s.argv.map(shellQuote).join(' ')}`);
}

/** The build plan as `tinyforge build --dry-run` prints it (stable: golden-tested). */
export function formatBuildPlan(p: BuildPlan): string {
  const lines = [`build plan for ${p.board} (${p.engine} engine)`, `  project: ${p.projectDir}`];
  if (p.prerequisites.length) lines.push('prerequisites (one-time, not run by tinyforge):', ...p.prerequisites.map((x) => `  - ${x}`));
  lines.push('steps:', ...formatSteps(p.steps));
  lines.push('outputs:', ...p.outputs.map((o) => `  - ${o}`), `artifact: ${p.artifact}`);
  return lines.join('\n') + '\n';
}
