/**
 * Firmware project assembly: one model + settings + board + engine → every file of a buildable
 * project, and the plan that builds it. Pure: the hand-written sources come in as data
 * (`readFirmwareSources()` reads them from firmware/), and the result is deterministic.
 *
 * Project layout (the same for every board, so includes are bare file names everywhere):
 *   tinyforge.json            manifest: board, engine, model SHA-256, file list (read by build/flash)
 *   Makefile                  Makefile boards: arm-none-eabi-gcc build into build/firmware.{elf,bin}
 *   <sketch>.ino              Arduino boards: setup()/loop() calling the board and the app
 *   src/                      every C/C++ source and header, flat:
 *     tf_board.h tf_engine.h tf_app.[ch] tf_link.[ch] tf_protocol.h      (firmware/core)
 *     the board HAL (firmware/boards/<dirs>/, startup + linker scripts), tf_board_config.h (Arduino)
 *     tf_model_settings.h                                                  (settingsHeader)
 *     tf_features_config.h + tf_features.[ch]          (featuresHeader; firmware/features: the DSP block)
 *     engine: native → the generated model C + firmware/native kernels;
 *             tflm   → tf_engine_tflm.cpp + tf_engine_tflm_config.h + model_data.{h,cpp} (modelCArray)
 */
import { createHash } from 'node:crypto';
import type { ModelSettings } from '../core/dataset.js';
import { DTYPE_BYTES, numElements, type TfliteModel } from '../core/graph.js';
import { cHeader, cString, provenanceComment, type GeneratedFile } from '../core/cemit.js';
import { modelCArray } from '../tflite/carray.js';
import { badInput, internalError, unsupported } from '../core/errors.js';
import { PROVENANCE } from '../core/version.js';
import { graphOutputTensors, settingsHeader } from './settings-header.js';
import { featuresHeader } from '../features/cheader.js';
import { CM4F_FLAGS, getBoard, sketchName as defaultSketchName, type BoardSpec, type EngineId } from './boards.js';
import { buildPlan, MANIFEST_FILE, type BuildPlan, type FirmwareManifest } from './build.js';
import { tflmConfigHeader } from './tflm.js';
import { checkGraph } from '../interp/check.js';
import { checkFirmwareIo, withModelQuant } from './model-settings.js';
import type { NativeRequant, NativeTarget } from '../ops/types.js';
import { boardMemoryLimits } from './footprint.js';
import { codeAllowance, estimateFlash, weightBudget, type FlashEstimate, type WeightBudget, type WeightPolicy } from './flash-budget.js';

/** The hand-written firmware sources (firmware/**): repository-relative path with forward slashes ("firmware/core/tf_app.c") → file text. Read by src/adapters/firmware-sources.ts. */
export type SourceTree = Record<string, string>;

/** Generates the native engine's model-specific C (the native-engine part provides it). */
export type NativeEngineEmitter = (
  model: TfliteModel,
  /** constBudget: bytes the generated constant data may take (weights 'auto' packs to it); weights: forced packing or 'auto'. */
  opts: { modelSha256: string; target?: NativeTarget; weights?: 'auto' | 'int8' | 'int16'; constBudget?: number; requant?: NativeRequant },
) => { files: GeneratedFile[]; arenaBytes?: number; schedule?: NativeKernelUse[]; constBytes?: number };

/**
 * One operator of a native engine: the kernel that runs it, the arena scratch it needs (bytes, as
 * CMSIS-NN's _get_buffer_size) and, for DSP layers with packed weights, the packing chosen for the
 * board's flash and its bytes.
 */
export interface NativeKernelUse {
  op: string;
  kernel: string;
  scratchBytes?: number;
  weights?: 'int8' | 'int16';
  weightBytes?: number;
  /** The layer's weight bytes under either packing (int8 null: this layer can only take int16). */
  weightSizes?: { int8: number | null; int16: number };
}

export interface FirmwareInput {
  board: string;
  engine: EngineId;
  model: TfliteModel;
  /** The .tflite file itself (hashed for provenance; embedded as a C array for TFLM). */
  modelBytes: Uint8Array;
  settings: ModelSettings;
  /** Hand-written sources keyed by repository path ("firmware/core/tf_app.c"): readFirmwareSources(). */
  sources: SourceTree;
  /** The native engine generator (required for engine 'native'). */
  nativeEngine?: NativeEngineEmitter;
  /** Native engine: quantisation values folded into layer code (default) or kept opaque (NativeRequant; tune's figures). */
  requant?: NativeRequant;
  /** Native engine on DSP cores: how weights are packed (default 'auto': flash-budget.ts). */
  weights?: WeightPolicy;
  /** With weights 'auto': the image budget in bytes (instead of what TFLM would take); the board's flash still caps it. */
  flashBudget?: number;
  /** Arduino: the sketch name, which must equal the project folder's name. */
  sketch?: string;
}

