/**
 * The read-only `shared/` folder (test vectors, real recordings) for tests. Data there is read in
 * place, never copied into the project.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';

/**
 * Where `shared/` lives: `$TINYFORGE_SHARED`, else `../shared` beside the repository. Returns null
 * when absent (a user's own clone).
 */
export function sharedDir(): string | null {
  const candidates = [process.env.TINYFORGE_SHARED, join(REPO_ROOT, '..', 'shared')].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(join(c, 'vectors'))) return resolve(c);
  return null;
}

/**
 * The shared folder, or null with a clear skip reason. When `TINYFORGE_REQUIRE_SHARED=1` (set by
 * .ci/run) its absence is an error, not a skip.
 */
export function sharedForTests(): string | null {
  const dir = sharedDir();
  if (!dir && process.env.TINYFORGE_REQUIRE_SHARED === '1') {
    throw new Error('shared/ is required (TINYFORGE_REQUIRE_SHARED=1) but was not found beside the repo or at $TINYFORGE_SHARED');
  }
  if (!dir) console.warn('[tinyforge tests] ../shared not found: tests that need the shared vectors/recordings are skipped. Set TINYFORGE_SHARED to run them.');
  return dir;
}
