// `tinyforge data crop`, `data split-recording` and `data inspect --spectrum` in process
// (tests/helpers/cli.ts: the binary's parsing, output and exit codes). The capture is 10 s at 50 Hz
// with a 2 Hz tone on aX; sample counts below are seconds × 50, the tone's strongest bin is the
// one nearest 2 Hz at 50/64 Hz per bin (2.34 Hz, bin 3).
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from '../helpers/cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function capture(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-rec-cli-'));
  dirs.push(dir);
  const rows = Array.from({ length: 500 }, (_, t) => `${(0.6 * Math.sin((2 * Math.PI * 2 * t) / 50)).toFixed(3)},0.000,1.000`);
  writeFileSync(join(dir, 'w.csv'), `aX,aY,aZ\n${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'w.csv.json'), JSON.stringify({ format: 'tinyforge-capture/1', label: 'walking', group: 'me', sampleRateHz: 50, axes: ['aX', 'aY', 'aZ'], units: ['g', 'g', 'g'], samples: 500, seconds: 10, gaps: [], missingSamples: 0, file: 'w.csv' }));
  return { dir, file: join(dir, 'w.csv') };
}

describe('data crop / split-recording', () => {
  it('crop --from 1 --to 9 keeps 400 samples, then split-recording --every 3 cuts them into 150, 150, 100', async () => {
    const { dir, file } = capture();
    const c = await cli(['--json', 'data', 'crop', file, '--from', '1', '--to', '9']);
    expect(c.status, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout).pieces).toEqual([{ file: 'w-crop.csv', start: 50, end: 450, samples: 400, seconds: 8 }]);
    const s = await cli(['data', 'split-recording', join(dir, 'w-crop.csv'), '--every', '3']);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/w-crop-p3\.csv {2}samples 300–400 \(100, 2\.00 s\)/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()).toEqual(['w-crop-p1.csv', 'w-crop-p2.csv', 'w-crop-p3.csv']);
    expect(readdirSync(join(dir, '.originals')).sort()).toEqual(['w-crop.csv', 'w-crop.csv.json', 'w.csv', 'w.csv.json']);
  });

  it('bad input: exit 3 with the remedy for a too-short crop or a point outside; exit 2 for missing flags; nothing written', async () => {
    const { dir, file } = capture();
    const short = await cli(['data', 'crop', file, '--from', '1', '--to', '1.5']);
    expect(short.status).toBe(3);
    expect(short.stderr).toMatch(/fewer than one window \(100 samples, 2\.00 s\)[\s\S]*remedy: keep at least 2\.00 s/);
    const out = await cli(['data', 'split-recording', file, '--at', '4,12']);
    expect(out.status).toBe(3);
    expect(out.stderr).toMatch(/split point 12\.00 s \(sample 600\) is outside the recording w\.csv/);
    expect((await cli(['data', 'split-recording', file])).status).toBe(2);
    expect((await cli(['data', 'crop', file])).status).toBe(2);
    // --window 20 lets a 0.5 s crop through: the shortest part is then 20 samples.
    expect(readdirSync(dir).sort()).toEqual(['w.csv', 'w.csv.json']);
    const small = await cli(['--json', 'data', 'crop', file, '--from', '1', '--to', '1.5', '--window', '20', '--name', 'bit']);
    expect(small.status, small.stderr).toBe(0);
    expect(existsSync(join(dir, 'bit.csv'))).toBe(true);
  });
});

describe('data inspect --spectrum', () => {
  it('the spectral block\'s log band powers of the window at --at, as text and --json', async () => {
    const { file } = capture();
    const j = await cli(['--json', 'data', 'inspect', file, '--spectrum', '--at', '1.5']);
    expect(j.status, j.stderr).toBe(0);
    const s = JSON.parse(j.stdout).spectrum;
    expect(s).toMatchObject({ start: 75, windowLength: 100, paramsFrom: 'defaults', bins: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], recording: { index: 0, label: 'walking' } });
    const aX = s.channels[0].values as number[];
    expect(aX.indexOf(Math.max(...aX)) + 1).toBe(3);
    const t = await cli(['data', 'inspect', file, '--spectrum', '--fft-length', '32']);
    expect(t.status, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/spectral block \(default parameters\): fftLength 32 \(bins 1\.563 Hz apart\)/);
    expect(t.stdout).toMatch(/bin {4}Hz {6}aX {5}aY {5}aZ/);
    const bad = await cli(['data', 'inspect', file, '--spectrum', '--at', '9']);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/not inside the recording[\s\S]*start the window between 0 and 8\.00 s/);
    expect((await cli(['data', 'inspect', file, '--at', '1'])).status).toBe(2);
  });
});
