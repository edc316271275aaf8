/**
 * Device commands: `verify` (device vs host, bit for bit), `capture` (labelled IMU stream → file),
 * `monitor` (live predictions; `--feed` for boards without an IMU). Thin: the steps are src/service/device.ts and stream.ts.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { badInput, ExitCode, usageError } from '../../core/errors.js';
import { action, emit, globalOptions, info, progress } from '../util.js';
import { whenAborted, type StopControl } from '../../adapters/signals.js';
import type { Platform } from '../../service/ports.js';
import { formatVerifyReport } from '../../device/verify.js';
import { VERIFY_DEFAULT_MAX, VERIFY_DEFAULT_SEED, describeVerifySample } from '../../device/verify-sample.js';
import { connectBoard, featureVerifyWindows, loadVerifyWindows, verifyStage } from '../../service/device.js';
import type { DeviceClient } from '../../device/client.js';
import { deprecatedAlias, flag, numberFlag } from '../flags.js';
import { CAPTURE_CSV_HEADER, type CaptureSummary } from '../../device/capture.js';
import { loadSettings } from '../../adapters/model-sources.js';
import { addImportOptions, modelRawWindowsFromData, modelWindowsFromData, namesRecordings, type ImportFlags } from '../data-options.js';
import { formatPrediction, parseFeedCsv } from '../../device/monitor.js';
import { captureStage, monitorStage } from '../../service/stream.js';

/** A firmware LOG line, on stderr (even with --json: stdout stays the result). */
export const printDeviceLog = (text: string): void => void process.stderr.write(`device: ${text}\n`);

interface LinkFlags {
  port?: string;
  baud: string;
  linkRate?: string;
  timeoutMs?: string;
}

function addLinkOptions(c: Command): Command {
  return c
    .addOption(flag('port', 'serial port or pty of the board (e.g. /dev/ttyACM0, or the pty the virtual board printed)'))
    .option('--baud <n>', 'baud rate (ignored by USB CDC and ptys)', '115200')
    .option('--link-rate <bytesPerSecond>', 'link throughput used to scale timeouts (QEMU ~8000)')
    .option('--timeout-ms <ms>', 'fixed part of every reply timeout (the rest follows the measured link rate and inference time; default 250)');
}

/** The board's link (the service's connectBoard; capture and monitor use it too). */
async function connect(io: Platform, f: LinkFlags): Promise<DeviceClient> {
  const client = await connectBoard(io.boards, f);
  // Firmware log lines (LOG frames) go to stderr, so stdout stays the result (and clean --json).
  client.onLog(printDeviceLog);
  return client;
}

