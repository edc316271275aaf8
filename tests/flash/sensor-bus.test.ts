// The virtual board's IMU bus and sample sources, on the host (no QEMU; the C header's compile is
// sensor-bus-c.int.test.ts): the schema → TS/C generation, the codec's bytes (expected values counted by hand from schemas/sensor-bus.json),
// the `--imu` syntax, real-time pacing arithmetic, and that the simulated IMU measures exactly what
// the built-in dataset holds for the same person and activity.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { TinyforgeError } from '../../src/core/errors.js';
import type { Recording } from '../../src/core/dataset.js';
import { builtinDataset } from '../../src/data/simulator.js';
import { BUS_C_OUT, BUS_TS_OUT, checkBusSchema, generateBusC, generateBusTs, loadBusSchema } from '../../scripts/gen-sensor-bus.js';
import { BoardRecordReader, encodeConfig, encodeSamples, sensitivityFor, toCounts } from '../../src/flash/sensor-bus.js';
import { parseImuSpec, playbackSource, samplesDue, simulatedSource } from '../../src/flash/imu-source.js';
import { maxInFlight } from '../../src/adapters/qemu.js';

describe('sensor bus schema → generated TS and C', () => {
  const schema = loadBusSchema(REPO_ROOT);
  it('committed generated files are up to date with schemas/sensor-bus.json', () => {
    expect(readFileSync(join(REPO_ROOT, BUS_TS_OUT), 'utf8')).toBe(generateBusTs(schema));
    expect(readFileSync(join(REPO_ROOT, BUS_C_OUT), 'utf8')).toBe(generateBusC(schema));
  });
  it('rejects duplicate ids and an id equal to SYNC', () => {
    const dup = structuredClone(schema);
    dup.records[1].id = dup.records[0].id;
    expect(() => checkBusSchema(dup)).toThrow(/duplicate/);
    const sync = structuredClone(schema);
    sync.records[0].id = sync.sync;
    expect(() => checkBusSchema(sync)).toThrow(/SYNC/);
  });
});

describe('sensor bus codec', () => {
  it('CONFIG: 50 Hz = 50000 mHz = 0x0000C350, 8192 counts/g = 0x2000, little-endian', () => {
    expect(Array.from(encodeConfig(50, 8192))).toEqual([0xa5, 2, 0x50, 0xc3, 0x00, 0x00, 0x00, 0x20]);
  });
  it('SAMPLE: counts rounded and saturated like a 16-bit ADC', () => {
    // 1 g → 8192 = 0x2000; −0.5 g → −4096 = 0xF000; 4.5 g → 36864, saturates at 32767 = 0x7FFF.
    expect(Array.from(encodeSamples(Float32Array.from([1, -0.5, 4.5]), 8192))).toEqual([0xa5, 4, 0x00, 0x20, 0x00, 0xf0, 0xff, 0x7f]);
    expect(toCounts(-9, 8192)).toBe(-32768);
    expect(encodeSamples(new Float32Array(6), 8192).length).toBe(16);
  });
  it('the board-side reader finds PROBE and READY across pushes, skipping noise and unknown ids', () => {
    const r = new BoardRecordReader();
    expect(r.push(Uint8Array.from([0x13, 0x00, 0xa5]))).toEqual([]);
    expect(r.push(Uint8Array.from([1, 0xa5, 0x77, 0xa5, 3]))).toEqual(['PROBE', 'READY']);
    expect(r.push(Uint8Array.from([0xa5, 0xa5, 1]))).toEqual(['PROBE']);
    expect(r.push(Uint8Array.from([0xa5, 5, 0xa5, 5]))).toEqual(['TAKEN', 'TAKEN']);
  });
  it('full scale: the smallest of ±2/4/8/16 g that holds the data', () => {
    expect([sensitivityFor(1.5), sensitivityFor(3.9), sensitivityFor(4), sensitivityFor(12), sensitivityFor(40)]).toEqual([16384, 8192, 4096, 2048, 2048]);
  });
});

