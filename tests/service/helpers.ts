/**
 * Test harness for the service layer and `tinyforge run`: the CLI in-process (buildProgram, so no
 * tsx start-up per call) and small labelled recordings made here.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram } from '../../src/cli/program.js';
import { ExitCode } from '../../src/core/errors.js';
import { mulberry32 } from '../../src/data/prng.js';

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `tinyforge ARGS` in this process, capturing stdout/stderr and the exit code. */
export async function runCli(...args: string[]): Promise<CliResult> {
  const program = buildProgram();
  program.configureOutput({ writeOut: (s) => void process.stdout.write(s), writeErr: (s) => void process.stderr.write(s) });
  let stdout = '';
  let stderr = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  let status: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    status = Number(process.exitCode ?? 0);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    status = e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
  }
  return { status, stdout, stderr };
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
