// Property tests (fast-check, seeded and bounded in `npm test`, 50× in `npm run fuzz`) for each class
// of hostile data input issue 18 found: non-regular files, labels named like Object.prototype
// members, absurd rates, a BOM before the project file, headerless segments tables, duplicate axes
// and unknown units. Each property: the input imports with nothing lost, or fails with a typed
// TinyforgeError naming the problem — never another exception, a hang or a silent loss.
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fsImportIo } from '../../src/adapters/import-fs.js';
import { loadConfig } from '../../src/adapters/files.js';
import { TinyforgeError } from '../../src/core/errors.js';
import { MAX_RATE_HZ, MIN_RATE_HZ, checkRate } from '../../src/data/import/common.js';
import { importRecordings } from '../../src/data/import/description.js';
import { importEdgeImpulse, importText } from '../../src/data/import/index.js';
import { splitByGroup } from '../../src/data/split.js';
import { secondsOf, summarise } from '../../src/data/summary.js';
import { datasetTotals } from '../../src/studio/recordings.js';
import { memoryIo } from '../data/helpers.js';
import { FUZZ_TIMEOUT, runs, typed } from './fuzz-config.js';

const PROTO = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__', 'prototype'];
const name = fc.oneof(fc.constantFrom(...PROTO), fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s.trim() !== '' && !/[,\n\r"]/.test(s)));

describe('fuzz: hostile data inputs (issue 18)', () => {
  it('non-regular files anywhere in a data path are refused by name, never read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-fuzz-fs-'));
    const server = createServer();
    try {
      writeFileSync(join(dir, 'ok.csv'), 't,aX,aY,aZ\n0,0,0,1\n20,0,0,1\n40,0,0,1\n');
      execFileSync('mkfifo', [join(dir, 'fifo.csv')]);
      await new Promise<void>((ok) => server.listen(join(dir, 'sock.csv'), ok));
      symlinkSync('/dev/zero', join(dir, 'zero.csv'));
      symlinkSync(join(dir, 'self.csv'), join(dir, 'self.csv'));
      const hostile = ['fifo.csv', 'sock.csv', 'zero.csv', 'self.csv'];
      fc.assert(
        fc.property(fc.constantFrom(...hostile), fc.constantFrom('file', 'folder', 'glob'), fc.boolean(), (bad, how, first) => {
          const spec = how === 'file' ? join(dir, bad) : how === 'folder' ? dir : join(dir, '*.csv');
          const files = first ? [spec, join(dir, 'ok.csv')] : [join(dir, 'ok.csv'), spec];
          let err: unknown;
          try {
            importRecordings({ files, rateHz: 50 }, fsImportIo());
          } catch (e) {
            err = e;
          }
          expect(err).toBeInstanceOf(TinyforgeError);
          // names one of the hostile files (a folder or glob reaches the first of them), in a short message
          expect((err as Error).message).toMatch(/(fifo|sock|zero|self)\.csv/);
          expect((err as Error).message.length).toBeLessThan(600);
        }),
        runs(12),
      );
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, FUZZ_TIMEOUT);

  it('labels and groups of any name are counted as data (Maps, never object keys)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ label: name, group: name, n: fc.integer({ min: 1, max: 20 }) }), { minLength: 1, maxLength: 12 }), (specs) => {
        const recs = specs.map((s) => ({ label: s.label, group: s.group, sampleRateHz: 10, axes: ['aX'], units: ['g'], samples: new Float32Array(s.n) }));
        const sum = summarise(recs);
        const total = specs.reduce((a, s) => a + s.n / 10, 0);
        const fromTable = sum.perGroup.reduce((a, row) => a + sum.labels.reduce((b, l) => b + secondsOf(row, l), 0), 0);
        expect(fromTable).toBeCloseTo(total, 6);
        expect(['ok', 'bad-input']).toContain(typed(() => splitByGroup(recs, { seed: 1 })));
        const tot = datasetTotals(recs.map((r, i) => ({ file: `${i}.csv`, label: r.label, group: r.group, samples: r.samples.length, seconds: 0, sampleRateHz: 10 }) as never));
        expect(Object.values(tot.byLabel).reduce((a, t) => a + t.samples, 0)).toBe(specs.reduce((a, s) => a + s.n, 0));
        expect(({} as Record<string, unknown>).recordings).toBeUndefined();
      }),
      runs(200),
    );
  }, FUZZ_TIMEOUT);

  it('rates: anything outside 0.1 Hz–100 kHz is refused wherever it comes from', () => {
    const anyRate = fc.oneof(fc.double(), fc.constantFrom(1e-300, 1e308, 5e-324, 0.0999, 0.1, 100000, 100001, 50));
    fc.assert(
      fc.property(anyRate, (hz) => {
        const inside = Number.isFinite(hz) && hz >= MIN_RATE_HZ && hz <= MAX_RATE_HZ;
        expect(typed(() => checkRate(hz, 'x'))).toBe(inside ? 'ok' : 'bad-input');
        const interval = 1000 / hz;
        const ei = JSON.stringify({ payload: { interval_ms: interval, sensors: [{ name: 'accX', units: 'g' }], values: [1, 1, 1] } });
        const r = typed(() => importEdgeImpulse(ei, { source: 'e.json' }));
        if (r === 'ok') {
          const rate = importEdgeImpulse(ei, { source: 'e.json' }).report.rateHz;
          expect(rate >= MIN_RATE_HZ && rate <= MAX_RATE_HZ).toBe(true);
        }
        const step = Number.isFinite(interval) && interval > 0 ? interval : 1e300;
        const csv = 't_ms,aX,aY,aZ\n' + Array.from({ length: 6 }, (_, i) => `${i * step},0,0,1`).join('\n');
        const c = typed(() => importText(csv, { format: 'csv', source: 'c.csv' }));
        if (c === 'ok') {
          const rate = importText(csv, { format: 'csv', source: 'c.csv' }).report.rateHz;
          expect(rate >= MIN_RATE_HZ && rate <= MAX_RATE_HZ && Number.isFinite(rate)).toBe(true);
        }
      }),
      runs(300),
    );
  }, FUZZ_TIMEOUT);

  it('a project file reads the same with or without a UTF-8 BOM', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tf-fuzz-bom-'));
    try {
      fc.assert(
        fc.property(fc.record({ windowLength: fc.integer({ min: 1, max: 1000 }), labels: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 2, maxLength: 4 }) }), fc.constantFrom('', ' ', '\n'), (data, ws) => {
          const text = ws + JSON.stringify({ data });
          writeFileSync(join(dir, 'a.json'), text);
          writeFileSync(join(dir, 'b.json'), '\uFEFF' + text);
          expect(loadConfig(join(dir, 'b.json'))).toEqual(loadConfig(join(dir, 'a.json')));
        }),
        runs(50),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, FUZZ_TIMEOUT);

  it('headerless segments tables: every row is a segment, and a malformed row is an error wherever it is', () => {
    const rec = Array.from({ length: 400 }, (_, i) => `${(i / 100).toFixed(2)} 0 1`).join('\n') + '\n';
    // labels without separators (a label ";" in a whitespace table would make it a ;-separated one)
    const row = fc.record({ label: fc.oneof(fc.constantFrom('walk', 'sit', '1', '2', '__proto__'), name.filter((s) => !/[\s;,]/.test(s))), a: fc.integer({ min: 0, max: 398 }), len: fc.integer({ min: 1, max: 50 }) });
    const bad = fc.constantFrom('r1 walk x 10', 'r1 walk 5', 'r1 walk 5 1e999', 'r1 walk 10 5', 'r1 walk 0 9999', 'r1 walk  ');
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 8 }), fc.option(fc.tuple(bad, fc.nat())), (rows, broken) => {
        const lines = rows.map((r) => `r1 ${r.label} ${r.a} ${Math.min(400, r.a + r.len)}`);
        if (broken) lines.splice(broken[1] % (lines.length + 1), 0, broken[0]);
        const io = memoryIo({ 'r1.txt': rec, 'seg.txt': lines.join('\n') + '\n' });
        const run = () => importRecordings({ files: ['r1.txt'], columns: ['aX', 'aY', 'aZ'], rateHz: 50, segments: { file: 'seg.txt', columns: ['recording', 'label', 'start', 'end'], unit: 'samples' } }, io);
        if (broken) {
          expect(typed(run)).toBe('bad-input');
        } else {
          const r = run();
          expect(r.recordings).toHaveLength(rows.length); // nothing lost, the first row included
          expect(r.recordings.map((x) => x.label)).toEqual(rows.map((x) => x.label));
        }
      }),
      runs(200),
    );
  }, FUZZ_TIMEOUT);

  it('sensor names and units of an Edge Impulse file: distinct axes and known units import, anything else is typed', () => {
    const unit = fc.oneof(fc.constantFrom('g', 'm/s2', 'deg/s', 'rad/s', 'uT', '', 'N/A', 'furlong', 'm/s^2', '°/s'), fc.string({ maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(fc.record({ name: fc.constantFrom('accX', 'accY', 'accZ', 'gyrX', 'x'), units: unit }), { minLength: 1, maxLength: 5 }), (sensors) => {
        const ei = JSON.stringify({ payload: { interval_ms: 10, sensors, values: Array.from({ length: 4 }, () => sensors.map(() => 0.5)) } });
        const r = typed(() => importText(ei, { format: 'edge-impulse', source: 'e.json' }));
        if (r === 'ok') expect(new Set(sensors.map((s) => s.name)).size).toBe(sensors.length);
      }),
      runs(300),
    );
  }, FUZZ_TIMEOUT);
});
