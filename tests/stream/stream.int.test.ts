// eval --stream's two continuous paths: the host replay (src/stream/continuous.ts) and the virtual
// board, whose simulated IMU plays a recording with activity changes back while the link app
// streams; every window's int8 scores must be equal, byte for byte. Plus the scoring rules on a
// hand-made stream whose answers are counted here by hand.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeProject } from '../../src/adapters/files.js';
import { readFirmwareSources } from '../../src/adapters/firmware-sources.js';
import { runPlan } from '../../src/adapters/processes.js';
import { buildPlan } from '../../src/firmware/build.js';
import { emitFirmware } from '../../src/firmware/emit.js';
import { emitNativeEngine } from '../../src/firmware/native/index.js';
import { compareOnBoard } from '../../src/service/eval-stream.js';
import { nodePlatform } from '../../src/adapters/platform.js';
import { scoreStream } from '../../src/stream/score.js';
import { simulatedStreams } from '../../src/stream/sessions.js';
import { readTflite } from '../../src/tflite/reader.js';
import { writeTflite } from '../../src/tflite/writer.js';
import { tinyClassifier, tinySettings } from '../qa/helpers.js';

const has = (t: string) => spawnSync(t, ['--version'], { stdio: 'ignore' }).status === 0;
const tools = has('qemu-system-arm') && has('arm-none-eabi-gcc') && has('make');
const io = nodePlatform();

describe('stream scoring rules', () => {
  it('accuracy, hits/misses, false changes, latency and flicker of a hand-made stream', () => {
    // 20 samples at 1 Hz: truth 0×8, 1×6, 2×6. Windows end every 2 samples from sample 1.
    const truth = [...Array(8).fill(0), ...Array(6).fill(1), ...Array(6).fill(2)];
    const windows = Array.from({ length: 10 }, (_, w) => ({ window: w, lastSample: 1 + 2 * w, scores: new Int8Array(3), classIndex: 0 }));
    // Reported after each window (last samples 1,3,…,19): 0 0 0 1(false:truth 0 at 7) 1 1 0(flicker, false) 1 2 2
    const reported = [0, 0, 0, 1, 1, 1, 0, 1, 2, 2];
    const s = scoreStream(truth, windows, reported, 1);
    // Predictions from sample 1: s1..6 → 0 (6 right), s7..12 → 1 (s7 wrong, s8..12 right: 5), s13,14 → 0 (wrong, wrong: s13 truth 1, s14 truth 2),
    // s15,16 → 1 (wrong), s17..19 → 2 (right: 3). Right: 6 + 5 + 3 = 14 of 19.
    expect(s.sampleAccuracy).toBeCloseTo(14 / 19, 12);
    expect([s.segments, s.hits, s.misses]).toEqual([3, 3, 0]);
    // Changes at windows 3 (→1 at s7, truth 0: false), 6 (→0 at s13, truth 1: false), 7 (→1 at s15, truth 2: false), 8 (→2 at s17: right).
    expect(s.falseChanges).toBe(3);
    expect(s.falseChangesPerHour).toBeCloseTo((3 * 3600) / 20, 9);
    // Latency: segment 1 starts at 8, first right at 8 → 0 s; segment 2 starts at 14, first right at 17 → 3 s.
    expect(s.latency).toMatchObject({ n: 2, mean: 1.5, max: 3 });
    // Flicker (a change inside a segment whose label was already reported): window 3 (→1 at s7, segment 0 after 0 was
    // reported) and window 6 (→0 at s13, segment 1 after 1 was reported); window 7 (→1 at s15) is in segment 2, whose 2
    // was not reported yet: a false change, not flicker.
    expect(s.flicker).toBe(2);
  });
});

describe.skipIf(!tools)('eval --stream on the virtual board equals the host replay, bit for bit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf-stream-'));
  // With an anomaly block (3 centroids over the 12 window values): the board's ANOMALY_SCORE after
  // every PREDICTION must equal the host replay's too.
  const anomaly = { method: 'kmeans' as const, centroids: [0, 1, 2].map((k) => Array.from({ length: 12 }, (_, i) => ((i + 4 * k) % 7) * 0.3 - 0.9)), threshold: 6, quantile: 0.99, thresholdFrom: 'validation' as const };
  const settings = { ...tinySettings(), inputQuant: { scale: 0.05, zeroPoint: -3 }, outputQuant: { scale: 0.1, zeroPoint: 4 }, anomaly };
  const modelBytes = writeTflite(tinyClassifier());
  let elf = '';
  beforeAll(async () => {
    const project = emitFirmware({ board: 'qemu-mps2-an386', engine: 'native', model: readTflite(modelBytes), modelBytes, settings, sources: readFirmwareSources(), nativeEngine: emitNativeEngine });
    const fw = writeProject(join(dir, 'fw'), project.files);
    await runPlan(buildPlan(fw, 'qemu-mps2-an386', { engine: 'native' }));
    elf = join(fw, 'build/firmware.elf');
  }, 180_000);

  it('a simulated session with activity changes: every window the board ran equals the host replay', async () => {
    const [s] = simulatedStreams({ count: 1, seed: 5, segments: 3, minSeconds: 4, maxSeconds: 5 });
    const c = await compareOnBoard(io, io.boards.board('qemu-mps2-an386'), elf, modelBytes, settings, s, dir);
    expect(c.mismatches).toEqual([]);
    expect(c.ok).toBe(true);
    // Most of the recording reached the board (it starts streaming a little after the playback starts).
    expect(c.received).toBeGreaterThan(c.recordingSamples / 2);
    expect(c.windows).toBeGreaterThan(100);
    expect(c.bitExact).toBe(c.windows);
    expect(c.anomaly).toEqual({ windows: c.windows, bitExact: c.windows });
  }, 180_000);
});

describe('tinyforge eval --stream (CLI, host replay)', () => {
  it('scores simulated streams, writes the chosen smoothing into the settings, and the firmware header takes it', async () => {
    const { cli } = await import('../helpers/cli.js');
    const { tinyProject } = await import('../qa/helpers.js');
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { settingsHeader } = await import('../../src/firmware/settings-header.js');
    const p = tinyProject();
    // The tiny model's I/O quantisation, as quantize's --settings-out writes it.
    const s = JSON.parse(readFileSync(p.settings, 'utf8'));
    writeFileSync(p.settings, JSON.stringify({ ...s, inputQuant: { scale: 0.05, zeroPoint: -3 }, outputQuant: { scale: 0.1, zeroPoint: 4 } }));
    const r = await cli(['--json', 'eval', '--stream', '--model', p.model, '--settings', p.settings, '--streams', '1']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.test.streams).toHaveLength(1);
    expect(rep.test.raw.samples).toBeGreaterThan(0);
    expect(rep.settingsWritten).toBe(p.settings);
    const written = JSON.parse(readFileSync(p.settings, 'utf8'));
    expect(written.smoothing).toEqual(rep.smoothing);
    const h = settingsHeader({ settings: written, inputBytes: 12, outputBytes: 2 }).contents as string;
    expect(h).toContain(`#define TF_MODEL_SMOOTH_AVERAGE ${rep.smoothing.average}`);
    // Without --settings: a usage error naming it.
    const bad = await cli(['eval', '--stream', '--model', p.model]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--settings/);
  }, 120_000);
});
