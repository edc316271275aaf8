// QA: `tinyforge infer` names a missing or wrong file plainly (once, without temp-file names), and
// refuses an --output it cannot write before running the model.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tinyProject } from './helpers.js';

describe('tinyforge infer: paths', () => {
  it('missing model, folder as model, missing output folder, folder as output: exit 3 with a plain message', () => {
    const p = tinyProject();
    const folder = join(p.dir, 'folder');
    mkdirSync(folder);
    const values = ['--values', Array(12).fill('0.1').join(',')];
    const cases: [string[], RegExp][] = [
      [['infer', join(p.dir, 'missing.tflite'), ...values], /^error: model file not found: \S+missing\.tflite\n/],
      [['infer', folder, ...values], /^error: model \S+folder is not a file/],
      [['infer', p.model, ...values, '--output', join(p.dir, 'no', 'such', 'out.bin')], /^error: cannot write \S+out\.bin: the folder \S+no\/such does not exist\n/],
      [['infer', p.model, ...values, '--output', folder], /^error: cannot write \S+folder: it is a folder\n/],
    ];
    for (const [args, message] of cases) {
      const r = cli(args);
      expect(r.status, r.stderr).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/remedy: /);
      expect(r.stderr).not.toMatch(/\.tmp-|ENOENT|EISDIR/);
    }
    expect(readdirSync(p.dir).sort()).toEqual(['folder', 'model.tflite', 'settings.json']);
    expect(readdirSync(folder)).toEqual([]);
  });
});
