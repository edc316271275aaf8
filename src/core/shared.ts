import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (the folder holding package.json). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Where the read-only `shared/` folder (test vectors, real recordings) lives: `$TINYFORGE_SHARED`,
 * else `../shared` beside the repository. Returns null when absent (a user's own clone).
 * Data there is read in place, never copied into the project.
 */
export function sharedDir(): string | null {
  const candidates = [process.env.TINYFORGE_SHARED, join(REPO_ROOT, '..', 'shared')].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(join(c, 'vectors'))) return resolve(c);
  return null;
}
