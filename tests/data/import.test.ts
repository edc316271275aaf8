import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedForTests } from '../support/shared.js';
import { TinyforgeError } from '../../src/core/errors.js';
import type { Recording } from '../../src/core/dataset.js';
import {
  detectFormat,
  importCapture,
  importCaptureCsv,
  importCsv,
  importEdgeImpulse,
  importImuCapture,
  importText,
  parseCapture,
  writeCapture,
} from '../../src/data/import/index.js';
import { splitByGroup } from '../../src/data/split.js';
import { windowRecordings } from '../../src/data/window.js';
import { thrown } from './helpers.js';

const dir = sharedForTests();
const gestures = dir ? join(dir, 'data', 'nano33ble-gestures') : null;

describe.skipIf(!gestures)('IMU_Capture: the real Nano 33 BLE recordings', () => {
  const read = (f: string) => readFileSync(join(gestures!, f), 'utf8');

  it('imports 15 flex + 20 punch gestures of 119 rows', () => {
    const flex = importImuCapture(read('flex.csv'), { source: 'flex.csv' });
    const punch = importImuCapture(read('punch.csv'), { source: 'punch.csv' });
    // README: flex 1785 rows = 15 × 119, punch 2380 rows = 20 × 119
    expect(flex.recordings.length).toBe(15);
    expect(punch.recordings.length).toBe(20);
    expect(flex.report).toMatchObject({ format: 'imu-capture', frames: 1785, rateHz: 119, skipped: { count: 0 }, warnings: [] });
    const r = flex.recordings[0];
    expect(r).toMatchObject({ label: 'flex', group: 'flex', sampleRateHz: 119, axes: ['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ'], units: ['g', 'g', 'g', 'deg/s', 'deg/s', 'deg/s'] });
    expect(r.samples.length).toBe(119 * 6);
    // First data row of flex.csv, read straight from the file (line 2), parsed independently here.
    const row1 = read('flex.csv').split('\r\n')[1].split(',').map(Number);
    expect(row1).toEqual([-0.388, 0.297, 2.508, 24.353, 59.631, 60.974]);
    expect(Array.from(r.samples.subarray(0, 6))).toEqual(row1.map(Math.fround));
    expect(r.source).toBe('flex.csv:2-120');
    // Gesture 2 starts at data row 120 = file line 121.
    expect(flex.recordings[1].source).toBe('flex.csv:121-239');
  });

  it('windows and splits them (contiguous fallback: one group per class)', () => {
    const recs = [...importImuCapture(read('flex.csv'), { source: 'flex.csv' }).recordings, ...importImuCapture(read('punch.csv'), { source: 'punch.csv' }).recordings];
    const ws = windowRecordings(recs, { length: 119, stride: 119, axes: ['aX', 'aY', 'aZ'] });
    expect(ws.y.length).toBe(35);
    expect(ws.labels).toEqual(['flex', 'punch']);
    const s = splitByGroup(recs, { seed: 1 });
    expect(s.report.mode).toBe('contiguous');
    expect([s.train.length, s.val.length, s.test.length]).toEqual([11 + 14, 2 + 3, 2 + 3]);
  });
});

