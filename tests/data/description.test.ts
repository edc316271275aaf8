/**
 * The import description and `importRecordings`: every layout and detection rule on data made
 * here (in-memory files), plus the real Nano 33 BLE recordings through the description alone.
 * Expected values come from how the test data is built (stated per case), not from the importer.
 */
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsImportIo } from '../../src/adapters/import-fs.js';
import { descriptionFromOptions, modelWindowsFromData, namesRecordings } from '../../src/cli/data-options.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { sharedForTests } from '../support/shared.js';
import { globToRegExp, importRecordings, namePatternMatcher, type ImportDescription } from '../../src/data/import/description.js';
import { importCapture, importCsv, importEdgeImpulse, importImuCapture, importText } from '../../src/data/import/index.js';
import { STANDARD_GRAVITY } from '../../src/data/import/units.js';
import { windowsForModel } from '../../src/data/prepare.js';
import { validateConfig } from '../../src/train/config.js';
import { memoryIo, thrown } from './helpers.js';

const frames = (r: { samples: Float32Array; axes: string[] }) => r.samples.length / r.axes.length;

/** Deterministic pseudo-random numbers in [0, 1) (LCG), so the data is the same every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * IMU_Capture-style gestures: `count` gestures of `rows` rows, one smooth cycle each with a
 * random phase (so consecutive gestures do not join up), accelerometer in g × `accelScale`,
 * gyroscope in deg/s. Blank line after each gesture when `blank`.
 */
function gestures(count: number, rows: number, accelScale = 1, blank = false): { text: string; first: number[][] } {
  const rnd = lcg(42);
  const out = ['aX,aY,aZ,gX,gY,gZ'];
  const first: number[][] = [];
  for (let g = 0; g < count; g++) {
    const phase = rnd() * 2 * Math.PI;
    const amp = 1 + rnd();
    for (let t = 0; t < rows; t++) {
      const s = (t / rows) * 2 * Math.PI + phase;
      const row = [amp * Math.sin(s) * accelScale, 0.5 * amp * Math.cos(s) * accelScale, (1 + 0.3 * Math.sin(2 * s)) * accelScale, 150 * amp * Math.cos(s), 80 * Math.sin(s), 40 * amp * Math.sin(2 * s)].map((v) => Number(v.toFixed(3)));
      if (t === 0) first.push(row);
      out.push(row.join(','));
    }
    if (blank) out.push('');
  }
  return { text: out.join('\r\n') + '\r\n', first };
}