export interface FirmwareProject {
  files: GeneratedFile[];
  /** Build plan relative to the project folder (projectDir "."). */
  plan: BuildPlan;
  manifest: FirmwareManifest;
  /** Native engine only: the kernel target, the planned arena (scratch included) and each op's kernel and scratch. */
  native?: {
    target: NativeTarget;
    arenaBytes?: number;
    kernels: NativeKernelUse[];
    /** DSP targets: the weight policy and the budget that decided each layer's packing (none for a forced packing). */
    weightPlan?: { policy: WeightPolicy; budget?: WeightBudget };
  };
  /** The image's estimated flash against the board's limit (flash-budget.ts), when the board states one. */
  flash?: FlashEstimate;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Assemble the firmware project for one board and engine. */
export function emitFirmware(input: FirmwareInput): FirmwareProject {
  const board = getBoard(input.board);
  const { model, engine } = input;
  const g = model.graph;
  // Every check the interpreter runs, for every engine, before anything is generated. Ops kept by
  // name for TFLM get the structural checks here; the native generator refuses them with the TFLM remedy.
  checkGraph(g, { tflmOnlyOps: true });
  checkFirmwareIo(g);
  const sha = sha256Hex(input.modelBytes);
  const sketch = input.sketch ?? defaultSketchName(board);
  if (board.build === 'arduino' && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/.test(sketch)) {
    throw badInput(`"${sketch}" cannot name an Arduino sketch`, {
      remedy: 'use an output folder whose name has only letters, digits, "_", "-" and "." (Arduino requires the sketch to be named like its folder)',
    });
  }
  const tensorBytes = (i: number) => numElements(g.tensors[i].shape) * (DTYPE_BYTES[g.tensors[i].dtype] || 1);

  const src: GeneratedFile[] = [];
  const take = (prefix: string, filter: (p: string) => boolean = () => true) => {
    const paths = Object.keys(input.sources).filter((p) => p.startsWith(prefix) && filter(p)).sort();
    if (!paths.length) throw internalError(`no firmware sources under ${prefix}`, { remedy: 'the tinyforge installation is incomplete: reinstall it' });
    for (const p of paths) src.push({ path: p.slice(prefix.length), contents: input.sources[p] });
  };
  take('firmware/core/');
  src.push(...halFiles(board, input.sources));
  // Settings from a training run carry no I/O quantisation: the model's own is the authority.
  const settings = withModelQuant(input.settings, g);
  const outputTensors = graphOutputTensors(g);
  src.push(settingsHeader({ settings, inputBytes: tensorBytes(g.inputs[0]), outputBytes: outputTensors.reduce((n, t) => n + t.bytes, 0), outputTensors, modelSha256: sha }));
  // The feature block (raw: TF_FEATURES_BLOCK 0) and its integer DSP, generated from the same settings.
  src.push(featuresHeader(settings, { modelSha256: sha }));
  take('firmware/features/');
  if (board.build === 'arduino') src.push(boardConfigHeader(board));

  // The board's flash limit (Arduino: its own; Makefile boards: the linker script's MEMORY), known
  // before generating: the native engine packs its weights to fit it, and an image that cannot fit
  // is refused here rather than at link time.
  const ld = board.linkerScript ? board.halDirs.map((d) => input.sources[`firmware/boards/${d}/${board.linkerScript}`]).find((t) => t !== undefined) : undefined;
  const limits = boardMemoryLimits(board, ld);
  const code = codeAllowance(board, engine, g.operators.length);
  let flash: (FlashEstimate & { over: boolean }) | undefined;
  let native: FirmwareProject['native'];
  if (engine === 'native') {
    if (!input.nativeEngine) {
      throw unsupported('the native engine generator is not available in this build', { remedy: 'use --engine tflm' });
    }
    // DSP kernels (firmware/native/dsp/) only for cores with the DSP extension.
    take('firmware/native/', (p) => /\.(c|h)$/.test(p) && (board.dsp || !p.startsWith('firmware/native/dsp/')));
    const target: NativeTarget = board.dsp ? 'dsp' : 'portable';
    const policy = input.weights ?? 'auto';
    const budget = weightBudget({ policy, board, limits: limits ?? undefined, code, tfliteBytes: input.modelBytes.length, flashBudget: input.flashBudget });
    const packing = policy === 'int8' || policy === 'int16' ? policy : 'auto';
    const engineOut = input.nativeEngine(model, { modelSha256: sha, target, weights: packing, ...(budget ? { constBudget: budget.constBytes } : {}), ...(input.requant ? { requant: input.requant } : {}) });
    src.push(...engineOut.files);
    const kernels = engineOut.schedule ?? [];
    const weighted = kernels.some((k) => k.weights);
    native = { target, arenaBytes: engineOut.arenaBytes, kernels, ...(weighted ? { weightPlan: { policy, ...(budget ? { budget } : {}) } } : {}) };
    if (limits && engineOut.constBytes !== undefined) flash = estimateFlash(code, engineOut.constBytes, limits);
  } else {
    if (limits) flash = estimateFlash(code, input.modelBytes.length, limits);
    take('firmware/tflm/', (p) => /\.(cpp|h)$/.test(p));
    src.push(tflmConfigHeader({ model, modelSha256: sha }));
    // The C array is C++ (model_data.cc); .cpp is the extension both our Makefile and Arduino compile.
    for (const f of modelCArray(input.modelBytes, { name: 'tf_model_data', graph: g })) {
      src.push({ path: f.path.replace(/\.cc$/, '.cpp'), contents: f.contents });
    }
  }

  if (flash?.over) {
    const packed = native?.kernels.some((k) => k.weights === 'int8') ? ' with every layer it could on int8 weights' : '';
    throw badInput(
      `the firmware will not fit the ${board.id}: estimated ${flash.bytes} B of flash (${engine} engine${packed}: ${flash.dataBytes} B of model data + about ${code} B of code) > ${flash.limit} B (${flash.source}); nothing was written`,
      {
        remedy: engine === 'tflm' && board.dsp ? 'use --engine native (its int8-packed weights take less flash than the .tflite plus TFLM), a smaller model, or a board with more flash' : 'use a smaller model (fewer or narrower layers), or a board with more flash',
        details: { board: board.id, engine, estimate: flash.bytes, limit: flash.limit, dataBytes: flash.dataBytes, code },
      },
    );
  }

  const files: GeneratedFile[] = src.map((f) => ({ path: `src/${baseName(f.path)}`, contents: f.contents }));
  if (board.build === 'make') files.push(makefile(board, engine));
  else files.push(sketchIno(board, sketch));

  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw internalError(`two firmware sources would both be written to ${f.path}`, { remedy: 'report this: source file names must be unique' });
    seen.add(f.path);
  }
  const manifest: FirmwareManifest = {
    tinyforge: PROVENANCE,
    board: board.id,
    engine,
    modelSha256: sha,
    ...(board.build === 'arduino' ? { sketch } : {}),
    files: [...seen, MANIFEST_FILE].sort(),
  };
  files.push({ path: MANIFEST_FILE, contents: JSON.stringify(manifest, null, 2) + '\n' });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const plan = buildPlan('.', board.id, { engine, sketch, tflmDir: engine === 'tflm' && board.build === 'make' ? '$TFLM_DIR' : undefined });
  const flashOut = flash ? (({ over: _over, ...rest }) => rest)(flash) : undefined;
  return { files, plan, manifest, ...(native ? { native } : {}), ...(flashOut ? { flash: flashOut } : {}) };
}

