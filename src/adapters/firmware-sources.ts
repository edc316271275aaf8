/**
 * Adapter: the hand-written firmware sources (firmware/**) as plain data, so the project
 * generator (emit.ts) stays a pure function of its inputs.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../core/shared.js';
import type { SourceTree } from '../firmware/emit.js';

export type { SourceTree };

/** Reads every file under `<root>/firmware` (default: this repository's). */
export function readFirmwareSources(root: string = REPO_ROOT): SourceTree {
  const out: SourceTree = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p).split('\\').join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(join(root, 'firmware'));
  return out;
}
