// The house rules of docs/architecture.md, checked on the real import graph: the outside world
// (files, processes, serial ports, signals, exit) only in src/adapters and src/cli; arrows point
// down the layers the doc lists; no import circle; nothing in src/ imports tests/. Imports are read
// with the TypeScript compiler's parser (static, re-exports, dynamic import(), import = require),
// the layers from the doc itself, so the doc and the test cannot drift apart.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/core/shared.js';

const SRC = join(REPO_ROOT, 'src');

/** Modules that may reach the outside world. */
const EDGE = ['adapters', 'cli'];
/** Outside things only the edge may import. */
const FORBIDDEN_IMPORT = /^(node:)?(fs|fs\/promises|child_process)$|^serialport$|^@serialport\//;
/** `process.<member>` only the edge may touch: signal handlers and exiting. */
const FORBIDDEN_PROCESS = new Set(['on', 'once', 'off', 'addListener', 'removeListener', 'prependListener', 'prependOnceListener', 'removeAllListeners', 'exit', 'exitCode', 'kill', 'abort']);

/**
 * Board facts that say whether a board is virtual (BoardSpec.flasher; `virtual` was its old name):
 * read only where a board is started or its flash plan written (docs/architecture.md rule 5).
 * Everything else holds a `Board` (src/service/ports.ts) and uses what it does.
 */
const BOARD_FACTS = new Set(['virtual', 'flasher']);
const BOARD_FACT_READERS: Record<string, string> = {
  'firmware/boards.ts': 'defines every board',
  'flash/plan.ts': 'writes each flasher\'s plan',
  'adapters/boards.ts': 'builds the Board of an id',
  'adapters/qemu.ts': 'starts the virtual board',
  'cli/commands/studio.ts': 'maps the --virtual DIR flag (a folder) to StudioOptions.firmware',
};

/** The modules that start boards and open their ports: only the Board of an id (adapters/boards.ts) imports them. */
const BOARD_STARTERS = ['adapters/qemu.ts', 'adapters/serial.ts'];
const BOARD_MODULE = 'adapters/boards.ts';

/**
 * Known violations while the refactor is under way: this list only shrinks. The test fails on a
 * violation not listed here AND on a listed one that no longer occurs, so it cannot go stale.
 */
const KNOWN: string[] = [];

interface Module {
  /** Path relative to src/, '/'-separated. */
  path: string;
  /** Relative imports, resolved to paths relative to src/ (may point outside src/, e.g. ../tests/…). */
  imports: string[];
  /** Bare specifiers (packages, node: builtins). */
  packages: string[];
  /** `process.x` members touched. */
  process: string[];
  /** Board facts read (BOARD_FACTS): `.x`, `['x']` or `{ x }` from an object. */
  boardFacts: string[];
  /** Dynamic imports whose specifier is not a string literal (an arrow this test cannot see). */
  computedImports: number;
}

