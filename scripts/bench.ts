/**
 * `npm run bench`: runs every stage's bench module (scripts/bench/<stage>.ts) and writes
 * BENCHMARKS.md with the machine and the date. Speed and memory targets live here, never in
 * timed unit tests. `npm run bench -- interp train` runs only the named modules and keeps the other
 * modules' sections of the existing BENCHMARKS.md (each module's block is marked with an HTML
 * comment `<!-- bench:NAME -->`), so the file always holds every module's latest figures. A module
 * that returns no sections (its data is not on this machine) keeps its last block too. A block whose
 * name is no module's (by-hand measurements, e.g. `<!-- bench:by-hand-native -->`) is kept as it is,
 * after the modules' blocks.
 */
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { join, basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from '../src/core/shared.js';
import type { BenchModule, BenchSection } from './bench/types.js';

const ORDER = ['data', 'train', 'quantize', 'tflite', 'interp', 'native', 'native-dsp', 'public-models', 'firmware', 'device', 'pipeline'];

function toolVersion(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n')[0].trim();
  } catch {
    return 'not installed';
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const dir = join(REPO_ROOT, 'scripts', 'bench');
  const mods = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'types.ts')
    .map((f) => basename(f, '.ts'))
    .filter((m) => only.length === 0 || only.includes(m))
    .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  const all = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'types.ts').map((f) => basename(f, '.ts'))
    .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  const out = join(REPO_ROOT, 'BENCHMARKS.md');
  const measured = new Map<string, string>();
  for (const m of mods) {
    const sections: BenchSection[] = [];
    const t0 = Date.now();
    process.stderr.write(`bench: ${m} …\n`);
    try {
      const mod = (await import(pathToFileURL(join(dir, `${m}.ts`)).href)) as BenchModule;
      sections.push(...(await mod.bench()));
    } catch (e) {
      sections.push({ title: `${m} (failed)`, markdown: `The ${m} benchmark failed: \`${e instanceof Error ? e.message : String(e)}\`` });
    }
    process.stderr.write(`bench: ${m} done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    // No sections: the module had nothing to measure here (data not on this machine); keep its last figures.
    if (sections.length === 0) continue;
    const stamp = `_measured ${new Date().toISOString().slice(0, 10)} on this machine_`;
    measured.set(m, sections.flatMap((x) => [`## ${x.title}`, '', x.markdown.trim(), '', stamp, '']).join('\n'));
  }
  // The other modules' blocks are read now, not at the start: a long run must not undo what was merged meanwhile.
  const blocks = new Map<string, string>([...(existsSync(out) ? previousBlocks(readFileSync(out, 'utf8')) : []), ...measured]);
  const c = cpus();
  const machine = [
    `- date: ${new Date().toISOString()}`,
    `- machine: ${c.length} × ${c[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${platform()} ${release()} ${arch()}`,
    `- node ${process.version}; ${toolVersion('arm-none-eabi-gcc', ['--version'])}; ${toolVersion('qemu-system-arm', ['--version'])}`,
    `- modules run this time: ${mods.join(', ')} (others keep their last figures; each section says when it was measured)`,
  ].join('\n');
  const md = [
    '# tinyforge benchmarks',
    '',
    'Written by `npm run bench` (scripts/bench.ts); each section comes from scripts/bench/<stage>.ts and says how it was measured.',
    '',
    machine,
    '',
    ...[...all.filter((m) => blocks.has(m)), ...[...blocks.keys()].filter((m) => !all.includes(m))].flatMap((m) => [`<!-- bench:${m} -->`, blocks.get(m)!, `<!-- /bench:${m} -->`, '']),
  ].join('\n');
  writeFileSync(out + '.tmp', md);
  renameSync(out + '.tmp', out);
  process.stderr.write(`bench: wrote ${out}\n`);
}

/** The per-module blocks of an existing BENCHMARKS.md (none if it predates the markers). */
function previousBlocks(md: string): [string, string][] {
  const re = /<!-- bench:([\w-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g;
  return [...md.matchAll(re)].map((m) => [m[1], m[2]]);
}

await main();
