/**
 * `tinyforge firmware … --library`: the model as an Arduino library (library format 1.5), built
 * from the same parts as a firmware project (emitFirmware) and, like it, pure: files + plan.
 *
 * Layout (folder = library name):
 *   library.properties                 name, version, sentence, architectures, includes, depends
 *   src/                               tinyforge.h (the one include), the model library
 *                                      (tf_model.[ch], tf_resample.[ch]), the link app (tf_app,
 *                                      tf_link, tf_protocol.h), tf_model_settings.h, the engine
 *                                      (native C or TFLM) and the board layer of --board
 *   examples/ActivityDetector/         stand-alone: IMU → model → Serial/LED, no host
 *   examples/TinyforgeLink/            the device app tinyforge verify/monitor/capture/studio use
 *   extras/tf_main_sketch.c            Makefile boards: main() calling setup()/loop() (the IDE ignores extras/)
 *   Makefile                           Makefile boards: `make EXAMPLE=ActivityDetector` builds an example
 *   tinyforge.json                     manifest (board, engine, model SHA-256, files, the example built)
 * The examples are written in the common subset of C and C++, so the Arduino IDE compiles them
 * as sketches and the Makefile as C (`-x c`): one library core for Arduino, the virtual board and
 * the generic Cortex-M project.
 */
import { zipSync } from 'fflate';
import type { GeneratedFile } from '../core/cemit.js';
import { provenanceComment } from '../core/cemit.js';
import { badInput, internalError } from '../core/errors.js';
import { PROVENANCE } from '../core/version.js';
import { getBoard, type BoardSpec, type EngineId } from './boards.js';
import { buildPlan, MANIFEST_FILE, type BuildPlan, type FirmwareManifest } from './build.js';
import { emitFirmware, makefile, type FirmwareInput } from './emit.js';

export const LIBRARY_EXAMPLES = ['ActivityDetector', 'TinyforgeLink'] as const;
export type LibraryExample = (typeof LIBRARY_EXAMPLES)[number];
/** The example a Makefile board builds (and flash runs) unless told otherwise. */
export const DEFAULT_LIBRARY_EXAMPLE: LibraryExample = 'ActivityDetector';

export interface LibraryInput extends Omit<FirmwareInput, 'sketch'> {
  /** Library name = folder name (letters, digits, _ . -; starts with a letter or digit). */
  name: string;
  /** Example the build plan compiles (default ActivityDetector). */
  example?: LibraryExample;
}

export interface LibraryProject {
  files: GeneratedFile[];
  plan: BuildPlan;
  manifest: FirmwareManifest;
}

/** Files of the firmware project that only make sense for the link app as a whole program. */
const PROGRAM_ONLY = new Set(['src/tf_main_cm4.c']);

export function emitLibrary(input: LibraryInput): LibraryProject {
  const board = getBoard(input.board);
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(input.name)) {
    throw badInput(`"${input.name}" cannot name an Arduino library`, { remedy: 'use an output folder whose name has only letters, digits, "_", "-" and "." and starts with a letter or digit' });
  }
  const example = input.example ?? DEFAULT_LIBRARY_EXAMPLE;
  const fw = emitFirmware({ ...input, sketch: input.name.replace(/[^A-Za-z0-9_]/g, '_') });
  const files: GeneratedFile[] = fw.files.filter((f) => f.path.startsWith('src/') && !PROGRAM_ONLY.has(f.path));
  const take = (from: string, to: string) => {
    const text = input.sources[from];
    if (text === undefined) throw internalError(`no firmware source ${from}`, { remedy: 'the tinyforge installation is incomplete: reinstall it' });
    files.push({ path: to, contents: text });
  };
  take('firmware/library/tinyforge.h', 'src/tinyforge.h');
  for (const e of LIBRARY_EXAMPLES) take(`firmware/examples/${e}/${e}.ino`, `examples/${e}/${e}.ino`);
  files.push(libraryProperties(board, input.engine, input.name, fw.manifest.modelSha256));
  if (board.build === 'make') {
    take('firmware/library/tf_main_sketch.c', 'extras/tf_main_sketch.c');
    files.push(libraryMakefile(board, input.engine));
  }
  const paths = files.map((f) => f.path);
  if (new Set(paths).size !== paths.length) throw internalError('two library files share a path', { remedy: 'report this: source file names must be unique' });
  const manifest: FirmwareManifest = {
    tinyforge: PROVENANCE,
    board: board.id,
    engine: input.engine,
    modelSha256: fw.manifest.modelSha256,
    library: { name: input.name, example },
    files: [...paths, MANIFEST_FILE].sort(),
  };
  files.push({ path: MANIFEST_FILE, contents: JSON.stringify(manifest, null, 2) + '\n' });
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const plan = buildPlan('.', board.id, { engine: input.engine, library: { example }, tflmDir: input.engine === 'tflm' && board.build === 'make' ? '$TFLM_DIR' : undefined });
  return { files, plan, manifest };
}