/** Parses one module's imports and process use. `path` is relative to src/. */
export function parseModule(path: string, text: string): Module {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const m: Module = { path, imports: [], packages: [], process: [], boardFacts: [], computedImports: 0 };
  const add = (spec: string) => {
    if (spec.startsWith('.')) m.imports.push(relative(SRC, resolve(SRC, dirname(path), spec)).split('\\').join('/').replace(/\.js$/, '.ts'));
    else m.packages.push(spec);
  };
  // `const name = 'literal'` in this file, so import(name) is still seen.
  const consts = new Map<string, string>();
  const collect = (n: ts.Node): void => {
    if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer && ts.isStringLiteralLike(n.initializer)) consts.set(n.name.text, n.initializer.text);
    ts.forEachChild(n, collect);
  };
  collect(sf);
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) add(n.moduleSpecifier.text);
    else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) add(n.moduleReference.expression.text);
    else if (ts.isCallExpression(n) && (n.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(n.expression) && n.expression.text === 'require'))) {
      const a = n.arguments[0];
      if (a && ts.isStringLiteralLike(a)) add(a.text);
      else if (a && ts.isIdentifier(a) && consts.has(a.text)) add(consts.get(a.text)!);
      else if (a && ts.isTemplateExpression(a) && a.head.text && !a.head.text.startsWith('.')) add(a.head.text); // `pkg/${x}.json`: a package
      else m.computedImports++;
    } else if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'process' && FORBIDDEN_PROCESS.has(n.name.text)) {
      m.process.push(n.name.text);
    }
    if (ts.isPropertyAccessExpression(n) && BOARD_FACTS.has(n.name.text)) m.boardFacts.push(n.name.text);
    else if (ts.isElementAccessExpression(n) && ts.isStringLiteralLike(n.argumentExpression) && BOARD_FACTS.has(n.argumentExpression.text)) m.boardFacts.push(n.argumentExpression.text);
    else if (ts.isBindingElement(n) && ts.isObjectBindingPattern(n.parent)) {
      const key = n.propertyName ?? n.name;
      if ((ts.isIdentifier(key) || ts.isStringLiteralLike(key)) && BOARD_FACTS.has(key.text)) m.boardFacts.push(key.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return m;
}

/** The layers of docs/architecture.md, bottom to top: each a list of top-level folders of src/. */
export function readLayers(doc: string): string[][] {
  const block = doc.split('<!-- layers')[1]?.match(/```\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error('docs/architecture.md has no <!-- layers --> block');
  return block.trim().split('\n').map((l) => l.trim().split(/\s+/));
}

/** The folder (layer unit) a module belongs to: its first path segment under src/. */
const unitOf = (p: string) => (p.includes('/') ? p.split('/')[0] : '.');

/** Every rule broken by `modules`, as stable one-line strings. */
export function violations(modules: Module[], layers: string[][]): string[] {
  const rank = new Map<string, number>();
  layers.forEach((l, i) => l.forEach((u) => rank.set(u, i)));
  const out: string[] = [];
  const known = new Set(modules.map((m) => m.path));
  for (const m of modules) {
    const unit = unitOf(m.path);
    const edge = EDGE.includes(unit);
    if (!rank.has(unit)) out.push(`${m.path}: folder '${unit}' is in no layer of docs/architecture.md`);
    if (!edge) {
      for (const p of new Set(m.packages)) if (FORBIDDEN_IMPORT.test(p)) out.push(`${m.path}: imports ${p} (only src/adapters and src/cli may)`);
      for (const p of new Set(m.process)) out.push(`${m.path}: touches process.${p} (only src/adapters and src/cli may)`);
    }
    if (!(m.path in BOARD_FACT_READERS)) for (const f of new Set(m.boardFacts)) out.push(`${m.path}: reads .${f} (only the code that starts a board may know whether it is virtual: ${Object.keys(BOARD_FACT_READERS).join(', ')})`);
    if (m.computedImports) out.push(`${m.path}: import() of a computed specifier hides an arrow`);
    for (const t of new Set(m.imports)) {
      if (t.startsWith('..')) {
        if (!t.endsWith('.json')) out.push(`${m.path}: imports ${t} outside src/`); // package.json, schemas/*.json are data
        continue;
      }
      if (!known.has(t)) continue; // a generated or JSON module; the compiler checks it exists
      if (BOARD_STARTERS.includes(t) && m.path !== BOARD_MODULE) out.push(`${m.path} -> ${t}: boards are started and their ports opened only through the Board of an id (${BOARD_MODULE}, via Platform.boards)`);
      const [a, b] = [rank.get(unit), rank.get(unitOf(t))];
      if (a !== undefined && b !== undefined && b > a) out.push(`${m.path} -> ${t}: ${unitOf(t)} is above ${unit}`);
    }
  }
  for (const c of cycles(modules)) out.push(`import circle among: ${c.join(', ')}`);
  return out.sort();
}

/** Strongly connected components with more than one module (or a self-import), Tarjan's algorithm. */
export function cycles(modules: Module[]): string[][] {
  const graph = new Map(modules.map((m) => [m.path, [...new Set(m.imports)]]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const strong = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || graph.get(v)!.includes(v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strong(v);
  return out;
}

function srcModules(): Module[] {
  return (readdirSync(SRC, { recursive: true }) as string[])
    .map((f) => f.split('\\').join('/'))
    .filter((f) => /\.(ts|mts|cts)$/.test(f) && !f.endsWith('.d.ts'))
    .sort()
    .map((f) => parseModule(f, readFileSync(join(SRC, f), 'utf8')));
}

const LAYERS = readLayers(readFileSync(join(REPO_ROOT, 'docs', 'architecture.md'), 'utf8'));

describe('the layering of docs/architecture.md', () => {
  it('holds for src/: the outside world at the edge, arrows down, no circle (known violations listed, and only those)', () => {
    expect(violations(srcModules(), LAYERS)).toEqual([...KNOWN].sort());
  });

  it('lists every folder of src/ in exactly one layer', () => {
    const units = new Set(srcModules().map((m) => unitOf(m.path)));
    const listed = LAYERS.flat();
    expect(new Set(listed).size).toBe(listed.length);
    for (const u of units) expect(listed, `src/${u}`).toContain(u);
  });

  // The checks can fail: the same functions on small made-up trees.
  it('fails when a stage imports node:fs, spawns, opens a serial port or handles a signal', () => {
    const mods = [
      parseModule('train/a.ts', "import { readFileSync } from 'node:fs';\nexport const a = 1;"),
      parseModule('firmware/b.ts', "import { spawn } from 'child_process';"),
      parseModule('device/c.ts', "export async function f() { return import('serialport'); }"),
      parseModule('service/d.ts', "process.on('SIGINT', () => process.exit(130));"),
      parseModule('adapters/e.ts', "import { readFileSync } from 'node:fs'; process.once('SIGINT', () => {});"),
      parseModule('cli/f.ts', "process.exitCode = 2;"),
    ];
    expect(violations(mods, LAYERS)).toEqual([
      'device/c.ts: imports serialport (only src/adapters and src/cli may)',
      'firmware/b.ts: imports child_process (only src/adapters and src/cli may)',
      'service/d.ts: touches process.exit (only src/adapters and src/cli may)',
      'service/d.ts: touches process.on (only src/adapters and src/cli may)',
      'train/a.ts: imports node:fs (only src/adapters and src/cli may)',
    ]);
  });

  it('fails when code outside the board modules asks whether a board is virtual (.flasher, .virtual, read or destructured) or starts one itself', () => {
    const mods = [
      parseModule('service/run.ts', "export const f = (b: any) => b.spec.flasher === 'qemu';"),
      parseModule('cli/commands/flash.ts', "export const f = (b: any) => (b['virtual'] ? 1 : 2);"),
      parseModule('studio/x.ts', 'export const f = ({ flasher }: any) => flasher;'),
      parseModule('adapters/boards.ts', 'export const f = (spec: any) => KINDS[spec.flasher];'),
      parseModule('flash/plan.ts', 'export const f = (board: any) => PLANS[board.flasher];'),
      parseModule('device/y.ts', "export const f = (o: any) => o.port;"),
      parseModule('cli/commands/flash.ts', "import { startVirtualBoard } from '../../adapters/qemu.js';"),
      parseModule('studio/z.ts', "import { SerialTransport } from '../adapters/serial.js';"),
      parseModule('adapters/boards.ts', "import { startVirtualBoard } from './qemu.js'; import { listPorts } from './serial.js';"),
      parseModule('adapters/qemu.ts', 'export {};'),
      parseModule('adapters/serial.ts', 'export {};'),
    ];
    const why = '(only the code that starts a board may know whether it is virtual: firmware/boards.ts, flash/plan.ts, adapters/boards.ts, adapters/qemu.ts, cli/commands/studio.ts)';
    expect(violations(mods, LAYERS)).toEqual([
      'cli/commands/flash.ts -> adapters/qemu.ts: boards are started and their ports opened only through the Board of an id (adapters/boards.ts, via Platform.boards)',
      `cli/commands/flash.ts: reads .virtual ${why}`,
      `service/run.ts: reads .flasher ${why}`,
      `studio/x.ts: reads .flasher ${why}`,
      'studio/z.ts -> adapters/serial.ts: boards are started and their ports opened only through the Board of an id (adapters/boards.ts, via Platform.boards)',
    ]);
  });

  it('fails on an arrow up the layers, a circle, an import of tests/, a computed import, an unlisted folder', () => {
    const mods = [
      parseModule('core/graph.ts', "import type { X } from '../service/index.js';"),
      parseModule('service/index.ts', "export * from './run.js';"),
      parseModule('service/run.ts', "import { g } from '../core/graph.js'; import { h } from './index.js';"),
      parseModule('data/x.ts', "import { fake } from '../../tests/support/fake-device.js'; await import(['./y', 'js'].join('.'));"),
      parseModule('newstage/z.ts', "export {};"),
      parseModule('cli/main.ts', "import '../service/index.js'; import '../core/graph.js';"),
    ];
    expect(violations(mods, LAYERS)).toEqual([
      'core/graph.ts -> service/index.ts: service is above core',
      "data/x.ts: import() of a computed specifier hides an arrow",
      'data/x.ts: imports ../tests/support/fake-device.ts outside src/',
      "import circle among: core/graph.ts, service/index.ts, service/run.ts",
      "newstage/z.ts: folder 'newstage' is in no layer of docs/architecture.md",
    ]);
  });
});
