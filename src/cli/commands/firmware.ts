/**
 * `tinyforge firmware` (generate a firmware project for a board and engine) and `tinyforge build`
 * (compile it; --dry-run prints the exact commands). Thin: the library is src/firmware/.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { badInput, unsupported } from '../../core/errors.js';
import { action, emit, globalOptions, info } from '../util.js';
import { BOARD_IDS, getBoard, parseEngine } from '../../firmware/boards.js';
import { emitFirmware, type NativeEngineEmitter } from '../../firmware/emit.js';
import { readFirmwareSources } from '../../firmware/sources.js';
import { checkSettingsForModel, liveDetectionWarning } from '../../firmware/model-settings.js';
import { writeProject } from '../../firmware/write.js';
import { buildPlan, formatBuildPlan, MANIFEST_FILE, readManifest, runPlan } from '../../firmware/build.js';
import { elfFootprint } from '../../firmware/footprint.js';
import { readTflite } from '../../tflite/reader.js';
import { loadSettings } from '../../quantize/io.js';

/** A clear bad-input error unless `path` is an existing regular file. */
function requireFile(path: string, what: string, remedy: string): void {
  if (!existsSync(path)) throw badInput(`${what} not found: ${path}`, { remedy });
  if (!statSync(path).isFile()) throw badInput(`${what} ${path} is not a file (a folder?)`, { remedy });
}

/** The native engine's generator (src/firmware/native), loaded only when asked for. */
export async function loadNativeEngine(): Promise<NativeEngineEmitter> {
  const spec = '../../firmware/native/index.js';
  try {
    const mod = (await import(spec)) as { emitNativeEngine: NativeEngineEmitter };
    return mod.emitNativeEngine;
  } catch (e) {
    throw unsupported('the native engine is not available in this build', { cause: e, remedy: 'use --engine tflm' });
  }
}

interface FirmwareFlags {
  board: string;
  engine?: string;
  model: string;
  settings: string;
  out: string;
  force?: boolean;
}

interface BuildFlags {
  dryRun?: boolean;
  tflmDir?: string;
  tflmLib?: string;
}

