import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedForTests } from '../support/shared.js';
import { cli } from '../helpers/cli.js';
import { readSplitDir } from '../../src/adapters/files.js';
import { builtinPrepared } from '../../src/data/prepare.js';

// In-process (tests/helpers/cli.ts): same parsing, output and exit codes as the binary.
const run = (...args: string[]) => cli(args);
const dir = sharedForTests();

describe('tinyforge data', () => {
  it.skipIf(!dir)('inspect --json reports the real gesture files', async () => {
    const g = join(dir!, 'data', 'nano33ble-gestures');
    const r = await run('--json', 'data', 'inspect', join(g, 'flex.csv'), join(g, 'punch.csv'));
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.summary.classes).toEqual([
      { label: 'flex', recordings: 15, frames: 1785, seconds: 15, groups: 1 },
      { label: 'punch', recordings: 20, frames: 2380, seconds: 20, groups: 1 },
    ]);
    expect(out.imports.map((i: { format: string }) => i.format)).toEqual(['imu-capture', 'imu-capture']);
    // what was detected, in JSON and in words (README of the recordings: 119 rows per gesture)
    expect(out.imports[0].detected.rowsPerGesture).toMatchObject({ value: 119, how: 'boundaries' });
    const text = await run('data', 'inspect', g);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/flex\.csv: imu-capture, 15 recording\(s\), 1785 frames/);
    expect(text.stdout).toMatch(/rows per gesture: 119 \(detected from gesture boundaries, score \d/);
    expect(text.stdout).toMatch(/rate: 119 Hz assumed \(no timestamps in this format/);
    expect(text.stdout).toMatch(/accelerometer aX,aY,aZ: g \(assumed from the axis names; median \|a\| [\d.]+, plausible\)/);
  });

  it('split --builtin writes a split folder that reads back as the same windows', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tf-split-'));
    try {
      const r = await run('data', 'split', '--builtin', '--subjects', '4', '--seconds', '10', '--seed', '3', '--out', out);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/split \(group, seed 3\)/);
      const back = readSplitDir(out);
      const ref = builtinPrepared({ subjects: 4, secondsPerActivity: 10, seed: 3 });
      expect(back.labels).toEqual(ref.labels);
      expect(back.normalisation).toEqual(ref.normalisation);
      expect(Array.from(back.test.y)).toEqual(Array.from(ref.test.y));
      expect(back.test.x).toEqual(ref.test.x); // float32 shortest text reads back bit-exact
      expect(back.split.groups).toEqual(ref.split.groups);
      expect(readdirSync(out).sort()).toEqual(['split.json', 'test.json', 'train.json', 'val.json']); // no temp files left
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('bad input: exit 3 naming the file and line, and no output folder', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'tf-bad-'));
    try {
      const f = join(tmp, 'wave.csv');
      writeFileSync(f, 'aX,aY,aZ\r\n1,2,3\r\n1,x,3\r\n');
      const r = await run('data', 'split', f, '--out', join(tmp, 'out'));
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/wave\.csv:3: column aY is not a finite number: "x"/);
      expect(r.stderr).toMatch(/remedy: .*--lenient/);
      expect(existsSync(join(tmp, 'out'))).toBe(false);
      const u = await run('data', 'inspect');
      expect(u.status).toBe(2);
      expect(u.stderr).toMatch(/no input/);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
