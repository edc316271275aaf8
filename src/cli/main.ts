/**
 * `tinyforge` command line: a thin layer over the library. Each pipeline stage registers its
 * commands from its own module under ./commands.
 */
import { CommanderError } from 'commander';
import { ExitCode } from '../core/errors.js';
import { buildProgram } from './program.js';

export { buildProgram };

async function main(argv: string[]): Promise<void> {
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

// A closed pipe (`tinyforge inspect m.tflite | head`) is a normal way to stop reading, not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

await main(process.argv);
