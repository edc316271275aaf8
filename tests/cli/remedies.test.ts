// Every `tinyforge …` command line a message names (remedies, warnings, hints: every string and
// template literal in src/) is a real command, subcommand and set of flags of the command tree the
// binary parses (buildProgram), so a remedy never sends a user to `tinyforge data import`.
// Words after "tinyforge" that are prose, not commands, are listed here and reviewed by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { buildProgram } from '../../src/cli/main.js';
import { checkMentions, literals } from '../support/command-lines.js';

function sources(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

describe('every tinyforge command a message names', () => {
  it('is a real command with real flags (all string and template literals in src/)', () => {
    const program = buildProgram();
    const problems: string[] = [];
    let mentions = 0;
    for (const f of sources(join(REPO_ROOT, 'src'))) {
      for (const lit of literals(readFileSync(f, 'utf8'))) {
        if (!lit.includes('tinyforge ')) continue;
        mentions += (lit.match(/\btinyforge /g) ?? []).length;
        for (const p of checkMentions(lit, program)) problems.push(`${f.slice(REPO_ROOT.length + 1)}: ${p}`);
      }
    }
    expect(problems).toEqual([]);
    expect(mentions).toBeGreaterThan(50); // the scan sees the messages (not an empty pass)
  });

  it('catches a missing command, subcommand or flag', () => {
    const program = buildProgram();
    expect(checkMentions('import the data (tinyforge data import) and retrain', program)).toEqual([
      `"tinyforge data import": 'data' has no subcommand 'import' (it has ${program.commands.find((c) => c.name() === 'data')!.commands.map((c) => c.name()).join(', ')})`,
    ]);
    expect(checkMentions('run `tinyforge frobnicate --x`', program)).toEqual([`"tinyforge frobnicate --x": no command 'frobnicate'`]);
    expect(checkMentions('tinyforge firmware --board B --modle m.tflite', program)).toEqual([`"tinyforge firmware --board B --modle m.tflite": 'firmware' has no flag --modle`]);
    expect(checkMentions('a tinyforge bug: tinyforge --json train --epochs 3', program)).toEqual([]);
  });
});
