/**
 * Checks `tinyforge …` command lines in text (messages in src/, the README) against the command
 * tree the binary parses (buildProgram): commands, subcommands and flags must exist. Words after
 * "tinyforge" that are prose, not commands, are listed here and reviewed by hand.
 */
import ts from 'typescript';
import type { Command } from 'commander';

/** "a tinyforge bug", "tinyforge supports …": the word after "tinyforge" in prose. */
const PROSE = new Set(['bug', 'model', 'models', 'captures', 'provides', 'installation', 'supports', 'quantises', 'version', 'only', 'on', 'folder', 'and', 'or', 'with', 'to', 'coordinator', 'prints', 'trial', 'checks', 'reads', 'read', 'does', 'training', 'writes', 'tests', 'is', 'has', 'cannot', 'commands', 'command', 'project', 'generated', 'generates', 'runs', 'never', 'computes', 'itself', 'uses', 'keeps', 'knows', 'finds', 'refuses', 'sends', 'tools']);

/** Every string / template literal text in a TypeScript source (template spans joined with ' X '). */
export function literals(text: string): string[] {
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
    // The command line ends at a shell comment or a "/" between alternatives.
    const all = m[1].trim().split(/ +/);
    const end = all.findIndex((w) => w === '#' || w === '/');
    const words = (end < 0 ? all : all.slice(0, end)).map((w) => w.replace(/[.:,]+$/, ''));
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