describe('--imu syntax', () => {
  it('parses none, sim:ACTIVITY[:SUBJECT] and file:PATH', () => {
    expect(parseImuSpec('none')).toEqual({ kind: 'none' });
    expect(parseImuSpec('sim:walking')).toEqual({ kind: 'simulated', activity: 'walking' });
    expect(parseImuSpec('sim:Running:3')).toEqual({ kind: 'simulated', activity: 'running', subject: 3 });
    expect(parseImuSpec('sim:idle:subject07')).toEqual({ kind: 'simulated', activity: 'idle', subject: 7 });
    expect(parseImuSpec('file:/a/b:c.csv')).toEqual({ kind: 'playback', file: '/a/b:c.csv' });
  });
  it('bad values are typed errors naming the choices', () => {
    const err = (t: string) => {
      try {
        parseImuSpec(t);
      } catch (e) {
        return e as TinyforgeError;
      }
      throw new Error('no error');
    };
    expect(err('walking').exitCode).toBe(2);
    expect(err('file:').exitCode).toBe(2);
    // An activity the simulator does not have is a bad flag value too: usage, exit 2 (README's table).
    const e = err('sim:swimming');
    expect(e.exitCode).toBe(2);
    expect(e.remedy).toMatch(/idle, walking, running, biking, golfing/);
  });
});

describe('sample sources', () => {
  it('flow control: half a second of samples in flight, never fewer than 4 TAKEN periods (8 samples each)', () => {
    expect([maxInFlight(50), maxInFlight(119), maxInFlight(1000), maxInFlight(1)]).toEqual([32, 60, 500, 32]);
  });

  it('pacing: the first sample at t = 0, then one per period, from the start time', () => {
    expect([samplesDue(-1, 50), samplesDue(0, 50), samplesDue(19.9, 50), samplesDue(20, 50), samplesDue(1000, 50), samplesDue(60_000, 119)]).toEqual([0, 1, 1, 2, 51, 7141]);
  });

  it('simulated: subject 3 walking is the built-in dataset\'s subject03 walking, sample for sample; setActivity switches', () => {
    // builtinDataset with one 20 s session per activity: the same person, the same session 0.
    const ds = builtinDataset({ seed: 1, subjects: 3, secondsPerActivity: 20, sessions: 1 });
    const rec = (label: string) => ds.find((r) => r.group === 'subject03' && r.label === label)!.samples;
    const src = simulatedSource({ kind: 'simulated', activity: 'walking', subject: 3 });
    expect(src.rateHz).toBe(50);
    expect(src.lsbPerG).toBe(8192);
    const a = src.take(400);
    const b = src.take(600);
    expect(Array.from([...a, ...b])).toEqual(Array.from(rec('walking')));
    src.setActivity!('golfing');
    expect(Array.from(src.take(1000))).toEqual(Array.from(rec('golfing')));
    expect(src.describe()).toMatch(/golfing, subject 3/);
    // Past the recorded session the person goes on (a further session), never a repeat or silence.
    const more = src.take(10);
    expect(more.length).toBe(30);
    expect(Array.from(more)).not.toEqual(Array.from(rec('golfing').subarray(0, 30)));
    // Every simulated value is a whole number of the simulator's ADC steps (1/8192 g): lossless on the bus.
    for (const v of a) expect(Number.isInteger(v * 8192)).toBe(true);
    expect(() => src.setActivity!('swimming')).toThrow(TinyforgeError);
  });

  const rec = (over: Partial<Recording>): Recording => ({
    label: 'wave', group: 'g', sampleRateHz: 100, axes: ['t', 'accX', 'accY', 'accZ'], units: ['s', 'm/s2', 'm/s2', 'm/s2'],
    samples: Float32Array.from([0, 9.80665, 0, -19.6133, 0.01, 0, 4.903325, 0]), ...over,
  });

  it('playback: the accelerometer columns in order, m/s² converted to g, looped, full scale from the data', () => {
    const src = playbackSource([rec({}), rec({ samples: Float32Array.from([0.02, 0, 0, 9.80665]) })], 'two.csv');
    expect(src.rateHz).toBe(100);
    // |−19.6133 m/s²| = 2 g needs ±4 g: 8192 counts/g.
    expect(src.lsbPerG).toBe(8192);
    const got = Array.from(src.take(4)).map((v) => Math.round(v * 1e6) / 1e6);
    expect(got).toEqual([1, 0, -2, 0, 0.5, 0, 0, 0, 1, 1, 0, -2]);
    const once = playbackSource([rec({})], 'x.csv', { loop: false });
    expect(once.take(5).length).toBe(6);
    expect(once.take(5).length).toBe(0);
  });

  it('playback refuses what no sensor could stream', () => {
    expect(() => playbackSource([], 'e.csv')).toThrow(/no recordings/);
    expect(() => playbackSource([rec({}), rec({ sampleRateHz: 50 })], 'r.csv')).toThrow(/different rates/);
    expect(() => playbackSource([rec({ axes: ['t', 'gX', 'gY', 'gZ'] })], 'g.csv')).toThrow(/no accelerometer/);
    expect(() => playbackSource([rec({ units: ['s', 'deg/s', 'deg/s', 'deg/s'] })], 'u.csv')).toThrow(/not g or m\/s²/);
  });
});