function readFileOrThrow(path: string, what: string): Buffer {
  if (!existsSync(path)) throw badInput(`${what} not found: ${path}`, { remedy: 'check the path' });
  return readFileSync(path);
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

export function register(program: Command, stops: StopControl, io: Platform): void {
  addLinkOptions(
    addImportOptions(program.command('verify'))
      .description('Run test windows on the board and compare every output byte with the host reference (exit 5 on any mismatch)')
      .addOption(flag('model', "the .tflite the board was built from (its SHA-256 must match the board's)").makeOptionMandatory())
      .option('--vectors <dir>', 'folder of in-NNN.bin inputs (+ out-NNN.bin expected outputs; default: the model\'s folder if it has them)')
      .option('--windows <file>', 'JSON windows file: { "inputs": [[int8…]…], "labels": [class…] }; expected outputs from the host interpreter')
      .addOption(flag('dataDir', 'a training directory (tinyforge train --out DIR): its held-out windows, quantised for the model, with their labels; or recordings (files, folder, glob) read with the import flags and settings.json beside the model'))
      .addOption(flag('max', `send at most N windows: a class-stratified, seeded sample (default ${VERIFY_DEFAULT_MAX})`))
      .addOption(flag('all', 'send every window'))
      .addOption(flag('seed', `seed of the sample (default ${VERIFY_DEFAULT_SEED})`))
      .addOption(deprecatedAlias('-n, --count <n>', '--max')),
  ).action(
    action(async (f: LinkFlags & ImportFlags & { model: string; vectors?: string; windows?: string; data?: string; count?: string; max?: string; all?: boolean; seed?: string }, cmd: Command) => {
      const out = globalOptions(cmd);
      const model = new Uint8Array(readFileOrThrow(f.model, 'model file'));
      if (f.count !== undefined && f.max !== undefined) throw usageError('use --max, not both --max and -n', { remedy: '-n is the old name of --max' });
      if (f.all && (f.count ?? f.max) !== undefined) throw usageError('--all sends every window; drop --max', { remedy: 'pass either --all or --max N' });
      const max = numberFlag(f.count !== undefined ? 'count' : 'max', f.count ?? f.max, { min: 1 });
      const seed = numberFlag('seed', f.seed);
      const settingsPath = join(dirname(f.model), 'settings.json');
      const settings = existsSync(settingsPath) ? loadSettings(settingsPath) : undefined;
      const fromRecordings = f.data !== undefined && namesRecordings(f.data);
      // A model with a feature block gets raw windows (the board runs the DSP); others their quantised input.
      const windows = fromRecordings && settings?.features
        ? { ...featureVerifyWindows(model, modelRawWindowsFromData(f.data!, f, settings), settings), source: 'data' as const }
        : await loadVerifyWindows(io, model, f.model, fromRecordings ? { ...f, data: undefined, recordingWindows: modelWindowsFromData(f.data!, f, settings) } : f);
      const client = await connect(io, f);
      try {
        const bar = progress(out, Math.min(windows.inputs.length, f.all ? Infinity : (max ?? VERIFY_DEFAULT_MAX)), 'verify');
        const report = await verifyStage(client, model, windows, { all: f.all, max, seed, settings, onProgress: (d) => bar.update(d) }).finally(() => bar.stop());
        emit(out, report, () => `${formatVerifyReport(report)}\nwindows: ${describeVerifySample(report.sample)}${report.sample.mode === 'all' ? '' : ' (--all sends every window, --max N changes the bound)'}`);
        // On stderr even with --json: saturated windows give wrong answers the board faithfully repeats.
        if (report.saturationWarning) process.stderr.write(report.saturationWarning + '\n');
        if (!report.ok) process.exitCode = ExitCode.MISMATCH;
      } finally {
        await client.close();
      }
    }),
  );

  addLinkOptions(
    program
      .command('capture')
      .description('Record a labelled accelerometer stream from the board into a CSV (aX,aY,aZ in g) plus a .json sidecar; Ctrl-C stops and keeps everything')
      .requiredOption('-l, --label <label>', 'class label of this recording, e.g. walking')
      .option('-g, --group <group>', 'subject / session (splits keep a group together)', 'default')
      .option('-s, --seconds <s>', 'stop after S seconds (default: until Ctrl-C)')
      .option('-r, --rate <hz>', 'requested sample rate (default: the board\'s own)', '0')
      .requiredOption('-o, --out <file>', 'output CSV; written incrementally to FILE.partial, renamed when done'),
  ).action(
    action(async (f: LinkFlags & { label: string; group: string; seconds?: string; rate: string; out: string }, cmd: Command) => {
      const out = globalOptions(cmd);
      const seconds = f.seconds === undefined ? Infinity : Number(f.seconds);
      if (!(seconds > 0)) throw usageError(`--seconds ${f.seconds} is not a positive number`, { remedy: 'e.g. --seconds 30' });
      const target = resolve(f.out);
      if (!existsSync(dirname(target))) throw badInput(`folder ${dirname(target)} does not exist`, { remedy: 'create it first' });
      const client = await connect(io, f);
      const partial = target + '.partial';
      // The file appears only once the board streams: a refusal (no IMU) leaves nothing behind.
      // Rows that arrive between STREAM_START's ACK and the file's creation wait in `pending`.
      let pending = '';
      let fileOpen = false;
      const append = (rows: string) => (fileOpen ? appendFileSync(partial, rows) : (pending += rows));
      // Ctrl-C (once or more) from here until everything is saved and reported stops the stream and
      // saves; only after the release below does one end the process at once (src/adapters/signals.ts).
      const release = stops.graceful();
      // Sensor seconds captured (of --seconds), with samples and losses so far: on a TTY only.
      let bar: ReturnType<typeof progress> | null = null;
      const onProgress = (s: CaptureSummary) => bar?.update(Math.round(s.seconds * 10) / 10, { samples: s.samples, ...(s.missingSamples ? { lost: s.missingSamples } : {}) });
      try {
        const r = await captureStage(client, { label: f.label, group: f.group, seconds, rateHz: Number(f.rate), port: f.port!, onProgress }, append, whenAborted(stops.signal), () => {
          writeFileSync(partial, CAPTURE_CSV_HEADER + '\n' + pending);
          fileOpen = true;
          info(out, `capturing "${f.label}" from ${f.port}${Number.isFinite(seconds) ? ` for ${seconds} s` : ''} (Ctrl-C stops)…`);
          bar = progress(out, seconds, 'capture (s)');
        }).finally(() => bar?.stop());
        renameSync(partial, target);
        const { summary: s, stopReason } = r;
        // The sidecar follows schemas/capture.schema.json (format tinyforge-capture/1): `tinyforge data inspect` / `data split` read CSV + sidecar.
        writeAtomic(target + '.json', JSON.stringify(r.sidecar(basename(target)), null, 2) + '\n');
        // One result object (also with --json) even when the link was lost: the samples are saved,
        // the exit code says what happened (6 link lost, 130 Ctrl-C).
        const linkLost = stopReason === 'link closed';
        emit(out, { file: target, ...s, stopReason, ...(linkLost ? { error: 'device', exitCode: ExitCode.DEVICE } : {}) }, () =>
          `${s.samples} samples of "${s.label}" → ${target} (${s.seconds.toFixed(1)} s, device ${s.deviceRateHz.toFixed(1)} Hz, measured ${s.measuredRateHz.toFixed(1)} Hz` +
          `${s.gaps.length ? `, ${s.missingSamples} samples LOST in ${s.gaps.length} gaps` : ', no gaps'}` +
          `${s.duplicateSamples ? `, ${s.duplicateSamples} repeated samples dropped` : ''}${s.corruptFrames ? `, ${s.corruptFrames} damaged frames skipped` : ''}; stopped: ${stopReason})`,
        );
        if (linkLost) {
          info(out, 'error: the link to the board closed during capture; everything received was saved');
          process.exitCode = ExitCode.DEVICE;
        }
        if (stopReason === 'interrupted') process.exitCode = ExitCode.INTERRUPTED;
      } finally {
        // A failure after streaming began still leaves a complete CSV (without sidecar) of what arrived.
        if (fileOpen && existsSync(partial)) renameSync(partial, target);
        release();
      }
    }),
  );

  addLinkOptions(
    program
      .command('monitor')
      .description('Print live predictions (class, confidence) from the board; --feed sends recorded samples to boards without an IMU')
      .option('--feed <csv>', 'CSV with aX,aY,aZ columns (g) to send with SAMPLES_IN instead of streaming the IMU')
      .option('--feed-rate <hz>', 'pace the feed at this sample rate (default: as fast as the board acknowledges)')
      .option('--axes <list>', 'feed columns, comma-separated', 'aX,aY,aZ')
      .option('-c, --count <n>', 'stop after N predictions')
      .option('-s, --seconds <s>', 'stop after S seconds')
      .option('--list', 'list serial ports and exit'),
  ).action(
    action(async (f: LinkFlags & { feed?: string; feedRate?: string; axes: string; count?: string; seconds?: string; list?: boolean }, cmd: Command) => {
      const out = globalOptions(cmd);
      if (f.list) {
        const ports = await io.boards.listPorts();
        emit(out, ports, () => (ports.length ? ports.map((p) => `${p.path}  ${p.manufacturer ?? ''} ${p.vendorId ? `${p.vendorId}:${p.productId}` : ''}`).join('\n') : 'no serial ports found'));
        return;
      }
      const feed = f.feed ? parseFeedCsv(readFileOrThrow(f.feed, 'feed file').toString('utf8'), f.axes.split(','), f.feed) : null;
      const limit = f.count === undefined ? Infinity : Number(f.count);
      const client = await connect(io, f);
      const infoMsg = client.info!;
      let stop!: () => void;
      const stopped = new Promise<void>((r) => (stop = r));
      void whenAborted(stops.signal).then(stop);
      const release = stops.graceful();
      const timer = f.seconds ? setTimeout(stop, Number(f.seconds) * 1000) : null;
      try {
        const n = await monitorStage(
          client,
          { feed, feedAxes: f.axes.split(',').length, feedRate: f.feedRate ? Number(f.feedRate) : 0, count: limit, port: f.port },
          (line) => process.stdout.write((out.json ? JSON.stringify(line) : formatPrediction(line)) + '\n'),
          stopped,
          () => info(out, `monitoring ${f.port} (${infoMsg.board}, ${infoMsg.engine}); Ctrl-C stops`),
        );
        info(out, `${n} predictions`);
      } finally {
        if (timer) clearTimeout(timer);
        release();
      }
    }),
  );
}

