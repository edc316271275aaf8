/**
 * `tinyforge firmware` (generate a firmware project for a board and engine) and `tinyforge build`
 * (compile it; --dry-run prints the exact commands). Thin: the library is src/firmware/.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { badInput, usageError } from '../../core/errors.js';
import { action, emit, globalOptions, info } from '../util.js';
import { getBoard, parseEngine } from '../../firmware/boards.js';
import { formatBuildPlan } from '../../firmware/build.js';
import { readManifest } from '../../adapters/files.js';
import { formatMemory } from '../../firmware/footprint.js';
import { loadSettings } from '../../adapters/model-sources.js';
import { buildStage, firmwareSettings, firmwareStage, loadNativeEngine, readModelForFirmware } from '../../service/firmware.js';
import { flag, listFlag, numberFlag } from '../flags.js';
import type { Platform } from '../../service/ports.js';
import type { WeightPolicy } from '../../firmware/flash-budget.js';
import { formatNativePlan } from '../../firmware/native-plan.js';

/** A clear bad-input error unless `path` is an existing regular file. */
function requireFile(path: string, what: string, remedy: string): void {
  if (!existsSync(path)) throw badInput(`${what} not found: ${path}`, { remedy });
  if (!statSync(path).isFile()) throw badInput(`${what} ${path} is not a file (a folder?)`, { remedy });
}

export { loadNativeEngine };

interface FirmwareFlags {
  board: string;
  engine?: string;
  model: string;
  settings?: string;
  labels?: string;
  axes?: string;
  rate?: string;
  out: string;
  force?: boolean;
  library?: boolean;
  weights?: WeightPolicy;
  flashBudget?: string;
  dryRun?: boolean;
}

interface BuildFlags {
  dryRun?: boolean;
  tflmDir?: string;
  tflmLib?: string;
}

