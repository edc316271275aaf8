// Property tests (fast-check, seeded; tests/fuzz/fuzz-config.ts): every importer, on random CSV-ish
// text (random cells, numbers at the edges of float32, ragged rows, odd headers) and on random
// mutations of a valid file, gives recordings or a typed TinyforgeError — never another exception.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { importText } from '../../src/data/import/index.js';
import { FUZZ_TIMEOUT, runs, typed } from './fuzz-config.js';


const cell = fc.oneof(
  { weight: 6, arbitrary: fc.double({ noNaN: false }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: -100000, max: 100000 }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'NaN', 'Infinity', '-inf', '1e39', '-1e39', '3.4e38', '0x10', '1,5', '"1"', '"a,b"', '"', 'aX', 'label', 'timestamp', 'gX') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const header = fc.oneof(
  fc.constant(['aX', 'aY', 'aZ', 'gX', 'gY', 'gZ']),
  fc.constant(['timestamp', 'accX', 'accY', 'accZ']),
  fc.constant(['time', 'x', 'y', 'z', 'label']),
  fc.array(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 7 }),
);
const csvText = fc
  .record({ header, rows: fc.array(fc.array(cell, { minLength: 0, maxLength: 8 }), { maxLength: 40 }), sep: fc.constantFrom(',', ';', '\t', ' '), eol: fc.constantFrom('\n', '\r\n', '\n\n') })
  .map(({ header, rows, sep, eol }) => [header.join(sep), ...rows.map((r) => r.join(sep))].join(eol));

const FORMATS = ['auto', 'csv', 'imu-capture', 'edge-impulse', 'capture'] as const;

describe('fuzz: importers on random text', () => {
  it.each(FORMATS)('format %s: random CSV-like text imports or fails typed', (format) => {
    let ok = 0;
    fc.assert(
      fc.property(csvText, fc.option(fc.integer({ min: -5, max: 400 })), (text, rate) => {
        if (typed(() => importText(text, { format, ...(rate !== null ? { rateHz: rate } : {}), source: 'fuzz.csv' } as never)) === 'ok') ok++;
      }),
      runs(300),
    );
    // The generator is not all garbage: some texts do import (except formats it never produces).
    if (format === 'csv' || format === 'auto') expect(ok).toBeGreaterThan(0);
  }, FUZZ_TIMEOUT);

  it('random unicode / binary text: every format fails typed or imports', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1'))), fc.constantFrom(...FORMATS), (text, format) => {
        typed(() => importText(text, { format, rateHz: 50 } as never));
      }),
      runs(400),
    );
  }, FUZZ_TIMEOUT);

  it('mutations of a valid IMU_Capture / CSV file: import or typed error', () => {
    const rows = Array.from({ length: 238 }, (_, i) => [Math.sin(i / 5), Math.cos(i / 7), 1, i % 13, -i % 7, 0.5].map((v) => v.toFixed(3)).join(','));
    const valid = ['aX,aY,aZ,gX,gY,gZ', ...rows].join('\n');
    expect(typed(() => importText(valid, { format: 'imu-capture' } as never))).toBe('ok');
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(valid.length - 1), s: fc.constantFrom('', ',', '\n', 'x', '1e39', '-', '..', '"', ',,,,,,,,') }), { minLength: 1, maxLength: 6 }), fc.constantFrom(...FORMATS), (edits, format) => {
        let t = valid;
        for (const e of edits) t = t.slice(0, e.at) + e.s + t.slice(e.at + 1);
        typed(() => importText(t, { format, rateHz: 119 } as never));
      }),
      runs(300),
    );
  }, FUZZ_TIMEOUT);
});
