/**
 * Test harness for the service layer and `tinyforge run`: the CLI in-process (tests/helpers/cli.ts,
 * so no tsx start-up per call) and small labelled recordings made here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/data/prng.js';
import { cli, type CliResult } from '../helpers/cli.js';

export type { CliResult };

/** Runs `tinyforge ARGS` in this process (tests/helpers/cli.ts), capturing stdout/stderr and the exit code. */
export function runCli(...args: string[]): Promise<CliResult> {
  return cli(args);
}

/**
 * Two easily told apart classes of 3-axis accelerometer data (g) at 50 Hz, one CSV per subject
 * with t_ms/label/subject columns: "still" (gravity on z + small noise) and "shake" (a 3 Hz
 * oscillation of ±0.8 g on x). Any working model separates them; the values are seeded.
 */
export function writeTwoClassCsvs(dir: string, o: { subjects?: number; seconds?: number } = {}): string {
  const subjects = o.subjects ?? 6;
  const seconds = o.seconds ?? 8;
  mkdirSync(dir, { recursive: true });
  const rate = 50;
  for (let s = 0; s < subjects; s++) {
    const rng = mulberry32(100 + s);
    const rows = ['t_ms,aX,aY,aZ,label,subject'];
    let t = 0;
    for (const label of ['still', 'shake']) {
      for (let i = 0; i < seconds * rate; i++, t += 1000 / rate) {
        const n = () => (rng.next() - 0.5) * 0.05;
        const x = label === 'shake' ? 0.8 * Math.sin((2 * Math.PI * 3 * i) / rate + s) : 0;
        rows.push(`${t.toFixed(0)},${(x + n()).toFixed(4)},${n().toFixed(4)},${(1 + n()).toFixed(4)},${label},s${s}`);
      }
    }
    writeFileSync(join(dir, `subject${s}.csv`), rows.join('\n') + '\n');
  }
  return dir;
}
