// `tinyforge tune` / `tinyforge worker` command lines that stop before any search: the space
// printed (with the project file's overrides), invalid entries and flags named with their remedy
// and the documented exit codes, an unreachable queue refused before anything runs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { freePort, tempDir } from './helpers.js';

describe('tinyforge tune (command line)', () => {
  it('--print-space prints the default space with the project file\'s overrides', async () => {
    const dir = tempDir('tf-tune-cli-');
    const cfg = join(dir, 'tinyforge.config.json');
    writeFileSync(cfg, JSON.stringify({ tune: { space: { family: ['conv1d'], width: [8, 16] } } }));
    const r = await cli(['tune', '--print-space', '--config', cfg]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/family\s+\["conv1d"\]/);
    expect(r.stdout).toMatch(/width\s+\[8,16\]/);
    expect(r.stdout).toMatch(/kernelSize\s+\[3,5,7\]/);
    const j = await cli(['--json', 'tune', '--print-space', '--config', cfg]);
    expect(JSON.parse(j.stdout).width).toEqual([8, 16]);
  });

  it('an invalid space entry: exit 3 naming the entry and the remedy', async () => {
    const dir = tempDir('tf-tune-cli-');
    const cfg = join(dir, 'tinyforge.config.json');
    writeFileSync(cfg, JSON.stringify({ tune: { space: { kernelSize: [3, -1] } } }));
    const r = await cli(['tune', '--print-space', '--config', cfg]);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('tune.space.kernelSize[1]: -1 is not a whole number 1–31');
    expect(r.stderr).toMatch(/remedy: .*--print-space/);
  });

  it('bad flags are usage errors (exit 2)', async () => {
    const t = await cli(['tune', '--builtin', '--time-budget', 'soon']);
    expect(t.status).toBe(2);
    expect(t.stderr).toContain('--time-budget soon is not a duration');
    const q = await cli(['tune', '--builtin', '--queue', 'http://x:1']);
    expect(q.status).toBe(2);
    expect(q.stderr).toContain('is not a redis:// URL');
    const n = await cli(['tune', '--builtin', '--trials', '0']);
    expect(n.status).toBe(2);
  });

  it('an unreachable queue: exit 7 before anything runs', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const out = tempDir('tf-tune-cli-out-');
    const r = await cli(['worker', '--queue', url]);
    expect(r.status).toBe(7);
    expect(r.stderr).toContain(`cannot reach Redis at ${url}`);
    const t = await cli(['tune', '--builtin', '--queue', url, '--out', out]);
    expect(t.status).toBe(7);
  });
});
