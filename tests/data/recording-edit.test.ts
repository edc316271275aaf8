// Crop and split of one capture (src/data/recording-edit.ts), pure. Every row of the test capture
// holds its own frame index in aX, so a piece's content says which frames it got; the expected
// ranges, gap shifts and error cases below are worked out by hand from the 10-frame layout.
import { describe, expect, it } from 'vitest';
import { thrown as errorOf } from './helpers.js';
import { parseCaptureRows, pieceFiles, planCrop, planSplit, sampleAt } from '../../src/data/recording-edit.js';

const RATE = 10;
/** 10 frames at 10 Hz (1 s); row t is "t,0.5,-1.25" written as a capture writes it. */
function capture(n = 10, meta: Record<string, unknown> = {}) {
  const csv = 'aX,aY,aZ\n' + Array.from({ length: n }, (_, t) => `${t}.000,0.500,-1.250`).join('\n') + '\n';
  const sidecar = JSON.stringify({ format: 'tinyforge-capture/1', label: 'wave', group: 'ann', sampleRateHz: RATE, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], samples: n, seconds: n / RATE, startedAt: '2026-12-07T12:00:00.000Z', duplicateSamples: 2, ...meta });
  return { csv, sidecar };
}
const parse = (n = 10, meta = {}) => {
  const c = capture(n, meta);
  return parseCaptureRows(c.csv, c.sidecar, 'wave.ann.csv');
};
const frameIndices = (csv: string) => csv.trim().split('\n').slice(1).map((r) => Number(r.split(',')[0]));

describe('parseCaptureRows', () => {
  it('reads rows verbatim and their samples', () => {
    const c = parse();
    expect(c.rows[3]).toBe('3.000,0.500,-1.250');
    expect(Array.from(c.samples.subarray(9, 12))).toEqual([3, 0.5, -1.25]);
  });
  it('refuses a bad row, a header that is not the axes, and a sample count the CSV does not have', () => {
    const { csv, sidecar } = capture();
    const e1 = errorOf(() => parseCaptureRows(csv.replace('4.000,0.500', '4.000,zz'), sidecar, 'f.csv'));
    expect(e1.message).toMatch(/f\.csv:6: column aY is not a finite number/);
    expect(e1.remedy).toMatch(/line 6/);
    expect(errorOf(() => parseCaptureRows(csv.replace('aX,aY,aZ', 'x,y,z'), sidecar, 'f.csv')).message).toMatch(/header "x,y,z" does not match/);
    expect(errorOf(() => parseCaptureRows(csv, sidecar.replace('"samples":10', '"samples":12'), 'f.csv')).message).toMatch(/sidecar says 12 samples, the CSV has 10/);
    expect(errorOf(() => parseCaptureRows(csv, '{', 'f.csv')).message).toMatch(/not valid JSON/);
  });
});

describe('planCrop', () => {
  it('keeps [start, end) and writes exactly those rows with the counts recomputed', () => {
    const c = parse(10, { gaps: [{ at: 2, missing: 3 }, { at: 5, missing: 1 }, { at: 8, missing: 4 }], missingSamples: 8 });
    const plan = planCrop('wave.ann.csv', 10, RATE, { start: 3, end: 8 }, 4);
    expect(plan.pieces).toEqual([{ file: 'wave.ann-crop.csv', start: 3, end: 8 }]);
    const f = pieceFiles(c, plan, plan.pieces[0]);
    expect(frameIndices(f.csv)).toEqual([3, 4, 5, 6, 7]);
    const m = JSON.parse(f.sidecar);
    // Only the gap at frame 5 lies inside (3, 8): it moves to 5 − 3 = 2. The gap at 8 is the crop's end boundary.
    expect(m).toMatchObject({ label: 'wave', group: 'ann', samples: 5, seconds: 0.5, gaps: [{ at: 2, missing: 1 }], missingSamples: 1, file: 'wave.ann-crop.csv' });
    expect(m.derivedFrom).toEqual({ file: 'wave.ann.csv', operation: 'crop', startSample: 3, endSample: 8 });
    // 3 samples at 10 Hz after 12:00:00.000.
    expect(m.startedAt).toBe('2026-12-07T12:00:00.300Z');
    expect(m.duplicateSamples).toBeUndefined();
  });
  it('a named crop takes the name', () => {
    expect(planCrop('a.csv', 10, RATE, { start: 0, end: 5 }, 2, 'kept').pieces[0].file).toBe('kept.csv');
  });
  it('refuses a range outside the recording, the whole recording, a non-integer index and less than a window', () => {
    expect(errorOf(() => planCrop('a.csv', 10, RATE, { start: 2, end: 11 }, 2)).message).toMatch(/0\.20–1\.10 s \(samples 2–11\) is not inside the recording a\.csv, 0–1\.00 s/);
    expect(errorOf(() => planCrop('a.csv', 10, RATE, { start: 5, end: 5 }, 0)).message).toMatch(/not inside/);
    expect(errorOf(() => planCrop('a.csv', 10, RATE, { start: -1, end: 5 }, 2)).message).toMatch(/not inside/);
    expect(errorOf(() => planCrop('a.csv', 10, RATE, { start: 0, end: 10 }, 2)).message).toMatch(/whole recording/);
    expect(errorOf(() => planCrop('a.csv', 10, RATE, { start: 0.5, end: 5 }, 2)).message).toMatch(/whole sample index/);
    const short = errorOf(() => planCrop('a.csv', 10, RATE, { start: 2, end: 5 }, 4));
    expect(short.message).toMatch(/keeps 3 samples \(0\.30 s\), fewer than one window \(4 samples, 0\.40 s\)/);
    expect(short.remedy).toMatch(/keep at least 0\.40 s, or delete the recording/);
  });
});

