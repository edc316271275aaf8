/**
 * Adapter: writes a generated project folder atomically. Files go to a temporary sibling folder
 * first, which is renamed into place only when complete, so a failure never leaves half a project.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { GeneratedFile } from '../core/cemit.js';
import { badInput } from '../core/errors.js';

export interface WriteProjectOptions {
  /** Replace an existing folder (only a previous tinyforge project or an empty folder). */
  force?: boolean;
  /** File that marks a folder as ours (so --force never deletes someone else's folder). */
  marker?: string;
}

export function writeProject(outDir: string, files: GeneratedFile[], opts: WriteProjectOptions = {}): string {
  const out = resolve(outDir);
  const parent = dirname(out);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
  let replacing = false;
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw badInput(`${outDir} exists and is not a folder`, { remedy: 'choose another --out' });
    const empty = readdirSync(out).length === 0;
    const ours = opts.marker ? existsSync(join(out, opts.marker)) : false;
    if (!empty && !(opts.force && ours)) {
      throw badInput(`${outDir} already exists and is not empty`, {
        remedy: ours ? 'pass --force to replace the previous project, or choose another --out' : 'choose another --out (tinyforge only replaces folders it generated)',
      });
    }
    replacing = true;
  }
  const tmp = join(parent, `.${basename(out)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const f of files) {
      const p = join(tmp, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.contents);
    }
    if (replacing) {
      const old = join(parent, `.${basename(out)}.old-${process.pid}`);
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, out);
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw badInput(`cannot write ${outDir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, remedy: 'check that the folder is writable and the disk has space' });
  }
  return out;
}