export function register(program: Command): void {
  program
    .command('firmware')
    .description('generate a firmware project (sources, Makefile or Arduino sketch) for a board and an inference engine')
    .requiredOption('-b, --board <board>', `target board: ${BOARD_IDS.join(', ')}`)
    .option('-e, --engine <engine>', 'inference engine: native (generated C) or tflm (TensorFlow Lite Micro); default: the board\'s')
    .requiredOption('-m, --model <file>', 'int8 .tflite model')
    .requiredOption('-s, --settings <file>', 'model settings JSON (labels, window, normalisation, I/O quantisation)')
    .requiredOption('-o, --out <dir>', 'project folder to create (Arduino boards: its name is the sketch name)')
    .option('--force', 'replace an existing project folder tinyforge generated')
    .addHelpText('after', '\nExample:\n  tinyforge firmware --board qemu-mps2-an386 --model model.tflite --settings settings.json --out fw\n  tinyforge build fw')
    .action(
      action(async (f: FirmwareFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        const board = getBoard(f.board);
        const engine = parseEngine(f.engine ?? board.defaultEngine);
        requireFile(f.model, 'model', 'pass the .tflite written by tinyforge quantize');
        requireFile(f.settings, 'settings file', 'pass the settings.json written by tinyforge quantize (or train) for this model');
        const modelBytes = new Uint8Array(readFileSync(f.model));
        const model = readTflite(modelBytes);
        if (model.graph.inputs.length !== 1 || model.graph.outputs.length !== 1) {
          throw unsupported(`firmware serves models with one input and one output tensor (${f.model} has ${model.graph.inputs.length} and ${model.graph.outputs.length})`, {
            remedy: 'export the model with a single input and a single output',
          });
        }
        // A settings file for another model (other window, axes, labels or quantisation) would give
        // firmware that builds but answers wrongly: refuse it here, by name.
        const settings = checkSettingsForModel(loadSettings(f.settings), model.graph, f.settings);
        // Other axes (e.g. aX..gZ) build and serve INFER, but the board's IMU cannot feed them: say so
        // (on stderr, even with --json/--quiet: it changes what the firmware can do).
        const axesWarning = liveDetectionWarning(settings);
        if (axesWarning) process.stderr.write(axesWarning + '\n');
        const project = emitFirmware({
          board: board.id,
          engine,
          model,
          modelBytes,
          settings,
          sources: readFirmwareSources(),
          nativeEngine: engine === 'native' ? await loadNativeEngine() : undefined,
          sketch: basename(resolve(f.out)),
        });
        const dir = writeProject(f.out, project.files, { force: f.force, marker: MANIFEST_FILE });
        const bytes = project.files.reduce((a, x) => a + Buffer.byteLength(x.contents), 0);
        emit(o, { dir, board: board.id, engine, modelSha256: project.manifest.modelSha256, files: project.files.map((x) => x.path), ...(project.native ? { native: project.native } : {}), plan: buildPlan(dir, board.id, { engine, sketch: project.manifest.sketch, tflmDir: engine === 'tflm' && board.build === 'make' ? '$TFLM_DIR' : undefined }) }, () =>
          [
            `wrote ${project.files.length} files (${bytes} bytes) to ${dir}`,
            `  board ${board.id}, ${engine} engine, model sha256 ${project.manifest.modelSha256.slice(0, 16)}…`,
            ...project.files.map((x) => `  ${x.path}`),
            ...(project.native ? [`  native kernels (${project.native.target}${project.native.arenaBytes !== undefined ? `, arena ${project.native.arenaBytes} B` : ''}):`, ...project.native.kernels.map((k, i) => `    ${i} ${k.op}: ${k.kernel}${k.scratchBytes ? `, scratch ${k.scratchBytes} B` : ''}`)] : []),
            `next: tinyforge build ${f.out}`,
          ].join('\n'),
        );
      }),
    );

  program
    .command('build')
    .description('compile a generated firmware project (make with arm-none-eabi-gcc, or arduino-cli) and report its footprint')
    .argument('<dir>', 'project folder written by tinyforge firmware')
    .option('--dry-run', 'print the exact commands (and one-time prerequisites) without running them')
    .option('--tflm-dir <dir>', 'TFLM engine on Makefile boards: a tflite-micro checkout with libtensorflow-microlite.a built')
    .option('--tflm-lib <file>', 'path of libtensorflow-microlite.a if not under --tflm-dir/gen')
    .addHelpText('after', '\nOutputs build/firmware.elf (+ .bin) for Makefile boards, build/<sketch>.ino.bin for Arduino boards.')
    .action(
      action(async (dirArg: string, f: BuildFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        const dir = resolve(dirArg);
        const m = readManifest(dir);
        const plan = buildPlan(dir, m.board, { engine: m.engine, sketch: m.sketch, tflmDir: f.tflmDir ?? (f.dryRun && m.engine === 'tflm' && getBoard(m.board).build === 'make' ? '$TFLM_DIR' : undefined), tflmLib: f.tflmLib });
        if (f.dryRun) {
          emit(o, { dryRun: true, plan }, () => formatBuildPlan(plan));
          return;
        }
        info(o, `building ${m.board} (${m.engine} engine) in ${dir}`);
        await runPlan(plan, (chunk) => info(o, chunk.replace(/\n$/, '')));
        const footprint = elfFootprint(new Uint8Array(readFileSync(join(dir, plan.elf))));
        emit(o, { plan, artifact: join(dir, plan.artifact), footprint }, () =>
          [
            `built ${join(dir, plan.artifact)}`,
            `  flash ${footprint.flash} bytes (text ${footprint.text} + data ${footprint.data})`,
            `  RAM   ${footprint.ram} bytes (data + bss, stack included)${footprint.arena ? `, arena ${footprint.arena}` : ''}`,
            `  engine ${m.engine}`,
          ].join('\n'),
        );
      }),
    );
}