describe('IMU_Capture: gesture length detected, never assumed', () => {
  it('finds 140 rows per gesture (the MPU6050 sketch) from the boundaries, and says so', () => {
    const { text, first } = gestures(10, 140);
    const r = importImuCapture(text, { source: 'mpu.csv' });
    expect(r.recordings).toHaveLength(10); // built as 10 × 140
    expect(r.recordings.every((x) => frames(x) === 140)).toBe(true);
    expect(r.report.detected?.rowsPerGesture).toMatchObject({ value: 140, how: 'boundaries' });
    expect(r.report.detected!.rowsPerGesture!.boundaryScore).toBeGreaterThan(3);
    // gesture 4 starts with the row generated first for gesture 4
    expect(Array.from(r.recordings[3].samples.subarray(0, 6))).toEqual(first[3].map(Math.fround));
    // the 119 Hz default is stated, and doubted for a non-119-row gesture
    expect(r.report.detected?.rate).toEqual({ hz: 119, how: 'default' });
    expect(r.report.warnings.join()).toMatch(/rate 119 Hz assumed .* gestures here are 140 rows/);
    expect(importImuCapture(text, { source: 'mpu.csv', rateHz: 100 }).report.warnings).toEqual([]);
  });

  it('uses blank separator lines when the file has them', () => {
    const { text } = gestures(4, 50, 1, true);
    const r = importImuCapture(text, { source: 'b.csv' });
    expect(r.report.detected?.rowsPerGesture).toEqual({ value: 50, how: 'blank-lines' });
    expect(r.recordings).toHaveLength(4);
    // a declared length that contradicts the separators is an error
    expect(thrown(() => importImuCapture(text, { source: 'b.csv', samplesPerGesture: 25 })).message).toMatch(/blank lines separate gestures of 50 rows, but 25 rows per gesture were declared/);
  });

  it('a declared 119 on 140-row gestures is an error naming the counts and the detected length', () => {
    const { text } = gestures(10, 140);
    const e = thrown(() => importImuCapture(text, { source: 'mpu.csv', samplesPerGesture: 119 }));
    // 1400 = 11 × 119 + 91
    expect(e.message).toMatch(/mpu\.csv: 1400 rows are not a whole number of 119-row gestures \(11 gestures and 91 rows left\)/);
    expect(e.message).toMatch(/140 rows \(boundary score/);
    expect(e.remedy).toMatch(/suggests 140 rows per gesture/);
  });

  it('data without gesture boundaries is an error naming the counts, not a guess', () => {
    const rnd = lcg(3);
    const text = ['aX,aY,aZ', ...Array.from({ length: 1000 }, () => [rnd(), rnd(), rnd()].map((v) => v.toFixed(3)).join(','))].join('\n');
    const e = thrown(() => importImuCapture(text, { source: 'noise.csv' }));
    expect(e.message).toMatch(/noise\.csv: cannot tell the gesture length from the 1000 rows/);
    expect(e.remedy).toMatch(/rows-per-gesture/);
    // one gesture per file, declared
    expect(importImuCapture(text, { source: 'noise.csv', samplesPerGesture: 'file' }).recordings).toHaveLength(1);
  });
});

describe('units: plausibility, conversion, contradiction', () => {
  it('m/s² read as g by default is an error with the remedy; declared m/s² converts to g', () => {
    const { text, first } = gestures(10, 140, STANDARD_GRAVITY);
    const io = memoryIo({ 'mpu/wave.csv': text });
    const e = thrown(() => importRecordings({ files: ['mpu'] }, io));
    expect(e.message).toMatch(/wave\.csv: accelerometer axes aX,aY,aZ are assumed \(from their names\) in g, but the data looks like m\/s2: median \|a\| = /);
    expect(e.remedy).toMatch(/units\.accel "m\/s2"/);
    const ok = importRecordings({ files: ['mpu'], units: { accel: 'm/s2' } }, io);
    expect(ok.recordings).toHaveLength(10);
    expect(ok.recordings[0].units).toEqual(['g', 'g', 'g', 'deg/s', 'deg/s', 'deg/s']);
    // the generated g value × 9.80665 (rounded to 3 decimals in the file) / 9.80665
    expect(ok.recordings[2].samples[0]).toBeCloseTo(first[2][0] / STANDARD_GRAVITY, 5);
    expect(ok.recordings[2].samples[3]).toBeCloseTo(first[2][3], 3); // gyro untouched
    const u = ok.reports[0].detected!.units!;
    expect(u.map((x) => [x.kind, x.unit, x.how, x.convertedTo])).toEqual([['accel', 'm/s2', 'declared', 'g'], ['gyro', 'dps', 'name', undefined]]);
    // g data declared as m/s²: contradiction
    const g = gestures(10, 140).text;
    expect(thrown(() => importRecordings({ files: ['g.csv'], units: { accel: 'm/s2' } }, memoryIo({ 'g.csv': g }))).message).toMatch(/declared in m\/s2, but the data looks like g: median \|a\| = [\d.]+ with a static component of/);
    // gravity-free (linear) acceleration in m/s² is small too, but has no static component: accepted
    const linear = ['t_ms,ax,ay,az', ...Array.from({ length: 200 }, (_, i) => `${i * 20},${Math.sin(i / 5).toFixed(3)},${Math.cos(i / 7).toFixed(3)},${(0.5 * Math.sin(i / 3)).toFixed(3)}`)].join('\n');
    expect(importRecordings({ files: ['lin.csv'], units: { accel: 'm/s2' } }, memoryIo({ 'lin.csv': linear })).reports[0].detected!.units![0]).toMatchObject({ unit: 'm/s2', how: 'declared', convertedTo: 'g' });
  });

  it('gyro: rad/s declared on deg/s data, and deg/s assumed on rad/s data, are errors; rad/s converts', () => {
    const { text } = gestures(6, 60);
    expect(thrown(() => importRecordings({ files: ['a.csv'], units: { gyro: 'rad/s' } }, memoryIo({ 'a.csv': text }))).message).toMatch(/gyroscope .* declared in rad\/s, but the data looks like dps/);
    // the same gestures with the gyro columns in rad/s (deg/s × π/180)
    const rad = text.split('\r\n').map((l, i) => (i === 0 || l === '' ? l : l.split(',').map((v, k) => (k >= 3 ? ((Number(v) * Math.PI) / 180).toFixed(5) : v)).join(','))).join('\r\n');
    expect(thrown(() => importRecordings({ files: ['a.csv'] }, memoryIo({ 'a.csv': rad }))).message).toMatch(/assumed \(from their names\) in dps, but the data looks like rad\/s/);
    // the Adafruit MPU6050 library's units, m/s² and rad/s, both assumed wrong: one error names both
    const both = rad.split('\r\n').map((l, i) => (i === 0 || l === '' ? l : l.split(',').map((v, k) => (k < 3 ? (Number(v) * STANDARD_GRAVITY).toFixed(3) : v)).join(','))).join('\r\n');
    const e = thrown(() => importRecordings({ files: ['a.csv'] }, memoryIo({ 'a.csv': both })));
    expect(e.message).toMatch(/looks like m\/s2: .*; and gyroscope .* looks like rad\/s/);
    expect(e.remedy).toMatch(/units\.accel "m\/s2" .*; .*units\.gyro "rad\/s"/);
    expect(importRecordings({ files: ['a.csv'], units: { accel: 'm/s2', gyro: 'rad/s' } }, memoryIo({ 'a.csv': both })).recordings).toHaveLength(6);
    const ok = importRecordings({ files: ['a.csv'], units: { gyro: 'rad/s' } }, memoryIo({ 'a.csv': rad }));
    const orig = importImuCapture(text, { source: 'a.csv' }).recordings[0];
    expect(ok.recordings[0].samples[3]).toBeCloseTo(orig.samples[3], 2);
  });

  it('a unit in the CSV header counts as the file saying so', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i * 20},${(0.1 * Math.sin(i)).toFixed(3)},0,9.81`);
    const r = importRecordings({ files: ['w.csv'] }, memoryIo({ 'w.csv': ['t_ms,ax (m/s^2),ay (m/s^2),az (m/s^2)', ...rows].join('\n') }));
    expect(r.reports[0].detected!.units![0]).toMatchObject({ kind: 'accel', unit: 'm/s2', how: 'file', convertedTo: 'g' });
    expect(r.recordings[0].samples[2]).toBeCloseTo(9.81 / STANDARD_GRAVITY, 6);
  });
});

describe('rate: timestamps checked against a declared rate; non-finite rates refused', () => {
  const csv = (dt: number, n = 20) => ['time_ms,ax', ...Array.from({ length: n }, (_, i) => `${i * dt},${i % 3}`)].join('\n');

  it('measured vs declared', () => {
    // 20 ms intervals = 50 Hz
    expect(importCsv(csv(20), { source: 'a.csv', rateHz: 50 }).report.detected?.rate).toEqual({ hz: 50, how: 'measured', declaredHz: 50, measuredHz: 50 });
    const e = thrown(() => importCsv(csv(20), { source: 'a.csv', rateHz: 100 }));
    expect(e.message).toMatch(/a\.csv: the timestamps say 50 Hz .* but 100 Hz was declared/);
    // a time column without a unit: the unit that agrees with the declared rate is chosen (0.5 → ms at 2 kHz)
    const t = ['t,ax', ...Array.from({ length: 10 }, (_, i) => `${i * 0.5},${i}`)].join('\n');
    expect(importCsv(t, { rateHz: 2000 }).report.timing).toMatchObject({ unit: 'ms', unitGuessed: true });
  });

  it('Infinity, NaN and ≤ 0 Hz are refused by every importer', () => {
    for (const bad of [Infinity, NaN, 0, -5]) {
      expect(thrown(() => importCsv('ax\n1\n2\n', { rateHz: bad })).message).toMatch(/sample rate must be a positive, finite number of Hz/);
      expect(thrown(() => importImuCapture('aX\n1\n2\n', { rateHz: bad, samplesPerGesture: 1 })).message).toMatch(/positive, finite/);
    }
    // interval_ms 1e-320 is positive but 1000 / it is Infinity
    const ei = JSON.stringify({ payload: { interval_ms: 1e-320, sensors: [{ name: 'accX', units: 'g' }], values: [1, 2] } });
    expect(thrown(() => importEdgeImpulse(ei, { source: 'e.json' })).message).toMatch(/e\.json: payload\.interval_ms .*positive, finite/);
    // JSON.parse('1e400') is Infinity
    const cap = '{"format":"tinyforge-capture/1","label":"a","group":"g","sampleRateHz":1e400,"axes":["aX"],"units":["g"],"data":[[1]]}';
    expect(thrown(() => importCapture(cap, { source: 'c.json' })).message).toMatch(/c\.json: sampleRateHz: sample rate must be a positive, finite/);
  });
});

describe('1e39: a finite double, Infinity as float32 — refused with file, row and column', () => {
  it('in every importer', () => {
    expect(thrown(() => importCsv('t,ax,ay\n0,1,2\n10,1,1e39\n20,1,2\n', { source: 'a.csv' })).message).toMatch(/^a\.csv:3: column ay is 1e39, outside the float32 range/);
    expect(thrown(() => importImuCapture('aX,aY\n1,2\n-1e39,2\n', { source: 'i.csv', samplesPerGesture: 1 })).message).toMatch(/^i\.csv:3: column aX is -1e39, outside the float32 range/);
    const ei = JSON.stringify({ payload: { interval_ms: 10, sensors: [{ name: 'accX' }, { name: 'accY' }], values: [[1, 2], [3, 1e39]] } });
    expect(thrown(() => importEdgeImpulse(ei, { source: 'e.json' })).message).toMatch(/e\.json: payload\.values\[1\] sensor accY: 1e\+39 is outside the float32 range/);
    const cap = '{"format":"tinyforge-capture/1","label":"a","group":"g","sampleRateHz":50,"axes":["aX","aY"],"units":["g","g"],"data":[[1,2],[3e38,4e38]]}';
    expect(thrown(() => importCapture(cap, { source: 'c.json' })).message).toMatch(/c\.json: data\[1\] axis aY: 4e\+38 is outside the float32 range/);
    // 3.4e38 is still a float32
    expect(importCsv('t,ax\n0,3.4e38\n10,1\n', { source: 'a.csv' }).recordings[0].samples[0]).toBe(Math.fround(3.4e38));
  });
});

describe('very wide inputs do not overflow the stack', () => {
  it('10⁶ CSV columns and 200,000 Edge Impulse sensors', () => {
    const n = 1_000_000;
    const header = Array.from({ length: n }, (_, i) => `c${i}`).join(',');
    const row = (k: number) => Array.from({ length: n }, (_, i) => String((i + k) % 7)).join(',');
    const r = importCsv(`${header}\n${row(0)}\n${row(1)}\n`, { source: 'wide.csv', rateHz: 10 });
    expect(r.recordings[0].axes).toHaveLength(n);
    expect(r.recordings[0].samples[n + 5]).toBe(6); // row 2, column 5: (5 + 1) % 7
    const m = 200_000;
    const ei = JSON.stringify({ payload: { interval_ms: 10, sensors: Array.from({ length: m }, (_, i) => ({ name: `s${i}`, units: '' })), values: [Array.from({ length: m }, (_, i) => i % 5), Array.from({ length: m }, () => 1)] } });
    const e = importEdgeImpulse(ei, { source: 'e.json' });
    expect(e.recordings[0].samples.length).toBe(2 * m);
    expect(e.recordings[0].samples[m - 1]).toBe((m - 1) % 5);
  });
});

describe('layouts', () => {
  // Raw headerless whitespace text as the smartphone HAR datasets ship it: aX = i/100, aY = −i/100, aZ = 1.
  const raw = (n: number) => Array.from({ length: n }, (_, i) => `${(i / 100).toFixed(2)} ${(-i / 100).toFixed(2)} 1.0`).join('\n') + '\n';

  it('recordings + a separate table of labelled segments (1-based, inclusive sample indices)', () => {
    const io = memoryIo({
      'hapt/RawData/acc_exp01_user01.txt': raw(200),
      'hapt/RawData/acc_exp02_user02.txt': raw(150),
      'hapt/RawData/labels.txt': '1 1 5 1 50\n1 1 1 51 120\n2 2 5 10 150\n',
    });
    const desc: ImportDescription = {
      files: ['hapt/RawData/acc_*.txt'],
      columns: ['aX', 'aY', 'aZ'],
      rateHz: 50,
      namePattern: 'acc_exp{recording}_user{subject}.txt',
      segments: { file: 'hapt/RawData/labels.txt', columns: ['recording', 'user', 'label', 'start', 'end'], unit: 'samples', firstSample: 1, endInclusive: true, labels: { '1': 'walking', '5': 'standing' } },
    };
    const r = importRecordings(desc, io);
    // segment 1: samples 1–50 (1-based) = 0–49; 2: 51–120 = 50–119; file 2: 10–150 = 9–149
    expect(r.recordings.map((x) => [x.label, x.group, frames(x), x.samples[0]])).toEqual([
      ['standing', '01', 50, 0],
      ['walking', '01', 70, Math.fround(0.5)],
      ['standing', '02', 141, Math.fround(0.09)],
    ]);
    expect(r.recordings[1].source).toMatch(/acc_exp01_user01\.txt samples 50–119 \(hapt\/RawData\/labels\.txt:2\)/);
    // seconds, with a header row; the recording id is the file stem without a pattern
    const s = importRecordings(
      { files: ['hapt/RawData/acc_exp01_user01.txt'], columns: ['aX', 'aY', 'aZ'], rateHz: 50, segments: { file: 'seg.csv', unit: 's' } },
      memoryIo({ 'hapt/RawData/acc_exp01_user01.txt': raw(200), 'seg.csv': 'recording,label,start,end\nacc_exp01_user01,walk,1,2.5\n' }),
    );
    expect(s.recordings.map((x) => [x.label, frames(x), x.samples[0]])).toEqual([['walk', 75, Math.fround(0.5)]]); // 1 s → sample 50, 2.5 s → 125
    // out of range, and unknown recordings, are named errors
    const bad = memoryIo({ 'r/acc_exp01_user01.txt': raw(100), 'l.txt': '1 1 5 1 50\n1 1 1 51 120\n' });
    const e = thrown(() => importRecordings({ ...desc, files: ['r/acc_*.txt'], segments: { ...desc.segments!, file: 'l.txt' } }, bad));
    expect(e.message).toMatch(/l\.txt:2: segment 51–120 \(samples\) is samples 50–119, outside recording "1" \(100 samples/);
    // a segments table inside the recordings' folder is not itself imported as a recording
    const inside = memoryIo({ 'r/rec1.csv': 'aX,aY,aZ\n' + raw(60).replace(/ /g, ','), 'r/segments.csv': 'recording,label,start,end\nrec1,a,0,30\n' });
    expect(importRecordings({ files: ['r'], rateHz: 50, rowsPerGesture: 'file', segments: { file: 'r/segments.csv', unit: 'samples' } }, inside).files).toEqual(['r/rec1.csv']);
    const none = memoryIo({ 'r/acc_exp01_user01.txt': raw(100), 'l.txt': '7 1 5 1 50\n' });
    expect(thrown(() => importRecordings({ ...desc, files: ['r/acc_*.txt'], segments: { ...desc.segments!, file: 'l.txt' } }, none)).message).toMatch(/none of its 1 segment\(s\) names an imported recording \(the table names 7;/);
  });

  it('headerless numeric text, comma or whitespace, columns named by the description', () => {
    const io = memoryIo({ 'n/a.csv': '1,2,3\n4,5,6\n7,8,9\n', 'n/b.txt': '1 2 3\n4\t5  6\n7 8 9\n' });
    const a = importRecordings({ files: ['n/a.csv'], columns: ['p', 'q', 'r'], rateHz: 10, label: { fixed: 'x' } }, io);
    const b = importRecordings({ files: ['n/b.txt'], columns: ['p', 'q', 'r'], rateHz: 10, label: { fixed: 'x' }, delimiter: 'whitespace' }, io);
    expect(Array.from(a.recordings[0].samples)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(b.recordings[0].samples)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.recordings[0]).toMatchObject({ axes: ['p', 'q', 'r'], label: 'x', sampleRateHz: 10 });
    const e = thrown(() => importRecordings({ files: ['n/a.csv'], rateHz: 10 }, io));
    expect(e.message).toMatch(/a\.csv:1: no header row \(the first line holds 3 numbers\)/);
    expect(e.remedy).toMatch(/columns/);
  });

  it('a folder per class; groups from a {subject}_{label} pattern or a regex with named groups', () => {
    const rec = (k: number) => ['t_ms,aX,aY,aZ', ...Array.from({ length: 10 }, (_, i) => `${i * 20},${k},0,1`)].join('\n');
    const io = memoryIo({ 'ds/walking/ann.csv': rec(1), 'ds/walking/bob.csv': rec(2), 'ds/idle/ann.csv': rec(3), 'ds/README.md': '# not data' });
    const f = importRecordings({ files: ['ds'], label: { folder: true }, namePattern: '{label}/{subject}.csv' }, io);
    // sorted paths: idle/ann, walking/ann, walking/bob
    expect(f.recordings.map((r) => [r.label, r.group, r.samples[0]])).toEqual([['idle', 'ann', 3], ['walking', 'ann', 1], ['walking', 'bob', 2]]);
    const g = importRecordings({ files: ['ds'], label: { folder: true } }, io);
    expect(g.recordings.map((r) => r.group)).toEqual(['ann', 'ann', 'bob']); // file stem by default
    const p = importRecordings({ files: ['flat/*.csv'], namePattern: '{subject}_{label}.csv' }, memoryIo({ 'flat/ann_walk.csv': rec(1), 'flat/bob_idle.csv': rec(2) }));
    expect(p.recordings.map((r) => [r.label, r.group])).toEqual([['walk', 'ann'], ['idle', 'bob']]);
    const re = importRecordings({ files: ['x'], namePattern: '/^(?<subject>[a-z]+)-(?<session>\\d+)-(?<label>\\w+)\\.csv$/' }, memoryIo({ 'x/ann-2-run.csv': rec(1) }));
    expect(re.recordings.map((r) => [r.label, r.group])).toEqual([['run', 'ann/2']]);
    expect(thrown(() => importRecordings({ files: ['g.csv'], label: { column: 'activity' } }, memoryIo({ 'g.csv': gestures(3, 20).text }))).message).toMatch(/label column "activity" given, but the file is read as imu-capture/);
    expect(thrown(() => importRecordings({ files: ['x'], namePattern: '{subject}_{label}.csv' }, memoryIo({ 'x/ann-2-run.csv': rec(1) }))).message).toMatch(/ann-2-run\.csv: the file name does not match the name pattern/);
  });

  it('patterns and globs', () => {
    expect(globToRegExp('a/**/*.{csv,txt}').test('a/b/c/x.txt')).toBe(true);
    expect(globToRegExp('a/**/*.{csv,txt}').test('a/x.csv')).toBe(true);
    expect(globToRegExp('a/*.csv').test('a/b/x.csv')).toBe(false);
    expect(namePatternMatcher('{subject}/{label}_*.csv')('s1/walk_003.csv')).toEqual({ subject: 's1', label: 'walk' });
    expect(namePatternMatcher('{subject}_{label}.csv')('deep/dir/ann_walk.csv')).toEqual({ subject: 'ann', label: 'walk' });
  });
});

describe('streaming: chunked input reads exactly as the whole text', () => {
  it('any chunk size, CRLF or LF, quotes or not (seeded property test)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.boolean(), fc.array(fc.integer({ min: -5000, max: 5000 }), { minLength: 3, maxLength: 40 }), (chunk, crlf, quoted, vals) => {
        const nl = crlf ? '\r\n' : '\n';
        const q = (s: string) => (quoted ? `"${s}"` : s);
        const text = [`${q('t')},${q('ax')}`, ...vals.map((v, i) => `${i * 10},${q(String(v / 100))}`)].join(nl) + nl;
        const whole = importRecordings({ files: ['a.csv'] }, memoryIo({ 'a.csv': text }));
        const chunked = importRecordings({ files: ['a.csv'] }, memoryIo({ 'a.csv': text }, chunk));
        expect(chunked.recordings.map((r) => [r.source, Array.from(r.samples)])).toEqual(whole.recordings.map((r) => [r.source, Array.from(r.samples)]));
        expect(Array.from(whole.recordings[0].samples)).toEqual(vals.map((v) => Math.fround(v / 100)));
      }),
      { seed: 8, numRuns: 150 },
    );
  });
});

describe('hostile text: a typed error or finite float32 samples, never anything else (seeded)', () => {
  it('mutated CSV and IMU_Capture files', () => {
    const base = ['t_ms,aX,aY,aZ', ...Array.from({ length: 30 }, (_, i) => `${i * 20},${(i % 5) / 10},0.${i % 7},1`)].join('\n');
    const imu = gestures(3, 20).text;
    const junk = ['1e39', '-1e39', 'NaN', 'inf', '', ',', '\r', '\n', '"', '1e400', '0x10', '9'.repeat(400), ' ', ';', '\t'];
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(fc.nat(), fc.constantFrom(...junk)), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 64 }), (useImu, edits, chunk) => {
        let text = useImu ? imu : base;
        for (const [at, what] of edits) {
          const k = at % (text.length + 1);
          text = text.slice(0, k) + what + text.slice(k);
        }
        try {
          const r = importRecordings({ files: ['f.csv'], lenient: true }, memoryIo({ 'f.csv': text }, chunk));
          for (const rec of r.recordings) expect(rec.samples.every((v) => Number.isFinite(v))).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(TinyforgeError);
        }
      }),
      { seed: 10, numRuns: 300 },
    );
  });
});

describe('hostile Edge Impulse and capture JSON (seeded)', () => {
  it('any JSON values: a typed error or finite float32 samples at a finite rate', () => {
    const num = fc.oneof(fc.double(), fc.constantFrom(1e39, -1e39, 3.4e38, 0, -0), fc.integer());
    const value = fc.oneof(num, fc.constant(null), fc.string({ maxLength: 3 }), fc.array(num, { maxLength: 3 }));
    // Mostly well-formed (a sane rate, rows of the right width) so the values themselves get tested.
    const row = (n: number) => fc.oneof({ weight: 4, arbitrary: fc.array(num, { minLength: n, maxLength: n }) }, { weight: 1, arbitrary: fc.oneof(value, fc.array(value, { maxLength: 3 })) });
    fc.assert(
      fc.property(fc.oneof(fc.constant(20), num, fc.constant(null)), fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(fc.constant(n), fc.array(row(n), { maxLength: 8 }))), fc.boolean(), (interval, [nSensors, values], capture) => {
        const sensors = Array.from({ length: nSensors }, (_, i) => ({ name: `s${i}`, units: 'g' }));
        const text = capture
          ? JSON.stringify({ format: 'tinyforge-capture/1', label: 'a', group: 'g', sampleRateHz: interval, axes: sensors.map((x) => x.name), units: sensors.map((x) => x.units), data: values })
          : JSON.stringify({ payload: { interval_ms: interval, sensors, values } });
        try {
          const r = importRecordings({ files: ['f.json'], lenient: true }, memoryIo({ 'f.json': text }));
          for (const rec of r.recordings) {
            expect(Number.isFinite(rec.sampleRateHz) && rec.sampleRateHz > 0).toBe(true);
            expect(rec.samples.every((v) => Number.isFinite(v))).toBe(true);
          }
        } catch (e) {
          expect(e).toBeInstanceOf(TinyforgeError);
        }
      }),
      { seed: 11, numRuns: 400 },
    );
  });
});

describe('recordings for a trained model (eval / verify --data)', () => {
  it('are windowed with its window, axes and classes, and normalised with its normalisation', () => {
    const rec = (label: string, k: number) => ({ label, group: 'g', sampleRateHz: 50, axes: ['aX', 'aY'], units: ['g', 'g'], samples: Float32Array.from({ length: 2 * 10 }, (_, i) => k + i) });
    const settings = { task: 'classification' as const, labels: ['a', 'b'], axes: ['aY'], units: ['g'], sampleRateHz: 50, windowLength: 5, windowStride: 5, normalisation: { mean: [1], std: [2] } };
    const ws = windowsForModel([rec('b', 0), rec('a', 100)], settings);
    // 10 frames → 2 windows of 5 per recording; aY of frame t is k + 2t + 1; normalised (x − 1) / 2
    expect(Array.from(ws.y)).toEqual([1, 1, 0, 0]);
    expect(ws.x[0]).toBe((1 - 1) / 2);
    expect(ws.x[5]).toBe((0 + 2 * 5 + 1 - 1) / 2);
    expect(thrown(() => windowsForModel([{ ...rec('a', 0), sampleRateHz: 100 }], settings)).message).toMatch(/at 100 Hz, the model was trained at 50 Hz/);
    expect(thrown(() => windowsForModel([rec('c', 0)], settings)).message).toMatch(/label "c" .* not among the classes \[a, b\]/);
  });
});

describe('--data of eval / verify: recordings or windows', () => {
  it('tells recordings from train directories and windows files, and windows them for the model', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tf-data-opt-'));
    try {
      mkdirSync(join(tmp, 'rec', 'a'), { recursive: true });
      mkdirSync(join(tmp, 'train'));
      writeFileSync(join(tmp, 'train', 'settings.json'), '{}');
      writeFileSync(join(tmp, 'train', 'windows.json'), '{}');
      writeFileSync(join(tmp, 'w.json'), '{"x": [1, 2], "shape": [1, 2]}');
      writeFileSync(join(tmp, 'c.json'), '{"format": "tinyforge-capture/1", "label": "a"}');
      // 12 rows at 50 Hz of aX = row index: 3 windows of 4
      writeFileSync(join(tmp, 'rec', 'a', 's1.csv'), ['t_ms,aX', ...Array.from({ length: 12 }, (_, i) => `${i * 20},${i}`)].join('\n'));
      expect([join(tmp, 'rec'), join(tmp, 'rec', '*', '*.csv'), join(tmp, 'c.json'), join(tmp, 'rec', 'a', 's1.csv')].map(namesRecordings)).toEqual([true, true, true, true]);
      expect([join(tmp, 'train'), join(tmp, 'w.json')].map(namesRecordings)).toEqual([false, false]);
      // the fs adapter: globs (depth-limited without **), folders (recursive), files
      const io = fsImportIo();
      expect(io.list(join(tmp, 'rec', '*', '*.csv')).map((e) => e.rel)).toEqual(['a/s1.csv']);
      expect(thrown(() => io.list(join(tmp, '*.csv'))).message).toMatch(/no files match/); // s1.csv is two levels down
      expect(io.list(join(tmp, '**', '*.csv')).map((e) => e.rel)).toEqual(['rec/a/s1.csv']);
      expect(io.list(join(tmp, 'rec')).map((e) => e.rel)).toEqual(['a/s1.csv']);
      expect(thrown(() => io.list(join(tmp, 'nope.csv'))).message).toMatch(/no such file or folder/);
      const settings = { task: 'classification' as const, labels: ['a', 'b'], axes: ['aX'], units: ['g'], sampleRateHz: 50, windowLength: 4, windowStride: 4, normalisation: { mean: [0], std: [1] } };
      const ws = modelWindowsFromData(join(tmp, 'rec'), { labelFromFolder: true }, settings);
      expect(Array.from(ws.y)).toEqual([0, 0, 0]);
      expect(Array.from(ws.x.subarray(4, 8))).toEqual([4, 5, 6, 7]);
      expect(thrown(() => modelWindowsFromData(join(tmp, 'rec'), {}, undefined)).remedy).toMatch(/settings\.json beside the model/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('one description from flags and the project file', () => {
  it('flags override the data section field by field', () => {
    const section = { paths: ['rec'], import: { rateHz: 50, columns: ['a', 'b'], units: { accel: 'g' as const }, label: { column: 'activity' } } };
    expect(descriptionFromOptions({}, section)).toEqual({ files: ['rec'], rateHz: 50, columns: ['a', 'b'], units: { accel: 'g' }, label: { column: 'activity' } });
    const d = descriptionFromOptions({ rate: '100', labelFromFolder: true, gyroUnit: 'rad/s', rowsPerGesture: '140', segments: 'l.txt' }, section, ['other']);
    expect(d).toMatchObject({ files: ['other'], rateHz: 100, label: { folder: true }, units: { accel: 'g', gyro: 'rad/s' }, rowsPerGesture: 140, segments: { file: 'l.txt', unit: 'samples' }, columns: ['a', 'b'] });
    expect(thrown(() => descriptionFromOptions({ label: 'x', labelColumn: 'y' }, undefined)).exitCode).toBe(2);
    expect(thrown(() => descriptionFromOptions({ rate: 'Infinity' }, undefined)).message).toMatch(/--rate must be a number of Hz within 0.1–100000, got "Infinity"/);
    expect(thrown(() => descriptionFromOptions({ rowsPerGesture: '0' }, undefined)).message).toMatch(/--rows-per-gesture/);
  });

  it('the project file schema takes a full description and names a wrong field', () => {
    const imp = {
      format: 'csv', files: ['raw/*.txt'], header: false, columns: ['aX', 'aY', 'aZ'], delimiter: 'whitespace', axes: ['aX', 'aY', 'aZ'], units: { accel: 'm/s2', gyro: 'rad/s' }, rateHz: 50,
      timeUnit: 'ms', label: { field: 'label' }, group: { folder: true }, namePattern: '{subject}_{label}.txt', rowsPerGesture: 'auto', lenient: true,
      segments: { file: 'labels.txt', columns: ['recording', 'label', 'start', 'end'], unit: 's', firstSample: 1, endInclusive: true, labels: { '1': 'walk' } },
    };
    expect(validateConfig({ data: { import: imp } })).toEqual({ data: { import: imp } });
    expect(() => validateConfig({ data: { import: { units: { accel: 'mg' } } } })).toThrow(/data\.import\.units\.accel: must be one of "g", "m\/s2"/);
    expect(() => validateConfig({ data: { import: { label: { folder: true, column: 'x' } } } })).toThrow(/data\.import\.label/);
    expect(() => validateConfig({ data: { import: { rateHz: 0 } } })).toThrow(/rateHz/);
  });
});

const shared = sharedForTests();
describe.skipIf(!shared)('the real Nano 33 BLE recordings through the description alone', () => {
  it('a folder in, 35 gestures of 119 rows out, length and units detected and reported', () => {
    const r = importRecordings({ files: [join(shared!, 'data', 'nano33ble-gestures')] }, fsImportIo());
    // README of the recordings: flex 15 × 119 rows, punch 20 × 119 (LICENSE and README.md are not recordings)
    expect(r.files.map((f) => f.split('/').pop())).toEqual(['flex.csv', 'punch.csv']);
    expect(r.recordings.filter((x) => x.label === 'flex')).toHaveLength(15);
    expect(r.recordings.filter((x) => x.label === 'punch')).toHaveLength(20);
    expect(r.recordings.every((x) => frames(x) === 119)).toBe(true);
    for (const rep of r.reports) {
      expect(rep.detected?.rowsPerGesture).toMatchObject({ value: 119, how: 'boundaries' });
      expect(rep.detected?.units?.map((u) => [u.kind, u.unit, u.how])).toEqual([['accel', 'g', 'name'], ['gyro', 'dps', 'name']]);
    }
    // same samples as the importer on the text directly
    const direct = importText(fsImportIo().read(join(shared!, 'data', 'nano33ble-gestures', 'flex.csv')), { source: 'flex.csv' });
    expect(Array.from(r.recordings[0].samples)).toEqual(Array.from(direct.recordings[0].samples));
  });
});
