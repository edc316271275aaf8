/**
 * Device commands: `verify` (device vs host, bit for bit), `capture` (labelled IMU stream → file),
 * `monitor` (live predictions; `--feed` for boards without an IMU). Thin: the library is src/device/.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { badInput, ExitCode, TinyforgeError, unsupported, usageError } from '../../core/errors.js';
import { action, emit, exitOnLateSignal, globalOptions, info, progress } from '../util.js';
import { DeviceClient, type ClientOptions } from '../../device/client.js';
import { SerialTransport, listPorts } from '../../device/serial-transport.js';
import { formatVerifyReport, verifyDevice } from '../../device/verify.js';
import { interpreterReference, loadVectors, parseWindowsFile, quantizeWindows, type Reference } from '../../device/reference.js';
import { loadTrainArtifacts } from '../../train/artifacts.js';
import { CAPTURE_CSV_HEADER, CaptureSession } from '../../device/capture.js';
import { describePrediction, formatPrediction, parseFeedCsv } from '../../device/monitor.js';
import { ERR, MAX_PAYLOAD } from '../../device/protocol.generated.js';

interface LinkFlags {
  port?: string;
  baud: string;
  linkRate?: string;
  timeoutMs?: string;
}

function addLinkOptions(c: Command): Command {
  return c
    .option('-p, --port <path>', 'serial port or pty of the board (e.g. /dev/ttyACM0, or the pty the virtual board printed)')
    .option('--baud <n>', 'baud rate (ignored by USB CDC and ptys)', '115200')
    .option('--link-rate <bytesPerSecond>', 'link throughput used to scale timeouts (QEMU ~8000)')
    .option('--timeout-ms <ms>', 'fixed part of every reply timeout', '1000');
}

async function connect(f: LinkFlags): Promise<DeviceClient> {
  if (!f.port) throw usageError('--port is required', { remedy: 'pass the board serial port, e.g. --port /dev/ttyACM0 (tinyforge monitor --list shows ports)' });
  const baud = Number(f.baud);
  if (!Number.isFinite(baud) || baud <= 0) throw usageError(`--baud ${f.baud} is not a positive number`, { remedy: 'e.g. --baud 115200' });
  const opts: ClientOptions = { baseTimeoutMs: Number(f.timeoutMs ?? 1000) };
  if (f.linkRate) opts.bytesPerSecond = Number(f.linkRate);
  return DeviceClient.connect(new SerialTransport(f.port, { baudRate: baud, bytesPerSecond: f.linkRate ? Number(f.linkRate) : undefined }), opts);
}

function readFileOrThrow(path: string, what: string): Buffer {
  if (!existsSync(path)) throw badInput(`${what} not found: ${path}`, { remedy: 'check the path' });
  return readFileSync(path);
}

/**
 * Calls `stop` on Ctrl-C (SIGINT/SIGTERM); returns a disposer. Stays installed (`on`, not `once`)
 * until disposed, so a second Ctrl-C while the command saves its files cannot kill it half-way.
 */
function onInterrupt(stop: () => void): () => void {
  const h = () => stop();
  process.on('SIGINT', h);
  process.on('SIGTERM', h);
  return () => {
    process.removeListener('SIGINT', h);
    process.removeListener('SIGTERM', h);
    exitOnLateSignal();
  };
}

/** Samples per IMU_SAMPLES frame the device app sends (tf_app.c IMU_BATCH). */
const IMU_BATCH_SAMPLES = 25;

const NO_IMU_REMEDY =
  'use a board with an IMU (Nano 33 BLE Sense), or start the virtual board with a simulated one: tinyforge flash DIR --imu sim:walking (or --imu file:recording.csv)';

/** Unsupported-feature error unless the board (INFO) has an IMU: checked before anything is written. */
function requireImu(client: DeviceClient, port: string, remedy = NO_IMU_REMEDY): void {
  const i = client.info!;
  if (!(i.imuRateHz > 0)) throw unsupported(`the board on ${port} (${i.board}) has no IMU: there is nothing to stream`, { remedy });
}

/** STREAM_START's NO_IMU / AXES_MISMATCH answers as typed errors; null for any other failure. */
function noImuError(e: unknown, port: string, remedy = NO_IMU_REMEDY): TinyforgeError | null {
  if (!(e instanceof TinyforgeError)) return null;
  if (e.details?.code === ERR.NO_IMU) return unsupported(`the board on ${port} has no IMU`, { cause: e.message, remedy });
  if (e.details?.code === ERR.AXES_MISMATCH) {
    return unsupported(`the board on ${port} runs a model whose axes are not the IMU's aX, aY, aZ: it cannot stream live`, { cause: e.message, remedy: 'flash a model trained on aX,aY,aZ, or feed samples with tinyforge monitor --feed' });
  }
  return null;
}

function writeAtomic(path: string, text: string): void {
  writeFileSync(path + '.tmp', text);
  renameSync(path + '.tmp', path);
}

