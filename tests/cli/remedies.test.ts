// Every `tinyforge …` command line a message names (remedies, warnings, hints: every string and
// template literal in src/) is a real command, subcommand and set of flags of the command tree the
// binary parses (buildProgram), so a remedy never sends a user to `tinyforge data import`.
// Words after "tinyforge" that are prose, not commands, are listed here and reviewed by hand.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';
import { buildProgram } from '../../src/cli/main.js';

/** "a tinyforge bug", "tinyforge supports …": the word after "tinyforge" in prose. */
const PROSE = new Set(['bug', 'model', 'models', 'installation', 'supports', 'quantises', 'version', 'only', 'on', 'folder', 'and', 'or', 'with', 'to', 'coordinator', 'prints', 'trial', 'checks', 'reads', 'read', 'does', 'training', 'writes', 'tests', 'is', 'has', 'cannot', 'commands', 'command', 'project', 'generated', 'generates', 'runs', 'never', 'computes', 'itself', 'uses', 'keeps', 'knows', 'finds', 'refuses', 'sends', 'tools']);

/** Every string / template literal text in a TypeScript source (template spans joined with ' X '). */
function literals(text: string): string[] {
  const sf = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) out.push(n.text);
    else if (ts.isTemplateExpression(n)) {
      out.push([n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join('X'));
      n.templateSpans.forEach((s) => visit(s.expression));
      return;
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Problems with one literal's `tinyforge …` mentions against the program's command tree. */
export function checkMentions(text: string, program: Command): string[] {
  const problems: string[] = [];
  const globalFlags = new Set(program.options.map((o) => o.long!).concat(['--help', '--version']));
  for (const m of text.matchAll(/\btinyforge((?: +[^\s`'"(),;|]+)+)/g)) {
    const words = m[1].trim().split(/ +/).map((w) => w.replace(/[.:,]+$/, ''));
    let i = 0;
    while (words[i]?.startsWith('--') && globalFlags.has(words[i])) i++; // tinyforge --json train …
    const name = words[i];
    if (!name || PROSE.has(name) || !/^[a-z]/.test(name)) continue;
    if (name.includes('/')) {
      // "tinyforge demo/run output", "tinyforge convert/train write": each is a command.
      for (const n of name.split('/')) if (!program.commands.some((c) => c.name() === n)) problems.push(`"tinyforge ${name}": no command '${n}'`);
      continue;
    }
    let cmd = program.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!cmd) {
      problems.push(`"tinyforge ${words.slice(0, i + 2).join(' ')}": no command '${name}'`);
      continue;
    }
    if (cmd.commands.length) {
      const sub = words[i + 1];
      const found = cmd.commands.find((c) => c.name() === sub || c.aliases().includes(sub));
      if (!found) {
        problems.push(`"tinyforge ${name} ${sub ?? ''}": '${name}' has no subcommand '${sub ?? ''}' (it has ${cmd.commands.map((c) => c.name()).join(', ')})`);
        continue;
      }
      cmd = found;
      i++;
    }
    const known = new Set([...cmd.options.map((o) => o.long!), ...cmd.options.filter((o) => o.negate).map((o) => o.long!), ...globalFlags]);
    for (const w of words.slice(i + 1)) {
      const flag = /^(--[a-z][a-z0-9-]*)/.exec(w)?.[1];
      if (flag && !known.has(flag)) problems.push(`"tinyforge ${words.join(' ')}": '${cmd.name()}' has no flag ${flag}`);
    }
  }
  return problems;
}

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
