/**
 * The ports of the service layer: the small interfaces through which a pipeline step reaches the
 * outside world. The service never imports src/adapters/; a client's composition root (the CLI's
 * `buildProgram`, the studio through it, a forked tune trial) builds one `Platform` from the
 * adapters (src/adapters/platform.ts) and passes it down (docs/architecture.md).
 *
 * A board is resolved once, from its id, into a `Board`: what it is (its spec) and what it does —
 * how its flash plan looks, how an image is put on it, how it is reached for talking, what IMU it
 * can be given. Nothing that holds a `Board` asks whether it is virtual.
 */
import type * as tf from '@tensorflow/tfjs';
import type { GeneratedFile } from '../core/cemit.js';
import type { ArrayData } from '../quantize/array-data.js';
import type { EvalReport, TrainResult } from '../train/train.js';
import type { ImportIo } from '../data/import/description.js';
import type { ModelSettings, WindowSet } from '../core/dataset.js';
import type { BuildPlan, BuildStep, FirmwareManifest, StepResult } from '../firmware/build.js';
import type { BoardSpec } from '../firmware/boards.js';
import type { SourceTree } from '../firmware/emit.js';
import type { FlashPlan, FlashPlanInput } from '../flash/plan.js';
import type { ImuSpec, SimulatedImu } from '../flash/imu-source.js';
import type { Transport } from '../device/transport.js';
import type { LoadedVectors } from '../device/reference.js';

/** A board running an image, ready to talk to on `path`. */
export interface StartedBoard {
  /** Serial port path (a pty for a board the host runs). */
  path: string;
  /** Link throughput estimate in bytes/s (sets timeouts); absent: the port's own estimate. */
  bytesPerSecond?: number;
  /** What getting it running took, in words ("virtual board up", "flashed nano33ble"). */
  summary: string;
  /** Its simulated IMU, when it was given one (BoardStartOptions.imu); null otherwise. */
  imu: SimulatedImu | null;
  /**
   * Present when the board runs only as long as this process runs it (stop() ends it): settles
   * with why, in words ("the virtual board stopped: QEMU exited (exit code 3)"). A flashed board
   * keeps running on its own and has none.
   */
  exited?: Promise<string>;
  /** The command line the host runs the board with, when it runs one (argv after the binary). */
  hostArgs?: string[];
  /** Ends what this process started (safe twice; nothing for a flashed board). */
  stop(): Promise<void>;
}

export interface BoardStartOptions {
  /** The IMU the board is given: a board that reads its own sensor refuses anything but none. */
  imu?: ImuSpec;
  /** Ctrl-C: aborted while the board starts, the start stops what it began and rejects (exit 130). */
  signal?: AbortSignal;
  /** Tool output while flashing. */
  onOutput?: (chunk: string) => void;
  /** The serial port to use when the plan names none. */
  port?: string;
}

/** One board, resolved once from its id (src/adapters/boards.ts). */
export interface Board {
  readonly spec: BoardSpec;
  /** What it is called in messages ("virtual board", "nano33ble"). */
  readonly name: string;
  /** It can be given an IMU to play (BoardStartOptions.imu: simulated or a recording); false: it reads its own sensor. */
  readonly hostsImu: boolean;
  /**
   * Boards flashed over their own USB serial port: finds that port when none is given (a device
   * error naming --port unless exactly one such board is plugged in). Absent: no port to find.
   */
  findPort?(): Promise<string>;
  /** The plan that puts an image on it (pure; `flash --dry-run` prints it). */
  plan(input: Omit<FlashPlanInput, 'board'>): FlashPlan;
  /** Carries out `plan`: afterwards the board runs the plan's image, ready to talk to. */
  flash(plan: FlashPlan, o?: BoardStartOptions): Promise<StartedBoard>;
  /**
   * The board running `artifact` without flashing it again (verify after an earlier flash): a
   * board that runs only while the host runs it is started; another is reached on its port.
   */
  attach(image: { artifact?: string; port?: string }, o?: BoardStartOptions): Promise<StartedBoard>;
}

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

/** Boards and their links. */
export interface BoardPort {
  /** The board with this id (a bad-input error listing the boards for an unknown one). */
  board(id: string): Board;
  /** A serial link to `path` (not yet open). */
  transport(path: string, o?: { baudRate?: number; bytesPerSecond?: number }): Transport;
  /** Serial ports on this machine. */
  listPorts(): Promise<SerialPortInfo[]>;
}

/** Child processes: the build and flash tools. */
export interface ProcessPort {
  runPlan(plan: BuildPlan, onOutput?: (chunk: string) => void): Promise<StepResult[]>;
  runSteps(steps: (Omit<BuildStep, 'cwd'> & { cwd?: string })[], onOutput?: (chunk: string) => void): Promise<StepResult[]>;
}

/** The file system, as the service steps use it (every write is atomic: whole or absent). */
export interface FilePort {
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  readBytes(path: string): Uint8Array;
  readText(path: string): string;
  makeDir(dir: string): void;
  removePath(path: string): void;
  /** Renames a file into place (atomic on one file system). */
  moveFile(from: string, to: string): void;
  writeFileAtomic(path: string, data: Uint8Array | string): void;
  /** A generated folder, all or nothing; `marker` (a file) says a folder is ours to replace with `force`. */
  writeProject(outDir: string, files: GeneratedFile[], o?: { force?: boolean; marker?: string }): string;
  writeSplitDir(dir: string, files: Record<string, string>): string[];
  /** A firmware project's manifest (bad input when `dir` is not a tinyforge project). */
  readManifest(projectDir: string): FirmwareManifest;
  /** A vectors folder: in-NNN.bin and (when recorded) out-NNN.bin. */
  loadVectors(dir: string): LoadedVectors;
}

/** A training run folder (src/adapters/train-dir.ts), as verify reads it. */
export interface TrainRunPort {
  /** The run's settings and held-out windows, raw and normalised for the model. */
  loadWindows(dir: string): Promise<{ settings: ModelSettings; heldOut: WindowSet; heldOutNormalised: WindowSet }>;
  /** Saves a run (model, settings, the windows it used, its report) into `dir`; returns the files by role. */
  save(dir: string, run: Pick<TrainResult, 'model' | 'settings' | 'windows'> & { report?: EvalReport | null }): Promise<Record<string, string>>;
}

/** A float model and what came with it (src/adapters/model-sources.ts loadSources). */
export interface ModelSources {
  model: tf.LayersModel;
  settings?: ModelSettings;
  /** Calibration (representative) data, when known. */
  calibration?: ArrayData;
  /** Labelled evaluation data, when known. */
  evaluation?: ArrayData;
  /** The held-out windows in sensor units (train directories), for the feature block's SQNR. */
  heldOutRaw?: WindowSet;
}

/** Float models, their settings and data: a train folder, a model.json, a data JSON. */
export interface ModelPort {
  /** `model`: a train folder or a model.json; `data`: a train folder or an ArrayData JSON; `settings`: a settings.json. */
  loadSources(o: { model: string; data?: string; settings?: string }): Promise<ModelSources>;
  loadSettings(path: string): ModelSettings;
}

/** Everything a service step may reach outside the process, wired once by a composition root. */
export interface Platform {
  files: FilePort;
  processes: ProcessPort;
  boards: BoardPort;
  trainRuns: TrainRunPort;
  models: ModelPort;
  /** Recording files, as the import stage reads them (streamed, size-capped: src/adapters/import-fs.ts). */
  importIo(o?: { maxFileMB?: number }): ImportIo;
  /** The firmware sources of this checkout (firmware/: the core, HALs, native engine, link app). */
  firmwareSources(): SourceTree;
}
