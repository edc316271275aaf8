/**
 * Issue 18's data findings, each on a hostile or public-layout input made here. Expected values
 * come from how the inputs are built (stated per case).
 */
import { describe, expect, it } from 'vitest';
import { descriptionFromOptions } from '../../src/cli/data-options.js';
import { importRecordings, type ImportDescription } from '../../src/data/import/description.js';
import { importCsv } from '../../src/data/import/index.js';
import { validateConfig } from '../../src/train/config.js';
import { memoryIo, thrown } from './helpers.js';

const frames = (r: { samples: Float32Array; axes: string[] }) => r.samples.length / r.axes.length;
/** Headerless whitespace rows: aX = i/100, aY = −i/100, aZ = 1. */
const raw = (n: number) => Array.from({ length: n }, (_, i) => `${(i / 100).toFixed(2)} ${(-i / 100).toFixed(2)} 1.0`).join('\n') + '\n';

describe('item 3: a headerless table never loses its first row', () => {
  const desc = (table: string): [ImportDescription, ReturnType<typeof memoryIo>] => [
    { files: ['r/rec1.txt'], columns: ['aX', 'aY', 'aZ'], rateHz: 50, segments: { file: 'seg.txt', columns: ['recording', 'label', 'start', 'end'], unit: 'samples' } },
    memoryIo({ 'r/rec1.txt': raw(100), 'seg.txt': table }),
  ];
  it('a first row with a text label is a segment, not a header, when columns are given', () => {
    const r = importRecordings(...desc('rec1 walking 0 40\nrec1 standing 40 100\n'));
    // two rows → two segments: 40 and 60 samples
    expect(r.recordings.map((x) => [x.label, frames(x)])).toEqual([['walking', 40], ['standing', 60]]);
  });
  it('a malformed first row is an error, as the same row second is', () => {
    const first = thrown(() => importRecordings(...desc('rec1 walking x 40\nrec1 standing 40 100\n')));
    expect(first.message).toMatch(/seg\.txt:1: start "x" \/ end "40" are not numbers/);
    const second = thrown(() => importRecordings(...desc('rec1 standing 40 100\nrec1 walking x 40\n')));
    expect(second.message).toMatch(/seg\.txt:2: start "x" \/ end "40" are not numbers/);
    // an all-text first row that is not the given names: ambiguous, refused
    expect(thrown(() => importRecordings(...desc('id act from to\nrec1 standing 40 100\n'))).message).toMatch(/seg\.txt:1: the first row .* is all text but not the given column names/);
    // the same header as the names: a header
    expect(importRecordings(...desc('recording label start end\nrec1 standing 40 100\n')).recordings).toHaveLength(1);
  });
  it('a headerless recording CSV whose first row has a text label keeps that row', () => {
    const r = importCsv('0,0,1,walk\n0.1,0,1,walk\n0.2,0,1,walk\n', { columns: ['aX', 'aY', 'aZ', 'label'], rateHz: 50, source: 'x.csv' });
    expect(r.report.frames).toBe(3); // three lines, three rows
    expect(r.recordings[0].samples[0]).toBe(0);
  });
});

describe('public layout: a segments table with 1-based, end-inclusive indices and codes to leave out', () => {
  // Two recordings of 200 and 150 rows; the table is 1-based and end-inclusive, code 7 is a
  // transition the user leaves out, and recording 3 is in the table but not imported.
  const files = {
    'hapt/acc_exp01_user01.txt': raw(200),
    'hapt/acc_exp02_user02.txt': raw(150),
    'hapt/labels.txt': '1 1 5 1 50\n1 1 7 51 60\n1 1 1 61 120\n2 2 5 10 150\n3 3 1 1 100\n3 3 7 101 110\n',
  };
  const flags = { segments: 'hapt/labels.txt', segmentColumns: 'recording,user,label,start,end', segmentFirstSample: '1', segmentEndInclusive: true, segmentLabels: '1=walking,5=standing,7=null', columns: 'aX,aY,aZ', rate: '50', namePattern: 'acc_exp{recording}_user{subject}.txt' };
  it('the CLI flags give the same description as the project file fields', () => {
    const fromFlags = descriptionFromOptions(flags, undefined, ['hapt/acc_exp0*.txt']);
    const project = validateConfig({ data: { import: { files: ['hapt/acc_exp0*.txt'], columns: ['aX', 'aY', 'aZ'], rateHz: 50, namePattern: 'acc_exp{recording}_user{subject}.txt', segments: { file: 'hapt/labels.txt', columns: ['recording', 'user', 'label', 'start', 'end'], unit: 'samples', firstSample: 1, endInclusive: true, labels: { '1': 'walking', '5': 'standing', '7': null } } } } });
    expect(fromFlags).toEqual(project.data!.import);
  });
  it('imports the segments, leaves out code 7 and counts segments naming files not imported', () => {
    const r = importRecordings(descriptionFromOptions(flags, undefined, ['hapt/acc_exp0*.txt']), memoryIo(files));
    // 1-based inclusive 1–50 → samples 0–49 (50); 61–120 → 60–119 (60); 10–150 → 9–149 (141)
    expect(r.recordings.map((x) => [x.label, x.group, frames(x), x.samples[0]])).toEqual([
      ['standing', '01', 50, 0],
      ['walking', '01', 60, Math.fround(0.6)],
      ['standing', '02', 141, Math.fround(0.09)],
    ]);
    expect(r.segments).toEqual({ file: 'hapt/labels.txt', segments: 6, imported: 3, leftOut: [{ code: '7', segments: 1 }], notImported: { segments: 2, recordings: ['3'] } });
    expect(r.warnings!.join('\n')).toMatch(/2 segment\(s\) name recordings that were not imported \(3\)/);
    // a code missing from the map is still an error, naming the remedy
    const e = thrown(() => importRecordings(descriptionFromOptions({ ...flags, segmentLabels: '1=walking,5=standing' }, undefined, ['hapt/acc_exp0*.txt']), memoryIo(files)));
    expect(e.message).toMatch(/labels\.txt:2: label code "7" is not in segments.labels/);
    expect(e.remedy).toMatch(/null to leave/);
  });
  it('--segment-* flags without a table, and a malformed map, are usage errors', () => {
    expect(thrown(() => descriptionFromOptions({ segmentEndInclusive: true }, undefined, ['x'])).message).toMatch(/need a segments table/);
    expect(thrown(() => descriptionFromOptions({ ...flags, segmentLabels: '1walking' }, undefined, ['x'])).message).toMatch(/"1walking" is not CODE=NAME/);
  });
});
