/**
 * `tinyforge` command line: a thin layer over the library. Each pipeline stage registers its
 * commands from its own module under ./commands.
 */
import * as tf from '@tensorflow/tfjs';
import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.js';
import { installProcessStops, manualStops, type StopControl } from '../adapters/signals.js';
import { buildProgram } from './program.js';

export { buildProgram };

/**
 * Runs one command line (argv as process.argv: node, script, args…) and sets process.exitCode.
 * In-process callers (tests) get the same parsing and exit codes as the binary; `stops` is the one
 * stop signal (Ctrl-C) the commands see — the binary's comes from the process (src/adapters/signals.ts),
 * an in-process caller's from `manualStops()`.
 */
export async function runCli(argv: string[], stops: StopControl = manualStops()): Promise<void> {
  // tfjs's CPU backend prints a "you are running TensorFlow.js in Node.js" banner to stderr on
  // first use (verify, eval): production mode keeps its advice-to-developers warnings quiet.
  tf.env().set('PROD', true);
  const program = buildProgram(stops);
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version arrive here too, with exit code 0.
      process.exitCode = e.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
      return;
    }
    throw e;
  }
}

/**
 * The binary's entry (bin/tinyforge.mjs): installs the stop signals (once, first), runs the command
 * line, then ends the process itself with the exit code (see src/adapters/signals.ts for why it does
 * not wait for Node to wind down). A closed stdout pipe ends quietly.
 */
export async function main(): Promise<void> {
  const stops = installProcessStops();
  // A closed pipe (`tinyforge inspect m.tflite | head`) is a normal way to stop reading, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  await runCli(process.argv, stops);
  // A command that stopped cleanly because of a signal (flash, studio, monitor) was still interrupted.
  const code = Number(process.exitCode ?? ExitCode.OK);
  stops.finish(stops.signal.aborted && code === ExitCode.OK ? ExitCode.INTERRUPTED : code);
}
