// Capture and monitor without hardware: the virtual board (QEMU mps2-an386, our firmware) with its
// simulated IMU on UART1, driven through the real CLI (`capture`, `monitor`) on the board's pty.
// Nothing here tells the CLI the board is virtual. Rates and counts are compared with what the
// sensor can have produced in the time measured around each run, with generous margins: the
// machine may be busy (QEMU and the CLI share two cores with other work).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { writeProject } from '../../src/adapters/files.js';
import { buildPlan } from '../../src/firmware/build.js';
import { runPlan } from '../../src/adapters/processes.js';
import { maxInFlight, startVirtualBoard, type VirtualBoard, type ImuSpec } from '../../src/adapters/qemu.js';
import { DeviceClient } from '../../src/device/client.js';
import { SerialTransport } from '../../src/adapters/serial.js';
import { importCaptureCsv } from '../../src/data/import/capture.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { tinyClassifier, tinySettings, until } from '../qa/helpers.js';
import { cpuLoad, ctrlCTwice, expectInterruptedCapture, momentsForRun, partialRows, stressTimeout } from '../helpers/signals.js';

const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
const tools = has('qemu-system-arm') && has('arm-none-eabi-gcc') && has('make');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit, ms. */
  wallMs: number;
}

/** Runs the CLI; `onPoll` is called every 50 ms with the child (to signal it or pull the plug). */
function cli(args: string[], onPoll?: (kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/tinyforge.mjs'), ...args], { cwd: REPO_ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const poll = onPoll ? setInterval(() => onPoll((s) => child.kill(s)), 50) : null;
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code, signal) => {
      if (poll) clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, wallMs: Date.now() - t0 });
    });
  });
}

const rowsOf = (file: string) => readFileSync(file, 'utf8').trim().split('\n').slice(1);

