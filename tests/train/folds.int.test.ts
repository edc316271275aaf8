/**
 * Grouped k-fold (`train --folds K`) and the split warning in train's output, --json and report:
 * training runs (tiny: dense preset, 2 epochs) on data made here, through the in-process CLI.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tf-folds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 6 people × walk/sit (and "fall" by p1 only when `fall`), 4 s at 50 Hz each, with a gap between recordings. */
function dataset(fall: boolean): string {
  const rows = ['t,aX,aY,aZ,label,subject'];
  let t = 0;
  for (let p = 0; p < 6; p++) {
    for (const [c, label] of ['walk', 'sit', 'fall'].entries()) {
      if (label === 'fall' && (!fall || p !== 1)) continue;
      for (let k = 0; k < (label === 'fall' ? 6 : 1); k++) {
        for (let i = 0; i < 200; i++) rows.push(`${(t++) * 20},${(c + 0.3 * Math.sin(i / (2 + c))).toFixed(3)},${(0.1 * p).toFixed(2)},1,${label},p${p}`);
        t += 100;
      }
    }
  }
  return rows.join('\n') + '\n';
}

describe('train: grouped k-fold and the fallback warning', () => {
  it('--folds 3 trains three runs, each holding a third of the people out, and prints mean ± spread', async () => {
    writeFileSync(join(dir, 'two.csv'), dataset(false));
    const out = join(dir, 'cv');
    const r = await cli(['--json', 'train', '--data', join(dir, 'two.csv'), '--folds', '3', '--preset', 'dense', '--epochs', '2', '--backend', 'cpu', '--window', '100', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.folds).toHaveLength(3);
    // 6 people dealt into 3 folds of 2, every person held out exactly once
    expect(j.folds.flatMap((f: { testGroups: string[] }) => f.testGroups).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    const acc = j.folds.map((f: { accuracy: { test: number } }) => f.accuracy.test);
    const mean = acc.reduce((a: number, b: number) => a + b, 0) / 3;
    expect(j.test.mean).toBeCloseTo(mean, 12);
    expect(j.test.std).toBeCloseTo(Math.sqrt(acc.reduce((a: number, b: number) => a + (b - mean) ** 2, 0) / 3), 12);
    for (let i = 1; i <= 3; i++) expect(existsSync(join(out, `fold-${i}`, 'report.json'))).toBe(true);
  });

  it('a class recorded by one person: the fallback is warned in the output, --json and report, and the verdict does not speak of unseen subjects', async () => {
    writeFileSync(join(dir, 'three.csv'), dataset(true));
    const out = join(dir, 'fb');
    const r = await cli(['--json', 'train', '--data', join(dir, 'three.csv'), '--preset', 'dense', '--epochs', '2', '--backend', 'cpu', '--window', '100', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.split.mode).toBe('contiguous');
    expect(j.split.warnings.join('\n')).toMatch(/class "fall" is recorded in only 1 group \(p1\)/);
    expect(j.report.data.split).toMatchObject({ mode: 'contiguous', apart: false });
    expect(j.report.verdict.text).not.toMatch(/never saw/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(/<b>warning<\/b> — class &quot;fall&quot; is recorded in only 1 group/);
    const text = await cli(['train', '--data', join(dir, 'three.csv'), '--preset', 'dense', '--epochs', '1', '--backend', 'cpu', '--window', '100', '--out', join(dir, 'fb2')]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stderr).toMatch(/warning: class "fall" is recorded in only 1 group/);
    // leaving the class out restores the split by person
    const ex = await cli(['--json', 'train', '--data', join(dir, 'three.csv'), '--exclude-labels', 'fall', '--preset', 'dense', '--epochs', '1', '--backend', 'cpu', '--window', '100', '--out', join(dir, 'fb3')]);
    expect(ex.status, ex.stderr).toBe(0);
    expect(JSON.parse(ex.stdout).split.mode).toBe('group');
  });
});