/** The hand-written board layer of `board` (startup, main, HAL, linker scripts), paths flattened. */
export function halFiles(board: BoardSpec, sources: SourceTree): GeneratedFile[] {
  const out: GeneratedFile[] = [];
  for (const d of board.halDirs) {
    const prefix = `firmware/boards/${d}/`;
    const paths = Object.keys(sources).filter((p) => p.startsWith(prefix)).sort();
    if (!paths.length) throw internalError(`no board sources under ${prefix}`, { remedy: 'the tinyforge installation is incomplete: reinstall it' });
    for (const p of paths) out.push({ path: baseName(p), contents: sources[p] });
  }
  return out;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Arduino boards: which IMU the shared Nano HAL reads, and the name INFO reports. */
export function boardConfigHeader(board: BoardSpec): GeneratedFile {
  return cHeader('tf_board_config.h', [
    `#define TF_BOARD_NAME ${cString(board.id)}`,
    `#define TF_BOARD_IMU_NONE ${board.imu === 'none' ? 1 : 0}`,
    `#define TF_BOARD_IMU_LSM9DS1 ${board.imu === 'LSM9DS1' ? 1 : 0}`,
    `#define TF_BOARD_IMU_BMI270 ${board.imu === 'BMI270' ? 1 : 0}`,
  ].join('\n'));
}

/** Arduino entry point: the sketch only hands over to the board layer and the app. */
export function sketchIno(board: BoardSpec, sketch: string): GeneratedFile {
  return {
    path: `${sketch}.ino`,
    contents: [
      provenanceComment(`sketch for ${board.id}`),
      '// Build: arduino-cli compile --fqbn ' + board.fqbn + ' .',
      '#include "src/tf_app.h"',
      '#include "src/tf_board.h"',
      '',
      'void setup() {',
      '  tf_board_init();',
      '  tf_app_init();',
      '}',
      '',
      'void loop() { tf_app_poll(); }',
      '',
    ].join('\n'),
  };
}

/** The Makefile of a Makefile board (arm-none-eabi-gcc + newlib nano, hard-float Cortex-M4F). */
export function makefile(board: BoardSpec, engine: EngineId): GeneratedFile {
  const tflm = engine === 'tflm';
  const lines = [
    '# ' + provenanceComment(`${board.id}, ${engine} engine`).slice(3),
    `# Build: make            → build/firmware.elf, build/firmware.bin${tflm ? '\n# The TFLM engine needs a TensorFlow Lite Micro build: make TFLM_DIR=/path/to/tflite-micro [TFLM_LIB=/path/to/libtensorflow-microlite.a]' : ''}`,
    '# Override CROSS, OPT or EXTRA_CFLAGS on the command line.',
    'CROSS ?= arm-none-eabi-',
    'CC := $(CROSS)gcc',
    'CXX := $(CROSS)g++',
    'OBJCOPY := $(CROSS)objcopy',
    'OPT ?= -O2',
    `CPU := ${board.cpuFlags ?? CM4F_FLAGS}`,
    // The board layer reports its id (INFO); boards sharing one HAL differ only here.
    `CFLAGS := $(CPU) $(OPT) -std=c99 -Wall -Wextra -Werror -ffunction-sections -fdata-sections -DTF_BOARD_ID=\\"${board.id}\\"${(board.cDefines ?? []).map((d) => ` -D${d}`).join('')} -Isrc $(EXTRA_CFLAGS)`,
    `LDSCRIPT := src/${board.linkerScript}`,
    'LDFLAGS := $(CPU) -Lsrc -T$(LDSCRIPT) -Wl,--gc-sections -Wl,-Map=build/firmware.map --specs=nano.specs --specs=nosys.specs',
    'C_SRCS := $(sort $(wildcard src/*.c))',
    'OBJS := $(patsubst src/%.c,build/%.o,$(C_SRCS))',
    'LINK := $(CC)',
  ];
  if (tflm) {
    lines.push(
      'ifeq ($(strip $(TFLM_DIR)),)',
      '$(error the TFLM engine needs TensorFlow Lite Micro: make TFLM_DIR=/path/to/tflite-micro (see the comment at the top))',
      'endif',
      'TFLM_LIB ?= $(firstword $(wildcard $(TFLM_DIR)/gen/cortex_m_generic_cortex-m4+fp_*/lib/libtensorflow-microlite.a))',
      'TFLM_INC := -isystem $(TFLM_DIR) -isystem $(TFLM_DIR)/tensorflow/lite/micro/tools/make/downloads/flatbuffers/include \\',
      '  -isystem $(TFLM_DIR)/tensorflow/lite/micro/tools/make/downloads/gemmlowp',
      'CXXFLAGS := $(CPU) $(OPT) -std=c++17 -Wall -Wextra -Werror -fno-exceptions -fno-rtti -fno-threadsafe-statics \\',
      '  -ffunction-sections -fdata-sections -DTF_LITE_STATIC_MEMORY -Isrc $(TFLM_INC) $(EXTRA_CFLAGS)',
      'CXX_SRCS := $(sort $(wildcard src/*.cpp))',
      'OBJS += $(patsubst src/%.cpp,build/%.o,$(CXX_SRCS))',
      'LIBS := $(TFLM_LIB)',
      'LINK := $(CXX)',
    );
  }
  lines.push(
    '',
    '.PHONY: all clean',
    'all: build/firmware.elf build/firmware.bin',
    '',
    'build:',
    '\tmkdir -p build',
    '',
    'build/%.o: src/%.c $(wildcard src/*.h) | build',
    '\t$(CC) $(CFLAGS) -c $< -o $@',
  );
  if (tflm) lines.push('', 'build/%.o: src/%.cpp $(wildcard src/*.h) | build', '\t$(CXX) $(CXXFLAGS) -c $< -o $@');
  lines.push(
    '',
    `build/firmware.elf: $(OBJS) $(LDSCRIPT)`,
    `\t$(LINK) $(OBJS) ${tflm ? '$(LIBS) ' : ''}$(LDFLAGS) -lm -o $@`,
    '',
    'build/firmware.bin: build/firmware.elf',
    '\t$(OBJCOPY) -O binary $< $@',
    '',
    'clean:',
    '\trm -rf build',
    '',
  );
  return { path: 'Makefile', contents: lines.join('\n') };
}
