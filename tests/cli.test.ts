import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { TinyforgeError, ExitCode } from '../src/core/errors.js';
import { cli } from './helpers/cli.js';

const run = (...args: string[]) => spawnSync(process.execPath, ['bin/tinyforge.mjs', ...args], { encoding: 'utf8' });

describe('cli', () => {
  it('prints help with the exit-code table and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Exit codes: 0 ok');
  });
  it('rejects an unknown command with the usage exit code', () => {
    const r = run('no-such-command');
    expect(r.status).toBe(ExitCode.USAGE);
    expect(r.stderr).toMatch(/too many arguments|unknown command/);
  });
  it('typed errors map kinds to stable exit codes and serialise remedy', () => {
    const e = new TinyforgeError('bad-input', 'row 3 has 5 columns', { remedy: 'fix the row' });
    expect(e.exitCode).toBe(3);
    expect(e.toJSON()).toMatchObject({ error: 'bad-input', message: 'row 3 has 5 columns', remedy: 'fix the row', exitCode: 3 });
  });
  it('the in-process harness (tests/helpers/cli.ts) gives the binary\'s output and exit codes', async () => {
    for (const args of [['--help'], ['no-such-command'], ['inspect', '/no/such/file.tflite'], ['--json', 'inspect', '/no/such/file.tflite']]) {
      const [spawned, inProcess] = [run(...args), await cli(args)];
      expect({ status: inProcess.status, stdout: inProcess.stdout, stderr: inProcess.stderr }).toEqual({ status: spawned.status, stdout: spawned.stdout, stderr: spawned.stderr });
    }
  });
});
