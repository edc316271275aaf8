/**
 * `tinyforge` command line: a thin layer over the library. Each pipeline stage registers its
 * commands from its own module under ./commands.
 */
import { Command, CommanderError } from 'commander';
import { TINYFORGE_VERSION } from '../core/version.js';
import { ExitCode } from '../core/errors.js';
import { register as demoCmd } from './commands/demo.js';
import { register as dataCmd } from './commands/data.js';
import { register as trainCmd } from './commands/train.js';
import { register as quantizeCmd } from './commands/quantize.js';
import { register as inspectCmd } from './commands/inspect.js';
import { register as inferCmd } from './commands/infer.js';
import { register as firmwareCmd } from './commands/firmware.js';
import { register as flashCmd } from './commands/flash.js';
import { register as deviceCmd } from './commands/device.js';
import { register as studioCmd } from './commands/studio.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('tinyforge')
    .description('Labelled sensor data → int8 model → verified on a Cortex-M microcontroller.')
    .version(TINYFORGE_VERSION)
    .option('--json', 'machine-readable JSON output on stdout (no progress bars)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    `\nExit codes: 0 ok, 1 internal error, 2 usage, 3 bad input, 4 unsupported, 5 verification mismatch,\n6 device/link failure, 7 external tool missing or failed, 130 interrupted.`,
  );
  demoCmd(program);
  dataCmd(program);
  trainCmd(program);
  quantizeCmd(program);
  inspectCmd(program);
  inferCmd(program);
  firmwareCmd(program);
  flashCmd(program);
  deviceCmd(program);
  studioCmd(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

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