describe('IMU_Capture variants built here', () => {
  // 2 gestures of 3 rows; row k of gesture g has aX = 10·g + k.
  const rows = [0, 1, 2, 10, 11, 12].map((v) => `${v},0,1`);
  const lf = ['aX,aY,aZ', ...rows].join('\n') + '\n';

  it('reads LF, CRLF and blank-separated files identically', () => {
    const crlf = lf.replace(/\n/g, '\r\n');
    const blankAfterEvery = ['aX,aY,aZ', ...rows.flatMap((r) => [r, ''])].join('\r\n');
    const blankBetween = ['aX,aY,aZ', ...rows.slice(0, 3), '', ...rows.slice(3), '', ''].join('\n');
    const ref = importImuCapture(lf, { samplesPerGesture: 3, source: 'x/wave.csv' });
    expect(ref.recordings.length).toBe(2);
    expect(Array.from(ref.recordings[1].samples)).toEqual([10, 0, 1, 11, 0, 1, 12, 0, 1]);
    expect(ref.recordings[0].label).toBe('wave');
    for (const text of [crlf, blankAfterEvery, blankBetween]) {
      const r = importImuCapture(text, { samplesPerGesture: 3, source: 'x/wave.csv' });
      expect(r.recordings.map((x) => Array.from(x.samples))).toEqual(ref.recordings.map((x) => Array.from(x.samples)));
    }
  });

  it('a trailing partial gesture is an error naming the counts; lenient drops and reports it', () => {
    const e = thrown(() => importImuCapture(lf + '20,0,1\n21,0,1\n', { samplesPerGesture: 3, source: 'w.csv' }));
    expect(e.message).toMatch(/w\.csv: 8 rows are not a whole number of 3-row gestures \(2 gestures and 2 rows left\)/);
    expect(e.remedy).toMatch(/--lenient/);
    const r = importImuCapture(lf + '20,0,1\n21,0,1\n', { samplesPerGesture: 3, source: 'w.csv', label: 'wave', group: 'ann', lenient: true });
    expect(r.recordings.length).toBe(2);
    expect(r.recordings[0]).toMatchObject({ label: 'wave', group: 'ann' });
    expect(r.report.warnings.join()).toMatch(/trailing partial gesture of 2 row\(s\) \(lines 8–9\)/);
  });

  it('names file and line for bad rows; lenient mode drops the spoiled gesture and counts it', () => {
    const bad = lf.replace('11,0,1', '11,NaN,1');
    const e = thrown(() => importImuCapture(bad, { samplesPerGesture: 3, source: 'w.csv' }));
    expect(e.message).toMatch(/^w\.csv:6: column aY is not a finite number: "NaN"/);
    expect(e.remedy).toMatch(/--lenient/);
    expect(e.exitCode).toBe(3);
    expect(thrown(() => importImuCapture(lf.replace('12,0,1', '12,0'), { samplesPerGesture: 3, source: 'w.csv' })).message).toMatch(/w\.csv:7: expected 3 columns/);
    expect(thrown(() => importImuCapture(lf.replace('0,0,1', '0,0,Infinity'), { source: 'w.csv' })).message).toMatch(/w\.csv:2/);
    expect(thrown(() => importImuCapture(lf.replace('aX,aY,aZ\n', ''), { source: 'w.csv' })).message).toMatch(/w\.csv:1: expected a header/);
    expect(thrown(() => importImuCapture('\n\n', { source: 'w.csv' })).message).toMatch(/empty/);
    // 20 gestures of 3 rows with one bad row: 1 of 60 rows is under the lenient limit
    const many = ['aX,aY,aZ', ...Array.from({ length: 60 }, (_, i) => (i === 31 ? '1,,1' : `${i},0,1`))].join('\n');
    const r = importImuCapture(many, { samplesPerGesture: 3, lenient: true, source: 'w.csv' });
    expect(r.recordings.length).toBe(19);
    expect(r.report.skipped.count).toBe(2); // the row, and its gesture (11th: rows 30–32)
    expect(r.report.skipped.examples.map((x) => x.message).join()).toMatch(/gesture 11/);
    // the gesture after the dropped one is still aligned: it starts with data row 33
    expect(r.recordings[10].samples[0]).toBe(33);
    // lenient, but far too many bad rows: still an error
    expect(thrown(() => importImuCapture(lf.replace(/,0,/g, ',x,'), { samplesPerGesture: 3, lenient: true, source: 'w.csv' })).message).toMatch(/6 of 6 rows are bad/);
  });
});