export function register(program: Command): void {
  addLinkOptions(
    program
      .command('verify')
      .description('Run test windows on the board and compare every output byte with the host reference (exit 5 on any mismatch)')
      .requiredOption('-m, --model <file>', 'the .tflite the board was built from (its SHA-256 must match the board\'s)')
      .option('--vectors <dir>', 'folder of in-NNN.bin inputs (+ out-NNN.bin expected outputs; default: the model\'s folder if it has them)')
      .option('--windows <file>', 'JSON windows file: { "inputs": [[int8…]…], "labels": [class…] }; expected outputs from the host interpreter')
      .option('--data <dir>', 'a training directory (tinyforge train --out DIR): its held-out windows, quantised for the model, with their labels')
      .option('-n, --count <n>', 'use at most N windows'),
  ).action(
    action(async (f: LinkFlags & { model: string; vectors?: string; windows?: string; data?: string; count?: string }, cmd: Command) => {
      const out = globalOptions(cmd);
      const model = new Uint8Array(readFileOrThrow(f.model, 'model file'));
      let inputs: Uint8Array[];
      let labels: number[] | undefined;
      let reference: Reference | null = null;
      if ([f.vectors, f.windows, f.data].filter((x) => x !== undefined).length > 1) {
        throw usageError('use one of --vectors, --windows or --data', { remedy: 'pick one source of test windows' });
      }
      const vdir = f.vectors ?? (f.windows || f.data ? undefined : existsSync(join(dirname(f.model), 'in-000.bin')) ? dirname(f.model) : undefined);
      if (f.data) {
        ({ inputs, labels } = quantizeWindows(model, (await loadTrainArtifacts(f.data)).heldOutNormalised));
      } else if (vdir) {
        const v = loadVectors(vdir);
        inputs = v.inputs;
        if (v.outputs.every((o) => o)) reference = (_x, i) => v.outputs[i]!;
      } else if (f.windows) {
        ({ inputs, labels } = parseWindowsFile(readFileOrThrow(f.windows, 'windows file').toString('utf8'), f.windows));
      } else {
        throw usageError('no test windows given', { remedy: 'pass --data TRAIN_DIR (held-out windows), --vectors DIR (in-NNN.bin/out-NNN.bin) or --windows FILE' });
      }
      if (f.count !== undefined) {
        const n = Number(f.count);
        if (!Number.isInteger(n) || n < 1) throw usageError(`-n ${f.count} is not a positive integer`, { remedy: 'e.g. -n 10' });
        inputs = inputs.slice(0, n);
        labels = labels?.slice(0, n);
      }
      reference ??= interpreterReference(model);
      const client = await connect(f);
      try {
        const bar = progress(out, inputs.length, 'verify');
        const report = await verifyDevice(client, { model, inputs, labels, reference, onProgress: (d) => bar.update(d) }).finally(() => bar.stop());
        emit(out, report, () => formatVerifyReport(report));
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
      const client = await connect(f);
      // Refuse before writing anything: no IMU, or an IMU the model cannot take, leaves no files.
      try {
        requireImu(client, f.port!);
      } catch (e) {
        await client.close().catch(() => undefined);
        throw e;
      }
      const partial = target + '.partial';
      const session = new CaptureSession(f.label, f.group);
      const startedAt = new Date().toISOString();
      let stopReason: string | null = null;
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      // The first reason to stop is the one reported (a Ctrl-C after the link closed changes nothing).
      const end = (reason: string) => {
        stopReason ??= reason;
        finish();
      };
      // Rows that arrive before the file exists (between STREAM_START's ACK and its creation) wait here.
      let pending = '';
      let fileOpen = false;
      let lastData = Date.now();
      client.onImuSamples((b) => {
        lastData = Date.now();
        const rows = session.add(b, Date.now());
        if (fileOpen) appendFileSync(partial, rows);
        else pending += rows;
      });
      client.transport.onClose(() => end('link closed'));
      const dispose = onInterrupt(() => end('interrupted'));
      try {
        await client.streamStart(Number(f.rate));
      } catch (e) {
        dispose();
        await client.close().catch(() => undefined);
        throw noImuError(e, f.port!) ?? e;
      }
      writeFileSync(partial, CAPTURE_CSV_HEADER + '\n' + pending);
      fileOpen = true;
      const timer = Number.isFinite(seconds) ? setTimeout(() => end('time'), seconds * 1000) : null;
      // A port that vanishes does not always close (USB unplug, a pty whose emulator died): after a
      // silence of several batches, ask the board; no answer (HELLO's own retries) = link lost.
      const silenceMs = Math.max(3000, (4 * IMU_BATCH_SAMPLES * 1000) / (client.info!.imuRateHz || 1));
      let probing = false;
      const watchdog = setInterval(() => {
        if (probing || stopReason !== null || Date.now() - lastData < silenceMs) return;
        probing = true;
        client.hello().then(
          () => ((lastData = Date.now()), (probing = false)),
          () => end('link closed'),
        );
      }, 500);
      try {
        info(out, `capturing "${f.label}" from ${f.port}${Number.isFinite(seconds) ? ` for ${seconds} s` : ''} (Ctrl-C stops)…`);
        await done;
      } finally {
        if (timer) clearTimeout(timer);
        clearInterval(watchdog);
        stopReason ??= 'error';
        if (stopReason !== 'link closed') await client.streamStop().catch(() => undefined);
        await client.close().catch(() => undefined);
        const s = session.summary();
        renameSync(partial, target);
        // The sidecar follows schemas/capture.schema.json (format tinyforge-capture/1): `tinyforge data import` reads CSV + sidecar.
        const sidecar = {
          format: 'tinyforge-capture/1', label: s.label, group: s.group, sampleRateHz: s.deviceRateHz || client.info?.imuRateHz || 1,
          axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], deviceRateHz: s.deviceRateHz, measuredRateHz: s.measuredRateHz, board: client.info?.board ?? null,
          device: { port: f.port, engine: client.info?.engine }, startedAt, samples: s.samples, seconds: s.seconds, gaps: s.gaps, missingSamples: s.missingSamples, stopReason, file: basename(target),
        };
        writeAtomic(target + '.json', JSON.stringify(sidecar, null, 2) + '\n');
        // One result object (also with --json) even when the link was lost: the samples are saved,
        // the exit code says what happened (6 link lost, 130 Ctrl-C).
        const linkLost = stopReason === 'link closed';
        emit(out, { file: target, ...s, stopReason, ...(linkLost ? { error: 'device', exitCode: ExitCode.DEVICE } : {}) }, () =>
          `${s.samples} samples of "${s.label}" → ${target} (${s.seconds.toFixed(1)} s, device ${s.deviceRateHz.toFixed(1)} Hz, measured ${s.measuredRateHz.toFixed(1)} Hz` +
          `${s.gaps.length ? `, ${s.missingSamples} samples LOST in ${s.gaps.length} gaps` : ', no gaps'}; stopped: ${stopReason})`,
        );
        if (linkLost) {
          info(out, 'error: the link to the board closed during capture; everything received was saved');
          process.exitCode = ExitCode.DEVICE;
        }
        if (stopReason === 'interrupted') process.exitCode = ExitCode.INTERRUPTED;
        dispose();
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
        const ports = await listPorts();
        emit(out, ports, () => (ports.length ? ports.map((p) => `${p.path}  ${p.manufacturer ?? ''} ${p.vendorId ? `${p.vendorId}:${p.productId}` : ''}`).join('\n') : 'no serial ports found'));
        return;
      }
      const feed = f.feed ? parseFeedCsv(readFileOrThrow(f.feed, 'feed file').toString('utf8'), f.axes.split(','), f.feed) : null;
      const limit = f.count === undefined ? Infinity : Number(f.count);
      const client = await connect(f);
      const infoMsg = client.info!;
      let n = 0;
      let finish!: () => void;
      const done = new Promise<void>((r) => (finish = r));
      client.onPrediction((p) => {
        if (n >= limit) return;
        n++;
        const line = describePrediction(p, infoMsg);
        if (out.json) process.stdout.write(JSON.stringify(line) + '\n');
        else process.stdout.write(formatPrediction(line) + '\n');
        if (n >= limit) finish();
      });
      client.transport.onClose(() => finish());
      const dispose = onInterrupt(finish);
      const timer = f.seconds ? setTimeout(finish, Number(f.seconds) * 1000) : null;
      let streaming = false;
      try {
        if (feed) {
          await client.reset();
          const axes = infoMsg.numAxes || 3;
          if (feed.length / f.axes.split(',').length < 1) throw badInput('feed has no samples', { remedy: 'check the file' });
          const perFrame = Math.floor(MAX_PAYLOAD / 4 / axes);
          const rate = f.feedRate ? Number(f.feedRate) : 0;
          const chunk = rate > 0 ? Math.max(1, Math.min(perFrame, Math.round(rate / 10))) : perFrame;
          let stopped = false;
          void done.then(() => (stopped = true));
          const t0 = Date.now();
          for (let s = 0; s * axes < feed.length && !stopped; s += chunk) {
            await client.samplesIn(feed.subarray(s * axes, Math.min(feed.length, (s + chunk) * axes)));
            if (rate > 0) await new Promise((r) => setTimeout(r, Math.max(0, t0 + ((s + chunk) / rate) * 1000 - Date.now())));
          }
          finish();
        } else {
          requireImu(client, f.port!, 'feed it recorded samples instead: tinyforge monitor --port … --feed recording.csv');
          try {
            // Windows start afresh, so window numbers and sample indices count from this session.
            await client.reset();
            await client.streamStart(0);
          } catch (e) {
            throw noImuError(e, f.port!, 'feed it recorded samples instead: tinyforge monitor --port … --feed recording.csv') ?? e;
          }
          streaming = true;
          info(out, `monitoring ${f.port} (${infoMsg.board}, ${infoMsg.engine}); Ctrl-C stops`);
        }
        await done;
      } finally {
        if (timer) clearTimeout(timer);
        dispose();
        if (streaming) await client.streamStop().catch(() => undefined);
        await client.close().catch(() => undefined);
      }
      info(out, `${n} predictions`);
    }),
  );
}

