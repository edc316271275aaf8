// `data split` and `train` split the same recordings identically (one function: service
// prepareData), including short IMU_Capture gesture recordings that `train` has always accepted
// and `data split` used to refuse (its default 2 s window was longer than a 1 s gesture).
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulberry32 } from '../../src/data/prng.js';
import { prepareData } from '../../src/service/data.js';
import { runCli } from './helpers.js';
import { nodePlatform } from '../../src/adapters/platform.js';

const dir = mkdtempSync(join(tmpdir(), 'tf-split-same-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An IMU_Capture file: header, then `gestures` gestures of 119 rows (aX..gZ), seeded values, each followed by a blank line. */
function imuCapture(name: string, gestures: number, seed: number): string {
  const rng = mulberry32(seed);
  const rows = ['aX,aY,aZ,gX,gY,gZ'];
  for (let g = 0; g < gestures; g++) {
    for (let r = 0; r < 119; r++) rows.push(Array.from({ length: 6 }, (_, k) => ((k < 3 ? 1 : 200) * (rng.next() - 0.5 + seed * 0.1)).toFixed(3)).join(','));
    // Arduino's IMU_Capture sketch prints an empty line after each gesture: the importer finds
    // the gesture length from these (noise alone shows no boundaries, and it never assumes 119).
    rows.push('');
  }
  const p = join(dir, name);
  writeFileSync(p, rows.join('\n') + '\n');
  return p;
}

describe('data split and train: the same split of the same data', () => {
  const files = [imuCapture('flex.csv', 10, 1), imuCapture('punch.csv', 10, 2)];

  it('data split accepts 119-row gesture recordings: one window per gesture', async () => {
    const r = await runCli('--json', 'data', 'split', ...files, '--out', join(dir, 'split'));
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.windowLength).toBe(119);
    // 20 gestures, one window each, every one in exactly one split.
    expect(j.counts.train + j.counts.val + j.counts.test).toBe(20);
  });

  it('train reports the split data split wrote, group for group (same seed)', async () => {
    const split = JSON.parse(readFileSync(join(dir, 'split', 'split.json'), 'utf8'));
    const r = await runCli('--json', 'train', '--data', ...files, '--preset', 'dense', '--epochs', '1', '--backend', 'wasm', '--out', join(dir, 'train'));
    expect(r.status, r.stderr).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(t.split.groups).toEqual(split.split.groups);
    expect(t.split.counts).toEqual(split.split.counts);
    expect(t.settings.windowLength).toBe(split.windowLength);
  }, 120_000);

  it('another seed moves groups (the seed is really used)', () => {
    const a = prepareData(nodePlatform(), { paths: files, split: { seed: 1 } });
    const b = prepareData(nodePlatform(), { paths: files, split: { seed: 2 } });
    expect(a.split.groups).not.toEqual(b.split.groups);
    expect(prepareData(nodePlatform(), { paths: files, split: { seed: 1 } }).split.groups).toEqual(a.split.groups);
  });
});