describe('generic CSV', () => {
  const csv = (ts: number[], extra = '') =>
    ['time_ms,ax,ay' + extra, ...ts.map((t, i) => `${t},${i},${-i}` + (extra ? ',x' : ''))].join('\n');

  it('measures rate (median interval), jitter and gaps; splits at gaps', () => {
    // intervals 20,20,22,18,20, then a 100 ms gap, then 20,20 → median 20 ms = 50 Hz
    const r = importCsv(csv([0, 20, 40, 62, 80, 100, 200, 220, 240]), { source: 'walk.csv' });
    expect(r.report.rateHz).toBe(50);
    expect(r.report.rateSource).toBe('measured');
    expect(r.report.timing).toMatchObject({ column: 'time_ms', unit: 'ms', unitGuessed: false, medianIntervalMs: 20 });
    // jitter = std of [20,20,22,18,20,20,20] (gap excluded) = sqrt(8/7)
    expect(r.report.timing!.jitterMs).toBeCloseTo(Math.sqrt(8 / 7), 9);
    expect(r.report.timing!.gaps).toEqual({ count: 1, examples: [{ line: 8, intervalMs: 100 }] });
    expect(r.recordings.length).toBe(2);
    expect(r.recordings[0].samples.length).toBe(6 * 2);
    expect(r.recordings[1].source).toBe('walk.csv:8-10');
    expect(r.recordings[0]).toMatchObject({ label: 'walk', group: 'walk', axes: ['ax', 'ay'], units: ['g', 'g'] });
  });

  it('guesses the unit from magnitudes and says so', () => {
    const r = importCsv(['timestamp,ax', '1000000,1', '1010000,2', '1020000,3'].join('\n'), { source: 'a.csv' });
    expect(r.report.timing).toMatchObject({ unit: 'us', unitGuessed: true, medianIntervalMs: 10 });
    expect(r.report.rateHz).toBe(100);
    expect(r.report.warnings.join()).toMatch(/unit guessed as us/);
    const s = importCsv(['t,ax', '0.00,1', '0.02,2', '0.04,3'].join('\n'), { source: 'a.csv' });
    expect(s.report.timing).toMatchObject({ unit: 's', unitGuessed: true });
    expect(s.report.rateHz).toBeCloseTo(50, 9);
    expect(importCsv(['Time (s),aX [g]', '0,1', '0.5,2'].join('\n')).report).toMatchObject({ rateHz: 2, timing: { unit: 's', unitGuessed: false } });
  });

  it('reads quoted CSV (csv-parse path) the same as unquoted', () => {
    const plain = importCsv('t,ax,label\n0,1,a b\n10,2,a b\n', { source: 'q.csv' });
    const quoted = importCsv('"t","ax","label"\r\n0,"1","a b"\r\n\r\n10,2,"a b"\r\n', { source: 'q.csv' });
    expect(quoted.recordings.map((r) => [r.label, Array.from(r.samples)])).toEqual([['a b', [1, 2]]]);
    expect(quoted.recordings.map((r) => [r.label, Array.from(r.samples)])).toEqual(plain.recordings.map((r) => [r.label, Array.from(r.samples)]));
    expect(quoted.report.rateHz).toBe(100);
    expect(quoted.recordings[0].source).toBe('q.csv:2-4'); // line numbers count the blank line
  });

  it('splits a file at label changes and reads group columns', () => {
    const text = ['t,ax,label,subject', '0,1,walk,ann', '10,2,walk,ann', '20,3,run,ann', '30,4,run,ann', '40,5,run,bob', '50,6,run,bob'].join('\n');
    const r = importCsv(text, { source: 'mix.csv' });
    expect(r.recordings.map((x) => [x.label, x.group, x.samples.length])).toEqual([['walk', 'ann', 2], ['run', 'ann', 2], ['run', 'bob', 2]]);
    expect(r.report.rateHz).toBe(100);
  });

  it('gives named errors for bad input', () => {
    expect(thrown(() => importCsv(csv([0, 20, 20, 60]), { source: 'a.csv' })).message).toMatch(/a\.csv:4: timestamp 20 does not increase/);
    expect(thrown(() => importCsv('ax,ay\n1,2\n', { source: 'a.csv' })).message).toMatch(/no timestamp column/);
    expect(importCsv('ax,ay\n1,2\n3,4\n', { source: 'a.csv', rateHz: 25 }).report).toMatchObject({ rateHz: 25, frames: 2 });
    const unknown = thrown(() => importCsv(csv([0, 20, 40], ',note'), { source: 'a.csv' }));
    expect(unknown.message).toMatch(/a\.csv:2: column "note" is not numeric/);
    expect(unknown.remedy).toMatch(/--axes/);
    expect(importCsv(csv([0, 20, 40], ',note'), { source: 'a.csv', axes: ['ax'] }).report.warnings.join()).toMatch(/not imported: ay, note/);
    expect(thrown(() => importCsv('t,ax\n0,1\n10,nan\n20,3\n', { source: 'a.csv' })).message).toMatch(/a\.csv:3: column ax is not a finite number: "nan"/);
    expect(thrown(() => importCsv('t,ax\n0,1\n10,1,5\n20,3\n', { source: 'a.csv' })).message).toMatch(/a\.csv:3: expected 2 columns, found 3/);
    const mixed = [0, ...Array.from({ length: 20 }, (_, i) => 20 * (i + 1)), ...Array.from({ length: 20 }, (_, i) => 400 + 10 * (i + 1))];
    expect(thrown(() => importCsv(csv(mixed), { source: 'a.csv' })).message).toMatch(/mixed sample rates: intervals of 20 ms in the first half, 10 ms/);
  });

  it('lenient mode skips and counts isolated bad rows', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i * 10},${i === 7 ? 'NaN' : i}`);
    const r = importCsv(['t,ax', ...rows].join('\n'), { source: 'a.csv', lenient: true });
    expect(r.report.skipped).toEqual({ count: 1, examples: [{ line: 9, message: 'column ax is not a finite number: "NaN"' }] });
    // the skipped row leaves a 20 ms hole, which is > 1.5 × 10 ms: reported as a gap, split there
    expect(r.recordings.length).toBe(2);
    expect(r.recordings.every((x) => x.samples.every(Number.isFinite))).toBe(true);
    // short files: up to 2 isolated bad rows pass (6 rows, 2 bad = 33 %), a third is too many
    const six = (bad: number) => ['t,ax', ...Array.from({ length: 6 }, (_, i) => `${i * 10},${i >= 2 && i < 2 + bad ? 'x' : i}`)].join('\n');
    expect(importCsv(six(2), { lenient: true, source: 's.csv' }).report.skipped.count).toBe(2);
    expect(thrown(() => importCsv(six(3), { lenient: true, source: 's.csv' })).message).toMatch(/3 of 6 rows are bad/);
  });
});

describe('Edge Impulse JSON', () => {
  const doc = (values: unknown, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ protected: { ver: 'v1', alg: 'none' }, signature: '0', payload: { device_name: 'ac:87', device_type: 'NANO33', interval_ms: 16, sensors: [{ name: 'accX', units: 'm/s2' }, { name: 'accY', units: 'm/s2' }], values, ...extra } });

  it('imports values, rate from interval_ms, label from the file-name convention', () => {
    const r = importEdgeImpulse(doc([[1, 2], [3, 4], [5, 6]]), { source: 'data/walking.4f2a.json' });
    expect(r.recordings[0]).toMatchObject({ label: 'walking', group: 'ac:87', sampleRateHz: 62.5, axes: ['accX', 'accY'], units: ['m/s2', 'm/s2'] });
    expect(Array.from(r.recordings[0].samples)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(importEdgeImpulse(doc([[1, 2]]), { source: 'x.json', label: 'idle', group: 'g' }).recordings[0]).toMatchObject({ label: 'idle', group: 'g' });
    expect(detectFormat(doc([[1, 2]]))).toBe('edge-impulse');
  });

  it('rejects malformed files with named errors', () => {
    expect(thrown(() => importEdgeImpulse('{', { source: 'a.json' })).message).toMatch(/a\.json: not valid JSON/);
    expect(thrown(() => importEdgeImpulse('{"payload":{}}', { source: 'a.json' })).message).toMatch(/interval_ms/);
    expect(thrown(() => importEdgeImpulse(doc([[1, 2], [3, null]]), { source: 'a.json' })).message).toMatch(/payload\.values\[1\] has a non-numeric value/);
    expect(thrown(() => importEdgeImpulse(doc([[1, 2], [3]]), { source: 'a.json' })).message).toMatch(/payload\.values\[1\] must have 2 numbers/);
  });
});

describe('tinyforge capture format', () => {
  const rec: Recording = { label: 'walking', group: 'ann', sampleRateHz: 50, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], samples: Float32Array.from([0.1, -0.981, 0.0001220703125, 1 / 3, 4, -4]), source: 'x' };

  it('round-trips through writeCapture / parseCapture bit for bit, deterministically', () => {
    const text = writeCapture(rec, { board: 'qemu-mps2-an386', measuredRateHz: 49.9 });
    expect(writeCapture(rec, { board: 'qemu-mps2-an386', measuredRateHz: 49.9 })).toBe(text);
    const back = parseCapture(text, 'w.json');
    expect(back).toMatchObject({ label: 'walking', group: 'ann', sampleRateHz: 50, axes: rec.axes, units: rec.units });
    expect(Array.from(back.samples)).toEqual(Array.from(rec.samples));
    // float32 shortest text: 0.1f prints as 0.1, not 0.10000000149011612
    expect(text).toContain('[0.1,-0.981,0.00012207031]');
    expect(JSON.parse(text)).toMatchObject({ format: 'tinyforge-capture/1', board: 'qemu-mps2-an386', samples: 2 });
    expect(detectFormat(text)).toBe('capture');
  });

  it('splits at sequence gaps and validates against the schema', () => {
    const long: Recording = { ...rec, samples: new Float32Array(30).map((_, i) => i) };
    const text = writeCapture(long, { gaps: [{ at: 4, missing: 2 }] });
    const r = importCapture(text, { source: 'c.json' });
    expect(r.recordings.map((x) => x.samples.length / 3)).toEqual([4, 6]);
    expect(r.report.warnings.join()).toMatch(/1 sequence gap\(s\), 2 frame\(s\) lost/);
    const bad = JSON.stringify({ ...JSON.parse(text), sampleRateHz: -1 });
    expect(thrown(() => parseCapture(bad, 'c.json')).message).toMatch(/c\.json: not a valid tinyforge-capture\/1 capture: \/sampleRateHz/);
    const noLabel = JSON.parse(text);
    delete noLabel.label;
    expect(thrown(() => parseCapture(JSON.stringify(noLabel), 'c.json')).message).toMatch(/label/);
    expect(thrown(() => writeCapture({ ...rec, samples: Float32Array.from([NaN, 0, 0]) })).message).toMatch(/NaN/);
  });

  it('reads the device stage CSV + sidecar form', () => {
    const sidecar = JSON.stringify({ format: 'tinyforge-capture/1', label: 'idle', group: 'bob', sampleRateHz: 50, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], samples: 3, measuredRateHz: 40 });
    const csvText = 'aX,aY,aZ\n0.001,0.002,1.000\n0.003,0.004,0.999\n0.005,0.006,0.998\n';
    const r = importCaptureCsv(csvText, sidecar, { source: 'idle.csv' });
    expect(r.recordings[0]).toMatchObject({ label: 'idle', group: 'bob', sampleRateHz: 50 });
    expect(r.recordings[0].samples[8]).toBe(Math.fround(0.998));
    expect(r.report.warnings.join()).toMatch(/host-measured rate 40\.00 Hz differs/);
    expect(importText(csvText, { source: 'idle.csv', sidecarText: sidecar }).report.format).toBe('capture');
    expect(thrown(() => importCaptureCsv('aX,aY\n1,2\n', sidecar, { source: 'idle.csv' })).message).toMatch(/does not match the sidecar/);
  });
});

describe('format detection', () => {
  it('tells IMU_Capture from generic CSV', () => {
    expect(detectFormat('aX,aY,aZ,gX,gY,gZ\r\n1,2,3,4,5,6\r\n')).toBe('imu-capture');
    expect(detectFormat('t,aX,aY,aZ\n0,1,2,3\n')).toBe('csv');
    expect(thrown(() => detectFormat('{"a":1}')).message).toMatch(/cannot tell the format/);
    expect(thrown(() => importText('x', { format: 'bogus' as never })).message).toMatch(/unknown format/);
  });
});