describe('planSplit', () => {
  it('at points: consecutive pieces holding every frame once, in order', () => {
    const c = parse(10, { gaps: [{ at: 4, missing: 2 }, { at: 7, missing: 1 }] });
    const plan = planSplit('wave.ann.csv', 10, RATE, { at: [7, 4] }, 3);
    expect(plan.pieces).toEqual([
      { file: 'wave.ann-p1.csv', start: 0, end: 4 },
      { file: 'wave.ann-p2.csv', start: 4, end: 7 },
      { file: 'wave.ann-p3.csv', start: 7, end: 10 },
    ]);
    const files = plan.pieces.map((p) => pieceFiles(c, plan, p));
    expect(files.flatMap((f) => frameIndices(f.csv))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Both gaps sit on cut points: lost between pieces, inside none.
    expect(files.map((f) => JSON.parse(f.sidecar).gaps)).toEqual([[], [], []]);
    expect(files.map((f) => JSON.parse(f.sidecar).samples)).toEqual([4, 3, 3]);
  });
  it('every N samples: a tail shorter than a window joins the last piece, said in the notes', () => {
    // 10 frames in pieces of 3 with a 3-frame window: 0–3, 3–6, 6–9 and a 1-frame tail → 6–10.
    const plan = planSplit('a.csv', 10, RATE, { every: 3 }, 3);
    expect(plan.pieces.map((p) => [p.start, p.end])).toEqual([[0, 3], [3, 6], [6, 10]]);
    expect(plan.notes[0]).toMatch(/last 1 samples .* joined the last piece/);
    // A tail of a whole window stays a piece of its own: 0–4, 4–8, 8–10 with a 2-frame window.
    expect(planSplit('a.csv', 10, RATE, { every: 4 }, 2).pieces.map((p) => [p.start, p.end])).toEqual([[0, 4], [4, 8], [8, 10]]);
  });
  it('refuses points outside the recording, pieces shorter than a window and nothing to split', () => {
    const out = errorOf(() => planSplit('a.csv', 10, RATE, { at: [5, 12] }, 2));
    expect(out.message).toMatch(/split point 1\.20 s \(sample 12\) is outside the recording a\.csv, 0–1\.00 s/);
    expect(out.remedy).toMatch(/strictly between 0 and 1\.00 s/);
    expect(errorOf(() => planSplit('a.csv', 10, RATE, { at: [0] }, 2)).message).toMatch(/outside/);
    expect(errorOf(() => planSplit('a.csv', 10, RATE, { at: [] }, 2)).message).toMatch(/no split point/);
    const short = errorOf(() => planSplit('a.csv', 10, RATE, { at: [4, 5] }, 3));
    expect(short.message).toMatch(/piece 2 \(0\.40–0\.50 s\) would hold 1 samples, fewer than one window \(3 samples/);
    expect(short.remedy).toMatch(/at 0\.40 s or at 0\.50 s/);
    expect(errorOf(() => planSplit('a.csv', 10, RATE, { every: 2 }, 3)).message).toMatch(/shorter than one window/);
    expect(errorOf(() => planSplit('a.csv', 10, RATE, { every: 6 }, 5)).message).toMatch(/leave nothing to split/);
  });
});

it('sampleAt rounds seconds to the nearest sample', () => {
  expect([sampleAt(1.234, 50), sampleAt(0.05, 10), sampleAt(2, 119)]).toEqual([62, 1, 238]);
});
