// The README stays honest: every `tinyforge …` command it shows is a real command with real flags,
// its exit-code table is the one the CLI uses (src/core/errors.ts ExitCode), and the table's
// claims are run: one command per code that can be reached without a board, in-process
// (tests/helpers/cli.ts), checked for exactly that code. (130, Ctrl-C, is checked by the signal
// tests of the commands that handle it; 5 by the verify tests, which need a board.)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { ExitCode } from '../../src/core/errors.js';
import { buildProgram } from '../../src/cli/main.js';
import { checkMentions } from '../support/command-lines.js';
import { cli } from '../helpers/cli.js';
import { tempDir, tinyProject } from './helpers.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** The README's exit-code table: code → meaning. */
function exitTable(): Map<number, string> {
  const section = README.split(/^## Exit codes$/m)[1]?.split(/^## /m)[0] ?? '';
  return new Map([...section.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]]));
}

describe('README.md', () => {
  it('every tinyforge command line in it is a real command with real flags', () => {
    const program = buildProgram();
    const lines = README.split('\n').filter((l) => /\btinyforge [a-z-]/.test(l));
    expect(lines.length).toBeGreaterThan(30);
    const problems = lines.flatMap((l) => checkMentions(l.replace(/`/g, ' '), program));
    expect(problems).toEqual([]);
  });

  it('its exit-code table lists exactly the codes the CLI uses', () => {
    expect([...exitTable().keys()].sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  // One command per code, reachable without a board or a compiler; each row's claim run as written.
  const dir = tempDir('tf-readme-');
  const cases: [number, string, () => Promise<string[]>][] = [
    [0, 'success', async () => ['--version']],
    [2, 'unknown flag', async () => ['inspect', '--no-such-flag']],
    [2, 'bad flag value (--imu naming no activity)', async () => ['flash', dir, '--board', 'qemu-mps2-an386', '--imu', 'sim:flying', '--dry-run']],
    [3, 'a malformed file', async () => {
      const p = join(dir, 'junk.tflite');
      (await import('node:fs')).writeFileSync(p, 'not a model');
      return ['inspect', p];
    }],
    [4, 'unsupported (uint8 quantisation)', async () => {
      const p = tinyProject();
      return ['quantize', '--model', p.dir, '--uint8', '--out', join(dir, 'u8.tflite')];
    }],
    [6, 'no port', async () => ['monitor', '--port', join(dir, 'no-such-port')]],
  ];
  it.each(cases)('exit %i (%s) as the table says', async (code, _what, args) => {
    expect(exitTable().has(code)).toBe(true);
    const r = await cli(await args());
    expect(r.status, r.stdout + r.stderr).toBe(code);
    if (code !== 0) expect(r.stderr).toMatch(/remedy:|run with --help/);
  });
});
