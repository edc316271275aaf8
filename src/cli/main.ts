/**
 * `tinyforge` command line: a thin layer over the library. Each pipeline stage registers its
 * commands from its own module under ./commands.
 */
import * as tf from '@tensorflow/tfjs';
import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.js';
import { buildProgram } from './program.js';

export { buildProgram };

/**
 * Runs one command line (argv as process.argv: node, script, args…) and sets process.exitCode.
 * In-process callers (tests) get the same parsing and exit codes as the binary.
 */
export async function runCli(argv: string[]): Promise<void> {
  // tfjs's CPU backend prints a "you are running TensorFlow.js in Node.js" banner to stderr on
  // first use (verify, eval): production mode keeps its advice-to-developers warnings quiet.
  tf.env().set('PROD', true);
  const program = buildProgram();
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

/** The binary's entry (bin/tinyforge.mjs): runCli on process.argv, a closed stdout pipe ends quietly. */
export async function main(): Promise<void> {
  // A closed pipe (`tinyforge inspect m.tflite | head`) is a normal way to stop reading, not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  await runCli(process.argv);
}
