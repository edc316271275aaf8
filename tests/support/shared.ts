/**
 * The read-only `shared/` folder (test vectors, real recordings) for tests: the folder, or null with
 * a clear skip reason. When `TINYFORGE_REQUIRE_SHARED=1` (set by .ci/run) its absence is an error,
 * not a skip.
 */
import { sharedDir } from '../../src/core/shared.js';

export function sharedForTests(): string | null {
  const dir = sharedDir();
  if (!dir && process.env.TINYFORGE_REQUIRE_SHARED === '1') {
    throw new Error('shared/ is required (TINYFORGE_REQUIRE_SHARED=1) but was not found beside the repo or at $TINYFORGE_SHARED');
  }
  if (!dir) console.warn('[tinyforge tests] ../shared not found: tests that need the shared vectors/recordings are skipped. Set TINYFORGE_SHARED to run them.');
  return dir;
}
