import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/core/shared.js';

/** One row of tests/fixtures/frames.json (made by tests/device/make-frames.py). */
export interface FrameCase {
  name: string;
  wire: string;
  events: ({ frame: { version: number; type: number; seq: number; payload: string } } | { error: string })[];
  encode?: { type: number; seq: number; payload: string };
}
export const FRAME_CASES: FrameCase[] = JSON.parse(readFileSync(join(REPO_ROOT, 'tests/fixtures/frames.json'), 'utf8')).cases;