export function register(program: Command, io: Platform): void {
  program
    .command('firmware')
    .description('generate a firmware project (sources, Makefile or Arduino sketch) for a board and an inference engine')
    .addOption(flag('board', 'target board').makeOptionMandatory())
    .addOption(flag('engine', "inference engine: native (generated C) or tflm (TensorFlow Lite Micro); default: the board's"))
    .addOption(flag('model', 'int8 .tflite model').makeOptionMandatory())
    .addOption(flag('settings', 'model settings JSON (labels, window, normalisation, I/O quantisation); default: the settings.json beside the model, else derived from the model'))
    .addOption(flag('labels', 'without --settings: class names in output order, comma-separated (default class_0, class_1, …)'))
    .addOption(flag('axes', 'without --settings: sensor axes of one sample, e.g. aX,aY,aZ (needed only for live detection)'))
    .option('--rate <hz>', 'without --settings: sample rate the model expects (needed only for live detection)')
    .addOption(flag('out', 'project folder to create (Arduino boards: its name is the sketch name)').makeOptionMandatory())
    .addOption(flag('force', 'replace an existing project folder tinyforge generated'))
    .addOption(flag('weights', "native engine on DSP cores: weight packing — auto (default): the fastest whose image stays within what TFLM would take for this model (.tflite + 60 KiB) and the board's flash; fastest: the fastest that fits the board; int8 / int16: every layer"))
    .addOption(flag('flashBudget', 'with --weights auto: the image budget in bytes instead of what TFLM would take (the board\'s flash still caps it)'))
    .option('--dry-run', 'print the plan (kernels, weight packing and the budget that decided it, flash estimate) and write nothing')
    .option('--library', 'write an Arduino library instead of a program: library.properties, src/ (the model, the engine, the documented API tinyforge.h), examples/ActivityDetector (stand-alone) and examples/TinyforgeLink, plus OUT.zip for arduino-cli lib install --zip-path')
    .addHelpText('after', '\nExamples:\n  tinyforge firmware --board qemu-mps2-an386 --model model.tflite --settings settings.json --out fw\n  tinyforge firmware --board nano33ble-sense-rev2 --model model.tflite --settings settings.json --library --out tinyforge_activity   # + tinyforge_activity.zip\n  tinyforge firmware --board cortex-m4 --model converted.tflite --labels yes,no,unknown --out fw   # settings from the model\n  tinyforge build fw')
    .action(
      action(async (f: FirmwareFlags, cmd: Command) => {
        const o = globalOptions(cmd);
        getBoard(f.board);
        requireFile(f.model, 'model', 'pass the .tflite written by tinyforge quantize');
        if (f.settings) requireFile(f.settings, 'settings file', 'pass the settings.json written by tinyforge quantize (or train) for this model, or leave --settings out to derive it from the model');
        // Without --settings (and nothing to derive them from), the settings.json that convert /
        // quantize / run write beside the model is the model's own: use it rather than guess.
        const sibling = join(dirname(f.model), 'settings.json');
        if (!f.settings && !f.labels && !f.axes && !f.rate && existsSync(sibling) && !statSync(sibling).isDirectory()) {
          f.settings = sibling;
          info(o, `no --settings: using ${sibling} (beside the model)`);
        } else if (!f.settings && !f.labels) info(o, `no --settings: settings derived from ${f.model} (labels class_0…; pass --labels to name them)`);
        if (f.settings && (f.labels || f.axes || f.rate)) throw usageError('--labels, --axes and --rate apply only without --settings', { remedy: 'edit the settings file, or drop --settings' });
        const modelBytes = new Uint8Array(readFileSync(f.model));
        const model = readModelForFirmware(modelBytes, f.model, parseEngine(f.engine ?? getBoard(f.board).defaultEngine));
        // A settings file for another model (other window, axes, labels or quantisation) would give
        // firmware that builds but answers wrongly: firmwareSettings refuses it, by name.
        const fs = firmwareSettings(model.graph, f.settings ? loadSettings(f.settings) : undefined, {
          source: f.settings,
          labels: listFlag(f.labels),
          axes: listFlag(f.axes),
          rateHz: numberFlag('rate', f.rate, { integer: false, min: Number.MIN_VALUE }),
        });
        // Other axes (e.g. aX..gZ) build and serve INFER, but the board's IMU cannot feed them: say so
        // (on stderr, even with --json/--quiet: it changes what the firmware can do).
        if (fs.warning) process.stderr.write(fs.warning + '\n');
        const flashBudget = numberFlag('flash-budget', f.flashBudget, { min: 1 });
        if ((f.weights || flashBudget !== undefined) && parseEngine(f.engine ?? getBoard(f.board).defaultEngine) !== 'native') {
          throw usageError('--weights and --flash-budget apply only to the native engine (TFLM keeps the .tflite as it is)', { remedy: 'drop them, or use --engine native' });
        }
        if (flashBudget !== undefined && f.weights && f.weights !== 'auto') throw usageError(`--flash-budget applies only with --weights auto (not ${f.weights})`, { remedy: 'drop --flash-budget, or use --weights auto' });
        const fw = await firmwareStage(io, { board: f.board, engine: f.engine, model, modelBytes, settings: fs.settings, out: f.out, force: f.force, library: Boolean(f.library), weights: f.weights, flashBudget, dryRun: Boolean(f.dryRun) });
        const { project, dir } = fw;
        if (project.flash?.warning) process.stderr.write(`warning: ${project.flash.warning}\n`);
        const bytes = project.files.reduce((a, x) => a + Buffer.byteLength(x.contents), 0);
        emit(o, { ...(f.dryRun ? { dryRun: true } : {}), dir, ...(fw.zip ? { library: project.manifest.library, zip: fw.zip } : {}), board: fw.board.id, engine: fw.engine, modelSha256: project.manifest.modelSha256, settingsDerived: fs.derived, labels: fs.settings.labels, files: project.files.map((x) => x.path), ...(project.native ? { native: project.native } : {}), ...(project.flash ? { flash: project.flash } : {}), plan: fw.plan }, () =>
          [
            `${f.dryRun ? 'would write' : 'wrote'} ${project.files.length} files (${bytes} bytes) to ${dir}`,
            `  board ${fw.board.id}, ${fw.engine} engine, model sha256 ${project.manifest.modelSha256.slice(0, 16)}…${fs.derived ? `, settings from the model (labels ${fs.settings.labels.join(', ')})` : ''}`,
            ...project.files.map((x) => `  ${x.path}`),
            ...formatNativePlan(project),
            ...(fw.zip ? [`  library ${project.manifest.library?.name}, zip: ${fw.zip} (arduino-cli lib install --zip-path ${fw.zip})`] : []),
            f.dryRun ? 'dry run: nothing written' : `next: tinyforge build ${f.out}${fw.zip ? ` (builds examples/${project.manifest.library?.example})` : ''}`,
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
        if (f.dryRun) {
          const b = await buildStage(io, dirArg, { ...f, dryRun: true });
          emit(o, { dryRun: true, plan: b.plan }, () => formatBuildPlan(b.plan));
          return;
        }
        const dir = resolve(dirArg);
        const m = readManifest(dir);
        info(o, `building ${m.board} (${m.engine} engine) in ${dir}`);
        const b = await buildStage(io, dir, { tflmDir: f.tflmDir, tflmLib: f.tflmLib, onOutput: (chunk) => info(o, chunk.replace(/\n$/, '')) });
        const { plan } = b;
        const { footprint, memory, limits, fit } = b.image!;
        emit(o, { plan, artifact: join(dir, plan.artifact), footprint, memory, limits, ramNeeded: fit?.ramNeeded ?? null }, () =>
          [`built ${join(dir, plan.artifact)}`, ...formatMemory(memory, limits, footprint.arena), `  engine ${m.engine}`].join('\n'),
        );
      }),
    );
}