/** The library as a .zip whose one top folder is the library (what `arduino-cli lib install --zip-path` takes). */
export function libraryZip(name: string, files: readonly GeneratedFile[]): Uint8Array {
  const tree: Record<string, Uint8Array> = {};
  const enc = new TextEncoder();
  for (const f of files) tree[`${name}/${f.path}`] = typeof f.contents === 'string' ? enc.encode(f.contents) : f.contents;
  // A fixed timestamp: the same library gives the same bytes.
  return zipSync(tree, { level: 6, mtime: new Date('2020-01-01T00:00:00Z') });
}

function libraryProperties(board: BoardSpec, engine: EngineId, name: string, sha: string): GeneratedFile {
  // Only Library Manager libraries: the Arduino TFLM library is installed from git (see the build plan's prerequisites).
  const depends = board.build === 'arduino' ? (board.arduinoLibraries ?? []) : [];
  const lines = [
    `name=${name}`,
    'version=1.0.0',
    'author=tinyforge',
    'maintainer=tinyforge',
    `sentence=A tinyforge model (${engine} engine) as a library: continuous inference on the IMU, results by polling or callback.`,
    `paragraph=Model sha256 ${sha.slice(0, 16)}…, board layer for ${board.id}. Examples: ActivityDetector (stand-alone) and TinyforgeLink (for tinyforge verify/monitor).`,
    'category=Data Processing',
    `architectures=${board.build === 'arduino' ? 'mbed_nano,mbed' : '*'}`,
    'includes=tinyforge.h',
    ...(depends.length ? [`depends=${depends.join(', ')}`] : []),
    '',
  ];
  return { path: 'library.properties', contents: lines.join('\n') };
}

/**
 * A Makefile board's library Makefile: the firmware Makefile's toolchain and flags, plus one
 * example sketch compiled as C and extras/tf_main_sketch.c.
 */
function libraryMakefile(board: BoardSpec, engine: EngineId): GeneratedFile {
  const base = makefile(board, engine).contents as string;
  const head = [
    `# ${provenanceComment(`library for ${board.id}, ${engine} engine`).slice(3)}`,
    `# Build an example: make EXAMPLE=${DEFAULT_LIBRARY_EXAMPLE} (default) or make EXAMPLE=TinyforgeLink → build/firmware.elf`,
    `EXAMPLE ?= ${DEFAULT_LIBRARY_EXAMPLE}`,
  ];
  const body = base
    .split('\n')
    .filter((l) => !l.startsWith('# '))
    .join('\n')
    .replace(
      'OBJS := $(patsubst src/%.c,build/%.o,$(C_SRCS))',
      'OBJS := $(patsubst src/%.c,build/%.o,$(C_SRCS)) build/tf_main_sketch.o build/sketch.o',
    )
    .replace(
      "build/%.o: src/%.c $(wildcard src/*.h) | build\n\t$(CC) $(CFLAGS) -c $< -o $@",
      [
        'build/%.o: src/%.c $(wildcard src/*.h) | build',
        '\t$(CC) $(CFLAGS) -c $< -o $@',
        '',
        'build/tf_main_sketch.o: extras/tf_main_sketch.c | build',
        '\t$(CC) $(CFLAGS) -c $< -o $@',
        '',
        '# The example is a sketch in the common subset of C and C++: compiled here as C.',
        'build/sketch.o: examples/$(EXAMPLE)/$(EXAMPLE).ino $(wildcard src/*.h) | build',
        '\t$(CC) $(CFLAGS) -x c -c $< -o $@',
      ].join('\n'),
    );
  if (!body.includes('build/sketch.o: examples')) throw internalError('the library Makefile could not be derived from the firmware Makefile', { remedy: 'report this' });
  // A different EXAMPLE must rebuild the sketch object.
  return { path: 'Makefile', contents: head.join('\n') + '\n' + body.replace('.PHONY: all clean', '.PHONY: all clean build/sketch.o') };
}