describe.skipIf(!tools)('virtual board with a simulated IMU: capture and monitor end to end', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-vimu-'));
  const settings = { ...tinySettings(), inputQuant: { scale: 0.05, zeroPoint: -3 }, outputQuant: { scale: 0.1, zeroPoint: 4 } };
  let elf = '';
  const boards: VirtualBoard[] = [];
  const start = async (imu: ImuSpec) => {
    const b = await startVirtualBoard(elf, { imu });
    boards.push(b);
    return b;
  };

  beforeAll(async () => {
    const modelBytes = writeTflite(tinyClassifier());
    const project = emitFirmware({
      board: 'qemu-mps2-an386', engine: 'native', model: readTflite(modelBytes), modelBytes, settings, sources: readFirmwareSources(), nativeEngine: emitNativeEngine,
    });
    const fw = writeProject(join(dir, 'fw'), project.files);
    await runPlan(buildPlan(fw, 'qemu-mps2-an386', { engine: 'native' }));
    elf = join(fw, 'build/firmware.elf');
  });
  afterAll(async () => {
    for (const b of boards) await b.stop();
  });

  it('INFO reports the IMU and its rate; without one, rate 0', async () => {
    const b = await start({ kind: 'simulated', activity: 'walking', subject: 2 });
    expect(b.imu?.rateHz).toBe(50);
    expect(b.qemuArgs).toContain('chardev:imu');
    const c = await DeviceClient.connect(new SerialTransport(b.path, { bytesPerSecond: 8000 }), { handshakeMs: 20_000 });
    expect(c.info).toMatchObject({ board: 'qemu-mps2-an386', imuRateHz: 50, liveDetection: 1 });
    await c.close();
    b.imu!.setActivity('running');
    expect(() => b.imu!.setActivity('swimming')).toThrow(/no activity "swimming"/);
    await b.stop();

    const none = await start({ kind: 'none' });
    expect(none.imu).toBeNull();
    const c2 = await DeviceClient.connect(new SerialTransport(none.path, { bytesPerSecond: 8000 }), { handshakeMs: 20_000 });
    expect(c2.info).toMatchObject({ imuRateHz: 0, liveDetection: 0 });
    await c2.close();
    await none.stop();
  });

  it('capture N seconds: every sample in the file, count and rate as the sensor paced them', async () => {
    const b = await start({ kind: 'simulated', activity: 'walking', subject: 3 });
    const out = join(dir, 'walk.csv');
    const r = await cli(['--json', 'capture', '--port', b.path, '--label', 'walking', '--group', 'subject03', '--seconds', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const sum = JSON.parse(r.stdout);
    // --seconds is sensor time: exactly 3 s × 50 Hz, however slowly a busy QEMU delivered them.
    expect(sum).toMatchObject({ label: 'walking', group: 'subject03', deviceRateHz: 50, gaps: [], missingSamples: 0, stopReason: 'time', samples: 150, seconds: 3 });
    const rows = rowsOf(out);
    expect(rows.length).toBe(sum.samples);
    // The sensor makes 50 samples a second and the stream starts after the CLI connects, so the
    // capture cannot hold more than 50 × (the CLI's whole run) (+1 for the sample at t = 0). It
    // streamed for 3 s: 150 samples on an idle machine; a starved QEMU makes the sensor pause
    // (flow control, docs/virtual-imu.md), seen down to ~40 % on a loaded 2-core machine, so the
    // floor is 30 % — still far above a stream that stalled or never started.
    expect(sum.samples).toBeLessThanOrEqual(Math.ceil((50 * r.wallMs) / 1000) + 1);
    expect(sum.samples).toBeGreaterThanOrEqual(45);
    // The rate the file records: the sensor's own (exact), and the one measured on the host from
    // arrival times. The latter follows QEMU's pace, which a busy machine slows (samples queue,
    // none is lost), so it is only checked to be the sensor's order of magnitude (21 Hz was seen at
    // load 28 on 2 cores): a stalled stream or a rate off by a factor of 4 still fails; the exact rate
    // is the sidecar's sampleRateHz above.
    const side = JSON.parse(readFileSync(out + '.json', 'utf8'));
    expect(side).toMatchObject({ sampleRateHz: 50, deviceRateHz: 50, board: 'qemu-mps2-an386', samples: sum.samples });
    expect(side.measuredRateHz).toBeGreaterThan(12.5);
    expect(side.measuredRateHz).toBeLessThan(90);
    // The data importer reads it back whole.
    const imp = importCaptureCsv(readFileSync(out, 'utf8'), readFileSync(out + '.json', 'utf8'), { source: out });
    expect(imp.recordings.map((x) => [x.label, x.group, x.samples.length / 3])).toEqual([['walking', 'subject03', sum.samples]]);
    // A wrist while walking: gravity ≈ 1 g in magnitude on average, and it moves (not a constant).
    const v = rows.map((l) => l.split(',').map(Number));
    const meanMag = v.reduce((a, [x, y, z]) => a + Math.hypot(x, y, z), 0) / v.length;
    expect(meanMag).toBeGreaterThan(0.7);
    expect(meanMag).toBeLessThan(1.5);
    expect(new Set(v.map((x) => x.join())).size).toBeGreaterThan(v.length / 2);
  });

  // Issue 18 item 0 (CI failed here 3 of 3 times: the second Ctrl-C killed capture by the signal
  // while it wound down). The outcome documented in src/adapters/signals.ts — exit 130, every
  // received sample in the file — holds at every moment of the second Ctrl-C; TINYFORGE_STRESS=N
  // repeats it N times under CPU load (npm run stress:signals).
  it('Ctrl-C on capture (pressed twice): exit 130, every received sample in the file', async () => {
    const stopLoad = cpuLoad();
    try {
      for (const [i, moment] of momentsForRun([{ afterMs: 50 }]).entries()) {
        const b = await start({ kind: 'simulated', activity: 'biking' });
        const out = join(dir, `bike-${i}.csv`);
        const r = await ctrlCTwice(['--json', 'capture', '--port', b.path, '--label', 'biking', '--out', out], () => partialRows(out) > 40, moment);
        expectInterruptedCapture(r, out, 40, moment);
        await b.stop();
      }
    } finally {
      stopLoad();
    }
  }, stressTimeout(120_000));

  it('monitor: live predictions from the simulated IMU, with the model\'s labels', async () => {
    const b = await start({ kind: 'simulated', activity: 'running' });
    const r = await cli(['--json', 'monitor', '--port', b.path, '--count', '4']);
    expect(r.code, r.stderr).toBe(0);
    const preds = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // Window 4, stride 2 (tinySettings), IMU rate = model rate (no resampling), counted from RESET.
    expect(preds.map((p) => [p.window, p.lastSample])).toEqual([[0, 3], [1, 5], [2, 7], [3, 9]]);
    for (const p of preds) expect(p.label).toBe(settings.labels[p.classIndex]);
  });

  it('playback of a recording: the board streams its samples, value for value, in order', async () => {
    // 120 frames at 50 Hz of a signal no two frames share, on the capture format's 1 mg grid.
    const rec = join(dir, 'wave.csv');
    const frames = Array.from({ length: 120 }, (_, t) => [Math.sin(t / 7) * 1.5, Math.cos(t / 11) * 0.8, 1 + t / 1000].map((x) => x.toFixed(3)));
    writeFileSync(rec, 'aX,aY,aZ\n' + frames.map((f) => f.join(',')).join('\n') + '\n');
    writeFileSync(rec + '.json', JSON.stringify({ format: 'tinyforge-capture/1', label: 'wave', group: 'g', sampleRateHz: 50, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'] }));
    const b = await start({ kind: 'playback', file: rec });
    expect(b.imu?.rateHz).toBe(50);
    // |a| < 2 g → the ±2 g range, 16384 counts/g: a 1 mg step survives the bus and the board's mg rounding.
    expect(b.imu?.lsbPerG).toBe(16384);
    const out = join(dir, 'played.csv');
    const r = await cli(['--json', 'capture', '--port', b.path, '--label', 'wave', '--seconds', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const got = rowsOf(out).map((l) => l.split(',').map(Number));
    // At least one full batch (25 samples) to compare, however slow QEMU ran.
    expect(got.length).toBeGreaterThanOrEqual(25);
    // The stream starts wherever the playback is (looped); from there every frame follows in order.
    const want = frames.map((f) => f.map(Number));
    const off = want.findIndex((w) => w.every((x, k) => x === got[0][k]));
    expect(off).toBeGreaterThanOrEqual(0);
    got.forEach((g, i) => expect(g).toEqual(want[(off + i) % want.length]));
  });

  it('a board without an IMU: capture and monitor refuse before writing anything', async () => {
    const b = await start({ kind: 'none' });
    const sub = mkdtempSync(join(dir, 'none-'));
    const out = join(sub, 'nothing.csv');
    const r = await cli(['--json', 'capture', '--port', b.path, '--label', 'idle', '--seconds', '2', '--out', out]);
    expect(r.code).toBe(4);
    const e = JSON.parse(r.stdout);
    expect(e.message).toMatch(/has no IMU/);
    expect(e.remedy).toMatch(/--imu sim:walking/);
    expect(readdirSync(sub)).toEqual([]);
    const m = await cli(['monitor', '--port', b.path, '--count', '1']);
    expect(m.code).toBe(4);
    expect(m.stderr).toMatch(/has no IMU/);
  });

  it('flow control: a frozen emulator gets no backlog of stale samples, and the stream resumes', async () => {
    const b = await start({ kind: 'simulated', activity: 'walking' });
    process.kill(b.pid, 'SIGSTOP');
    const atStop = b.imu!.samplesSent();
    await new Promise((r) => setTimeout(r, 2000)); // 100 samples' worth at 50 Hz
    const during = b.imu!.samplesSent() - atStop;
    process.kill(b.pid, 'SIGCONT');
    // The sensor side may only run maxInFlight (32 at 50 Hz) ahead of what the board has read.
    expect(during).toBeLessThanOrEqual(maxInFlight(50));
    const c = await DeviceClient.connect(new SerialTransport(b.path, { bytesPerSecond: 8000 }), { handshakeMs: 20_000 });
    let n = 0;
    c.onImuSamples((m) => (n += m.samplesMg.length / 3));
    await c.streamStart(0);
    expect(await until(() => n >= 50, 30_000)).toBe(true);
    await c.streamStop();
    await c.close();
  });

  /** Captures until the file has more than 30 rows, then does `act` to the board; the capture must end with exit 6 and keep everything. */
  async function captureThenLoseBoard(activity: string, label: string, act: (b: VirtualBoard) => void, after?: (b: VirtualBoard) => void) {
    const b = await start({ kind: 'simulated', activity });
    const out = join(dir, `${label}.csv`);
    let done = false;
    const r = await cli(['--json', 'capture', '--port', b.path, '--label', label, '--out', out], () => {
      if (!done && partialRows(out) > 30) {
        done = true;
        act(b);
      }
    });
    after?.(b);
    expect(r.code, `acted: ${done}; ${r.stderr}`).toBe(6);
    const sum = JSON.parse(r.stdout); // throws unless stdout is exactly one JSON value
    expect(sum).toMatchObject({ stopReason: 'link closed', exitCode: 6 });
    expect(sum.samples).toBeGreaterThan(30);
    expect(rowsOf(out).length).toBe(sum.samples);
    expect(existsSync(out + '.partial')).toBe(false);
  }

  it('a board that hangs mid-capture (its port stays open): the silence is noticed, every sample kept, exit 6', async () => {
    // QEMU frozen: the pty stays open and nothing more arrives.
    await captureThenLoseBoard('idle', 'hang', (b) => process.kill(b.pid, 'SIGSTOP'), (b) => process.kill(b.pid, 'SIGCONT'));
  });

  it('the board going away mid-capture: every sample kept, exit 6, one JSON object', async () => {
    await captureThenLoseBoard('golfing', 'golf', (b) => void b.stop());
  });
});

// The Cortex-M33 virtual board (mps2-an505) has its own memory map: the simulated IMU is on its
// UART1 at 0x50201000 (the MPS2 HAL's AN505 map). The same handshake and live predictions as above.
describe.skipIf(!tools)('virtual Cortex-M33 board (mps2-an505) with a simulated IMU', () => {
  it('INFO reports the board and the IMU; monitor gets live predictions from it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-vimu-m33-'));
    const settings = tinySettings();
    const modelBytes = writeTflite(tinyClassifier());
    const project = emitFirmware({
      board: 'qemu-mps2-an505', engine: 'native', model: readTflite(modelBytes), modelBytes, settings, sources: readFirmwareSources(), nativeEngine: emitNativeEngine,
    });
    const fw = writeProject(join(dir, 'fw'), project.files);
    await runPlan(buildPlan(fw, 'qemu-mps2-an505', { engine: 'native' }));
    const b = await startVirtualBoard(join(fw, 'build/firmware.elf'), { imu: { kind: 'simulated', activity: 'running' }, machine: 'mps2-an505' });
    try {
      const c = await DeviceClient.connect(new SerialTransport(b.path, { bytesPerSecond: 8000 }), { handshakeMs: 20_000 });
      expect(c.info).toMatchObject({ board: 'qemu-mps2-an505', imuRateHz: 50, liveDetection: 1, counterKind: 2 });
      await c.close();
      const r = await cli(['--json', 'monitor', '--port', b.path, '--count', '2']);
      expect(r.code, r.stderr).toBe(0);
      const preds = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(preds.map((p) => [p.window, p.lastSample])).toEqual([[0, 3], [1, 5]]);
    } finally {
      await b.stop();
    }
  }, 120_000);
});
